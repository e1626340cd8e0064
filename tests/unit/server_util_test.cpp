// URI templates, pagination cursors, base64, and the context's progress/log filters.
#include <mcpxx/protocol/error.hpp>
#include <mcpxx/server/content.hpp>
#include <mcpxx/server/context.hpp>
#include <mcpxx/server/pagination.hpp>
#include <mcpxx/server/uri_template.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
using mcpxx::uri_params;
using mcpxx::uri_template;
namespace pagination = mcpxx::pagination;
namespace content = mcpxx::content;

// ---- uri_template ---------------------------------------------------------------

TEST(server_uri_template, simple_variable_matches_one_segment) {
  uri_template t("logs://app/{date}");
  auto m = t.match("logs://app/2024-01-02");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, (uri_params{{"date", "2024-01-02"}}));
}

TEST(server_uri_template, simple_variable_does_not_span_a_slash) {
  uri_template t("logs://app/{date}");
  EXPECT_FALSE(t.match("logs://app/2024/01").has_value());
}

TEST(server_uri_template, reserved_variable_spans_slashes) {
  uri_template t("file:///{+path}");
  auto m = t.match("file:///etc/app/config.yaml");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at("path"), "etc/app/config.yaml");
}

TEST(server_uri_template, variables_are_percent_decoded) {
  uri_template t("notes://{title}");
  auto m = t.match("notes://hello%20world%2Fx");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at("title"), "hello world/x");
}

TEST(server_uri_template, invalid_percent_escapes_are_kept_verbatim) {
  uri_template t("notes://{title}");
  auto m = t.match("notes://100%zz%4");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at("title"), "100%zz%4");
}

TEST(server_uri_template, literal_mismatch_is_no_match) {
  uri_template t("logs://app/{date}");
  EXPECT_FALSE(t.match("logs://web/2024").has_value());
  EXPECT_FALSE(t.match("logs://ap").has_value());
}

TEST(server_uri_template, empty_variable_is_no_match) {
  uri_template t("logs://app/{date}");
  EXPECT_FALSE(t.match("logs://app/").has_value());
}

TEST(server_uri_template, trailing_text_after_the_template_is_no_match) {
  uri_template t("db://{table}/rows");
  EXPECT_TRUE(t.match("db://users/rows").has_value());
  EXPECT_FALSE(t.match("db://users/rows/7").has_value());
}

TEST(server_uri_template, several_variables_and_literals) {
  uri_template t("db://{table}/rows/{id}.json");
  auto m = t.match("db://users/rows/42.json");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, (uri_params{{"table", "users"}, {"id", "42"}}));
  EXPECT_FALSE(t.match("db://users/rows/42.xml").has_value());
}

TEST(server_uri_template, template_without_variables_matches_only_itself) {
  uri_template t("mem://fixed");
  auto m = t.match("mem://fixed");
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->empty());
  EXPECT_FALSE(t.match("mem://fixed2").has_value());
}

TEST(server_uri_template, unbalanced_brace_throws) {
  EXPECT_THROW(uri_template("logs://{date"), std::invalid_argument);
}

TEST(server_uri_template, empty_expression_throws) {
  EXPECT_THROW(uri_template("logs://{}"), std::invalid_argument);
  EXPECT_THROW(uri_template("logs://{+}"), std::invalid_argument);
}

TEST(server_uri_template, text_is_the_original_template) {
  EXPECT_EQ(uri_template("a://{b}").text(), "a://{b}");
}

// ---- pagination -----------------------------------------------------------------

TEST(server_pagination, cursor_round_trips_offsets) {
  for (std::size_t off : {std::size_t{0}, std::size_t{1}, std::size_t{50}, std::size_t{123456789},
                          std::numeric_limits<std::size_t>::max()}) {
    auto c = pagination::encode_cursor(off);
    EXPECT_EQ(pagination::decode_cursor(c), std::optional<std::size_t>(off)) << c;
  }
}

TEST(server_pagination, garbage_cursors_are_rejected) {
  for (std::string_view c : {"", "!!!!", "abc", "not a cursor", "bWNweHgtcGFnZToxMA"})
    EXPECT_FALSE(pagination::decode_cursor(c).has_value()) << c;
}

TEST(server_pagination, cursor_with_foreign_prefix_is_rejected) {
  EXPECT_FALSE(pagination::decode_cursor(content::base64_encode("other-page:5")).has_value());
  EXPECT_FALSE(pagination::decode_cursor(content::base64_encode("5")).has_value());
}

TEST(server_pagination, cursor_without_digits_is_rejected) {
  EXPECT_FALSE(pagination::decode_cursor(content::base64_encode("mcpxx-page:")).has_value());
}

TEST(server_pagination, negative_cursor_is_rejected) {
  EXPECT_FALSE(pagination::decode_cursor(content::base64_encode("mcpxx-page:-1")).has_value());
  EXPECT_FALSE(pagination::decode_cursor(content::base64_encode("mcpxx-page:+1")).has_value());
}

TEST(server_pagination, overflowing_cursor_is_rejected) {
  EXPECT_FALSE(
      pagination::decode_cursor(content::base64_encode("mcpxx-page:99999999999999999999999999"))
          .has_value());
}

TEST(server_pagination, cursor_with_trailing_characters_is_rejected) {
  EXPECT_FALSE(pagination::decode_cursor(content::base64_encode("mcpxx-page:12x")).has_value());
  EXPECT_FALSE(pagination::decode_cursor(content::base64_encode("mcpxx-page: 12")).has_value());
}

TEST(server_pagination, first_page_without_cursor) {
  auto p = pagination::slice(5, 2, std::nullopt);
  EXPECT_EQ(p.begin, 0u);
  EXPECT_EQ(p.end, 2u);
  ASSERT_TRUE(p.next_cursor.has_value());
  EXPECT_EQ(pagination::decode_cursor(*p.next_cursor), std::optional<std::size_t>(2));
}

TEST(server_pagination, last_partial_page_has_no_next_cursor) {
  auto p = pagination::slice(5, 2, pagination::encode_cursor(4));
  EXPECT_EQ(p.begin, 4u);
  EXPECT_EQ(p.end, 5u);
  EXPECT_FALSE(p.next_cursor.has_value());
}

TEST(server_pagination, exactly_full_last_page_has_no_next_cursor) {
  auto p = pagination::slice(4, 2, pagination::encode_cursor(2));
  EXPECT_EQ(p.begin, 2u);
  EXPECT_EQ(p.end, 4u);
  EXPECT_FALSE(p.next_cursor.has_value());
}

TEST(server_pagination, cursor_at_the_end_is_an_empty_page) {
  auto p = pagination::slice(3, 2, pagination::encode_cursor(3));
  EXPECT_EQ(p.begin, 3u);
  EXPECT_EQ(p.end, 3u);
  EXPECT_FALSE(p.next_cursor.has_value());
}

TEST(server_pagination, cursor_past_the_end_throws_invalid_params) {
  try {
    pagination::slice(3, 2, pagination::encode_cursor(4));
    FAIL() << "expected rpc_error";
  } catch (const mcpxx::protocol::rpc_error& e) {
    EXPECT_EQ(e.code(), mcpxx::protocol::code::invalid_params);
  }
}

TEST(server_pagination, garbage_cursor_throws_invalid_params) {
  try {
    pagination::slice(3, 2, std::string("garbage"));
    FAIL() << "expected rpc_error";
  } catch (const mcpxx::protocol::rpc_error& e) {
    EXPECT_EQ(e.code(), mcpxx::protocol::code::invalid_params);
  }
}

TEST(server_pagination, page_size_zero_returns_everything) {
  auto p = pagination::slice(7, 0, std::nullopt);
  EXPECT_EQ(p.begin, 0u);
  EXPECT_EQ(p.end, 7u);
  EXPECT_FALSE(p.next_cursor.has_value());
}

TEST(server_pagination, empty_list_is_one_empty_page) {
  auto p = pagination::slice(0, 2, std::nullopt);
  EXPECT_EQ(p.begin, 0u);
  EXPECT_EQ(p.end, 0u);
  EXPECT_FALSE(p.next_cursor.has_value());
}

// ---- base64 ---------------------------------------------------------------------

TEST(server_base64, encodes_rfc4648_test_vectors) {
  EXPECT_EQ(content::base64_encode(""), "");
  EXPECT_EQ(content::base64_encode("f"), "Zg==");
  EXPECT_EQ(content::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(content::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(content::base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(content::base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(content::base64_encode("foobar"), "Zm9vYmFy");
}

TEST(server_base64, decodes_rfc4648_test_vectors) {
  EXPECT_EQ(content::base64_decode(""), std::optional<std::string>(""));
  EXPECT_EQ(content::base64_decode("Zg=="), std::optional<std::string>("f"));
  EXPECT_EQ(content::base64_decode("Zm8="), std::optional<std::string>("fo"));
  EXPECT_EQ(content::base64_decode("Zm9v"), std::optional<std::string>("foo"));
  EXPECT_EQ(content::base64_decode("Zm9vYmFy"), std::optional<std::string>("foobar"));
}

TEST(server_base64, round_trips_every_byte_value) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  auto decoded = content::base64_decode(content::base64_encode(all));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, all);
}

TEST(server_base64, round_trips_every_padding_length) {
  const std::string bytes("\x00\xff\x10\x80\x7f\x01", 6);
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    auto s = bytes.substr(0, n);
    EXPECT_EQ(content::base64_decode(content::base64_encode(s)), std::optional<std::string>(s))
        << n;
  }
}

TEST(server_base64, length_not_a_multiple_of_four_is_rejected) {
  EXPECT_FALSE(content::base64_decode("Zg").has_value());
  EXPECT_FALSE(content::base64_decode("Zg=").has_value());
  EXPECT_FALSE(content::base64_decode("Zm9vY").has_value());
}

TEST(server_base64, misplaced_padding_is_rejected) {
  EXPECT_FALSE(content::base64_decode("Z===").has_value());
  EXPECT_FALSE(content::base64_decode("====").has_value());
  EXPECT_FALSE(content::base64_decode("Zg=a").has_value());
  EXPECT_FALSE(content::base64_decode("Zg==Zg==").has_value());
}

TEST(server_base64, characters_outside_the_alphabet_are_rejected) {
  EXPECT_FALSE(content::base64_decode("Zm9v!A==").has_value());
  EXPECT_FALSE(content::base64_decode("Zm-_").has_value());
  EXPECT_FALSE(content::base64_decode("Zm9 ").has_value());
  EXPECT_FALSE(content::base64_decode("Zm\n9").has_value());
}

// ---- context: progress and log ----------------------------------------------------

class recording_sink : public mcpxx::outbound_sink {
 public:
  void send(json::object m) override {
    std::lock_guard lock(mu_);
    messages.push_back(std::move(m));
  }
  // Server-to-client requests are not exercised here.
  json::object request(std::string_view, json::object) { return {}; }
  std::vector<json::object> messages;

 private:
  std::mutex mu_;
};

struct context_fixture {
  explicit context_fixture(mcpxx::protocol::era era, std::string level = "") {
    scope.era = era;
    scope.log_level = std::move(level);
    scope.sink = sink;
  }
  std::shared_ptr<recording_sink> sink = std::make_shared<recording_sink>();
  mcpxx::request_scope scope;
  json::value id = 1;
};

TEST(server_context, progress_sends_notifications_for_the_token) {
  context_fixture f(mcpxx::protocol::era::modern);
  mcpxx::context ctx(f.scope, f.id, json::value("tok"));
  ctx.progress(1, 10, "starting");
  ASSERT_EQ(f.sink->messages.size(), 1u);
  auto& m = f.sink->messages[0];
  EXPECT_EQ(m.at("method"), json::value("notifications/progress"));
  EXPECT_FALSE(m.contains("id"));
  auto& p = m.at("params").as_object();
  EXPECT_EQ(p.at("progressToken"), json::value("tok"));
  EXPECT_EQ(p.at("progress").to_number<double>(), 1.0);
  EXPECT_EQ(p.at("total").to_number<double>(), 10.0);
  EXPECT_EQ(p.at("message"), json::value("starting"));
}

TEST(server_context, progress_without_total_or_message_omits_them) {
  context_fixture f(mcpxx::protocol::era::legacy);
  mcpxx::context ctx(f.scope, f.id, json::value(5));
  ctx.progress(0.5);
  ASSERT_EQ(f.sink->messages.size(), 1u);
  auto& p = f.sink->messages[0].at("params").as_object();
  EXPECT_EQ(p.at("progressToken"), json::value(5));
  EXPECT_EQ(p.at("progress").to_number<double>(), 0.5);
  EXPECT_FALSE(p.contains("total"));
  EXPECT_FALSE(p.contains("message"));
}

TEST(server_context, progress_drops_equal_and_smaller_values) {
  context_fixture f(mcpxx::protocol::era::modern);
  mcpxx::context ctx(f.scope, f.id, json::value("tok"));
  // Each update is flushed so the 10 ms coalescing window does not hold any back.
  for (double v : {1.0, 1.0 /* equal: dropped */, 0.5 /* smaller: dropped */, 2.0,
                   1.5 /* smaller than the last sent: dropped */, 2.5}) {
    ctx.progress(v);
    ctx.flush_progress();
  }
  std::vector<double> sent;
  for (auto& m : f.sink->messages)
    sent.push_back(m.at("params").at("progress").to_number<double>());
  EXPECT_EQ(sent, (std::vector<double>{1, 2, 2.5}));
}

TEST(server_context, progress_without_token_sends_nothing) {
  context_fixture f(mcpxx::protocol::era::modern);
  mcpxx::context ctx(f.scope, f.id, nullptr);
  ctx.progress(1, 2);
  EXPECT_TRUE(f.sink->messages.empty());
}

TEST(server_context, progress_without_sink_is_ignored) {
  mcpxx::request_scope scope;
  json::value id = 1;
  mcpxx::context ctx(scope, id, json::value("tok"));
  EXPECT_NO_THROW(ctx.progress(1));
}

TEST(server_context, legacy_without_level_sends_every_log) {
  context_fixture f(mcpxx::protocol::era::legacy, "");
  mcpxx::context ctx(f.scope, f.id, nullptr);
  ctx.log("debug", "d");
  ctx.log("emergency", "e");
  ASSERT_EQ(f.sink->messages.size(), 2u);
  EXPECT_EQ(f.sink->messages[0].at("method"), json::value("notifications/message"));
  EXPECT_EQ(f.sink->messages[0].at("params").at("level"), json::value("debug"));
  EXPECT_EQ(f.sink->messages[0].at("params").at("data"), json::value("d"));
}

TEST(server_context, modern_without_level_sends_no_log) {
  context_fixture f(mcpxx::protocol::era::modern, "");
  mcpxx::context ctx(f.scope, f.id, nullptr);
  ctx.log("emergency", "e");
  ctx.log("debug", "d");
  EXPECT_TRUE(f.sink->messages.empty());
}

TEST(server_context, log_threshold_drops_less_severe_levels) {
  for (auto era : {mcpxx::protocol::era::legacy, mcpxx::protocol::era::modern}) {
    context_fixture f(era, "warning");
    mcpxx::context ctx(f.scope, f.id, nullptr);
    ctx.log("debug", 1);
    ctx.log("info", 2);
    ctx.log("notice", 3);
    ctx.log("warning", 4);
    ctx.log("error", 5);
    std::vector<std::string> levels;
    for (auto& m : f.sink->messages) levels.emplace_back(m.at("params").at("level").as_string());
    EXPECT_EQ(levels, (std::vector<std::string>{"warning", "error"}));
  }
}

TEST(server_context, log_with_unknown_level_is_dropped) {
  context_fixture f(mcpxx::protocol::era::legacy, "");
  mcpxx::context ctx(f.scope, f.id, nullptr);
  ctx.log("verbose", "x");
  EXPECT_TRUE(f.sink->messages.empty());
}

TEST(server_context, log_includes_logger_only_when_given) {
  context_fixture f(mcpxx::protocol::era::legacy, "");
  mcpxx::context ctx(f.scope, f.id, nullptr);
  ctx.log("info", json::object{{"k", 1}}, "db");
  ctx.log("info", "plain");
  ASSERT_EQ(f.sink->messages.size(), 2u);
  EXPECT_EQ(f.sink->messages[0].at("params").at("logger"), json::value("db"));
  EXPECT_EQ(f.sink->messages[0].at("params").at("data"), (json::value{{"k", 1}}));
  EXPECT_FALSE(f.sink->messages[1].at("params").as_object().contains("logger"));
}

TEST(server_context, client_supports_checks_top_level_capabilities) {
  mcpxx::request_scope scope;
  scope.client_capabilities = {{"sampling", json::object{}}};
  json::value id = 1;
  mcpxx::context ctx(scope, id, nullptr);
  EXPECT_TRUE(ctx.client_supports("sampling"));
  EXPECT_FALSE(ctx.client_supports("elicitation"));
}

TEST(server_context, cancelled_follows_the_scope_cancellation) {
  mcpxx::request_scope scope;
  json::value id = 1;
  mcpxx::context ctx(scope, id, nullptr);
  EXPECT_FALSE(ctx.cancelled());
  scope.cancel->cancel();
  EXPECT_TRUE(ctx.cancelled());
}

}  // namespace

namespace {

struct progress_recorder final : mcpxx::outbound_sink {
  std::vector<boost::json::object> sent;
  void send(boost::json::object m) override { sent.push_back(std::move(m)); }
  boost::json::object request(std::string_view, boost::json::object) override { return {}; }
};

TEST(server_context_progress, rapid_updates_keep_the_first_and_the_last) {
  auto sink = std::make_shared<progress_recorder>();
  mcpxx::request_scope scope;
  scope.sink = sink;
  boost::json::value id = 1;
  mcpxx::context ctx(scope, id, "tok");
  for (int i = 1; i <= 10; ++i) ctx.progress(i, 10);
  ASSERT_EQ(sink->sent.size(), 2u);
  EXPECT_EQ(sink->sent[0].at("params").at("progress"), 1);
  EXPECT_EQ(sink->sent[1].at("params").at("progress"), 10);
}

TEST(server_context_progress, a_held_update_is_sent_when_the_handler_returns) {
  auto sink = std::make_shared<progress_recorder>();
  mcpxx::request_scope scope;
  scope.sink = sink;
  boost::json::value id = 1;
  mcpxx::context ctx(scope, id, "tok");
  ctx.progress(1);  // no total: nothing marks the last one
  ctx.progress(2);
  ctx.progress(3);
  ASSERT_EQ(sink->sent.size(), 1u);
  ctx.flush_progress();
  ASSERT_EQ(sink->sent.size(), 2u);
  EXPECT_EQ(sink->sent[1].at("params").at("progress"), 3);
  ctx.flush_progress();
  EXPECT_EQ(sink->sent.size(), 2u);
}

TEST(server_context_progress, updates_further_apart_than_the_window_all_go_out) {
  auto sink = std::make_shared<progress_recorder>();
  mcpxx::request_scope scope;
  scope.sink = sink;
  boost::json::value id = 1;
  mcpxx::context ctx(scope, id, "tok");
  for (int i = 1; i <= 3; ++i) {
    ctx.progress(i, 10);
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
  }
  EXPECT_EQ(sink->sent.size(), 3u);
}

}  // namespace
