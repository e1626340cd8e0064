// The sealed requestState of 2026-07-28 multi round-trip requests.
#include <mcpxx/protocol/error.hpp>
#include <mcpxx/server/request_state.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace {

namespace json = boost::json;
using mcpxx::request_state_codec;
using clock_type = request_state_codec::clock;

const json::object call_params{{"name", "t"}, {"arguments", json::object{{"a", 1}, {"b", "x"}}}};

mcpxx::sealed_state sample() {
  return {json::object{{"k", json::object{{"action", "accept"}}}}, json::object{{"round", 2}}};
}

int code_of_open(const request_state_codec& c, std::string_view token, std::string_view who,
                 std::string_view binding, clock_type::time_point now = clock_type::now()) {
  try {
    c.open(token, who, binding, now);
  } catch (const mcpxx::protocol::rpc_error& e) {
    return e.code();
  }
  return 0;
}

TEST(server_request_state, round_trips_answers_and_state) {
  request_state_codec c("k");
  auto b = mcpxx::request_binding("tools/call", call_params);
  auto opened = c.open(c.seal(sample(), "alice", b), "alice", b);
  EXPECT_EQ(opened.answers, sample().answers);
  EXPECT_EQ(opened.state, sample().state);
}

TEST(server_request_state, every_seal_differs) {
  request_state_codec c("k");
  EXPECT_NE(c.seal(sample(), "", "b"), c.seal(sample(), "", "b"));
}

TEST(server_request_state, tampered_body_or_mac_is_invalid_params) {
  request_state_codec c("k");
  std::string token = c.seal(sample(), "", "b");
  auto dot = token.find('.');
  std::string body_flip = token;
  body_flip[dot / 2] = body_flip[dot / 2] == 'A' ? 'B' : 'A';
  std::string mac_flip = token;
  mac_flip.back() = mac_flip.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(code_of_open(c, body_flip, "", "b"), -32602);
  EXPECT_EQ(code_of_open(c, mac_flip, "", "b"), -32602);
  EXPECT_EQ(code_of_open(c, token.substr(0, dot), "", "b"), -32602);
  EXPECT_EQ(code_of_open(c, "", "", "b"), -32602);
}

TEST(server_request_state, another_key_is_rejected) {
  request_state_codec ours("k1"), theirs("k2");
  EXPECT_EQ(code_of_open(ours, theirs.seal(sample(), "", "b"), "", "b"), -32602);
}

TEST(server_request_state, expired_state_is_rejected) {
  request_state_codec c("k", std::chrono::seconds(60));
  auto now = clock_type::now();
  auto token = c.seal(sample(), "", "b", now);
  EXPECT_EQ(code_of_open(c, token, "", "b", now + std::chrono::seconds(59)), 0);
  EXPECT_EQ(code_of_open(c, token, "", "b", now + std::chrono::seconds(61)), -32602);
}

TEST(server_request_state, another_principal_is_rejected) {
  request_state_codec c("k");
  auto token = c.seal(sample(), "alice", "b");
  EXPECT_EQ(code_of_open(c, token, "bob", "b"), -32602);
  EXPECT_EQ(code_of_open(c, token, "", "b"), -32602);
}

TEST(server_request_state, another_request_is_rejected) {
  request_state_codec c("k");
  auto token = c.seal(sample(), "", mcpxx::request_binding("tools/call", call_params));
  json::object other_args = call_params;
  other_args["arguments"].as_object()["a"] = 2;
  EXPECT_EQ(code_of_open(c, token, "", mcpxx::request_binding("tools/call", other_args)), -32602);
  EXPECT_EQ(code_of_open(c, token, "", mcpxx::request_binding("prompts/get", call_params)), -32602);
}

TEST(server_request_state, binding_ignores_key_order_and_meta) {
  json::object reordered{{"arguments", json::object{{"b", "x"}, {"a", 1}}},
                         {"name", "t"},
                         {"_meta", json::object{{"progressToken", 5}}}};
  EXPECT_EQ(mcpxx::request_binding("tools/call", call_params),
            mcpxx::request_binding("tools/call", reordered));
}

TEST(server_request_state, canonical_json_sorts_keys_recursively) {
  json::value v = json::parse(R"({"b":[{"z":1,"a":2}],"a":"\u00e9"})");
  EXPECT_EQ(mcpxx::canonical_json(v), R"({"a":"é","b":[{"a":2,"z":1}]})");
}

}  // namespace
