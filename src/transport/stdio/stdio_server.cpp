// The stdio transport: the calling thread reads lines, routes the client's responses
// and cancellations itself (so a handler blocked on a worker thread waiting for an
// answer can always be woken), and starts every request as its own coroutine on the
// io_context. Every outgoing message is one line, written whole under one mutex.
#include <mcpxx/transport/stdio.hpp>

#include "transport/stdio/line_io.hpp"

#include <mcpxx/protocol/envelope.hpp>
#include <mcpxx/protocol/version.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

namespace mcpxx {

namespace asio = boost::asio;
namespace json = boost::json;
namespace code = protocol::code;
using stdio_transport::line_reader;
using stdio_transport::line_writer;

namespace {

std::string id_key(const json::value& id) {
  return json::serialize(id);
}

std::string random_hex(std::size_t bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  out.reserve(bytes * 2);
  for (std::size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned>(rd()) & 0xffu;
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xfu]);
  }
  return out;
}

}  // namespace

namespace stdio_transport {

class stdio_sink;

struct engine : std::enable_shared_from_this<engine> {
  engine(server& m, int in_fd, int out_fd, stdio_options o)
      : mcp(m),
        opts(std::move(o)),
        reader(in_fd, opts.max_line_bytes),
        writer(out_fd),
        work(asio::make_work_guard(io)) {}

  server& mcp;
  stdio_options opts;
  line_reader reader;
  line_writer writer;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::optional<asio::signal_set> signals;

  // The process's one legacy session.
  enum class phase { fresh, initializing, ready };
  struct legacy_state {
    phase at = phase::fresh;
    std::string version;
    json::object client_capabilities;
    json::object client_info;
    std::string log_level;
    std::vector<std::string> subscriptions;
    std::string session_id;
  };
  std::mutex session_mutex;
  legacy_state session;

  class session_ops final : public legacy_session {
   public:
    explicit session_ops(engine& owner) : owner_(owner) {}
    asio::awaitable<void> set_log_level(std::string level) override {
      std::lock_guard lock(owner_.session_mutex);
      owner_.session.log_level = std::move(level);
      co_return;
    }
    asio::awaitable<void> set_subscribed(std::string uri, bool on) override {
      std::lock_guard lock(owner_.session_mutex);
      auto& subs = owner_.session.subscriptions;
      auto it = std::find(subs.begin(), subs.end(), uri);
      if (on && it == subs.end()) subs.push_back(std::move(uri));
      if (!on && it != subs.end()) subs.erase(it);
      co_return;
    }

   private:
    engine& owner_;
  };
  session_ops session_methods{*this};

  // Requests being answered, by serialized id.
  struct flight {
    std::shared_ptr<mcpxx::cancellation> cancel;
    bool cancellable;
  };
  std::mutex flight_mutex;
  std::condition_variable flight_cv;
  std::unordered_map<std::string, flight> in_flight;
  std::size_t running = 0;  // request coroutines not finished yet

  // Our requests to the client awaiting its answer, by serialized id.
  std::mutex pending_mutex;
  std::condition_variable pending_cv;
  std::unordered_map<std::string, std::optional<json::object>> pending;
  bool input_closed = false;
  std::atomic<std::uint64_t> next_client_request{1};

  // Where a finished request's response goes: a line, or a 2025-03-26 batch's array.
  using deliver_fn = std::function<void(std::optional<json::object>)>;

  // --- output ---

  void write(const json::value& message) {
    if (!writer.write(json::serialize(message)) && writer.broken()) {
      // The client stopped reading: nothing can be delivered any more.
      reader.stop();
    }
  }
  void write_error(const protocol::request_id& id, int c, std::string_view message) {
    write(protocol::make_error(id, c, message));
  }

  // --- input ---

  void on_line(std::string_view line);
  void on_message(protocol::message& msg, const deliver_fn* batch_deliver);
  void on_response(protocol::response& r);
  void on_notification(const protocol::notification& n);
  void on_request(protocol::request& req, const deliver_fn* batch_deliver);
  void on_batch(std::vector<protocol::parsed_message>& messages);
  void start(protocol::request req, request_scope scope, bool legacy, bool initialize,
             deliver_fn deliver);
  static asio::awaitable<void> answer(std::shared_ptr<engine> self, protocol::request req,
                                      request_scope scope, bool legacy, bool initialize,
                                      std::shared_ptr<stdio_sink> sink, deliver_fn deliver);

  // A legacy handler's request to the client; blocks the calling worker thread.
  json::object ask_client(stdio_sink& sink, std::string_view method, json::object params);

  void cancel_all();
  void drain();
  void listen_to_server();
};

// A request's outbound messages: written as lines at once; dropped once the request
// finished or was cancelled.
class stdio_sink final : public outbound_sink {
 public:
  stdio_sink(std::shared_ptr<engine> owner, std::shared_ptr<mcpxx::cancellation> cancel,
             bool legacy)
      : owner_(std::move(owner)), cancel_(std::move(cancel)), legacy_(legacy) {}

  void send(json::object message) override {
    std::string line = json::serialize(message);
    std::lock_guard lock(mutex_);
    if (closed_ || cancel_->cancelled()) return;
    if (!owner_->writer.write(line) && owner_->writer.broken()) owner_->reader.stop();
  }

  json::object request(std::string_view method, json::object params) override {
    if (!legacy_) throw input_error("This request cannot send requests to the client");
    return owner_->ask_client(*this, method, std::move(params));
  }

  // Ends the sink; writes `final_message` (if any) unless the request was cancelled.
  void finish(const std::function<void()>& write_final) {
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (!cancel_->cancelled()) write_final();
  }

  bool open() const {
    std::lock_guard lock(mutex_);
    return !closed_ && !cancel_->cancelled();
  }
  const mcpxx::cancellation& cancel() const noexcept { return *cancel_; }

 private:
  std::shared_ptr<engine> owner_;
  std::shared_ptr<mcpxx::cancellation> cancel_;
  bool legacy_;
  mutable std::mutex mutex_;
  bool closed_ = false;
};

json::object engine::ask_client(stdio_sink& sink, std::string_view method, json::object params) {
  json::value id(json::string("mcpxx-" + std::to_string(next_client_request.fetch_add(1))));
  std::string key = id_key(id);
  {
    std::lock_guard lock(pending_mutex);
    if (input_closed) throw input_error("The client's input is closed");
    pending.emplace(key, std::nullopt);  // before sending: the answer cannot overtake us
  }
  sink.send(protocol::make_request(id, method, std::move(params)));

  auto deadline = std::chrono::steady_clock::now() + opts.client_request_timeout;
  std::unique_lock lock(pending_mutex);
  bool answered = pending_cv.wait_until(lock, deadline, [&] {
    return pending.at(key).has_value() || sink.cancel().cancelled() || input_closed;
  });
  auto node = pending.extract(key);
  lock.unlock();
  if (answered && node.mapped()) return std::move(*node.mapped());
  if (sink.cancel().cancelled()) throw input_error("The request was cancelled");
  if (input_closed) throw input_error("The client's input closed before it answered");
  // Tell the client to stop asking the user; the request itself goes on (with an error).
  sink.send(protocol::make_notification(
      "notifications/cancelled",
      json::object{{"requestId", id}, {"reason", "The server stopped waiting for an answer"}}));
  throw input_error("The client did not answer " + std::string(method) + " in time");
}

void engine::on_line(std::string_view line) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;  // blank line
  auto body = protocol::parse_body(line);
  if (body.error) {
    write_error(nullptr, body.error->code, body.error->message);
    return;
  }
  if (body.is_batch) {
    on_batch(body.messages);
    return;
  }
  auto& m = body.messages.front();
  if (auto* err = std::get_if<protocol::message_error>(&m)) {
    write_error(err->id, err->code, err->message);
    return;
  }
  on_message(std::get<protocol::message>(m), nullptr);
}

void engine::on_message(protocol::message& msg, const deliver_fn* batch_deliver) {
  if (auto* r = std::get_if<protocol::response>(&msg)) return on_response(*r);
  if (auto* n = std::get_if<protocol::notification>(&msg)) return on_notification(*n);
  on_request(std::get<protocol::request>(msg), batch_deliver);
}

void engine::on_response(protocol::response& r) {
  json::object whole{{"jsonrpc", "2.0"}, {"id", r.id}};
  if (r.result) whole["result"] = std::move(*r.result);
  if (r.error) whole["error"] = std::move(*r.error);
  {
    std::lock_guard lock(pending_mutex);
    auto it = pending.find(id_key(r.id));
    if (it == pending.end() || it->second) {
      spdlog::debug("stdio: ignoring a response to unknown request {}", id_key(r.id));
      return;
    }
    it->second = std::move(whole);
  }
  pending_cv.notify_all();
}

void engine::on_notification(const protocol::notification& n) {
  if (n.method != "notifications/cancelled") return;  // initialized, roots changes, ...
  auto* id = n.params.if_contains("requestId");
  if (!id || !(id->is_string() || id->is_int64() || id->is_uint64())) return;
  {
    std::lock_guard lock(flight_mutex);
    auto it = in_flight.find(id_key(*id));
    if (it == in_flight.end() || !it->second.cancellable) return;
    it->second.cancel->cancel();
  }
  spdlog::debug("stdio: request {} cancelled by the client", id_key(*id));
  // A handler waiting for an answer from the client wakes up and gives up.
  std::lock_guard lock(pending_mutex);
  pending_cv.notify_all();
}

void engine::on_request(protocol::request& req, const deliver_fn* batch_deliver) {
  auto reject = [&](int c, std::string_view message) {
    auto error = protocol::make_error(req.id, c, message);
    if (batch_deliver)
      (*batch_deliver)(std::move(error));
    else
      write(error);
  };

  request_scope scope;
  scope.principal = opts.principal;
  bool legacy = !protocol::claims_modern_envelope(req.params);
  bool initialize = false;
  if (!legacy) {
    // No header on stdio: the _meta version stands in for it, so only the envelope's
    // own rules apply (a non-string version still fails as -32602).
    std::string_view version;
    if (auto* v =
            req.params.at("_meta").get_object().if_contains(protocol::meta_key::protocol_version);
        v && v->is_string())
      version = v->get_string();
    auto env = protocol::read_envelope(req.params, version);
    if (auto* err = std::get_if<protocol::rpc_error>(&env)) {
      auto error = protocol::make_error(req.id, *err);
      if (batch_deliver)
        (*batch_deliver)(std::move(error));
      else
        write(error);
      return;
    }
    auto& e = std::get<protocol::envelope>(env);
    scope.era = protocol::era::modern;
    scope.protocol_version = std::move(e.protocol_version);
    scope.client_capabilities = std::move(e.client_capabilities);
    scope.client_info = std::move(e.client_info);
    scope.log_level = std::move(e.log_level);
  } else {
    scope.era = protocol::era::legacy;
    std::lock_guard lock(session_mutex);
    if (req.method == "initialize") {
      if (batch_deliver) return reject(code::invalid_request, "initialize must not be batched");
      if (session.at != phase::fresh)
        return reject(code::invalid_request, "Invalid Request: the session is already initialized");
      initialize = true;
      if (auto* v = req.params.if_contains("protocolVersion"); v && v->is_string())
        scope.protocol_version = protocol::negotiate_legacy(v->get_string());
    } else if (session.at != phase::ready && req.method != "ping") {
      return reject(code::invalid_request, "Server not initialized");
    } else {
      scope.protocol_version = session.version;
      scope.client_capabilities = session.client_capabilities;
      scope.client_info = session.client_info;
      scope.log_level = session.log_level;
      scope.session_id = session.session_id;
    }
  }

  std::string key = id_key(req.id);
  {
    std::lock_guard lock(flight_mutex);
    if (in_flight.contains(key)) {
      return reject(code::invalid_request,
                    "Invalid Request: a request with this id is still in progress");
    }
    in_flight.emplace(key, flight{scope.cancel, !initialize});
    ++running;
  }
  if (initialize) {
    std::lock_guard lock(session_mutex);
    session.at = phase::initializing;
  }
  deliver_fn deliver;
  if (batch_deliver)
    deliver = *batch_deliver;
  else
    deliver = [this](std::optional<json::object> response) {
      if (response) write(*response);
    };
  start(std::move(req), std::move(scope), legacy, initialize, std::move(deliver));
}

void engine::start(protocol::request req, request_scope scope, bool legacy, bool initialize,
                   deliver_fn deliver) {
  auto sink = std::make_shared<stdio_sink>(shared_from_this(), scope.cancel, legacy);
  scope.sink = sink;
  asio::co_spawn(io,
                 answer(shared_from_this(), std::move(req), std::move(scope), legacy, initialize,
                        std::move(sink), std::move(deliver)),
                 asio::detached);
}

asio::awaitable<void> engine::answer(std::shared_ptr<engine> self, protocol::request req,
                                     request_scope scope, bool legacy, bool initialize,
                                     std::shared_ptr<stdio_sink> sink, deliver_fn deliver) {
  json::object response;
  try {
    response = co_await self->mcp.handle(req, scope, legacy ? &self->session_methods : nullptr);
  } catch (const std::exception& e) {
    response = protocol::make_error(req.id, code::internal_error,
                                    std::string("Internal error: ") + e.what());
  }

  if (initialize) {
    // Settled before the response is out: the client's next request finds it.
    std::lock_guard lock(self->session_mutex);
    auto& s = self->session;
    if (response.contains("error")) {
      s.at = phase::fresh;
    } else {
      s.at = phase::ready;
      s.version = scope.protocol_version;
      if (auto* c = req.params.if_contains("capabilities"); c && c->is_object())
        s.client_capabilities = c->get_object();
      if (auto* i = req.params.if_contains("clientInfo"); i && i->is_object())
        s.client_info = i->get_object();
      s.session_id = random_hex(16);
    }
  }

  {
    // Out of the table first: once the client has the response it may reuse the id.
    std::lock_guard lock(self->flight_mutex);
    self->in_flight.erase(id_key(req.id));
  }
  bool delivered = false;
  sink->finish([&] {
    delivered = true;
    deliver(std::move(response));
  });
  if (!delivered) deliver(std::nullopt);  // cancelled: no response (a batch still counts it)

  {
    std::lock_guard lock(self->flight_mutex);
    --self->running;
  }
  self->flight_cv.notify_all();
}

void engine::on_batch(std::vector<protocol::parsed_message>& messages) {
  bool allowed;
  {
    std::lock_guard lock(session_mutex);
    allowed = session.at == phase::ready && protocol::features_of(session.version).batches;
  }
  if (!allowed) {
    write_error(nullptr, code::invalid_request,
                "Invalid Request: JSON-RPC batches are not supported in this protocol version");
    return;
  }
  // The answers go out together, as one array, once every request of the batch ended.
  struct collector {
    std::mutex mutex;
    json::array answers;
    std::size_t remaining = 1;  // the loop below holds one
  };
  auto c = std::make_shared<collector>();
  auto self = shared_from_this();
  auto done_one = [self, c] {
    json::array out;
    {
      std::lock_guard lock(c->mutex);
      if (--c->remaining != 0) return;
      out = std::move(c->answers);
    }
    if (!out.empty()) self->write(out);
  };
  deliver_fn deliver = [c, done_one](std::optional<json::object> response) {
    if (response) {
      std::lock_guard lock(c->mutex);
      c->answers.push_back(std::move(*response));
    }
    done_one();
  };
  // Immediate answers (errors) count as one start and one end.
  for (auto& m : messages) {
    {
      std::lock_guard lock(c->mutex);
      ++c->remaining;
    }
    if (auto* err = std::get_if<protocol::message_error>(&m)) {
      deliver(protocol::make_error(err->id, err->code, err->message));
      continue;
    }
    auto& msg = std::get<protocol::message>(m);
    if (!std::holds_alternative<protocol::request>(msg)) {
      on_message(msg, nullptr);
      done_one();
      continue;
    }
    on_request(std::get<protocol::request>(msg), &deliver);
    // on_request delivers at once when it refuses the request, otherwise when the
    // request ends; either way exactly once.
  }
  done_one();
}

void engine::cancel_all() {
  {
    std::lock_guard lock(flight_mutex);
    for (auto& [key, f] : in_flight) f.cancel->cancel();
  }
  std::lock_guard lock(pending_mutex);
  pending_cv.notify_all();
}

void engine::drain() {
  {
    // Nobody can answer our requests any more.
    std::lock_guard lock(pending_mutex);
    input_closed = true;
  }
  pending_cv.notify_all();

  auto wait_until = [&](std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(flight_mutex);
    return flight_cv.wait_until(lock, deadline, [&] { return running == 0; });
  };
  auto now = std::chrono::steady_clock::now;
  bool done = !writer.broken() && wait_until(now() + opts.shutdown_grace);
  if (!done) {
    cancel_all();
    done = wait_until(now() + opts.cancel_grace);
  }
  if (!done) {
    std::lock_guard lock(flight_mutex);
    spdlog::warn("stdio: {} request(s) still running after cancellation; not waiting for them",
                 running);
  }
  writer.close();
  if (signals) {
    asio::post(io, [this] {
      boost::system::error_code ignored;
      signals->cancel(ignored);
    });
  }
  work.reset();
  // Handlers that outlive us (they ignored cancellation) keep the impl alive through
  // their coroutine frames; they will never be resumed.
  if (!done) io.stop();
}

void engine::listen_to_server() {
  std::weak_ptr<engine> weak = shared_from_this();
  // Registration cannot be undone: the listeners hold the transport weakly.
  mcp.on_list_changed([weak](std::string_view kind) {
    auto self = weak.lock();
    if (!self) return;
    {
      std::lock_guard lock(self->session_mutex);
      if (self->session.at != phase::ready) return;
    }
    self->write(protocol::make_notification("notifications/" + std::string(kind) + "/list_changed",
                                            json::object{}));
  });
  mcp.on_resource_updated([weak](std::string_view uri) {
    auto self = weak.lock();
    if (!self) return;
    {
      std::lock_guard lock(self->session_mutex);
      auto& subs = self->session.subscriptions;
      if (self->session.at != phase::ready ||
          std::find(subs.begin(), subs.end(), uri) == subs.end())
        return;
    }
    self->write(
        protocol::make_notification("notifications/resources/updated", json::object{{"uri", uri}}));
  });
}

}  // namespace stdio_transport

struct stdio_server::impl : stdio_transport::engine {
  using engine::engine;
};

stdio_server::stdio_server(server& mcp, int in_fd, int out_fd, stdio_options options)
    : impl_(std::make_shared<impl>(mcp, in_fd, out_fd, std::move(options))) {
  impl_->listen_to_server();
}

stdio_server::~stdio_server() = default;

void stdio_server::stop() noexcept {
  impl_->reader.stop();
}

void stdio_server::run() {
  auto& i = *impl_;
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
    std::signal(SIGPIPE, SIG_IGN);
  if (i.opts.handle_signals) {
    i.signals.emplace(i.io, SIGINT, SIGTERM);
    i.signals->async_wait([&i](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      spdlog::info("signal {}: finishing", sig);
      i.reader.stop();
    });
  }
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < std::max<std::size_t>(i.opts.threads, 1); ++t)
    threads.emplace_back([&i] { i.io.run(); });

  std::string line;
  for (;;) {
    auto st = i.reader.next(line);
    if (st == line_reader::status::end) break;
    if (st == line_reader::status::too_long) {
      i.write_error(nullptr, code::parse_error, "Parse error: message too large");
      continue;
    }
    try {
      i.on_line(line);
    } catch (const std::exception& e) {
      spdlog::error("stdio: message dropped: {}", e.what());
    }
  }
  i.drain();
  for (auto& t : threads) t.join();
}

void serve_stdio(server& mcp, stdio_options options) {
  // The protocol owns the real stdout; everything else that writes to fd 1 goes to stderr.
  int out = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (out < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    if (out >= 0) ::close(out);
    throw std::system_error(errno, std::generic_category(), "serve_stdio: dup");
  }
  spdlog::info("mcpxx serving MCP on stdio");
  {
    stdio_server s(mcp, STDIN_FILENO, out, std::move(options));
    s.run();
  }
  ::close(out);
}

}  // namespace mcpxx
