// Where the Redis servers of the ctest fixture are (tests/redis/servers writes
// urls.env into the build's redis-test directory, MCPXX_TEST_REDIS_DIR); a missing
// server is a failure, never a skip.
#pragma once

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace mcpxx::test {

inline std::string redis_url(const std::string& which) {
  const char* dir = std::getenv("MCPXX_TEST_REDIS_DIR");  // to point at other servers
  if (!dir) dir = MCPXX_TEST_REDIS_DIR;
  std::ifstream in(std::string(dir) + "/urls.env");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(which + "=", 0) == 0) return line.substr(which.size() + 1);
  throw std::runtime_error("no '" + which + "' Redis in " + std::string(dir) + "/urls.env");
}

}  // namespace mcpxx::test
