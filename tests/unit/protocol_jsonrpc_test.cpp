// JSON-RPC 2.0 codec: classification of untrusted bodies and the response builders.
#include <mcpxx/protocol/error.hpp>
#include <mcpxx/protocol/jsonrpc.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string_view>

namespace {

namespace json = boost::json;
using namespace mcpxx::protocol;

// The single message of a non-batch body; fails the test when the body is unreadable.
parsed_message single(std::string_view body) {
  auto b = parse_body(body);
  EXPECT_FALSE(b.error.has_value());
  EXPECT_FALSE(b.is_batch);
  EXPECT_EQ(b.messages.size(), 1u);
  if (b.messages.empty()) return message_error{0, "no message"};
  return std::move(b.messages.front());
}

const message_error& as_error(const parsed_message& m) {
  static const message_error none{0, "not an error"};
  auto* e = std::get_if<message_error>(&m);
  EXPECT_NE(e, nullptr) << "expected a message_error";
  return e ? *e : none;
}

template <class T>
const T* as(const parsed_message& m) {
  auto* msg = std::get_if<message>(&m);
  if (!msg) return nullptr;
  return std::get_if<T>(msg);
}

TEST(protocol_jsonrpc, request_with_integer_id_is_classified_as_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}})");
  auto* r = as<request>(m);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id, json::value(7));
  EXPECT_EQ(r->method, "tools/list");
  EXPECT_EQ(r->params, (json::object{{"cursor", "x"}}));
}

TEST(protocol_jsonrpc, request_with_string_id_keeps_the_string) {
  auto m = single(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})");
  auto* r = as<request>(m);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->id.is_string());
  EXPECT_EQ(r->id.get_string(), "abc");
}

TEST(protocol_jsonrpc, absent_params_read_as_empty_object) {
  auto m = single(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  auto* r = as<request>(m);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->params.empty());
}

TEST(protocol_jsonrpc, message_without_id_is_a_notification) {
  auto m = single(R"({"jsonrpc":"2.0","method":"notifications/initialized","params":{"a":1}})");
  EXPECT_EQ(as<request>(m), nullptr);
  auto* n = as<notification>(m);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->method, "notifications/initialized");
  EXPECT_EQ(n->params, (json::object{{"a", 1}}));
}

TEST(protocol_jsonrpc, message_with_result_is_a_response) {
  auto m = single(R"({"jsonrpc":"2.0","id":3,"result":{"ok":true}})");
  auto* r = as<response>(m);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id, json::value(3));
  ASSERT_TRUE(r->result.has_value());
  EXPECT_EQ(*r->result, (json::value{{"ok", true}}));
  EXPECT_FALSE(r->error.has_value());
}

TEST(protocol_jsonrpc, message_with_error_is_a_response) {
  auto m = single(R"({"jsonrpc":"2.0","id":"s","error":{"code":-1,"message":"no"}})");
  auto* r = as<response>(m);
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->result.has_value());
  ASSERT_TRUE(r->error.has_value());
  EXPECT_EQ(r->error->at("code"), json::value(-1));
}

TEST(protocol_jsonrpc, response_with_both_result_and_error_is_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":3,"result":{},"error":{"code":-1,"message":"x"}})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
  EXPECT_EQ(as_error(m).id, json::value(3));
}

TEST(protocol_jsonrpc, response_with_non_object_error_is_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":3,"error":"boom"})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, response_without_id_is_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","result":{}})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, null_id_is_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":null,"method":"ping"})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
  EXPECT_TRUE(as_error(m).id.is_null());
}

TEST(protocol_jsonrpc, fractional_id_is_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, float_id_with_integral_value_is_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":1.0,"method":"ping"})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, boolean_id_is_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":true,"method":"ping"})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, object_id_is_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, wrong_jsonrpc_version_is_invalid_request_echoing_the_id) {
  auto m = single(R"({"jsonrpc":"1.0","id":9,"method":"ping"})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
  EXPECT_EQ(as_error(m).id, json::value(9));
}

TEST(protocol_jsonrpc, missing_jsonrpc_member_is_invalid_request) {
  auto m = single(R"({"id":9,"method":"ping"})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, numeric_jsonrpc_member_is_invalid_request) {
  auto m = single(R"({"jsonrpc":2.0,"id":9,"method":"ping"})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, array_params_are_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":4,"method":"tools/list","params":[1,2]})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
  EXPECT_EQ(as_error(m).id, json::value(4));
}

TEST(protocol_jsonrpc, string_params_are_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","method":"notifications/x","params":"p"})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, non_string_method_is_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":1,"method":42})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, non_object_message_is_invalid_request) {
  auto m = single(R"("hello")");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, object_without_method_result_or_error_is_invalid_request) {
  auto m = single(R"({"jsonrpc":"2.0","id":1})");
  EXPECT_EQ(as_error(m).code, code::invalid_request);
}

TEST(protocol_jsonrpc, malformed_json_is_parse_error) {
  auto b = parse_body(R"({"jsonrpc":"2.0","id":1,)");
  ASSERT_TRUE(b.error.has_value());
  EXPECT_EQ(b.error->code, code::parse_error);
  EXPECT_TRUE(b.messages.empty());
  EXPECT_TRUE(b.error->id.is_null());
}

TEST(protocol_jsonrpc, empty_body_is_parse_error) {
  auto b = parse_body("");
  ASSERT_TRUE(b.error.has_value());
  EXPECT_EQ(b.error->code, code::parse_error);
}

TEST(protocol_jsonrpc, array_body_is_a_batch_of_each_message) {
  auto b = parse_body(
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"n"},{"id":2}])");
  EXPECT_FALSE(b.error.has_value());
  EXPECT_TRUE(b.is_batch);
  ASSERT_EQ(b.messages.size(), 3u);
  EXPECT_NE(as<request>(b.messages[0]), nullptr);
  EXPECT_NE(as<notification>(b.messages[1]), nullptr);
  EXPECT_EQ(as_error(b.messages[2]).code, code::invalid_request);
}

TEST(protocol_jsonrpc, empty_batch_is_invalid_request) {
  auto b = parse_body("[]");
  EXPECT_TRUE(b.is_batch);
  ASSERT_TRUE(b.error.has_value());
  EXPECT_EQ(b.error->code, code::invalid_request);
  EXPECT_TRUE(b.messages.empty());
}

TEST(protocol_jsonrpc, single_object_body_is_not_a_batch) {
  auto b = parse_body(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  EXPECT_FALSE(b.is_batch);
  EXPECT_EQ(b.messages.size(), 1u);
}

TEST(protocol_jsonrpc, make_result_has_exactly_jsonrpc_id_and_result) {
  auto o = make_result(json::value("r1"), json::object{{"x", 1}});
  EXPECT_EQ(o, (json::object{{"jsonrpc", "2.0"}, {"id", "r1"}, {"result", {{"x", 1}}}}));
}

TEST(protocol_jsonrpc, make_error_without_data_omits_data) {
  auto o = make_error(json::value(5), code::method_not_found, "Method not found");
  EXPECT_EQ(o, (json::object{{"jsonrpc", "2.0"},
                             {"id", 5},
                             {"error", {{"code", -32601}, {"message", "Method not found"}}}}));
}

TEST(protocol_jsonrpc, make_error_with_data_includes_data) {
  auto o = make_error(json::value(5), code::invalid_params, "bad", json::object{{"uri", "u"}});
  EXPECT_EQ(o.at("error").at("data"), (json::value{{"uri", "u"}}));
  EXPECT_EQ(o.at("error").at("code"), json::value(-32602));
}

TEST(protocol_jsonrpc, make_error_from_rpc_error_uses_its_json) {
  rpc_error e(code::unsupported_protocol_version, "nope", json::object{{"requested", "x"}});
  auto o = make_error(json::value("id"), e);
  EXPECT_EQ(o.at("jsonrpc"), json::value("2.0"));
  EXPECT_EQ(o.at("id"), json::value("id"));
  EXPECT_EQ(o.at("error"), json::value(e.to_json()));
}

TEST(protocol_jsonrpc, make_error_accepts_null_id) {
  auto o = make_error(nullptr, code::parse_error, "Parse error");
  ASSERT_TRUE(o.contains("id"));
  EXPECT_TRUE(o.at("id").is_null());
}

TEST(protocol_jsonrpc, rpc_error_to_json_without_data_has_code_and_message_only) {
  rpc_error e(code::internal_error, "boom");
  EXPECT_EQ(e.to_json(), (json::object{{"code", -32603}, {"message", "boom"}}));
  EXPECT_EQ(e.code(), -32603);
  EXPECT_TRUE(e.data().is_null());
}

TEST(protocol_jsonrpc, rpc_error_to_json_with_data_includes_it) {
  rpc_error e(code::missing_client_capability, "missing",
              json::object{{"requiredCapabilities", {{"sampling", json::object{}}}}});
  auto j = e.to_json();
  EXPECT_EQ(j.at("code"), json::value(-32021));
  EXPECT_EQ(j.at("message"), json::value("missing"));
  EXPECT_EQ(j.at("data"), (json::value{{"requiredCapabilities", {{"sampling", json::object{}}}}}));
}

TEST(protocol_jsonrpc, make_notification_has_no_id) {
  auto o = make_notification("notifications/progress", json::object{{"progress", 1}});
  EXPECT_FALSE(o.contains("id"));
  EXPECT_EQ(o.at("method"), json::value("notifications/progress"));
  EXPECT_EQ(o.at("params"), (json::value{{"progress", 1}}));
}

}  // namespace
