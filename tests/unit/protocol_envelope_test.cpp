// The 2026-07-28 `_meta` envelope validation ladder, log levels, and version helpers.
#include <mcpxx/protocol/envelope.hpp>
#include <mcpxx/protocol/version.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace {

namespace json = boost::json;
using namespace mcpxx::protocol;

constexpr std::string_view kModern = "2026-07-28";

json::object full_meta() {
  return {{std::string(meta_key::protocol_version), kModern},
          {std::string(meta_key::client_capabilities), json::object{{"sampling", json::object{}}}},
          {std::string(meta_key::client_info), {{"name", "c"}, {"version", "1"}}},
          {std::string(meta_key::log_level), "warning"}};
}

json::object params_with(json::object meta) {
  return {{"name", "t"}, {"_meta", std::move(meta)}};
}

int error_code(const std::variant<envelope, rpc_error>& r) {
  auto* e = std::get_if<rpc_error>(&r);
  return e ? e->code() : 0;
}

// Ladder, step 1.
TEST(protocol_envelope, missing_header_is_header_mismatch) {
  auto r = read_envelope(params_with(full_meta()), std::nullopt);
  EXPECT_EQ(error_code(r), code::header_mismatch);
}

// Ladder, step 2.
TEST(protocol_envelope, missing_meta_is_invalid_params) {
  auto r = read_envelope(json::object{{"name", "t"}}, kModern);
  EXPECT_EQ(error_code(r), code::invalid_params);
}

TEST(protocol_envelope, non_object_meta_is_invalid_params) {
  auto r = read_envelope(json::object{{"_meta", "x"}}, kModern);
  EXPECT_EQ(error_code(r), code::invalid_params);
}

// Ladder, step 3.
TEST(protocol_envelope, missing_protocol_version_is_invalid_params) {
  auto meta = full_meta();
  meta.erase(meta_key::protocol_version);
  auto r = read_envelope(params_with(meta), kModern);
  EXPECT_EQ(error_code(r), code::invalid_params);
}

TEST(protocol_envelope, non_string_protocol_version_is_invalid_params) {
  auto meta = full_meta();
  meta[meta_key::protocol_version] = 20260728;
  auto r = read_envelope(params_with(meta), kModern);
  EXPECT_EQ(error_code(r), code::invalid_params);
}

// Ladder, step 4.
TEST(protocol_envelope, missing_client_capabilities_is_invalid_params) {
  auto meta = full_meta();
  meta.erase(meta_key::client_capabilities);
  auto r = read_envelope(params_with(meta), kModern);
  EXPECT_EQ(error_code(r), code::invalid_params);
}

TEST(protocol_envelope, non_object_client_capabilities_is_invalid_params) {
  auto meta = full_meta();
  meta[meta_key::client_capabilities] = json::array{};
  auto r = read_envelope(params_with(meta), kModern);
  EXPECT_EQ(error_code(r), code::invalid_params);
}

// Ladder, step 5.
TEST(protocol_envelope, header_differing_from_meta_version_is_header_mismatch) {
  auto r = read_envelope(params_with(full_meta()), std::string_view("2025-11-25"));
  EXPECT_EQ(error_code(r), code::header_mismatch);
}

// Ladder, step 6.
TEST(protocol_envelope, unsupported_version_is_minus_32022_with_supported_and_requested) {
  auto meta = full_meta();
  meta[meta_key::protocol_version] = "2099-01-01";
  auto r = read_envelope(params_with(meta), std::string_view("2099-01-01"));
  ASSERT_EQ(error_code(r), code::unsupported_protocol_version);
  auto& e = std::get<rpc_error>(r);
  EXPECT_EQ(e.data(),
            (json::value{{"supported", json::array{"2026-07-28"}}, {"requested", "2099-01-01"}}));
}

TEST(protocol_envelope, legacy_version_in_meta_is_unsupported_for_the_modern_envelope) {
  auto meta = full_meta();
  meta[meta_key::protocol_version] = "2025-11-25";
  auto r = read_envelope(params_with(meta), std::string_view("2025-11-25"));
  EXPECT_EQ(error_code(r), code::unsupported_protocol_version);
}

// Ladder, step 7.
TEST(protocol_envelope, unknown_log_level_is_invalid_params) {
  auto meta = full_meta();
  meta[meta_key::log_level] = "verbose";
  auto r = read_envelope(params_with(meta), kModern);
  EXPECT_EQ(error_code(r), code::invalid_params);
}

TEST(protocol_envelope, non_string_log_level_is_invalid_params) {
  auto meta = full_meta();
  meta[meta_key::log_level] = 3;
  auto r = read_envelope(params_with(meta), kModern);
  EXPECT_EQ(error_code(r), code::invalid_params);
}

TEST(protocol_envelope, client_info_is_optional) {
  auto meta = full_meta();
  meta.erase(meta_key::client_info);
  auto r = read_envelope(params_with(meta), kModern);
  ASSERT_TRUE(std::holds_alternative<envelope>(r));
  EXPECT_TRUE(std::get<envelope>(r).client_info.empty());
}

TEST(protocol_envelope, log_level_is_optional_and_empty_when_absent) {
  auto meta = full_meta();
  meta.erase(meta_key::log_level);
  auto r = read_envelope(params_with(meta), kModern);
  ASSERT_TRUE(std::holds_alternative<envelope>(r));
  EXPECT_EQ(std::get<envelope>(r).log_level, "");
}

TEST(protocol_envelope, empty_capabilities_object_is_accepted) {
  auto meta = full_meta();
  meta[meta_key::client_capabilities] = json::object{};
  auto r = read_envelope(params_with(meta), kModern);
  ASSERT_TRUE(std::holds_alternative<envelope>(r));
  EXPECT_TRUE(std::get<envelope>(r).client_capabilities.empty());
}

TEST(protocol_envelope, success_fills_every_envelope_field) {
  auto r = read_envelope(params_with(full_meta()), kModern);
  ASSERT_TRUE(std::holds_alternative<envelope>(r));
  auto& env = std::get<envelope>(r);
  EXPECT_EQ(env.protocol_version, "2026-07-28");
  EXPECT_EQ(env.client_capabilities, (json::object{{"sampling", json::object{}}}));
  EXPECT_EQ(env.client_info, (json::object{{"name", "c"}, {"version", "1"}}));
  EXPECT_EQ(env.log_level, "warning");
}

// Precedence between ladder steps.
TEST(protocol_envelope, missing_header_wins_over_missing_meta) {
  auto r = read_envelope(json::object{}, std::nullopt);
  EXPECT_EQ(error_code(r), code::header_mismatch);
}

TEST(protocol_envelope, missing_meta_field_wins_over_header_mismatch) {
  auto meta = full_meta();
  meta.erase(meta_key::client_capabilities);
  auto r = read_envelope(params_with(meta), std::string_view("2025-06-18"));
  EXPECT_EQ(error_code(r), code::invalid_params);
}

TEST(protocol_envelope, header_mismatch_wins_over_unsupported_version) {
  auto meta = full_meta();
  meta[meta_key::protocol_version] = "2099-01-01";
  auto r = read_envelope(params_with(meta), kModern);
  EXPECT_EQ(error_code(r), code::header_mismatch);
}

TEST(protocol_envelope, unsupported_version_wins_over_bad_log_level) {
  auto meta = full_meta();
  meta[meta_key::protocol_version] = "2099-01-01";
  meta[meta_key::log_level] = "loud";
  auto r = read_envelope(params_with(meta), std::string_view("2099-01-01"));
  EXPECT_EQ(error_code(r), code::unsupported_protocol_version);
}

TEST(protocol_envelope, claims_modern_envelope_when_meta_has_protocol_version) {
  EXPECT_TRUE(claims_modern_envelope(params_with(full_meta())));
}

TEST(protocol_envelope, does_not_claim_modern_envelope_without_meta_version) {
  EXPECT_FALSE(claims_modern_envelope(json::object{}));
  EXPECT_FALSE(claims_modern_envelope(json::object{{"_meta", {{"progressToken", 1}}}}));
  EXPECT_FALSE(claims_modern_envelope(json::object{{"_meta", "2026-07-28"}}));
}

TEST(protocol_envelope, log_level_rank_orders_rfc5424_names_least_severe_first) {
  const char* order[] = {"debug", "info",     "notice", "warning",
                         "error", "critical", "alert",  "emergency"};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(log_level_rank(order[i]), i) << order[i];
}

TEST(protocol_envelope, log_level_rank_is_minus_one_for_unknown_or_differently_cased) {
  EXPECT_EQ(log_level_rank(""), -1);
  EXPECT_EQ(log_level_rank("warn"), -1);
  EXPECT_EQ(log_level_rank("DEBUG"), -1);
}

TEST(protocol_version, negotiate_legacy_echoes_each_supported_version) {
  for (auto v : legacy_versions) EXPECT_EQ(negotiate_legacy(v), v);
}

TEST(protocol_version, negotiate_legacy_answers_latest_legacy_for_unknown_versions) {
  EXPECT_EQ(negotiate_legacy("2024-01-01"), "2025-11-25");
  EXPECT_EQ(negotiate_legacy("2026-07-28"), "2025-11-25");
  EXPECT_EQ(negotiate_legacy(""), "2025-11-25");
}

TEST(protocol_version, names_modern_era_for_dates_at_or_after_2026_07_28) {
  EXPECT_TRUE(names_modern_era("2026-07-28"));
  EXPECT_TRUE(names_modern_era("2027-01-01"));
  EXPECT_FALSE(names_modern_era("2025-11-25"));
  EXPECT_FALSE(names_modern_era("2026-07-27"));
  EXPECT_FALSE(names_modern_era("2026-07-28-draft"));
  EXPECT_FALSE(names_modern_era(""));
}

TEST(protocol_version, supported_sets_are_disjoint_by_era) {
  EXPECT_TRUE(is_supported_modern("2026-07-28"));
  EXPECT_FALSE(is_supported_modern("2025-11-25"));
  EXPECT_TRUE(is_supported_legacy("2024-11-05"));
  EXPECT_FALSE(is_supported_legacy("2026-07-28"));
}

TEST(protocol_version, features_of_2024_11_05) {
  auto f = features_of("2024-11-05");
  EXPECT_FALSE(f.structured_content_any_json);
  EXPECT_FALSE(f.resource_links);
  EXPECT_FALSE(f.audio_content);
  EXPECT_FALSE(f.batches);
  EXPECT_FALSE(f.protocol_version_header);
  EXPECT_FALSE(f.sse_priming);
  EXPECT_FALSE(f.icons);
}

TEST(protocol_version, features_of_2025_03_26) {
  auto f = features_of("2025-03-26");
  EXPECT_FALSE(f.structured_content_any_json);
  EXPECT_FALSE(f.resource_links);
  EXPECT_TRUE(f.audio_content);
  EXPECT_TRUE(f.batches);
  EXPECT_FALSE(f.protocol_version_header);
  EXPECT_FALSE(f.sse_priming);
  EXPECT_FALSE(f.icons);
}

TEST(protocol_version, features_of_2025_06_18) {
  auto f = features_of("2025-06-18");
  EXPECT_FALSE(f.structured_content_any_json);
  EXPECT_TRUE(f.resource_links);
  EXPECT_TRUE(f.audio_content);
  EXPECT_FALSE(f.batches);
  EXPECT_TRUE(f.protocol_version_header);
  EXPECT_FALSE(f.sse_priming);
  EXPECT_FALSE(f.icons);
}

TEST(protocol_version, features_of_2025_11_25) {
  auto f = features_of("2025-11-25");
  EXPECT_FALSE(f.structured_content_any_json);
  EXPECT_TRUE(f.resource_links);
  EXPECT_TRUE(f.audio_content);
  EXPECT_FALSE(f.batches);
  EXPECT_TRUE(f.protocol_version_header);
  EXPECT_TRUE(f.sse_priming);
  EXPECT_TRUE(f.icons);
}

TEST(protocol_version, features_of_2026_07_28) {
  auto f = features_of("2026-07-28");
  EXPECT_TRUE(f.structured_content_any_json);
  EXPECT_TRUE(f.resource_links);
  EXPECT_TRUE(f.audio_content);
  EXPECT_FALSE(f.batches);
  EXPECT_TRUE(f.protocol_version_header);
  EXPECT_TRUE(f.sse_priming);
  EXPECT_TRUE(f.icons);
}

}  // namespace
