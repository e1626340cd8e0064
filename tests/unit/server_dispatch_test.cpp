// server::handle: the method tables of both eras, run on a real io_context.
#include <mcpxx/protocol/envelope.hpp>
#include <mcpxx/protocol/error.hpp>
#include <mcpxx/server/content.hpp>
#include <mcpxx/server/server.hpp>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
namespace asio = boost::asio;
namespace code = mcpxx::protocol::code;
using mcpxx::request_scope;
using mcpxx::protocol::era;

request_scope legacy_scope(std::string version = "2025-11-25") {
  request_scope s;
  s.era = era::legacy;
  s.protocol_version = std::move(version);
  return s;
}

request_scope modern_scope(json::object caps = {}) {
  request_scope s;
  s.era = era::modern;
  s.protocol_version = "2026-07-28";
  s.client_capabilities = std::move(caps);
  return s;
}

class fake_session : public mcpxx::legacy_session {
 public:
  asio::awaitable<void> set_log_level(std::string level) override {
    levels.push_back(std::move(level));
    co_return;
  }
  asio::awaitable<void> set_subscribed(std::string uri, bool subscribed) override {
    subscriptions.emplace_back(std::move(uri), subscribed);
    co_return;
  }
  std::vector<std::string> levels;
  std::vector<std::pair<std::string, bool>> subscriptions;
};

mcpxx::tool_definition echo_tool(std::string name) {
  mcpxx::tool_definition t;
  t.name = name;
  t.description = "tool " + name;
  t.handler = [name](mcpxx::context&, const json::object& args) {
    return mcpxx::tool_result::text(name + ":" + json::serialize(args));
  };
  return t;
}

class server_dispatch : public ::testing::Test {
 protected:
  static mcpxx::server_options options(std::size_t page_size = 50) {
    mcpxx::server_options o;
    o.name = "test-server";
    o.version = "9.9.9";
    o.page_size = page_size;
    o.worker_threads = 2;
    o.instructions = "be nice";
    return o;
  }

  server_dispatch() : srv(options()) {}

  json::object call(std::string method, json::object params, const request_scope& scope,
                    mcpxx::legacy_session* session = nullptr, json::value id = 1) {
    mcpxx::protocol::request req{std::move(id), std::move(method), std::move(params)};
    auto fut = asio::co_spawn(io, srv.handle(req, scope, session), asio::use_future);
    while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    return fut.get();
  }

  static int error_code(const json::object& response) {
    auto* e = response.if_contains("error");
    if (!e) return 0;
    return static_cast<int>(e->at("code").as_int64());
  }

  static const json::object& result(const json::object& response) {
    static const json::object empty;
    auto* r = response.if_contains("result");
    EXPECT_NE(r, nullptr) << json::serialize(response);
    return r ? r->as_object() : empty;
  }

  static std::string first_text(const json::object& tool_result) {
    return std::string(tool_result.at("content").at(0).at("text").as_string());
  }

  void add_resources() {
    mcpxx::resource_definition r;
    r.uri = "mem://readme";
    r.name = "readme";
    r.mime_type = "text/plain";
    r.read = [](mcpxx::context&, const std::string& uri) {
      return mcpxx::resource_contents{mcpxx::content::text_contents(uri, "hello")};
    };
    srv.add_resource(r);

    mcpxx::resource_definition empty;
    empty.uri = "mem://empty";
    empty.name = "empty";
    empty.read = [](mcpxx::context&, const std::string&) { return mcpxx::resource_contents{}; };
    srv.add_resource(empty);

    mcpxx::resource_definition gone;
    gone.uri = "mem://gone";
    gone.name = "gone";
    gone.read = [](mcpxx::context&, const std::string& uri) -> mcpxx::resource_contents {
      throw mcpxx::resource_not_found(uri);
    };
    srv.add_resource(gone);

    mcpxx::resource_definition picky;
    picky.uri = "mem://picky";
    picky.name = "picky";
    picky.read = [](mcpxx::context&, const std::string&) -> mcpxx::resource_contents {
      throw mcpxx::invalid_params("picky says no");
    };
    srv.add_resource(picky);

    mcpxx::resource_definition broken;
    broken.uri = "mem://broken";
    broken.name = "broken";
    broken.read = [](mcpxx::context&, const std::string&) -> mcpxx::resource_contents {
      throw std::runtime_error("disk on fire");
    };
    srv.add_resource(broken);

    mcpxx::resource_template_definition t;
    t.uri_template = "logs://app/{date}";
    t.name = "logs";
    t.read = [](mcpxx::context&, const std::string& uri, const mcpxx::uri_params& p) {
      return mcpxx::resource_contents{mcpxx::content::text_contents(uri, "log of " + p.at("date"))};
    };
    srv.add_resource_template(t);
  }

  void add_prompt() {
    mcpxx::prompt_definition p;
    p.name = "greet";
    p.description = "Greets";
    p.arguments = {{.name = "who", .required = true}, {.name = "tone"}};
    p.get = [](mcpxx::context&, const mcpxx::prompt_arguments& args) {
      mcpxx::prompt_result r;
      r.description = "greeting";
      std::string tone = args.contains("tone") ? args.at("tone") : "plain";
      r.messages.push_back(mcpxx::prompt_message(
          "user", mcpxx::content::text("Hello " + args.at("who") + " (" + tone + ")")));
      return r;
    };
    srv.add_prompt(p);
  }

  asio::io_context io;
  mcpxx::server srv;
};

// ---- tools/list -----------------------------------------------------------------

TEST_F(server_dispatch, tools_list_pages_visit_every_tool_in_name_order) {
  mcpxx::server paged(options(2));
  for (auto n : {"delta", "alpha", "echo", "charlie", "bravo"}) paged.add_tool(echo_tool(n));
  auto scope = legacy_scope();

  std::vector<std::string> names;
  std::vector<std::size_t> page_sizes;
  json::object params;
  for (int guard = 0; guard < 10; ++guard) {
    mcpxx::protocol::request req{1, "tools/list", params};
    auto fut = asio::co_spawn(io, paged.handle(req, scope), asio::use_future);
    io.restart();
    io.run();
    auto response = fut.get();
    auto& r = result(response);
    auto& tools = r.at("tools").as_array();
    page_sizes.push_back(tools.size());
    for (auto& t : tools) names.emplace_back(t.at("name").as_string());
    auto* next = r.if_contains("nextCursor");
    if (!next) break;
    params = {{"cursor", *next}};
  }
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{2, 2, 1}));
}

TEST_F(server_dispatch, tools_list_same_cursor_yields_same_page) {
  mcpxx::server paged(options(2));
  for (auto n : {"c", "a", "b"}) paged.add_tool(echo_tool(n));
  auto scope = legacy_scope();
  auto run = [&](json::object params) {
    mcpxx::protocol::request req{1, "tools/list", std::move(params)};
    auto fut = asio::co_spawn(io, paged.handle(req, scope), asio::use_future);
    io.restart();
    io.run();
    return fut.get();
  };
  auto first = run({});
  auto cursor = first.at("result").at("nextCursor");
  auto a = run({{"cursor", cursor}});
  auto b = run({{"cursor", cursor}});
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.at("result").at("tools").at(0).at("name"), json::value("c"));
}

TEST_F(server_dispatch, tools_list_without_tools_is_an_empty_page_without_cursor) {
  auto r = call("tools/list", {}, legacy_scope());
  EXPECT_TRUE(result(r).at("tools").as_array().empty());
  EXPECT_FALSE(result(r).contains("nextCursor"));
}

TEST_F(server_dispatch, tools_list_invalid_cursor_is_invalid_params) {
  srv.add_tool(echo_tool("a"));
  EXPECT_EQ(error_code(call("tools/list", {{"cursor", "not-a-cursor"}}, legacy_scope())),
            code::invalid_params);
}

TEST_F(server_dispatch, tools_list_non_string_cursor_is_invalid_params) {
  EXPECT_EQ(error_code(call("tools/list", {{"cursor", 3}}, legacy_scope())), code::invalid_params);
}

TEST_F(server_dispatch, tools_list_cursor_past_the_end_is_invalid_params) {
  srv.add_tool(echo_tool("a"));
  auto cursor = mcpxx::content::base64_encode("mcpxx-page:5");
  EXPECT_EQ(error_code(call("tools/list", {{"cursor", cursor}}, modern_scope())),
            code::invalid_params);
}

// ---- tools/call -----------------------------------------------------------------

TEST_F(server_dispatch, tools_call_unknown_tool_is_invalid_params) {
  EXPECT_EQ(error_code(call("tools/call", {{"name", "nope"}}, legacy_scope())),
            code::invalid_params);
}

TEST_F(server_dispatch, tools_call_missing_name_is_invalid_params) {
  EXPECT_EQ(error_code(call("tools/call", {}, modern_scope())), code::invalid_params);
}

TEST_F(server_dispatch, tools_call_non_object_arguments_is_invalid_params) {
  srv.add_tool(echo_tool("a"));
  EXPECT_EQ(error_code(
                call("tools/call", {{"name", "a"}, {"arguments", json::array{1}}}, legacy_scope())),
            code::invalid_params);
}

TEST_F(server_dispatch, tools_call_passes_arguments_to_the_handler) {
  srv.add_tool(echo_tool("a"));
  auto r = call("tools/call", {{"name", "a"}, {"arguments", {{"x", 1}}}}, legacy_scope());
  EXPECT_EQ(first_text(result(r)), R"(a:{"x":1})");
  EXPECT_FALSE(result(r).contains("isError"));
}

TEST_F(server_dispatch, tools_call_null_arguments_read_as_empty_object) {
  srv.add_tool(echo_tool("a"));
  auto r = call("tools/call", {{"name", "a"}, {"arguments", nullptr}}, legacy_scope());
  EXPECT_EQ(first_text(result(r)), "a:{}");
}

TEST_F(server_dispatch, tools_call_handler_exception_becomes_is_error_result_with_message) {
  mcpxx::tool_definition t;
  t.name = "boom";
  t.handler = [](mcpxx::context&, const json::object&) -> mcpxx::tool_result {
    throw std::runtime_error("kaboom happened");
  };
  srv.add_tool(t);
  auto r = call("tools/call", {{"name", "boom"}}, legacy_scope());
  ASSERT_FALSE(r.contains("error"));
  EXPECT_EQ(result(r).at("isError"), json::value(true));
  EXPECT_NE(first_text(result(r)).find("kaboom happened"), std::string::npos);
}

TEST_F(server_dispatch, tools_call_handler_rpc_error_stays_a_protocol_error) {
  mcpxx::tool_definition t;
  t.name = "strict";
  t.handler = [](mcpxx::context&, const json::object&) -> mcpxx::tool_result {
    throw mcpxx::protocol::rpc_error(code::invalid_params, "strict no");
  };
  srv.add_tool(t);
  EXPECT_EQ(error_code(call("tools/call", {{"name", "strict"}}, legacy_scope())),
            code::invalid_params);
}

TEST_F(server_dispatch, tools_call_run_inline_handler_runs_on_the_io_thread) {
  std::thread::id ran_on;
  mcpxx::tool_definition t;
  t.name = "inline";
  t.run_inline = true;
  t.handler = [&](mcpxx::context&, const json::object&) {
    ran_on = std::this_thread::get_id();
    return mcpxx::tool_result::text("inline ok");
  };
  srv.add_tool(t);
  auto r = call("tools/call", {{"name", "inline"}}, legacy_scope());
  EXPECT_EQ(first_text(result(r)), "inline ok");
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST_F(server_dispatch, tools_call_pooled_handler_runs_on_a_worker_thread) {
  std::thread::id ran_on;
  mcpxx::tool_definition t;
  t.name = "pooled";
  t.handler = [&](mcpxx::context&, const json::object&) {
    ran_on = std::this_thread::get_id();
    return mcpxx::tool_result::text("pooled ok");
  };
  srv.add_tool(t);
  auto r = call("tools/call", {{"name", "pooled"}}, legacy_scope());
  EXPECT_EQ(first_text(result(r)), "pooled ok");
  EXPECT_NE(ran_on, std::thread::id{});
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST_F(server_dispatch, tools_call_async_handler_is_awaited) {
  mcpxx::tool_definition t;
  t.name = "async";
  t.async_handler = [](mcpxx::context&,
                       const json::object& args) -> asio::awaitable<mcpxx::tool_result> {
    co_return mcpxx::tool_result::text("async " + json::serialize(args));
  };
  srv.add_tool(t);
  auto r = call("tools/call", {{"name", "async"}, {"arguments", {{"k", "v"}}}}, modern_scope());
  EXPECT_EQ(first_text(result(r)), R"(async {"k":"v"})");
}

TEST_F(server_dispatch, tools_call_progress_goes_to_the_sink_with_the_request_token) {
  struct sink : mcpxx::outbound_sink {
    void send(json::object m) override {
      std::lock_guard lock(mu);
      sent.push_back(std::move(m));
    }
    // Server-to-client requests are not exercised here.
    json::object request(std::string_view, json::object) { return {}; }
    std::mutex mu;
    std::vector<json::object> sent;
  };
  auto s = std::make_shared<sink>();
  mcpxx::tool_definition t;
  t.name = "slow";
  t.handler = [](mcpxx::context& ctx, const json::object&) {
    ctx.progress(1, 2);
    ctx.progress(2, 2);
    return mcpxx::tool_result::text("done");
  };
  srv.add_tool(t);
  auto scope = legacy_scope();
  scope.sink = s;
  call("tools/call", {{"name", "slow"}, {"_meta", {{"progressToken", "tok"}}}}, scope);
  ASSERT_EQ(s->sent.size(), 2u);
  EXPECT_EQ(s->sent[0].at("method"), json::value("notifications/progress"));
  EXPECT_EQ(s->sent[0].at("params").at("progressToken"), json::value("tok"));
  EXPECT_EQ(s->sent[1].at("params").at("progress").to_number<double>(), 2.0);
}

// ---- required client capabilities -------------------------------------------------

mcpxx::tool_definition needs_sampling(std::atomic<int>& runs) {
  mcpxx::tool_definition t;
  t.name = "sampler";
  t.required_client_capabilities = {{"sampling", json::object{}}};
  t.handler = [&runs](mcpxx::context&, const json::object&) {
    ++runs;
    return mcpxx::tool_result::text("sampled");
  };
  return t;
}

TEST_F(server_dispatch, modern_call_lacking_required_capability_is_minus_32021) {
  std::atomic<int> runs{0};
  srv.add_tool(needs_sampling(runs));
  auto r =
      call("tools/call", {{"name", "sampler"}}, modern_scope({{"elicitation", json::object{}}}));
  ASSERT_EQ(error_code(r), code::missing_client_capability);
  EXPECT_EQ(r.at("error").at("data"),
            (json::value{{"requiredCapabilities", {{"sampling", json::object{}}}}}));
  EXPECT_EQ(runs.load(), 0);
}

TEST_F(server_dispatch, modern_call_with_required_capability_runs_the_tool) {
  std::atomic<int> runs{0};
  srv.add_tool(needs_sampling(runs));
  auto r = call("tools/call", {{"name", "sampler"}}, modern_scope({{"sampling", json::object{}}}));
  EXPECT_EQ(first_text(result(r)), "sampled");
  EXPECT_EQ(runs.load(), 1);
}

TEST_F(server_dispatch, legacy_call_ignores_required_capabilities_and_runs_the_tool) {
  std::atomic<int> runs{0};
  srv.add_tool(needs_sampling(runs));
  auto r = call("tools/call", {{"name", "sampler"}}, legacy_scope());
  EXPECT_EQ(first_text(result(r)), "sampled");
  EXPECT_EQ(runs.load(), 1);
}

// ---- modern vs legacy result decoration -------------------------------------------

TEST_F(server_dispatch, modern_tool_result_carries_result_type_and_server_info) {
  srv.add_tool(echo_tool("a"));
  auto r = result(call("tools/call", {{"name", "a"}}, modern_scope()));
  EXPECT_EQ(r.at("resultType"), json::value("complete"));
  EXPECT_EQ(r.at("_meta").at(mcpxx::protocol::meta_key::server_info),
            (json::value{{"name", "test-server"}, {"version", "9.9.9"}}));
  EXPECT_FALSE(r.contains("ttlMs"));
}

TEST_F(server_dispatch, modern_tool_result_meta_is_kept_beside_server_info) {
  mcpxx::tool_definition t;
  t.name = "meta";
  t.run_inline = true;
  t.handler = [](mcpxx::context&, const json::object&) {
    auto r = mcpxx::tool_result::text("x");
    r.meta = {{"example.com/k", 1}};
    return r;
  };
  srv.add_tool(t);
  auto r = result(call("tools/call", {{"name", "meta"}}, modern_scope()));
  auto& meta = r.at("_meta").as_object();
  EXPECT_EQ(meta.at("example.com/k"), json::value(1));
  EXPECT_TRUE(meta.contains(mcpxx::protocol::meta_key::server_info));
}

TEST_F(server_dispatch, modern_list_results_carry_public_cache_hints) {
  add_resources();
  add_prompt();
  srv.add_tool(echo_tool("a"));
  for (auto m : {"tools/list", "resources/list", "resources/templates/list", "prompts/list"}) {
    auto r = result(call(m, {}, modern_scope()));
    EXPECT_EQ(r.at("ttlMs"), json::value(60000)) << m;
    EXPECT_EQ(r.at("cacheScope"), json::value("public")) << m;
    EXPECT_EQ(r.at("resultType"), json::value("complete")) << m;
    EXPECT_TRUE(r.at("_meta").as_object().contains(mcpxx::protocol::meta_key::server_info)) << m;
  }
}

TEST_F(server_dispatch, modern_resources_read_carries_private_cache_hints) {
  add_resources();
  auto r = result(call("resources/read", {{"uri", "mem://readme"}}, modern_scope()));
  EXPECT_EQ(r.at("ttlMs"), json::value(0));
  EXPECT_EQ(r.at("cacheScope"), json::value("private"));
  EXPECT_EQ(r.at("resultType"), json::value("complete"));
}

TEST_F(server_dispatch, modern_server_discover_lists_versions_capabilities_and_cache_hints) {
  auto r = result(call("server/discover", {}, modern_scope()));
  EXPECT_EQ(r.at("supportedVersions"), json::value(json::array{"2026-07-28"}));
  EXPECT_EQ(r.at("capabilities"), json::value(srv.capabilities()));
  EXPECT_EQ(r.at("instructions"), json::value("be nice"));
  EXPECT_EQ(r.at("ttlMs"), json::value(60000));
  EXPECT_EQ(r.at("cacheScope"), json::value("public"));
  EXPECT_EQ(r.at("resultType"), json::value("complete"));
  EXPECT_TRUE(r.at("_meta").as_object().contains(mcpxx::protocol::meta_key::server_info));
}

TEST_F(server_dispatch, legacy_results_carry_no_modern_decoration) {
  add_resources();
  srv.add_tool(echo_tool("a"));
  std::vector<std::pair<std::string, json::object>> calls{
      {"tools/list", {}},
      {"tools/call", {{"name", "a"}}},
      {"resources/list", {}},
      {"resources/read", {{"uri", "mem://readme"}}}};
  for (auto& [m, p] : calls) {
    auto r = result(call(m, p, legacy_scope()));
    EXPECT_FALSE(r.contains("resultType")) << m;
    EXPECT_FALSE(r.contains("_meta")) << m;
    EXPECT_FALSE(r.contains("ttlMs")) << m;
    EXPECT_FALSE(r.contains("cacheScope")) << m;
  }
}

TEST_F(server_dispatch, response_echoes_the_request_id) {
  auto r = call("ping", {}, legacy_scope(), nullptr, json::value("req-42"));
  EXPECT_EQ(r.at("id"), json::value("req-42"));
  EXPECT_EQ(r.at("jsonrpc"), json::value("2.0"));
}

// ---- resources ------------------------------------------------------------------

TEST_F(server_dispatch, resources_read_static_resource_returns_its_contents) {
  add_resources();
  auto r = result(call("resources/read", {{"uri", "mem://readme"}}, legacy_scope()));
  EXPECT_EQ(r.at("contents"),
            json::value(json::array{mcpxx::content::text_contents("mem://readme", "hello")}));
}

TEST_F(server_dispatch, resources_read_template_match_passes_the_variables) {
  add_resources();
  auto r = result(call("resources/read", {{"uri", "logs://app/2024-01-02"}}, legacy_scope()));
  EXPECT_EQ(r.at("contents").at(0).at("text"), json::value("log of 2024-01-02"));
  EXPECT_EQ(r.at("contents").at(0).at("uri"), json::value("logs://app/2024-01-02"));
}

TEST_F(server_dispatch, resources_read_unknown_uri_is_minus_32002_with_uri_on_legacy) {
  add_resources();
  auto r = call("resources/read", {{"uri", "mem://missing"}}, legacy_scope());
  ASSERT_EQ(error_code(r), code::resource_not_found_legacy);
  EXPECT_EQ(r.at("error").at("data"), (json::value{{"uri", "mem://missing"}}));
}

TEST_F(server_dispatch, resources_read_unknown_uri_is_invalid_params_with_uri_on_modern) {
  add_resources();
  auto r = call("resources/read", {{"uri", "mem://missing"}}, modern_scope());
  ASSERT_EQ(error_code(r), code::invalid_params);
  EXPECT_EQ(r.at("error").at("data"), (json::value{{"uri", "mem://missing"}}));
}

TEST_F(server_dispatch, resources_read_template_mismatch_is_not_found) {
  add_resources();
  auto r = call("resources/read", {{"uri", "logs://app/a/b"}}, legacy_scope());
  EXPECT_EQ(error_code(r), code::resource_not_found_legacy);
}

TEST_F(server_dispatch, resources_read_reader_throwing_not_found_is_the_eras_not_found) {
  add_resources();
  auto legacy = call("resources/read", {{"uri", "mem://gone"}}, legacy_scope());
  EXPECT_EQ(error_code(legacy), code::resource_not_found_legacy);
  EXPECT_EQ(legacy.at("error").at("data").at("uri"), json::value("mem://gone"));
  auto modern = call("resources/read", {{"uri", "mem://gone"}}, modern_scope());
  EXPECT_EQ(error_code(modern), code::invalid_params);
  EXPECT_EQ(modern.at("error").at("data").at("uri"), json::value("mem://gone"));
}

TEST_F(server_dispatch, resources_read_reader_throwing_invalid_params_is_minus_32602_with_uri) {
  add_resources();
  auto r = call("resources/read", {{"uri", "mem://picky"}}, legacy_scope());
  ASSERT_EQ(error_code(r), code::invalid_params);
  EXPECT_EQ(r.at("error").at("message"), json::value("picky says no"));
  EXPECT_EQ(r.at("error").at("data").at("uri"), json::value("mem://picky"));
}

TEST_F(server_dispatch, resources_read_empty_contents_is_not_found) {
  add_resources();
  EXPECT_EQ(error_code(call("resources/read", {{"uri", "mem://empty"}}, legacy_scope())),
            code::resource_not_found_legacy);
  EXPECT_EQ(error_code(call("resources/read", {{"uri", "mem://empty"}}, modern_scope())),
            code::invalid_params);
}

TEST_F(server_dispatch, resources_read_reader_failure_is_internal_error) {
  add_resources();
  EXPECT_EQ(error_code(call("resources/read", {{"uri", "mem://broken"}}, modern_scope())),
            code::internal_error);
}

TEST_F(server_dispatch, resources_read_missing_uri_is_invalid_params) {
  EXPECT_EQ(error_code(call("resources/read", {}, legacy_scope())), code::invalid_params);
}

TEST_F(server_dispatch, resources_list_lists_static_resources_in_registration_order) {
  add_resources();
  auto r = result(call("resources/list", {}, legacy_scope()));
  auto& list = r.at("resources").as_array();
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[0].at("uri"), json::value("mem://readme"));
  EXPECT_EQ(list[0].at("mimeType"), json::value("text/plain"));
  EXPECT_EQ(list[4].at("uri"), json::value("mem://broken"));
}

TEST_F(server_dispatch, resource_templates_list_lists_the_template) {
  add_resources();
  auto r = result(call("resources/templates/list", {}, legacy_scope()));
  EXPECT_EQ(r.at("resourceTemplates").at(0).at("uriTemplate"), json::value("logs://app/{date}"));
}

TEST_F(server_dispatch, resource_title_and_icons_follow_the_revision) {
  mcpxx::resource_definition r;
  r.uri = "mem://x";
  r.name = "x";
  r.title = "X";
  r.icons = {json::object{{"src", "https://example.com/i.png"}}};
  r.read = [](mcpxx::context&, const std::string& uri) {
    return mcpxx::resource_contents{mcpxx::content::text_contents(uri, "x")};
  };
  srv.add_resource(r);
  auto old = result(call("resources/list", {}, legacy_scope("2025-03-26")));
  EXPECT_FALSE(old.at("resources").at(0).as_object().contains("title"));
  EXPECT_FALSE(old.at("resources").at(0).as_object().contains("icons"));
  auto mid = result(call("resources/list", {}, legacy_scope("2025-06-18")));
  EXPECT_EQ(mid.at("resources").at(0).at("title"), json::value("X"));
  EXPECT_FALSE(mid.at("resources").at(0).as_object().contains("icons"));
  auto now = result(call("resources/list", {}, legacy_scope("2025-11-25")));
  EXPECT_TRUE(now.at("resources").at(0).as_object().contains("icons"));
}

// ---- prompts --------------------------------------------------------------------

TEST_F(server_dispatch, prompts_get_returns_messages_and_description) {
  add_prompt();
  auto r = result(
      call("prompts/get", {{"name", "greet"}, {"arguments", {{"who", "Ada"}}}}, legacy_scope()));
  EXPECT_EQ(r.at("description"), json::value("greeting"));
  EXPECT_EQ(r.at("messages").at(0).at("role"), json::value("user"));
  EXPECT_EQ(r.at("messages").at(0).at("content").at("text"), json::value("Hello Ada (plain)"));
}

TEST_F(server_dispatch, prompts_get_missing_required_argument_is_invalid_params) {
  add_prompt();
  EXPECT_EQ(error_code(call("prompts/get", {{"name", "greet"}, {"arguments", {{"tone", "warm"}}}},
                            legacy_scope())),
            code::invalid_params);
}

TEST_F(server_dispatch, prompts_get_non_string_argument_is_invalid_params) {
  add_prompt();
  EXPECT_EQ(error_code(call("prompts/get", {{"name", "greet"}, {"arguments", {{"who", 5}}}},
                            modern_scope())),
            code::invalid_params);
}

TEST_F(server_dispatch, prompts_get_unknown_prompt_is_invalid_params) {
  EXPECT_EQ(error_code(call("prompts/get", {{"name", "nope"}}, legacy_scope())),
            code::invalid_params);
}

TEST_F(server_dispatch, prompts_list_describes_arguments) {
  add_prompt();
  auto r = result(call("prompts/list", {}, legacy_scope()));
  auto& p = r.at("prompts").at(0);
  EXPECT_EQ(p.at("name"), json::value("greet"));
  EXPECT_EQ(p.at("arguments").at(0), (json::value{{"name", "who"}, {"required", true}}));
  EXPECT_EQ(p.at("arguments").at(1), (json::value{{"name", "tone"}}));
}

TEST_F(server_dispatch, prompts_get_downgrades_message_content_for_old_revisions) {
  mcpxx::prompt_definition p;
  p.name = "linky";
  p.get = [](mcpxx::context&, const mcpxx::prompt_arguments&) {
    mcpxx::prompt_result r;
    r.messages.push_back(mcpxx::prompt_message(
        "user", mcpxx::content::resource_link("file:///a.txt", "a.txt", "text/plain")));
    return r;
  };
  srv.add_prompt(p);
  auto old = result(call("prompts/get", {{"name", "linky"}}, legacy_scope("2025-03-26")));
  EXPECT_EQ(old.at("messages").at(0).at("content").at("type"), json::value("text"));
  auto now = result(call("prompts/get", {{"name", "linky"}}, legacy_scope("2025-06-18")));
  EXPECT_EQ(now.at("messages").at(0).at("content").at("type"), json::value("resource_link"));
}

// ---- completion -----------------------------------------------------------------

TEST_F(server_dispatch, completion_returns_at_most_100_values_and_has_more) {
  mcpxx::completion_definition c;
  c.ref_type = "ref/prompt";
  c.ref_name = "greet";
  c.argument = "who";
  c.complete = [](mcpxx::context&, std::string_view value, const json::object&) {
    mcpxx::completion_result r;
    for (int i = 0; i < 150; ++i) r.values.push_back(std::string(value) + std::to_string(i));
    r.total = 150;
    return r;
  };
  srv.add_completion(c);
  auto r = result(call("completion/complete",
                       {{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}},
                        {"argument", {{"name", "who"}, {"value", "A"}}}},
                       legacy_scope()));
  auto& completion = r.at("completion");
  EXPECT_EQ(completion.at("values").as_array().size(), 100u);
  EXPECT_EQ(completion.at("values").at(0), json::value("A0"));
  EXPECT_EQ(completion.at("hasMore"), json::value(true));
  EXPECT_EQ(completion.at("total"), json::value(150));
}

TEST_F(server_dispatch, completion_for_resource_ref_matches_by_uri_and_sees_context) {
  mcpxx::completion_definition c;
  c.ref_type = "ref/resource";
  c.ref_name = "logs://app/{date}";
  c.argument = "date";
  c.complete = [](mcpxx::context&, std::string_view, const json::object& others) {
    mcpxx::completion_result r;
    r.values = {"2024-01-01", json::serialize(others)};
    return r;
  };
  srv.add_completion(c);
  auto r = result(call("completion/complete",
                       {{"ref", {{"type", "ref/resource"}, {"uri", "logs://app/{date}"}}},
                        {"argument", {{"name", "date"}, {"value", "2024"}}},
                        {"context", {{"arguments", {{"app", "web"}}}}}},
                       modern_scope()));
  auto& completion = r.at("completion");
  EXPECT_EQ(completion.at("values"), json::value(json::array{"2024-01-01", R"({"app":"web"})"}));
  EXPECT_EQ(completion.at("hasMore"), json::value(false));
  EXPECT_FALSE(completion.as_object().contains("total"));
  EXPECT_EQ(r.at("resultType"), json::value("complete"));
}

TEST_F(server_dispatch, completion_without_matching_provider_is_empty) {
  auto r = result(call("completion/complete",
                       {{"ref", {{"type", "ref/prompt"}, {"name", "x"}}},
                        {"argument", {{"name", "y"}, {"value", ""}}}},
                       legacy_scope()));
  EXPECT_TRUE(r.at("completion").at("values").as_array().empty());
  EXPECT_EQ(r.at("completion").at("hasMore"), json::value(false));
}

TEST_F(server_dispatch, completion_without_ref_is_invalid_params) {
  EXPECT_EQ(error_code(call("completion/complete", {{"argument", {{"name", "y"}, {"value", ""}}}},
                            legacy_scope())),
            code::invalid_params);
}

// ---- legacy lifecycle and session methods ------------------------------------------

TEST_F(server_dispatch, initialize_echoes_a_known_version) {
  auto r = result(call("initialize", {{"protocolVersion", "2025-03-26"}}, legacy_scope("")));
  EXPECT_EQ(r.at("protocolVersion"), json::value("2025-03-26"));
  EXPECT_EQ(r.at("serverInfo"), (json::value{{"name", "test-server"}, {"version", "9.9.9"}}));
  EXPECT_EQ(r.at("capabilities"), json::value(srv.capabilities()));
  EXPECT_EQ(r.at("instructions"), json::value("be nice"));
}

TEST_F(server_dispatch, initialize_answers_latest_legacy_for_an_unknown_version) {
  auto r = result(call("initialize", {{"protocolVersion", "2023-01-01"}}, legacy_scope("")));
  EXPECT_EQ(r.at("protocolVersion"), json::value("2025-11-25"));
}

TEST_F(server_dispatch, initialize_without_protocol_version_is_invalid_params) {
  EXPECT_EQ(error_code(call("initialize", {}, legacy_scope(""))), code::invalid_params);
}

TEST_F(server_dispatch, initialize_is_method_not_found_on_modern) {
  EXPECT_EQ(error_code(call("initialize", {{"protocolVersion", "2025-11-25"}}, modern_scope())),
            code::method_not_found);
}

TEST_F(server_dispatch, ping_answers_empty_object_on_legacy) {
  auto r = call("ping", {}, legacy_scope());
  EXPECT_EQ(r.at("result"), json::value(json::object{}));
}

TEST_F(server_dispatch, ping_is_method_not_found_on_modern) {
  EXPECT_EQ(error_code(call("ping", {}, modern_scope())), code::method_not_found);
}

TEST_F(server_dispatch, logging_set_level_records_the_level_on_the_session) {
  fake_session session;
  auto r = call("logging/setLevel", {{"level", "warning"}}, legacy_scope(), &session);
  EXPECT_EQ(r.at("result"), json::value(json::object{}));
  EXPECT_EQ(session.levels, (std::vector<std::string>{"warning"}));
}

TEST_F(server_dispatch, logging_set_level_with_invalid_level_is_invalid_params) {
  fake_session session;
  auto r = call("logging/setLevel", {{"level", "loud"}}, legacy_scope(), &session);
  EXPECT_EQ(error_code(r), code::invalid_params);
  EXPECT_TRUE(session.levels.empty());
}

TEST_F(server_dispatch, logging_set_level_is_method_not_found_on_modern) {
  fake_session session;
  auto r = call("logging/setLevel", {{"level", "info"}}, modern_scope(), &session);
  EXPECT_EQ(error_code(r), code::method_not_found);
  EXPECT_TRUE(session.levels.empty());
}

TEST_F(server_dispatch, resources_subscribe_and_unsubscribe_reach_the_session) {
  fake_session session;
  call("resources/subscribe", {{"uri", "mem://a"}}, legacy_scope(), &session);
  call("resources/unsubscribe", {{"uri", "mem://a"}}, legacy_scope(), &session);
  ASSERT_EQ(session.subscriptions.size(), 2u);
  EXPECT_EQ(session.subscriptions[0], (std::pair<std::string, bool>{"mem://a", true}));
  EXPECT_EQ(session.subscriptions[1], (std::pair<std::string, bool>{"mem://a", false}));
}

TEST_F(server_dispatch, server_discover_is_method_not_found_on_legacy) {
  EXPECT_EQ(error_code(call("server/discover", {}, legacy_scope())), code::method_not_found);
}

TEST_F(server_dispatch, unknown_method_is_method_not_found) {
  EXPECT_EQ(error_code(call("tools/frobnicate", {}, modern_scope())), code::method_not_found);
  EXPECT_EQ(error_code(call("tools/frobnicate", {}, legacy_scope())), code::method_not_found);
}

// ---- runtime registration -------------------------------------------------------

TEST_F(server_dispatch, runtime_add_and_remove_tool_show_in_tools_list_and_notify) {
  std::vector<std::string> kinds;
  srv.on_list_changed([&](std::string_view kind) { kinds.emplace_back(kind); });
  srv.add_tool(echo_tool("late"));
  auto after_add = result(call("tools/list", {}, modern_scope()));
  ASSERT_EQ(after_add.at("tools").as_array().size(), 1u);
  EXPECT_EQ(after_add.at("tools").at(0).at("name"), json::value("late"));

  EXPECT_TRUE(srv.remove_tool("late"));
  auto after_remove = result(call("tools/list", {}, modern_scope()));
  EXPECT_TRUE(after_remove.at("tools").as_array().empty());
  EXPECT_EQ(kinds, (std::vector<std::string>{"tools", "tools"}));
}

TEST_F(server_dispatch, removing_an_unknown_tool_returns_false_without_notifying) {
  int calls = 0;
  srv.on_list_changed([&](std::string_view) { ++calls; });
  EXPECT_FALSE(srv.remove_tool("never"));
  EXPECT_EQ(calls, 0);
}

TEST_F(server_dispatch, resource_and_prompt_changes_notify_their_kind) {
  std::vector<std::string> kinds;
  srv.on_list_changed([&](std::string_view kind) { kinds.emplace_back(kind); });
  add_prompt();
  mcpxx::resource_definition r;
  r.uri = "mem://x";
  r.read = [](mcpxx::context&, const std::string&) { return mcpxx::resource_contents{}; };
  srv.add_resource(r);
  EXPECT_EQ(kinds, (std::vector<std::string>{"prompts", "resources"}));
}

TEST_F(server_dispatch, adding_a_tool_without_handler_throws) {
  mcpxx::tool_definition t;
  t.name = "empty";
  EXPECT_THROW(srv.add_tool(t), std::invalid_argument);
}

TEST_F(server_dispatch, adding_a_tool_with_an_existing_name_replaces_it) {
  srv.add_tool(echo_tool("a"));
  mcpxx::tool_definition t;
  t.name = "a";
  t.run_inline = true;
  t.handler = [](mcpxx::context&, const json::object&) { return mcpxx::tool_result::text("v2"); };
  srv.add_tool(t);
  auto r = result(call("tools/call", {{"name", "a"}}, legacy_scope()));
  EXPECT_EQ(first_text(r), "v2");
  EXPECT_EQ(result(call("tools/list", {}, legacy_scope())).at("tools").as_array().size(), 1u);
}

}  // namespace

namespace {

// A tool that answers with how many times it ran, so that cache hits are visible.
mcpxx::tool_definition counting_tool(std::string name, std::atomic<int>& runs,
                                     std::chrono::milliseconds ttl, std::string scope) {
  mcpxx::tool_definition t;
  t.name = std::move(name);
  t.cache_ttl = ttl;
  t.cache_scope = std::move(scope);
  t.handler = [&runs](mcpxx::context&, const json::object& args) {
    int n = ++runs;
    if (args.contains("fail")) return mcpxx::tool_result::error("failed run " + std::to_string(n));
    return mcpxx::tool_result::text("run " + std::to_string(n));
  };
  return t;
}

request_scope as(std::string principal) {
  auto s = legacy_scope();
  s.principal = std::move(principal);
  return s;
}

}  // namespace

TEST_F(server_dispatch, tools_call_results_are_cached_per_arguments_when_the_tool_opts_in) {
  std::atomic<int> runs{0};
  srv.add_tool(counting_tool("lookup", runs, std::chrono::minutes(1), "private"));
  auto call_with = [&](json::object args, std::string who = "alice") {
    return first_text(
        result(call("tools/call", {{"name", "lookup"}, {"arguments", args}}, as(who))));
  };
  EXPECT_EQ(call_with({{"a", 1}, {"b", 2}}), "run 1");
  EXPECT_EQ(call_with({{"b", 2}, {"a", 1}}), "run 1");  // same arguments, other order
  EXPECT_EQ(call_with({{"a", 2}}), "run 2");
  EXPECT_EQ(call_with({{"a", 1}, {"b", 2}}, "bob"), "run 3");  // private: per principal
  EXPECT_EQ(call_with({{"a", 1}, {"b", 2}}, "bob"), "run 3");
  // Errors are not cached.
  EXPECT_EQ(call_with({{"fail", true}}), "failed run 4");
  EXPECT_EQ(call_with({{"fail", true}}), "failed run 5");
}

TEST_F(server_dispatch, tools_call_public_results_are_shared_and_expire) {
  std::atomic<int> runs{0};
  srv.add_tool(counting_tool("weather", runs, std::chrono::milliseconds(200), "public"));
  auto call_as = [&](std::string who) {
    return first_text(result(
        call("tools/call", {{"name", "weather"}, {"arguments", {{"city", "Oslo"}}}}, as(who))));
  };
  EXPECT_EQ(call_as("alice"), "run 1");
  EXPECT_EQ(call_as("bob"), "run 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(call_as("bob"), "run 2");
}

TEST_F(server_dispatch, tools_call_without_cache_ttl_always_runs) {
  std::atomic<int> runs{0};
  srv.add_tool(counting_tool("plain", runs, std::chrono::milliseconds(0), "public"));
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(first_text(result(call("tools/call", {{"name", "plain"}}, legacy_scope()))),
              "run " + std::to_string(i));
}
