// RESP command formatting (our own) checked byte for byte against hiredis's
// redisFormatCommandArgv, and parsed back by the reply reader; the reader (hiredis's
// parser building our values) on every reply kind, nested, fed a byte at a time, and on
// malformed input (under ASan, a reply abandoned mid-array must not leak).
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
  for (const auto a : cmd.args()) {
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
  const std::string sha(40, 'f'), big(100'000, 'x');
  command many;
  for (int i = 0; i < 40; ++i) many.append("arg");  // more arguments than fit inline anywhere
  return {
      {"PING"},
      {"SET", "key", ""},
      {"HSET", "mcp-session-{abc}", "client_info", R"({"name":"x","version":"1"})"},
      {"EVALSHA", sha, "1", "k", binary, big},
      // Around the length up to which command::append encodes on the stack.
      {"SET", std::string(127, 'a'), std::string(128, 'b'), std::string(129, 'c')},
      many,
      mcpxx::store::redis::make_command("ZADD", "index", -42, 1732460000000LL, 7u, "id"),
  };
}

TEST(store_redis_resp, a_command_keeps_its_arguments) {
  std::string binary("a\0b\r\nc", 6);
  auto cmd = mcpxx::store::redis::make_command("EVALSHA", std::string(40, 'f'), 1, binary, -7);
  EXPECT_EQ(cmd.size(), 5u);
  EXPECT_EQ(cmd.name(), "EVALSHA");
  const auto args = cmd.args();
  ASSERT_EQ(args.size(), 5u);
  EXPECT_EQ(args[1], std::string(40, 'f'));
  EXPECT_EQ(args[2], "1");
  EXPECT_EQ(args[3], binary);
  EXPECT_EQ(args[4], "-7");
  auto eval = cmd.with_head(2, {"EVAL", "return 1"});
  const auto eval_args = eval.args();
  ASSERT_EQ(eval_args.size(), 5u);
  EXPECT_EQ(eval.name(), "EVAL");
  EXPECT_EQ(eval_args[1], "return 1");
  EXPECT_EQ(eval_args[3], binary);
  command more{"x", ""};
  cmd.append_encoded(more);
  EXPECT_EQ(cmd.size(), 7u);
  EXPECT_EQ(cmd.args()[6], "");
  EXPECT_EQ(command{}.name(), "");
}

TEST(store_redis_resp, formats_commands_like_hiredis) {
  for (const auto& cmd : samples()) {
    std::string ours;
    format_command(cmd, ours);
    EXPECT_EQ(ours, hiredis_format(cmd)) << cmd.name();
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
    const auto args = cmd.args();
    for (std::size_t i = 0; i < cmd.size(); ++i) EXPECT_EQ(r->elements[i].str, args[i]);
  }
  EXPECT_FALSE(reader.next().has_value());
}

TEST(store_redis_resp, reads_every_reply_kind_nested_and_in_pieces) {
  const std::string wire =
      "+OK\r\n"
      "-ERR wrong\r\n"
      ":-42\r\n"
      "$-1\r\n"
      "$0\r\n\r\n"
      "*4\r\n$3\r\nfoo\r\n*2\r\n:1\r\n$-1\r\n*0\r\n*-1\r\n"
      "$5\r\nhe\r\no\r\n";
  reply_reader reader;
  std::vector<reply> got;
  for (char c : wire) {
    reader.feed(std::string_view(&c, 1));
    while (auto r = reader.next()) got.push_back(std::move(*r));
  }
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[0].type, reply::kind::status);
  EXPECT_EQ(got[0].str, "OK");
  EXPECT_TRUE(got[1].is_error());
  EXPECT_EQ(got[1].str, "ERR wrong");
  EXPECT_EQ(got[2].type, reply::kind::integer);
  EXPECT_EQ(got[2].integer, -42);
  EXPECT_TRUE(got[3].is_nil());
  EXPECT_EQ(got[4].type, reply::kind::string);
  EXPECT_EQ(got[4].str, "");
  const auto& a = got[5];
  ASSERT_EQ(a.type, reply::kind::array);
  ASSERT_EQ(a.elements.size(), 4u);
  EXPECT_EQ(a.elements[0].str, "foo");
  ASSERT_EQ(a.elements[1].type, reply::kind::array);
  ASSERT_EQ(a.elements[1].elements.size(), 2u);
  EXPECT_EQ(a.elements[1].elements[0].integer, 1);
  EXPECT_TRUE(a.elements[1].elements[1].is_nil());
  EXPECT_EQ(a.elements[2].type, reply::kind::array);
  EXPECT_TRUE(a.elements[2].elements.empty());
  EXPECT_TRUE(a.elements[3].is_nil());
  EXPECT_EQ(got[6].str, "he\r\no");  // a bulk string may hold CRLF
}

TEST(store_redis_resp, malformed_input_mid_array_is_a_protocol_error) {
  reply_reader reader;
  reader.feed("*3\r\n$3\r\nabc\r\n*1\r\n");  // an unfinished array inside an array
  EXPECT_FALSE(reader.next().has_value());
  reader.feed("?bad\r\n");
  EXPECT_THROW(reader.next(), mcpxx::store::redis::protocol_error);
}

}  // namespace
