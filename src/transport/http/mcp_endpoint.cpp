#include "transport/http/mcp_endpoint.hpp"

#include "transport/http/channels.hpp"
#include "transport/http/header_rules.hpp"
#include "transport/http/notification_streams.hpp"
#include "transport/http/sse_sink.hpp"
#include "transport/http/stored_session.hpp"

#include <mcpxx/protocol/envelope.hpp>
#include <mcpxx/protocol/version.hpp>
#include <mcpxx/store/unavailable.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <cerrno>
#include <optional>

namespace mcpxx::http_transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace code = protocol::code;
using http::status;

namespace {

constexpr std::string_view session_header = "Mcp-Session-Id";
constexpr std::string_view version_header = "MCP-Protocol-Version";

}  // namespace

struct mcp_endpoint::exchange {
  beast::tcp_stream& stream;
  request_t& req;
  bool keep_alive;
  std::string principal;

  std::string_view header(std::string_view name) const {
    auto it = req.find(name);
    return it == req.end() ? std::string_view{} : std::string_view(it->value());
  }
  bool has_header(std::string_view name) const { return req.find(name) != req.end(); }

  asio::awaitable<void> write(response_t res) {
    res.keep_alive(keep_alive);
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (ec) keep_alive = false;
  }

  asio::awaitable<void> write_json(status st, const json::value& body,
                                   std::string_view session_id = {}) {
    response_t res{st, req.version()};
    res.set(http::field::content_type, "application/json");
    if (!session_id.empty()) res.set(session_header, session_id);
    res.body() = json::serialize(body);
    co_await write(std::move(res));
  }

  asio::awaitable<void> write_error(status st, const protocol::request_id& id, int c,
                                    std::string_view message, json::value data = nullptr) {
    co_await write_json(st, protocol::make_error(id, c, message, std::move(data)));
  }

  asio::awaitable<void> write_empty(status st, std::string_view allow = {}) {
    response_t res{st, req.version()};
    if (!allow.empty()) res.set(http::field::allow, allow);
    co_await write(std::move(res));
  }
};

namespace {

// Resolves when the peer closed (or reset) the connection; a pipelined next request
// is left unread. Cancelled by the caller once the request is answered.
asio::awaitable<void> watch_disconnect_impl(beast::tcp_stream& stream,
                                            std::shared_ptr<const std::atomic<bool>> done,
                                            std::function<void()> on_gone) {
  auto& socket = stream.socket();
  for (;;) {
    // Checked on the stream's strand right before waiting: a watcher that starts after its
    // request finished (the stop signal is not sticky) must not wait on the connection,
    // where it would wake for the next request's bytes.
    if (done->load()) co_return;
    auto [ec] = co_await socket.async_wait(asio::ip::tcp::socket::wait_read,
                                           asio::as_tuple(asio::use_awaitable));
    if (ec || done->load()) co_return;  // stopped: the request finished
    // Never a blocking call on an I/O thread: the socket is in blocking mode for synchronous
    // calls, and a readiness can be gone by now (asio's socket.receive would then wait in
    // poll() with the stream's strand held, freezing everything queued on it). A readiness
    // with nothing to read is waited for again.
    char byte;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) co_return;  // the client sent something: it is still there
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    on_gone();  // end of stream, or reset
    co_return;
  }
}

}  // namespace

asio::awaitable<void> mcp_endpoint::watch_disconnect(beast::tcp_stream& stream,
                                                     std::shared_ptr<const std::atomic<bool>> done,
                                                     std::function<void()> on_gone) {
  return watch_disconnect_impl(stream, std::move(done), std::move(on_gone));
}

mcp_endpoint::mcp_endpoint(server& mcp, const http_options& options,
                           std::shared_ptr<store::session_store> sessions,
                           std::shared_ptr<store::event_store> events,
                           std::shared_ptr<store::message_bus> bus)
    : mcp_(mcp),
      options_(options),
      sessions_(sessions),
      events_(events),
      bus_(bus),
      streams_(std::make_unique<notification_streams>(
          options, std::move(sessions), std::move(events), std::move(bus), mcp.server_info())),
      bound_to_loopback_(http_rules::is_loopback_address(options.host)) {}

mcp_endpoint::~mcp_endpoint() = default;

asio::awaitable<void> mcp_endpoint::start() {
  // A networked bus may not be reachable yet at startup: keep trying, or cancellations
  // posted to other replicas would never reach requests running here.
  asio::steady_timer retry(co_await asio::this_coro::executor);
  for (auto backoff = std::chrono::milliseconds(50);;
       backoff = std::min(backoff * 2, std::chrono::milliseconds(1000))) {
    try {
      cancel_subscription_ = co_await bus_->subscribe(
          std::string(cancel_channel),
          [this](std::string_view payload) { on_cancel_message(payload); });
      co_return;
    } catch (const std::exception& e) {
      spdlog::warn("cancellation channel not subscribed yet: {}", e.what());
    }
    retry.expires_after(backoff);
    co_await retry.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void mcp_endpoint::close_streams() {
  streams_->close_all();
}

void mcp_endpoint::cancel_running() {
  std::lock_guard lock(in_flight_mutex_);
  for (const auto& c : running_) c->cancel();
}

std::size_t mcp_endpoint::open_streams() {
  return streams_->open_count();
}

asio::awaitable<void> mcp_endpoint::record_change(std::string change) {
  co_await streams_->record_change(std::move(change));
}

void mcp_endpoint::on_cancel_message(std::string_view payload) {
  json::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec || !v.is_object()) return;
  auto* session = v.get_object().if_contains("session");
  auto* id = v.get_object().if_contains("id");
  if (!session || !session->is_string() || !id) return;
  std::string key = std::string(session->get_string()) + " " + json::serialize(*id);
  std::shared_ptr<mcpxx::cancellation> cancel;
  {
    std::lock_guard lock(in_flight_mutex_);
    auto it = in_flight_.find(key);
    if (it != in_flight_.end()) cancel = it->second.lock();
  }
  if (cancel) cancel->cancel();
}

asio::awaitable<bool> mcp_endpoint::serve(beast::tcp_stream& stream, request_t& req) {
  exchange x{stream, req, req.keep_alive(), {}};

  // DNS rebinding: a page elsewhere must not reach a server on this machine.
  if (!http_rules::host_allowed(x.header("Host"), options_.allowed_hosts, bound_to_loopback_)) {
    co_await x.write_error(status::forbidden, nullptr, code::invalid_request,
                           "Forbidden: Host header not allowed");
    co_return x.keep_alive;
  }
  if (!http_rules::origin_allowed(x.header("Origin"), options_.allowed_origins)) {
    co_await x.write_error(status::forbidden, nullptr, code::invalid_request,
                           "Forbidden: Origin not allowed");
    co_return x.keep_alive;
  }
  if (options_.principal) x.principal = options_.principal(request_headers(req));

  switch (req.method()) {
    case http::verb::post:
      co_await post(x);
      break;
    case http::verb::delete_:
      co_await remove_session(x);
      break;
    case http::verb::get:
      co_await open_get_stream(x);
      break;
    default:
      co_await x.write_error(status::method_not_allowed, nullptr, code::invalid_request,
                             "Method Not Allowed");
  }
  co_return x.keep_alive;
}

bool mcp_endpoint::cancellable(const protocol::request& req, const tool_definition* tool) const {
  // Only handlers that can notice cancellation are worth a socket watcher or an entry
  // in the in-flight table: an inline tool finishes before a cancellation could land.
  if (req.method == "prompts/get" || req.method == "resources/read") return true;
  if (req.method != "tools/call") return false;
  std::shared_ptr<const tool_definition> found;
  if (!tool) {
    auto* name = req.params.if_contains("name");
    if (name && name->is_string()) found = mcp_.find_tool(name->get_string());
    tool = found.get();
  }
  return tool && !tool->run_inline;
}

asio::awaitable<std::shared_ptr<const store::session_record>> mcp_endpoint::session_of(
    exchange& x) {
  auto id = x.header(session_header);
  if (id.empty()) {
    co_await x.write_error(status::bad_request, nullptr, code::session_expired,
                           "Bad Request: Mcp-Session-Id header is required");
    co_return nullptr;
  }
  auto rec = co_await sessions_->load(id);
  // A session belongs to whoever opened it; to anyone else it does not exist. 404 tells
  // the client to start a new one.
  // (An HTTP+SSE session before its initialize has no protocol version: not usable here.)
  if (!rec || rec->principal != x.principal || rec->protocol_version.empty()) {
    co_await x.write_error(status::not_found, nullptr, code::session_expired, "Session expired");
    co_return nullptr;
  }
  co_return rec;
}

asio::awaitable<void> mcp_endpoint::open_get_stream(exchange& x) {
  auto version = http_rules::trim(x.header(version_header));
  if (protocol::names_modern_era(version)) {
    co_await x.write_error(status::method_not_allowed, nullptr, code::invalid_request,
                           "Method Not Allowed: 2026-07-28 uses subscriptions/listen");
    co_return;
  }
  if (!http_rules::accepts_sse(x.header("Accept"))) {
    co_await x.write_error(status::not_acceptable, nullptr, code::invalid_request,
                           "Not Acceptable: Accept must list text/event-stream");
    co_return;
  }
  auto rec = co_await session_of(x);
  if (!rec) co_return;
  if (!co_await streams_->legacy_get(x.stream, x.keep_alive, rec,
                                     std::string(x.header("Last-Event-ID")))) {
    co_await x.write_error(status::conflict, nullptr, code::invalid_request,
                           "Conflict: this session already has a GET stream open");
  }
}

asio::awaitable<void> mcp_endpoint::remove_session(exchange& x) {
  auto version = http_rules::trim(x.header(version_header));
  if (protocol::names_modern_era(version)) {
    co_await x.write_error(status::method_not_allowed, nullptr, code::invalid_request,
                           "Method Not Allowed: 2026-07-28 has no sessions to delete");
    co_return;
  }
  auto rec = co_await session_of(x);
  if (!rec) co_return;
  co_await sessions_->erase(rec->id);
  co_await x.write_empty(status::ok);
}

asio::awaitable<void> mcp_endpoint::deliver_reply(const std::string& session_id,
                                                  const protocol::response& response) {
  json::object message{{"jsonrpc", "2.0"}, {"id", response.id}};
  if (response.result) message["result"] = *response.result;
  if (response.error) message["error"] = *response.error;
  co_await bus_->publish(reply_channel(session_id, json::serialize(response.id)),
                         json::serialize(message));
}

asio::awaitable<void> mcp_endpoint::post(exchange& x) {
  if (!http_rules::is_json_content_type(x.header("Content-Type"))) {
    co_await x.write_error(status::unsupported_media_type, nullptr, code::invalid_request,
                           "Unsupported Media Type: Content-Type must be application/json");
    co_return;
  }
  if (!http_rules::accepts_json_and_sse(x.header("Accept"))) {
    co_await x.write_error(status::not_acceptable, nullptr, code::invalid_request,
                           "Not Acceptable: Accept must list application/json and "
                           "text/event-stream");
    co_return;
  }
  auto body = protocol::parse_body(x.req.body());
  if (body.error) {
    co_await x.write_error(status::bad_request, nullptr, body.error->code, body.error->message);
    co_return;
  }

  std::vector<protocol::message> messages;
  messages.reserve(body.messages.size());
  for (auto& m : body.messages) {
    if (auto* err = std::get_if<protocol::message_error>(&m)) {
      co_await x.write_error(status::bad_request, err->id, err->code, err->message);
      co_return;
    }
    messages.push_back(std::move(std::get<protocol::message>(m)));
  }

  if (!body.is_batch) {
    // Modern when the body claims the stateless envelope or the header names a
    // 2026+ revision, whatever the method or session header.
    auto& msg = messages.front();
    const json::object* params = nullptr;
    if (auto* r = std::get_if<protocol::request>(&msg)) params = &r->params;
    if (auto* n = std::get_if<protocol::notification>(&msg)) params = &n->params;
    bool modern = protocol::names_modern_era(http_rules::trim(x.header(version_header))) ||
                  (params && protocol::claims_modern_envelope(*params));
    if (modern) {
      co_await post_modern(x, msg);
      co_return;
    }
  }
  co_await post_legacy(x, std::move(messages), body.is_batch);
}

asio::awaitable<void> mcp_endpoint::post_modern(exchange& x, protocol::message& msg) {
  if (std::holds_alternative<protocol::response>(msg)) {
    co_await x.write_error(status::bad_request, nullptr, code::invalid_request,
                           "Invalid Request: 2026-07-28 clients do not send responses");
    co_return;
  }
  if (std::holds_alternative<protocol::notification>(msg)) {
    co_await x.write_empty(status::accepted);
    co_return;
  }
  auto& req = std::get<protocol::request>(msg);

  std::optional<std::string_view> header_version;
  if (x.has_header(version_header)) header_version = http_rules::trim(x.header(version_header));
  auto env = protocol::read_envelope(req.params, header_version);
  if (auto* err = std::get_if<protocol::rpc_error>(&env)) {
    co_await x.write_json(status::bad_request, protocol::make_error(req.id, *err));
    co_return;
  }

  // Mcp-Method / Mcp-Name must repeat the body, so intermediaries can route on them.
  auto method_header = x.header("Mcp-Method");
  if (!x.has_header("Mcp-Method")) {
    co_await x.write_error(status::bad_request, req.id, code::header_mismatch,
                           "Missing required Mcp-Method header");
    co_return;
  }
  if (http_rules::trim(method_header) != req.method) {
    co_await x.write_error(status::bad_request, req.id, code::header_mismatch,
                           "Mcp-Method header (" + std::string(http_rules::trim(method_header)) +
                               ") does not match the body's method (" + req.method + ")");
    co_return;
  }
  if (auto expected = http_rules::expected_mcp_name(req.method, req.params)) {
    if (!x.has_header("Mcp-Name")) {
      co_await x.write_error(status::bad_request, req.id, code::header_mismatch,
                             "Missing required Mcp-Name header for " + req.method);
      co_return;
    }
    auto name = http_rules::decode_header_value(x.header("Mcp-Name"));
    if (!name) {
      co_await x.write_error(status::bad_request, req.id, code::header_mismatch,
                             "Mcp-Name header has an invalid base64 sentinel value");
      co_return;
    }
    if (*name != *expected) {
      co_await x.write_error(status::bad_request, req.id, code::header_mismatch,
                             "Mcp-Name header does not match the body (" + *expected + ")");
      co_return;
    }
  }

  std::shared_ptr<const tool_definition> tool;
  if (req.method == "tools/call") {
    auto* name = req.params.if_contains("name");
    tool = name && name->is_string() ? mcp_.find_tool(name->get_string()) : nullptr;
    if (tool) {
      static const json::object no_arguments;
      auto* args = req.params.if_contains("arguments");
      auto mismatch = http_rules::check_param_headers(
          tool->input_schema, args && args->is_object() ? args->get_object() : no_arguments,
          [&](std::string_view h) -> std::optional<std::string_view> {
            if (!x.has_header(h)) return std::nullopt;
            return x.header(h);
          });
      if (mismatch) {
        co_await x.write_error(status::bad_request, req.id, code::header_mismatch, *mismatch);
        co_return;
      }
    }
  }

  if (req.method == "subscriptions/listen") {
    auto* filter = req.params.if_contains("notifications");
    if (!filter || !filter->is_object()) {
      co_await x.write_error(status::ok, req.id, code::invalid_params,
                             "Invalid params: \"notifications\" must be an object");
      co_return;
    }
    co_await streams_->listen(x.stream, x.keep_alive, req.id, filter->get_object());
    co_return;
  }

  auto& e = std::get<protocol::envelope>(env);
  request_scope scope;
  scope.era = protocol::era::modern;
  scope.protocol_version = std::move(e.protocol_version);
  scope.client_capabilities = std::move(e.client_capabilities);
  scope.client_info = std::move(e.client_info);
  scope.log_level = std::move(e.log_level);
  scope.principal = x.principal;
  co_await answer_request(x, req, scope, nullptr, true, cancellable(req, tool.get()));
}

asio::awaitable<void> mcp_endpoint::answer_request(exchange& x, const protocol::request& req,
                                                   request_scope& scope, legacy_session* session,
                                                   bool modern, bool can_cancel) {
  auto sink = std::make_shared<sse_sink>(x.stream, x.keep_alive, scope.cancel, modern);
  if (!modern) {
    sink->enable_requests(bus_, scope.session_id, options_.client_request_timeout);
    if (protocol::features_of(scope.protocol_version).sse_priming)
      sink->enable_resumption(events_, scope.session_id + "/post/");
  }
  scope.sink = sink;

  // Listed while it runs, however it ends (shutdown cancels what outlives the grace period).
  struct listed {
    mcp_endpoint& e;
    std::shared_ptr<mcpxx::cancellation> c;
    listed(mcp_endpoint& endpoint, std::shared_ptr<mcpxx::cancellation> cancel)
        : e(endpoint), c(std::move(cancel)) {
      std::lock_guard lock(e.in_flight_mutex_);
      e.running_.insert(c);
    }
    ~listed() {
      std::lock_guard lock(e.in_flight_mutex_);
      e.running_.erase(c);
    }
  } running{*this, scope.cancel};

  // Legacy: notifications/cancelled (arriving on any replica) finds the request here.
  std::string in_flight_key;
  if (!modern && can_cancel && !scope.session_id.empty()) {
    in_flight_key = scope.session_id + " " + json::serialize(req.id);
    std::lock_guard lock(in_flight_mutex_);
    in_flight_[in_flight_key] = scope.cancel;
  }
  // The client closing the connection: on 2026-07-28 that cancels the request; a legacy
  // resumable stream goes on in the event store, and whoever resumed it is woken at once
  // (a write to the dead connection may succeed for a while).
  // The signal lives until the watcher completes: its completion handler owns it.
  std::shared_ptr<asio::cancellation_signal> stop_watching;
  std::shared_ptr<std::atomic<bool>> request_done;
  std::function<void()> on_gone;
  if (modern && can_cancel)
    on_gone = [cancel = scope.cancel] { cancel->cancel(); };
  else if (!modern && can_cancel && protocol::features_of(scope.protocol_version).sse_priming)
    on_gone = [sink] { sink->peer_gone(); };  // (inline handlers finish before any wait)
  if (on_gone) {
    stop_watching = std::make_shared<asio::cancellation_signal>();
    request_done = std::make_shared<std::atomic<bool>>(false);
    asio::co_spawn(x.stream.get_executor(),
                   watch_disconnect(x.stream, request_done, std::move(on_gone)),
                   asio::bind_cancellation_slot(stop_watching->slot(),
                                                [keep = stop_watching](std::exception_ptr) {}));
  }

  json::object response;
  std::optional<std::string> store_down;  // why the state store failed the request
  try {
    response = co_await mcp_.handle(req, scope, session);
  } catch (const store::unavailable& e) {
    store_down = e.what();
  }

  if (stop_watching) {
    request_done->store(true);
    stop_watching->emit(asio::cancellation_type::all);
  }
  if (!in_flight_key.empty()) {
    std::lock_guard lock(in_flight_mutex_);
    in_flight_.erase(in_flight_key);
  }
  if (store_down) {
    // Nothing written yet: the transport answers 503 with Retry-After. Once the reply
    // streams, its status is out, and the request ends with a JSON-RPC error instead.
    if (!co_await sink->drop_queued()) throw store::unavailable(*store_down);
    response = protocol::make_error(req.id, code::internal_error,
                                    "State store unavailable, retry later: " + *store_down);
  }
  if (scope.cancel->cancelled()) {
    // A cancelled request gets no response (and a closed stream has no reader).
    co_await sink->finish_cancelled();
    x.keep_alive = x.keep_alive && sink->reusable();
    co_return;
  }
  std::string body = json::serialize(response);
  if (co_await sink->finish(body)) {
    if (!sink->reusable()) x.keep_alive = false;
    co_return;
  }
  status st = status::ok;
  if (auto* err = response.if_contains("error")) {
    auto c = err->as_object().at("code").to_number<int>();
    if (modern && c == code::method_not_found) st = status::not_found;
    if (modern && (c == code::missing_client_capability || c == code::header_mismatch ||
                   c == code::unsupported_protocol_version))
      st = status::bad_request;
  }
  response_t res{st, x.req.version()};
  res.set(http::field::content_type, "application/json");
  if (!scope.session_id.empty() && req.method == "initialize")
    res.set(session_header, scope.session_id);
  res.body() = std::move(body);
  co_await x.write(std::move(res));
}

asio::awaitable<void> mcp_endpoint::post_legacy(exchange& x, std::vector<protocol::message> msgs,
                                                bool batch) {
  auto header_version = http_rules::trim(x.header(version_header));
  if (x.has_header(version_header) && !protocol::is_supported_legacy(header_version)) {
    co_await x.write_error(
        status::bad_request, nullptr, code::invalid_request,
        "Bad Request: Unsupported protocol version: " + std::string(header_version));
    co_return;
  }

  // initialize opens a session and must be alone.
  if (!batch) {
    if (auto* r = std::get_if<protocol::request>(&msgs.front()); r && r->method == "initialize") {
      request_scope scope;
      scope.era = protocol::era::legacy;
      scope.principal = x.principal;
      if (auto* v = r->params.if_contains("protocolVersion"); v && v->is_string())
        scope.protocol_version = protocol::negotiate_legacy(v->get_string());
      json::object response = co_await mcp_.handle(*r, scope, nullptr);
      if (response.contains("error")) {
        co_await x.write_json(status::ok, response);
        co_return;
      }
      std::string id = http_rules::new_session_id();
      auto rec = session_from_initialize(id, *r, scope.protocol_version, x.principal);
      if (co_await sessions_->create(std::move(rec)) == store::create_result::full) {
        response_t res{status::service_unavailable, x.req.version()};
        res.set(http::field::content_type, "application/json");
        res.set(http::field::retry_after, "5");
        res.body() = json::serialize(protocol::make_error(
            r->id, code::internal_error, "Service Unavailable: too many open sessions"));
        co_await x.write(std::move(res));
        co_return;
      }
      co_await x.write_json(status::ok, response, id);
      co_return;
    }
  }

  auto rec = co_await session_of(x);
  if (!rec) co_return;
  if (batch && !protocol::features_of(rec->protocol_version).batches) {
    co_await x.write_error(status::bad_request, nullptr, code::invalid_request,
                           "Invalid Request: JSON-RPC batches are not supported in protocol "
                           "version " +
                               rec->protocol_version);
    co_return;
  }

  stored_session session(*sessions_, rec);
  auto make_scope = [&] {
    request_scope scope;
    scope.era = protocol::era::legacy;
    scope.protocol_version = rec->protocol_version;
    scope.client_capabilities = rec->client_capabilities;
    scope.client_info = rec->client_info;
    scope.log_level = rec->log_level;
    scope.principal = x.principal;
    scope.session_id = rec->id;
    return scope;
  };

  if (!batch) {
    if (auto* r = std::get_if<protocol::request>(&msgs.front())) {
      auto scope = make_scope();
      co_await answer_request(x, *r, scope, &session, false, cancellable(*r, nullptr));
      co_return;
    }
    // Answers to our requests go to the waiting handler, wherever it runs.
    if (auto* r = std::get_if<protocol::response>(&msgs.front()))
      co_await deliver_reply(rec->id, *r);
    if (auto* n = std::get_if<protocol::notification>(&msgs.front());
        n && n->method == "notifications/cancelled") {
      if (auto* id = n->params.if_contains("requestId")) {
        // (A named local: g++ 12 miscompiles braced initializers inside co_await.)
        json::object cancel{{"session", rec->id}, {"id", *id}};
        co_await bus_->publish(std::string(cancel_channel), json::serialize(cancel));
      }
    }
    co_await x.write_empty(status::accepted);
    co_return;
  }

  // A 2025-03-26 batch: answers in one JSON array, nothing streamed.
  json::array answers;
  for (auto& m : msgs) {
    if (auto* reply = std::get_if<protocol::response>(&m)) co_await deliver_reply(rec->id, *reply);
    auto* r = std::get_if<protocol::request>(&m);
    if (!r) continue;
    if (r->method == "initialize") {
      answers.push_back(protocol::make_error(r->id, code::invalid_request,
                                             "Invalid Request: initialize must not be batched"));
      continue;
    }
    auto scope = make_scope();
    // Per element: the batch's earlier requests have run, so a 503 for the whole batch
    // would have the client run them again.
    json::object answer;
    try {
      answer = co_await mcp_.handle(*r, scope, &session);
    } catch (const store::unavailable& e) {
      answer =
          protocol::make_error(r->id, code::internal_error,
                               std::string("State store unavailable, retry later: ") + e.what());
    }
    answers.push_back(std::move(answer));
  }
  if (answers.empty()) {
    co_await x.write_empty(status::accepted);
    co_return;
  }
  co_await x.write_json(status::ok, answers);
}

}  // namespace mcpxx::http_transport
