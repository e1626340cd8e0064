// RESP command formatting (our own) checked byte for byte against hiredis's
// redisFormatCommandArgv, and parsed back by the reply reader.
#include "store/redis/resp.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <string>
#include <vector>

namespace {

using mcpxx::store::redis::command;
using mcpxx::store::redis::format_command;
using mcpxx::store::redis::reply;
using mcpxx::store::redis::reply_reader;

std::string hiredis_format(const command& cmd) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : cmd) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* buf = nullptr;
  int n = redisFormatCommandArgv(&buf, static_cast<int>(cmd.size()), argv.data(), lens.data());
  EXPECT_GT(n, 0);
  std::string out(buf, static_cast<std::size_t>(n));
  redisFreeCommand(buf);
  return out;
}

std::vector<command> samples() {
  std::string binary("a\0b\r\nc", 6);
  return {
      {"PING"},
      {"SET", "key", ""},
      {"HSET", "mcp-session-{abc}", "client_info", R"({"name":"x","version":"1"})"},
      {"EVALSHA", std::string(40, 'f'), "1", "k", binary, std::string(100'000, 'x')},
      command(40, "arg"),  // more arguments than fit inline anywhere
  };
}

TEST(store_redis_resp, formats_commands_like_hiredis) {
  for (const auto& cmd : samples()) {
    std::string ours;
    format_command(cmd, ours);
    EXPECT_EQ(ours, hiredis_format(cmd)) << cmd.front();
  }
}

TEST(store_redis_resp, appends_a_pipeline_that_parses_back) {
  std::string wire = "prefix";
  for (const auto& cmd : samples()) format_command(cmd, wire);
  ASSERT_EQ(wire.substr(0, 6), "prefix");
  reply_reader reader;
  // Fed in small pieces, as a socket may deliver it.
  for (std::size_t i = 6; i < wire.size(); i += 7) reader.feed(std::string_view(wire).substr(i, 7));
  for (const auto& cmd : samples()) {
    auto r = reader.next();
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->type, reply::kind::array);
    ASSERT_EQ(r->elements.size(), cmd.size());
    for (std::size_t i = 0; i < cmd.size(); ++i) EXPECT_EQ(r->elements[i].str, cmd[i]);
  }
  EXPECT_FALSE(reader.next().has_value());
}

}  // namespace
