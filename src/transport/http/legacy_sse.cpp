#include "transport/http/legacy_sse.hpp"

#include "transport/http/channels.hpp"
#include "transport/http/client_request.hpp"
#include "transport/http/header_rules.hpp"
#include "transport/http/sse_writer.hpp"
#include "transport/http/stored_session.hpp"

#include <mcpxx/protocol/envelope.hpp>
#include <mcpxx/protocol/version.hpp>
#include <mcpxx/store/unavailable.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <spdlog/spdlog.h>

namespace mcpxx::http_transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace code = protocol::code;
using namespace asio::experimental::awaitable_operators;

namespace {

std::string sse_channel(std::string_view session_id) {
  return "mcpxx:sse:" + std::string(session_id);
}

// Everything a request sends goes to the session's stream through the bus.
class bus_sink final : public outbound_sink {
 public:
  bus_sink(std::shared_ptr<store::message_bus> bus, asio::any_io_executor ex,
           std::string session_id, std::chrono::milliseconds timeout,
           std::shared_ptr<mcpxx::cancellation> cancel)
      : bus_(std::move(bus)),
        strand_(asio::make_strand(ex)),
        session_id_(std::move(session_id)),
        timeout_(timeout),
        cancel_(std::move(cancel)) {}

  void send(json::object message) override {
    // Published in order on one strand: the stream sees messages as they were sent.
    asio::co_spawn(strand_, bus_->publish(sse_channel(session_id_), json::serialize(message)),
                   asio::detached);
  }

  json::object request(std::string_view method, json::object params) override {
    client_request_options o{bus_, strand_, session_id_, timeout_, cancel_, {}};
    return ask_client(o, method, std::move(params), [this](json::object m) { send(std::move(m)); });
  }

 private:
  std::shared_ptr<store::message_bus> bus_;
  asio::strand<asio::any_io_executor> strand_;
  std::string session_id_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<mcpxx::cancellation> cancel_;
};

asio::awaitable<bool> write_plain(beast::tcp_stream& stream,
                                  const legacy_sse_endpoint::request_t& req, http::status st,
                                  std::string body, std::string_view type = "application/json") {
  http::response<http::string_body> res{st, req.version()};
  res.set(http::field::content_type, type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  co_return !ec && req.keep_alive();
}

}  // namespace

legacy_sse_endpoint::legacy_sse_endpoint(server& mcp, const http_options& options,
                                         std::shared_ptr<store::session_store> sessions,
                                         std::shared_ptr<store::message_bus> bus)
    : mcp_(mcp), options_(options), sessions_(std::move(sessions)), bus_(std::move(bus)) {}

asio::awaitable<void> legacy_sse_endpoint::open_stream(beast::tcp_stream& stream, request_t& req,
                                                       std::string principal) {
  auto accept = req.find(http::field::accept);
  if (accept == req.end() || !http_rules::accepts_sse(accept->value())) {
    co_await write_plain(
        stream, req, http::status::not_acceptable,
        json::serialize(protocol::make_error(
            nullptr, code::invalid_request, "Not Acceptable: Accept must list text/event-stream")));
    co_return;
  }
  const std::string id = http_rules::new_session_id();
  // The session exists from now on (not initialized: no protocol version yet), so that a
  // POST for it is recognised by any replica.
  store::session_record placeholder;
  placeholder.id = id;
  placeholder.principal = principal;
  if (co_await sessions_->create(std::move(placeholder)) == store::create_result::full) {
    co_await write_plain(
        stream, req, http::status::service_unavailable,
        json::serialize(protocol::make_error(nullptr, code::internal_error,
                                             "Service Unavailable: too many open sessions")));
    co_return;
  }
  using inbox_t =
      asio::experimental::concurrent_channel<void(boost::system::error_code, std::string)>;
  auto ex = co_await asio::this_coro::executor;
  inbox_t inbox(ex, 1024);
  auto sub = co_await bus_->subscribe(sse_channel(id), [&inbox](std::string_view payload) {
    if (!inbox.try_send(boost::system::error_code{}, std::string(payload)))
      spdlog::warn("HTTP+SSE stream is behind; a message was dropped");
  });
  {
    // Only once subscribed (a failing subscribe throws, and nothing else would remove it).
    std::lock_guard lock(mutex_);
    open_ids_.insert(id + " " + principal);
  }

  // An empty message ends the stream (server shutdown), after those queued before it.
  open_.add(id, [&inbox] { inbox.try_send(boost::system::error_code{}, ""); });

  sse_writer w(stream);
  co_await w.start(false);
  co_await w.event(options_.legacy_sse_messages_path + "?sessionId=" + id, {}, std::nullopt,
                   "endpoint");
  asio::steady_timer keepalive(ex);
  while (w.ok()) {
    keepalive.expires_after(std::chrono::seconds(15));
    auto next = co_await (inbox.async_receive(asio::as_tuple(asio::use_awaitable)) ||
                          keepalive.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (next.index() == 1) {
      co_await w.comment("keepalive");
      continue;
    }
    auto [ec, payload] = std::get<0>(next);
    if (ec || payload.empty()) break;
    co_await w.event(payload);
  }
  sub.reset();
  open_.remove(id);
  {
    std::lock_guard lock(mutex_);
    open_ids_.erase(id + " " + principal);
  }
  inbox.close();
  // In this transport the session lives as long as its stream.
  try {
    co_await sessions_->erase(id);
  } catch (const store::unavailable& e) {  // it expires with its TTL
    spdlog::warn("HTTP+SSE session {}... not erased: {}", id.substr(0, 8), e.what());
  }
}

std::size_t legacy_sse_endpoint::open_streams() {
  return open_.size();
}

void legacy_sse_endpoint::close_all() {
  open_.close_all();
}

asio::awaitable<bool> legacy_sse_endpoint::post(beast::tcp_stream& stream, request_t& req,
                                                std::string principal) {
  auto url =
      boost::urls::parse_origin_form(std::string_view(req.target().data(), req.target().size()));
  std::string session_id;
  if (url) {
    auto params = url->params();
    if (auto it = params.find("sessionId"); it != params.end()) session_id = (*it).value;
  }
  bool known = false;
  {
    std::lock_guard lock(mutex_);
    known = open_ids_.contains(session_id + " " + principal);
  }
  if (!known && !session_id.empty()) {  // its stream may be held by another replica
    auto rec = co_await sessions_->load(session_id);
    known = rec && rec->principal == principal;
  }
  if (!known)
    co_return co_await write_plain(
        stream, req, http::status::not_found,
        json::serialize(protocol::make_error(nullptr, code::session_expired, "Session not found")));
  auto ct = req.find(http::field::content_type);
  if (ct == req.end() || !http_rules::is_json_content_type(ct->value()))
    co_return co_await write_plain(
        stream, req, http::status::unsupported_media_type,
        json::serialize(
            protocol::make_error(nullptr, code::invalid_request,
                                 "Unsupported Media Type: Content-Type must be application/json")));
  auto body = protocol::parse_body(req.body());
  if (body.error || body.is_batch) {
    auto e = body.error ? *body.error
                        : protocol::message_error{code::invalid_request,
                                                  "Invalid Request: batches are not supported"};
    co_return co_await write_plain(stream, req, http::status::bad_request,
                                   json::serialize(protocol::make_error(e.id, e.code, e.message)));
  }
  auto& parsed = body.messages.front();
  if (auto* err = std::get_if<protocol::message_error>(&parsed))
    co_return co_await write_plain(
        stream, req, http::status::bad_request,
        json::serialize(protocol::make_error(err->id, err->code, err->message)));

  // Accepted: the answer goes out on the stream, after this 202.
  ++busy_;
  asio::co_spawn(co_await asio::this_coro::executor,
                 handle(std::move(std::get<protocol::message>(parsed)), session_id, principal),
                 [this](std::exception_ptr e) {
                   --busy_;
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     spdlog::error("HTTP+SSE message failed: {}", ex.what());
                   }
                 });
  co_return co_await write_plain(stream, req, http::status::accepted, "Accepted", "text/plain");
}

asio::awaitable<void> legacy_sse_endpoint::deliver(const std::string& session_id,
                                                   const json::object& message) {
  co_await bus_->publish(sse_channel(session_id), json::serialize(message));
}

asio::awaitable<void> legacy_sse_endpoint::handle(protocol::message message, std::string session_id,
                                                  std::string principal) {
  if (auto* reply = std::get_if<protocol::response>(&message)) {
    json::object m{{"jsonrpc", "2.0"}, {"id", reply->id}};
    if (reply->result) m["result"] = *reply->result;
    if (reply->error) m["error"] = *reply->error;
    co_await bus_->publish(reply_channel(session_id, json::serialize(reply->id)),
                           json::serialize(m));
    co_return;
  }
  if (auto* note = std::get_if<protocol::notification>(&message)) {
    if (note->method == "notifications/cancelled")
      if (auto* id = note->params.if_contains("requestId")) {
        json::object cancel{{"session", session_id}, {"id", *id}};
        co_await bus_->publish(std::string(cancel_channel), json::serialize(cancel));
      }
    co_return;
  }
  auto& req = std::get<protocol::request>(message);
  request_scope scope;
  scope.era = protocol::era::legacy;
  scope.principal = principal;
  scope.session_id = session_id;
  if (req.method == "initialize") {
    if (auto* v = req.params.if_contains("protocolVersion"); v && v->is_string())
      scope.protocol_version = protocol::negotiate_legacy(v->get_string());
    json::object response = co_await mcp_.handle(req, scope, nullptr);
    if (!response.contains("error")) {
      auto rec = session_from_initialize(session_id, req, scope.protocol_version, principal);
      if (!co_await sessions_->update(std::move(rec))) co_return;  // its stream is gone
    }
    co_await deliver(session_id, response);
    co_return;
  }
  auto rec = co_await sessions_->load(session_id);
  if (!rec) co_return;  // its stream is gone: nowhere to answer
  if (rec->protocol_version.empty()) {
    auto e = protocol::make_error(req.id, code::invalid_request, "Server not initialized");
    co_await deliver(session_id, e);
    co_return;
  }
  scope.protocol_version = rec->protocol_version;
  scope.client_capabilities = rec->client_capabilities;
  scope.client_info = rec->client_info;
  scope.log_level = rec->log_level;
  scope.sink = std::make_shared<bus_sink>(bus_, co_await asio::this_coro::executor, session_id,
                                          options_.client_request_timeout, scope.cancel);
  stored_session session(*sessions_, rec);
  json::object response = co_await mcp_.handle(req, scope, &session);
  // Through the sink: after everything the handler sent, in order.
  scope.sink->send(std::move(response));
}

}  // namespace mcpxx::http_transport
