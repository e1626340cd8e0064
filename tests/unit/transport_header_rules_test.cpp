// Pure Streamable HTTP header rules: Host/Origin checks, Accept/Content-Type, header
// value decoding, Mcp-Name expectations and session ids.
#include "transport/http/header_rules.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
namespace rules = mcpxx::http_rules;
using list = std::vector<std::string>;

// ---- Host -----------------------------------------------------------------------

TEST(transport_header_rules, host_loopback_names_allowed_when_bound_to_loopback) {
  for (auto h : {"localhost", "localhost:8080", "LOCALHOST:1", "127.0.0.1", "127.0.0.1:3000",
                 "[::1]", "[::1]:8080"})
    EXPECT_TRUE(rules::host_allowed(h, {}, true)) << h;
}

TEST(transport_header_rules, host_surrounding_whitespace_is_tolerated) {
  EXPECT_TRUE(rules::host_allowed("  localhost:8080\t", {}, true));
}

TEST(transport_header_rules, host_foreign_name_rejected_when_bound_to_loopback) {
  for (auto h : {"evil.com", "evil.com:8080", "localhost.evil.com", "127.0.0.1.evil.com",
                 "10.0.0.1", "[::2]:80", ""})
    EXPECT_FALSE(rules::host_allowed(h, {}, true)) << h;
}

TEST(transport_header_rules, any_host_allowed_when_not_loopback_and_no_list) {
  EXPECT_TRUE(rules::host_allowed("evil.com", {}, false));
  EXPECT_TRUE(rules::host_allowed("api.example.com:443", {}, false));
}

TEST(transport_header_rules, host_allow_list_matches_with_or_without_port) {
  list allowed{"api.example.com"};
  EXPECT_TRUE(rules::host_allowed("api.example.com", allowed, false));
  EXPECT_TRUE(rules::host_allowed("API.example.com:443", allowed, false));
  EXPECT_FALSE(rules::host_allowed("evil.com", allowed, false));
}

TEST(transport_header_rules, host_allow_list_replaces_the_loopback_default) {
  list allowed{"api.example.com"};
  EXPECT_FALSE(rules::host_allowed("localhost", allowed, true));
  EXPECT_TRUE(rules::host_allowed("api.example.com", allowed, true));
}

TEST(transport_header_rules, host_allow_list_entry_with_port_matches_that_port) {
  list allowed{"api.example.com:8443"};
  EXPECT_TRUE(rules::host_allowed("api.example.com:8443", allowed, false));
  EXPECT_FALSE(rules::host_allowed("api.example.com:9000", allowed, false));
}

TEST(transport_header_rules, host_allow_list_star_allows_any_host) {
  EXPECT_TRUE(rules::host_allowed("anything.example:1", list{"*"}, true));
}

TEST(transport_header_rules, loopback_bind_addresses_are_recognised) {
  for (auto a : {"127.0.0.1", "::1", "localhost", "127.0.0.2"})
    EXPECT_TRUE(rules::is_loopback_address(a)) << a;
  for (auto a : {"0.0.0.0", "::", "10.1.2.3", "example.com"})
    EXPECT_FALSE(rules::is_loopback_address(a)) << a;
}

// ---- Origin ---------------------------------------------------------------------

TEST(transport_header_rules, absent_origin_is_allowed) {
  EXPECT_TRUE(rules::origin_allowed("", {}));
  EXPECT_TRUE(rules::origin_allowed("   ", {}));
}

TEST(transport_header_rules, loopback_origins_are_allowed_by_default) {
  for (auto o : {"http://localhost", "http://localhost:3000", "https://localhost:8443",
                 "http://127.0.0.1:6274", "http://[::1]:8080", "HTTP://LOCALHOST:1"})
    EXPECT_TRUE(rules::origin_allowed(o, {})) << o;
}

TEST(transport_header_rules, foreign_origins_are_rejected_by_default) {
  for (auto o :
       {"http://evil.com", "https://evil.com:443", "http://localhost.evil.com",
        "http://127.0.0.1.evil.com", "ftp://localhost", "localhost:3000", "http://localhost/path"})
    EXPECT_FALSE(rules::origin_allowed(o, {})) << o;
}

TEST(transport_header_rules, null_origin_is_rejected) {
  EXPECT_FALSE(rules::origin_allowed("null", {}));
}

TEST(transport_header_rules, origin_allow_list_matches_exact_origins_case_insensitively) {
  list allowed{"https://app.example.com"};
  EXPECT_TRUE(rules::origin_allowed("https://app.example.com", allowed));
  EXPECT_TRUE(rules::origin_allowed("HTTPS://APP.EXAMPLE.COM", allowed));
  EXPECT_FALSE(rules::origin_allowed("https://evil.com", allowed));
  EXPECT_FALSE(rules::origin_allowed("http://localhost:3000", allowed));
}

TEST(transport_header_rules, origin_allow_list_star_allows_any_origin) {
  EXPECT_TRUE(rules::origin_allowed("https://evil.com", list{"*"}));
}

// ---- Accept / Content-Type --------------------------------------------------------

TEST(transport_header_rules, accept_listing_both_types_is_accepted) {
  EXPECT_TRUE(rules::accepts_json_and_sse("application/json, text/event-stream"));
  EXPECT_TRUE(rules::accepts_json_and_sse("text/event-stream,application/json"));
}

TEST(transport_header_rules, accept_wildcards_count) {
  EXPECT_TRUE(rules::accepts_json_and_sse("*/*"));
  EXPECT_TRUE(rules::accepts_json_and_sse("application/*, text/*"));
  EXPECT_TRUE(rules::accepts_json_and_sse("application/json, text/*"));
}

TEST(transport_header_rules, accept_parameters_are_ignored) {
  EXPECT_TRUE(rules::accepts_json_and_sse("application/json;q=0.9, text/event-stream; q=0.8"));
}

TEST(transport_header_rules, accept_media_types_are_case_insensitive) {
  EXPECT_TRUE(rules::accepts_json_and_sse("Application/JSON, TEXT/Event-Stream"));
}

TEST(transport_header_rules, accept_missing_one_type_is_rejected) {
  EXPECT_FALSE(rules::accepts_json_and_sse("application/json"));
  EXPECT_FALSE(rules::accepts_json_and_sse("text/event-stream"));
  EXPECT_FALSE(rules::accepts_json_and_sse("application/*"));
  EXPECT_FALSE(rules::accepts_json_and_sse(""));
  EXPECT_FALSE(rules::accepts_json_and_sse("text/html, application/xml"));
}

TEST(transport_header_rules, accepts_sse_alone) {
  EXPECT_TRUE(rules::accepts_sse("text/event-stream"));
  EXPECT_TRUE(rules::accepts_sse("*/*"));
  EXPECT_FALSE(rules::accepts_sse("application/json"));
}

TEST(transport_header_rules, json_content_type_with_charset_is_json) {
  EXPECT_TRUE(rules::is_json_content_type("application/json"));
  EXPECT_TRUE(rules::is_json_content_type("application/json; charset=utf-8"));
  EXPECT_TRUE(rules::is_json_content_type("Application/JSON;charset=UTF-8"));
}

TEST(transport_header_rules, other_content_types_are_not_json) {
  EXPECT_FALSE(rules::is_json_content_type(""));
  EXPECT_FALSE(rules::is_json_content_type("text/plain"));
  EXPECT_FALSE(rules::is_json_content_type("application/jsonx"));
  EXPECT_FALSE(rules::is_json_content_type("text/json"));
}

// ---- header values --------------------------------------------------------------

TEST(transport_header_rules, plain_header_value_is_trimmed) {
  EXPECT_EQ(rules::decode_header_value("  get_weather \t"),
            std::optional<std::string>("get_weather"));
}

TEST(transport_header_rules, base64_sentinel_is_decoded) {
  // "héllo wörld" in UTF-8.
  EXPECT_EQ(rules::decode_header_value("=?base64?aMOpbGxvIHfDtnJsZA==?="),
            std::optional<std::string>("h\xc3\xa9llo w\xc3\xb6rld"));
}

TEST(transport_header_rules, base64_sentinel_survives_surrounding_whitespace) {
  EXPECT_EQ(rules::decode_header_value(" =?base64?IGxlYWRpbmc=?= "),
            std::optional<std::string>(" leading"));
}

TEST(transport_header_rules, base64_sentinel_with_invalid_characters_is_rejected) {
  EXPECT_FALSE(rules::decode_header_value("=?base64?aGk*?=").has_value());
  EXPECT_FALSE(rules::decode_header_value("=?base64?aGk ?=").has_value());
}

TEST(transport_header_rules, base64_sentinel_with_bad_padding_is_rejected) {
  EXPECT_FALSE(rules::decode_header_value("=?base64?aGk?=").has_value());
  EXPECT_FALSE(rules::decode_header_value("=?base64?a===?=").has_value());
}

TEST(transport_header_rules, uppercase_sentinel_markers_are_a_plain_value) {
  EXPECT_EQ(rules::decode_header_value("=?BASE64?aGk=?="),
            std::optional<std::string>("=?BASE64?aGk=?="));
  EXPECT_EQ(rules::decode_header_value("=?Base64?aGk=?="),
            std::optional<std::string>("=?Base64?aGk=?="));
}

TEST(transport_header_rules, value_with_only_the_opening_marker_is_a_plain_value) {
  EXPECT_EQ(rules::decode_header_value("=?base64?aGk="),
            std::optional<std::string>("=?base64?aGk="));
}

// ---- Mcp-Name -------------------------------------------------------------------

TEST(transport_header_rules, mcp_name_for_tools_call_and_prompts_get_is_params_name) {
  json::object params{{"name", "get_weather"}, {"uri", "ignored"}};
  EXPECT_EQ(rules::expected_mcp_name("tools/call", params),
            std::optional<std::string>("get_weather"));
  EXPECT_EQ(rules::expected_mcp_name("prompts/get", params),
            std::optional<std::string>("get_weather"));
}

TEST(transport_header_rules, mcp_name_for_resources_read_is_params_uri) {
  json::object params{{"name", "ignored"}, {"uri", "file:///a.txt"}};
  EXPECT_EQ(rules::expected_mcp_name("resources/read", params),
            std::optional<std::string>("file:///a.txt"));
}

TEST(transport_header_rules, mcp_name_for_task_methods_is_task_id) {
  json::object params{{"taskId", "t-1"}};
  for (auto m : {"tasks/get", "tasks/update", "tasks/cancel"})
    EXPECT_EQ(rules::expected_mcp_name(m, params), std::optional<std::string>("t-1")) << m;
}

TEST(transport_header_rules, methods_without_mcp_name_expect_none) {
  json::object params{{"name", "x"}, {"uri", "y"}};
  for (auto m : {"tools/list", "resources/list", "server/discover", "completion/complete",
                 "prompts/list", "initialize"})
    EXPECT_FALSE(rules::expected_mcp_name(m, params).has_value()) << m;
}

TEST(transport_header_rules, mcp_name_with_missing_or_non_string_body_value_is_empty) {
  EXPECT_EQ(rules::expected_mcp_name("tools/call", json::object{}), std::optional<std::string>(""));
  EXPECT_EQ(rules::expected_mcp_name("tools/call", json::object{{"name", 3}}),
            std::optional<std::string>(""));
}

// ---- session ids ----------------------------------------------------------------

TEST(transport_header_rules, session_id_is_32_lowercase_hex_characters) {
  auto id = rules::new_session_id();
  ASSERT_EQ(id.size(), 32u);
  for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
}

TEST(transport_header_rules, session_ids_are_unique_over_1000_draws) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(rules::new_session_id());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(transport_header_rules, trim_strips_spaces_and_tabs_only) {
  EXPECT_EQ(rules::trim(" \tx y\t "), "x y");
  EXPECT_EQ(rules::trim(""), "");
  EXPECT_EQ(rules::trim("\nx"), "\nx");
}

}  // namespace

namespace {

namespace rules2 = mcpxx::http_rules;

TEST(transport_header_rules_quality, q_zero_means_not_acceptable) {
  EXPECT_FALSE(rules2::accepts_json_and_sse("application/json, text/event-stream;q=0"));
  EXPECT_FALSE(rules2::accepts_json_and_sse("application/json, text/event-stream; q=0.000"));
  EXPECT_TRUE(rules2::accepts_json_and_sse("application/json, text/event-stream;q=0.001"));
  EXPECT_TRUE(rules2::accepts_json_and_sse("application/json;q=0.5, text/event-stream;level=1"));
}

TEST(transport_header_rules_host, garbage_after_the_host_is_not_loopback) {
  EXPECT_FALSE(rules2::host_allowed("[::1]junk", {}, true));
  EXPECT_FALSE(rules2::host_allowed("localhost:80x", {}, true));
  EXPECT_TRUE(rules2::host_allowed("[::1]:8080", {}, true));
}

}  // namespace
