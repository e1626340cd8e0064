// The error a networked store raises when it cannot answer now (connection lost,
// timeout, failover in progress). Transports turn it into "try again later" (HTTP 503
// with Retry-After) instead of a server error; the request may be retried as is.
#pragma once

#include <stdexcept>
#include <string>

namespace mcpxx::store {

class unavailable : public std::runtime_error {
 public:
  explicit unavailable(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace mcpxx::store
