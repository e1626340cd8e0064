// The stdio transport over real pipes: a client writes lines to the server's input and
// reads the lines it writes back.
#include <mcpxx/protocol/error.hpp>
#include <mcpxx/server/content.hpp>
#include <mcpxx/server/server.hpp>
#include <mcpxx/transport/stdio.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
namespace code = mcpxx::protocol::code;
using namespace std::chrono_literals;

constexpr const char* modern_version = "2026-07-28";

mcpxx::tool_definition raw_tool(std::string name, mcpxx::sync_tool_handler fn) {
  mcpxx::tool_definition t;
  t.name = std::move(name);
  t.description = "test tool " + t.name;
  t.handler = std::move(fn);
  return t;
}

std::string first_text(const json::object& response) {
  return std::string(response.at("result").at("content").at(0).at("text").as_string());
}

// The client side of the pipes, plus the server under test running on its own thread.
class stdio_harness {
 public:
  explicit stdio_harness(mcpxx::stdio_options options = {}) {
    if (::pipe2(to_server_, O_CLOEXEC) != 0 || ::pipe2(from_server_, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe2");
    mcpxx::server_options so;
    so.name = "stdio-test";
    so.version = "1.2.3";
    so.worker_threads = 4;
    server_ = std::make_unique<mcpxx::server>(so);
    options_ = std::move(options);
    options_.handle_signals = false;
  }

  ~stdio_harness() {
    close_input();
    if (runner_.joinable()) runner_.join();
    stdio_.reset();
    ::close(from_server_[0]);
    ::close(from_server_[1]);
    server_.reset();
  }

  mcpxx::server& server() { return *server_; }

  void start() {
    stdio_ =
        std::make_unique<mcpxx::stdio_server>(*server_, to_server_[0], from_server_[1], options_);
    runner_ = std::thread([this] {
      stdio_->run();
      finished_ = true;
    });
  }

  void send_raw(std::string bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      auto n = ::write(to_server_[1], bytes.data() + off, bytes.size() - off);
      ASSERT_GT(n, 0);
      off += static_cast<std::size_t>(n);
    }
  }
  void send(const json::value& message) { send_raw(json::serialize(message) + "\n"); }

  void request(json::value id, std::string method, json::object params = {}) {
    send(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  }
  void notify(std::string method, json::object params = {}) {
    send(json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
  }

  // The next line the server wrote, or nullopt after `timeout`.
  std::optional<std::string> next_line(std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{from_server_[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      auto n = ::read(from_server_[0], chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  json::object next(std::chrono::milliseconds timeout = 5s) {
    auto line = next_line(timeout);
    if (!line) {
      ADD_FAILURE() << "no line from the server";
      return {};
    }
    json::error_code ec;
    auto v = json::parse(*line, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << *line;
      return {};
    }
    return v.get_object();
  }

  // The next message that is a response (skipping notifications and requests).
  json::object next_response(std::chrono::milliseconds timeout = 5s) {
    for (;;) {
      auto m = next(timeout);
      if (m.empty() || !m.contains("method")) return m;
    }
  }

  void initialize(json::object capabilities = {}, std::string version = "2025-11-25") {
    request(0, "initialize",
            {{"protocolVersion", version},
             {"capabilities", std::move(capabilities)},
             {"clientInfo", json::object{{"name", "gtest"}, {"version", "1"}}}});
    auto r = next();
    ASSERT_TRUE(r.contains("result")) << json::serialize(r);
    notify("notifications/initialized");
  }

  void close_input() {
    if (to_server_[1] >= 0) {
      ::close(to_server_[1]);
      to_server_[1] = -1;
    }
  }

  // Closes the input and waits for run() to return.
  void finish() {
    close_input();
    if (runner_.joinable()) runner_.join();
  }
  bool finished() const { return finished_; }

  // Everything written after run() returned.
  std::vector<json::object> rest() {
    std::vector<json::object> out;
    ::close(from_server_[1]);
    from_server_[1] = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    while (auto line = next_line(1s)) out.push_back(json::parse(*line).as_object());
    return out;
  }

 private:
  int to_server_[2] = {-1, -1};
  int from_server_[2] = {-1, -1};
  std::unique_ptr<mcpxx::server> server_;
  mcpxx::stdio_options options_;
  std::unique_ptr<mcpxx::stdio_server> stdio_;
  std::thread runner_;
  std::atomic<bool> finished_{false};
  std::string buffer_;
};

json::object modern_meta(json::object caps = {}) {
  return {{"io.modelcontextprotocol/protocolVersion", modern_version},
          {"io.modelcontextprotocol/clientCapabilities", std::move(caps)}};
}

void add_echo(mcpxx::server& s) {
  s.add_tool(raw_tool("echo", [](mcpxx::context&, const json::object& args) {
    return mcpxx::tool_result::text("echo:" + json::serialize(args));
  }));
}

TEST(transport_stdio, legacy_initialize_list_and_call) {
  stdio_harness h;
  add_echo(h.server());
  h.start();

  h.request(1, "initialize",
            {{"protocolVersion", "2025-06-18"},
             {"capabilities", json::object{}},
             {"clientInfo", json::object{{"name", "gtest"}, {"version", "1"}}}});
  auto init = h.next();
  EXPECT_EQ(init.at("id"), 1);
  EXPECT_EQ(init.at("result").at("protocolVersion"), "2025-06-18");
  EXPECT_EQ(init.at("result").at("serverInfo").at("name"), "stdio-test");
  h.notify("notifications/initialized");

  h.request("list", "tools/list");
  auto list = h.next();
  EXPECT_EQ(list.at("id"), "list");
  ASSERT_EQ(list.at("result").at("tools").as_array().size(), 1u);
  EXPECT_EQ(list.at("result").at("tools").at(0).at("name"), "echo");
  EXPECT_FALSE(list.at("result").as_object().contains("resultType"));

  h.request(2, "tools/call", {{"name", "echo"}, {"arguments", json::object{{"x", 1}}}});
  auto call = h.next();
  EXPECT_EQ(call.at("id"), 2);
  EXPECT_EQ(first_text(call), R"(echo:{"x":1})");

  // One session per process.
  h.request(3, "initialize", {{"protocolVersion", "2025-06-18"}});
  EXPECT_EQ(h.next().at("error").at("code"), code::invalid_request);

  h.finish();
  EXPECT_TRUE(h.finished());
}

TEST(transport_stdio, legacy_requests_before_initialize_are_refused_except_ping) {
  stdio_harness h;
  add_echo(h.server());
  h.start();
  h.request(1, "tools/list");
  auto r = h.next();
  EXPECT_EQ(r.at("id"), 1);
  EXPECT_EQ(r.at("error").at("code"), code::invalid_request);
  EXPECT_EQ(r.at("error").at("message"), "Server not initialized");
  h.request(2, "ping");
  auto p = h.next();
  EXPECT_EQ(p.at("id"), 2);
  EXPECT_EQ(p.at("result"), json::object{});
  // A failed initialize leaves the session unopened; a good one opens it.
  h.request(3, "initialize", {{"capabilities", json::object{}}});
  EXPECT_EQ(h.next().at("error").at("code"), code::invalid_params);
  h.initialize();
  h.request(4, "tools/list");
  EXPECT_TRUE(h.next().contains("result"));
}

TEST(transport_stdio, modern_requests_need_no_initialize) {
  stdio_harness h;
  add_echo(h.server());
  h.start();

  h.request(1, "tools/call",
            {{"name", "echo"}, {"arguments", json::object{}}, {"_meta", modern_meta()}});
  auto r = h.next();
  EXPECT_EQ(r.at("id"), 1);
  EXPECT_EQ(r.at("result").at("resultType"), "complete");
  EXPECT_EQ(first_text(r), "echo:{}");
  EXPECT_EQ(r.at("result").at("_meta").at("io.modelcontextprotocol/serverInfo").at("name"),
            "stdio-test");

  h.request(2, "server/discover", {{"_meta", modern_meta()}});
  auto d = h.next();
  EXPECT_EQ(d.at("result").at("supportedVersions").at(0), modern_version);

  // The envelope is validated per request, with no header to compare against.
  h.request(
      3, "tools/list",
      {{"_meta", json::object{{"io.modelcontextprotocol/protocolVersion", "2099-01-01"},
                              {"io.modelcontextprotocol/clientCapabilities", json::object{}}}}});
  auto bad_version = h.next();
  EXPECT_EQ(bad_version.at("error").at("code"), code::unsupported_protocol_version);
  EXPECT_EQ(bad_version.at("error").at("data").at("requested"), "2099-01-01");

  h.request(4, "tools/list",
            {{"_meta", json::object{{"io.modelcontextprotocol/protocolVersion", modern_version}}}});
  EXPECT_EQ(h.next().at("error").at("code"), code::invalid_params);

  h.request(
      5, "tools/list",
      {{"_meta", json::object{{"io.modelcontextprotocol/protocolVersion", 20260728},
                              {"io.modelcontextprotocol/clientCapabilities", json::object{}}}}});
  EXPECT_EQ(h.next().at("error").at("code"), code::invalid_params);

  // Removed methods are unknown in 2026-07-28.
  h.request(6, "ping", {{"_meta", modern_meta()}});
  EXPECT_EQ(h.next().at("error").at("code"), code::method_not_found);

  // A modern request does not open the legacy session.
  h.request(7, "tools/list");
  EXPECT_EQ(h.next().at("error").at("message"), "Server not initialized");
}

TEST(transport_stdio, bad_lines_are_answered_and_the_loop_goes_on) {
  mcpxx::stdio_options o;
  o.max_line_bytes = 1024;
  stdio_harness h(o);
  h.start();

  h.send_raw("{not json\n");
  auto parse = h.next();
  EXPECT_EQ(parse.at("id"), nullptr);
  EXPECT_EQ(parse.at("error").at("code"), code::parse_error);

  h.send_raw("42\n");
  EXPECT_EQ(h.next().at("error").at("code"), code::invalid_request);

  h.send_raw(R"({"jsonrpc":"1.0","id":5,"method":"ping"})"
             "\n");
  auto wrong = h.next();
  EXPECT_EQ(wrong.at("id"), 5);
  EXPECT_EQ(wrong.at("error").at("code"), code::invalid_request);

  h.send_raw(R"({"jsonrpc":"2.0","id":6,"method":"ping","params":[1]})"
             "\n");
  EXPECT_EQ(h.next().at("error").at("code"), code::invalid_request);

  // Blank lines are skipped; CRLF line ends are fine; a line past the limit is refused.
  h.send_raw("\n   \n");
  h.send_raw(R"({"jsonrpc":"2.0","id":7,"method":"ping"})"
             "\r\n");
  EXPECT_EQ(h.next().at("id"), 7);
  h.send_raw("\"" + std::string(5000, 'x') + "\"\n");
  EXPECT_EQ(h.next().at("error").at("code"), code::parse_error);

  // Arrays are batches, refused outside a 2025-03-26 session.
  h.send_raw(R"([{"jsonrpc":"2.0","id":8,"method":"ping"}])"
             "\n");
  EXPECT_EQ(h.next().at("error").at("code"), code::invalid_request);
  h.send_raw("[]\n");
  EXPECT_EQ(h.next().at("error").at("code"), code::invalid_request);

  // Binary junk and deep nesting do not hurt.
  h.send_raw(std::string("\x00\xff\xfe{\x01", 5) + "\n");
  EXPECT_EQ(h.next().at("error").at("code"), code::parse_error);
  h.send_raw(std::string(200, '[') + "\n");
  EXPECT_EQ(h.next().at("error").at("code"), code::parse_error);

  // Responses nobody waits for and cancellations of unknown requests are ignored.
  h.send_raw(R"({"jsonrpc":"2.0","id":"nobody","result":{}})"
             "\n");
  h.send_raw(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}})"
             "\n");
  h.send_raw(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{}})"
             "\n");

  h.request(9, "ping");
  auto ping = h.next();
  EXPECT_EQ(ping.at("id"), 9);
  EXPECT_TRUE(ping.contains("result"));

  // A last line without a newline still counts.
  h.send_raw(R"({"jsonrpc":"2.0","id":10,"method":"ping"})");
  h.close_input();
  EXPECT_EQ(h.next().at("id"), 10);
  h.finish();
}

TEST(transport_stdio, cancelled_request_stops_and_sends_nothing) {
  stdio_harness h;
  std::atomic<bool> started{false}, saw_cancel{false};
  h.server().add_tool(raw_tool("slow", [&](mcpxx::context& ctx, const json::object&) {
    started = true;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!ctx.cancelled() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    saw_cancel = ctx.cancelled();
    ctx.progress(1, 2, "after the cancellation");  // must not reach the client
    return mcpxx::tool_result::text("too late");
  }));
  add_echo(h.server());
  h.start();
  h.initialize();

  h.request(7, "tools/call",
            {{"name", "slow"},
             {"arguments", json::object{}},
             {"_meta", json::object{{"progressToken", "p7"}}}});
  auto wait_start = std::chrono::steady_clock::now();
  while (!started && std::chrono::steady_clock::now() - wait_start < 5s)
    std::this_thread::sleep_for(2ms);
  ASSERT_TRUE(started);

  // Other requests are served while it runs.
  h.request(8, "tools/call", {{"name", "echo"}, {"arguments", json::object{}}});
  auto echo = h.next();
  EXPECT_EQ(echo.at("id"), 8);

  h.notify("notifications/cancelled", {{"requestId", 7}, {"reason", "user gave up"}});
  wait_start = std::chrono::steady_clock::now();
  while (!saw_cancel && std::chrono::steady_clock::now() - wait_start < 5s)
    std::this_thread::sleep_for(2ms);
  EXPECT_TRUE(saw_cancel);

  // The id is free again once the cancelled request is gone.
  h.request(9, "ping");
  EXPECT_EQ(h.next().at("id"), 9);
  h.finish();
  for (auto& m : h.rest()) ADD_FAILURE() << "unexpected: " << json::serialize(m);
}

TEST(transport_stdio, modern_requests_can_be_cancelled_too) {
  stdio_harness h;
  std::atomic<bool> saw_cancel{false};
  h.server().add_tool(raw_tool("slow", [&](mcpxx::context& ctx, const json::object&) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!ctx.cancelled() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    saw_cancel = ctx.cancelled();
    return mcpxx::tool_result::text("too late");
  }));
  h.start();
  h.request("m1", "tools/call", {{"name", "slow"}, {"_meta", modern_meta()}});
  std::this_thread::sleep_for(50ms);
  h.notify("notifications/cancelled", {{"requestId", "m1"}, {"_meta", modern_meta()}});
  h.finish();
  EXPECT_TRUE(saw_cancel);
  for (auto& m : h.rest()) ADD_FAILURE() << "unexpected: " << json::serialize(m);
}

mcpxx::tool_definition asking_tool(std::atomic<int>* errors = nullptr) {
  return raw_tool("ask_name", [errors](mcpxx::context& ctx, const json::object&) {
    json::object schema{{"type", "object"},
                        {"properties", json::object{{"name", json::object{{"type", "string"}}}}}};
    try {
      auto answer = ctx.ask("name", mcpxx::input::elicit("Your name?", schema));
      return mcpxx::tool_result::text(
          std::string(answer.at("action").as_string()) + ":" +
          (answer.contains("content") ? json::serialize(answer.at("content")) : ""));
    } catch (const mcpxx::input_error&) {
      if (errors) ++*errors;
      throw;
    }
  });
}

TEST(transport_stdio, legacy_elicitation_goes_out_as_a_request_and_resumes) {
  stdio_harness h;
  h.server().add_tool(asking_tool());
  h.start();
  h.initialize(json::object{{"elicitation", json::object{}}});

  h.request(3, "tools/call", {{"name", "ask_name"}, {"arguments", json::object{}}});
  auto ask = h.next();
  ASSERT_EQ(ask.at("method"), "elicitation/create") << json::serialize(ask);
  EXPECT_EQ(ask.at("params").at("message"), "Your name?");
  auto id = ask.at("id");
  EXPECT_TRUE(id.is_string());

  // A response to something else changes nothing; then the real answer.
  h.send(json::object{{"jsonrpc", "2.0"}, {"id", "other"}, {"result", json::object{}}});
  h.send(json::object{
      {"jsonrpc", "2.0"},
      {"id", id},
      {"result", json::object{{"action", "accept"}, {"content", json::object{{"name", "Ada"}}}}}});
  auto r = h.next();
  EXPECT_EQ(r.at("id"), 3);
  EXPECT_EQ(first_text(r), R"(accept:{"name":"Ada"})");

  // A second ask gets a fresh id; an error answer becomes a tool error.
  h.request(4, "tools/call", {{"name", "ask_name"}, {"arguments", json::object{}}});
  auto ask2 = h.next();
  ASSERT_EQ(ask2.at("method"), "elicitation/create");
  EXPECT_NE(ask2.at("id"), id);
  h.send(json::object{{"jsonrpc", "2.0"},
                      {"id", ask2.at("id")},
                      {"error", json::object{{"code", -1}, {"message", "no UI"}}}});
  auto r2 = h.next();
  EXPECT_EQ(r2.at("result").at("isError"), true);
}

TEST(transport_stdio, elicitation_without_the_capability_is_a_tool_error) {
  stdio_harness h;
  h.server().add_tool(asking_tool());
  h.start();
  h.initialize();
  h.request(3, "tools/call", {{"name", "ask_name"}});
  auto r = h.next();
  EXPECT_EQ(r.at("result").at("isError"), true);
}

TEST(transport_stdio, elicitation_times_out_and_is_cancelled_with_the_request) {
  mcpxx::stdio_options o;
  o.client_request_timeout = 200ms;
  stdio_harness h(o);
  std::atomic<int> errors{0};
  h.server().add_tool(asking_tool(&errors));
  h.start();
  h.initialize(json::object{{"elicitation", json::object{}}});

  h.request(3, "tools/call", {{"name", "ask_name"}});
  auto ask = h.next();
  ASSERT_EQ(ask.at("method"), "elicitation/create");
  auto cancel = h.next();  // we stop waiting, and say so
  EXPECT_EQ(cancel.at("method"), "notifications/cancelled");
  EXPECT_EQ(cancel.at("params").at("requestId"), ask.at("id"));
  auto r = h.next();
  EXPECT_EQ(r.at("id"), 3);
  EXPECT_EQ(r.at("result").at("isError"), true);
  // The late answer is ignored.
  h.send(json::object{
      {"jsonrpc", "2.0"}, {"id", ask.at("id")}, {"result", json::object{{"action", "decline"}}}});

  // Cancelling the request wakes the waiting handler at once; nothing more is sent.
  h.request(4, "tools/call", {{"name", "ask_name"}});
  ASSERT_EQ(h.next().at("method"), "elicitation/create");
  h.notify("notifications/cancelled", {{"requestId", 4}});
  h.request(5, "ping");
  EXPECT_EQ(h.next().at("id"), 5);
  h.finish();
  EXPECT_EQ(errors, 2);
  for (auto& m : h.rest()) ADD_FAILURE() << "unexpected: " << json::serialize(m);
}

TEST(transport_stdio, end_of_input_fails_pending_questions_and_returns) {
  stdio_harness h;
  h.server().add_tool(asking_tool());
  h.start();
  h.initialize(json::object{{"elicitation", json::object{}}});
  h.request(3, "tools/call", {{"name", "ask_name"}});
  ASSERT_EQ(h.next().at("method"), "elicitation/create");
  auto t0 = std::chrono::steady_clock::now();
  h.finish();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  auto rest = h.rest();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].at("id"), 3);
  EXPECT_EQ(rest[0].at("result").at("isError"), true);
}

TEST(transport_stdio, end_of_input_cancels_stragglers_after_the_grace) {
  mcpxx::stdio_options o;
  o.shutdown_grace = 100ms;
  stdio_harness h(o);
  std::atomic<bool> saw_cancel{false};
  h.server().add_tool(raw_tool("slow", [&](mcpxx::context& ctx, const json::object&) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!ctx.cancelled() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    saw_cancel = ctx.cancelled();
    return mcpxx::tool_result::text("done");
  }));
  h.start();
  h.request(1, "tools/call", {{"name", "slow"}, {"_meta", modern_meta()}});
  std::this_thread::sleep_for(50ms);
  auto t0 = std::chrono::steady_clock::now();
  h.finish();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_TRUE(saw_cancel);
  EXPECT_TRUE(h.rest().empty());
}

TEST(transport_stdio, progress_and_logs_are_lines_before_the_result) {
  stdio_harness h;
  h.server().add_tool(raw_tool("chatty", [](mcpxx::context& ctx, const json::object&) {
    ctx.progress(1, 2);
    ctx.log("info", "hello");
    ctx.log("error", "oops");
    ctx.progress(2, 2);
    return mcpxx::tool_result::text("done");
  }));
  h.start();
  h.initialize();
  h.request(1, "logging/setLevel", {{"level", "warning"}});
  EXPECT_EQ(h.next().at("result"), json::object{});
  h.request(2, "tools/call", {{"name", "chatty"}, {"_meta", json::object{{"progressToken", 42}}}});
  std::vector<json::object> got;
  for (int i = 0; i < 4; ++i) got.push_back(h.next());
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].at("method"), "notifications/progress");
  EXPECT_EQ(got[0].at("params").at("progressToken"), 42);
  EXPECT_EQ(got[1].at("method"), "notifications/message");
  EXPECT_EQ(got[1].at("params").at("level"), "error");  // info is below the session level
  EXPECT_EQ(got[2].at("method"), "notifications/progress");
  EXPECT_EQ(got[3].at("id"), 2);

  // Modern: logs only with a per-request level.
  h.request(3, "tools/call", {{"name", "chatty"}, {"_meta", modern_meta()}});
  auto m = h.next();
  EXPECT_EQ(m.at("id"), 3);
}

TEST(transport_stdio, runtime_changes_and_subscriptions_notify_the_session) {
  stdio_harness h;
  mcpxx::resource_definition res;
  res.uri = "test://r";
  res.name = "r";
  res.read = [](mcpxx::context&, const std::string& uri) {
    return mcpxx::resource_contents{json::object{{"uri", uri}, {"text", "x"}}};
  };
  h.server().add_resource(res);
  h.start();
  h.initialize();
  add_echo(h.server());
  auto changed = h.next();
  EXPECT_EQ(changed.at("method"), "notifications/tools/list_changed");

  h.server().notify_resource_updated("test://r");  // not subscribed: nothing
  h.request(1, "resources/subscribe", {{"uri", "test://r"}});
  EXPECT_EQ(h.next().at("id"), 1);
  h.server().notify_resource_updated("test://r");
  auto updated = h.next();
  EXPECT_EQ(updated.at("method"), "notifications/resources/updated");
  EXPECT_EQ(updated.at("params").at("uri"), "test://r");
}

TEST(transport_stdio, batches_in_a_2025_03_26_session) {
  stdio_harness h;
  add_echo(h.server());
  h.start();
  h.initialize({}, "2025-03-26");
  h.send_raw(
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},)"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"},)"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo"}},)"
      R"({"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-03-26"}},)"
      R"(7])"
      "\n");
  auto line = h.next_line();
  ASSERT_TRUE(line);
  auto arr = json::parse(*line).as_array();
  ASSERT_EQ(arr.size(), 4u) << *line;
  std::vector<std::string> ids;
  for (auto& a : arr) ids.push_back(json::serialize(a.at("id")));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "3", "null"}));
}

TEST(transport_stdio, duplicate_in_flight_id_is_refused) {
  stdio_harness h;
  std::atomic<bool> release{false};
  h.server().add_tool(raw_tool("wait", [&](mcpxx::context&, const json::object&) {
    while (!release) std::this_thread::sleep_for(2ms);
    return mcpxx::tool_result::text("released");
  }));
  h.start();
  h.initialize();
  h.request(1, "tools/call", {{"name", "wait"}});
  std::this_thread::sleep_for(20ms);
  h.request(1, "ping");
  auto dup = h.next();
  EXPECT_EQ(dup.at("error").at("code"), code::invalid_request);
  release = true;
  EXPECT_EQ(first_text(h.next()), "released");
}

TEST(transport_stdio, stop_ends_the_loop_while_input_stays_open) {
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  {
    mcpxx::server s;
    mcpxx::stdio_options o;
    o.handle_signals = false;
    mcpxx::stdio_server stdio(s, in[0], out[1], o);
    std::thread t([&] { stdio.run(); });
    std::this_thread::sleep_for(20ms);
    stdio.stop();
    t.join();
  }
  for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
}

TEST(transport_stdio, a_reader_that_went_away_does_not_kill_the_process) {
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  ::close(out[0]);  // nobody reads our output
  {
    mcpxx::server s;
    mcpxx::stdio_options o;
    o.handle_signals = false;
    mcpxx::stdio_server stdio(s, in[0], out[1], o);
    std::thread t([&] { stdio.run(); });
    std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})"
                       "\n";
    ASSERT_GT(::write(in[1], ping.data(), ping.size()), 0);
    t.join();  // the broken output ends the loop
  }
  for (int fd : {in[0], in[1], out[1]}) ::close(fd);
}

}  // namespace
