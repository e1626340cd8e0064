// The MCP endpoint of Streamable HTTP: header rules, era routing, legacy sessions,
// and the mapping of protocol outcomes to HTTP statuses.
#pragma once

#include <mcpxx/server/server.hpp>
#include <mcpxx/store/event_store.hpp>
#include <mcpxx/store/message_bus.hpp>
#include <mcpxx/store/session_store.hpp>
#include <mcpxx/transport/http_options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>

namespace mcpxx::http_transport {

class notification_streams;

using request_t = boost::beast::http::request<boost::beast::http::string_body>;
using response_t = boost::beast::http::response<boost::beast::http::string_body>;

// A request's headers as the principal extractor sees them.
class request_headers final : public header_view {
 public:
  explicit request_headers(const request_t& req) : req_(req) {}
  std::string_view get(std::string_view name) const override {
    auto it = req_.find(name);
    return it == req_.end() ? std::string_view{} : std::string_view(it->value());
  }

 private:
  const request_t& req_;
};

class mcp_endpoint {
 public:
  mcp_endpoint(server& mcp, const http_options& options,
               std::shared_ptr<store::session_store> sessions,
               std::shared_ptr<store::event_store> events, std::shared_ptr<store::message_bus> bus);

  ~mcp_endpoint();

  // Subscribes to the bus channels the endpoint serves (cancellations); call once on
  // the I/O context before serving.
  boost::asio::awaitable<void> start();
  // Server shutdown: ends notification streams.
  void close_streams();
  // Server shutdown, past its grace period: cancels every request still running here (a
  // handler waiting for the client's answer gives up at once).
  void cancel_running();
  // Long-lived notification streams open here (they end only with close_streams()).
  std::size_t open_streams();
  // A list change or resource update made here, for every notification stream.
  boost::asio::awaitable<void> record_change(std::string change);

  // Answers one request on `stream` (JSON or SSE). Returns whether the connection may
  // stay open.
  boost::asio::awaitable<bool> serve(boost::beast::tcp_stream& stream, request_t& req);

 private:
  struct exchange;
  boost::asio::awaitable<void> post(exchange& x);
  boost::asio::awaitable<void> post_modern(exchange& x, protocol::message& msg);
  boost::asio::awaitable<void> post_legacy(exchange& x, std::vector<protocol::message> msgs,
                                           bool batch);
  boost::asio::awaitable<void> remove_session(exchange& x);
  boost::asio::awaitable<void> open_get_stream(exchange& x);
  // The request's legacy session, or null after answering 400 (no header) or 404
  // (unknown, expired or someone else's).
  boost::asio::awaitable<std::shared_ptr<const store::session_record>> session_of(exchange& x);
  void on_cancel_message(std::string_view payload);
  // Completes when the request is done (`done` set, or cancelled) or calls on_gone once the
  // client closed the connection.
  static boost::asio::awaitable<void> watch_disconnect(
      boost::beast::tcp_stream& stream, std::shared_ptr<const std::atomic<bool>> done,
      std::function<void()> on_gone);
  boost::asio::awaitable<void> deliver_reply(const std::string& session_id,
                                             const protocol::response& response);
  boost::asio::awaitable<void> answer_request(exchange& x, const protocol::request& req,
                                              request_scope& scope, legacy_session* session,
                                              bool modern, bool can_cancel);
  // Whether the request runs a handler that can notice cancellation. `tool`: the
  // tools/call target when already looked up.
  bool cancellable(const protocol::request& req, const tool_definition* tool) const;

  server& mcp_;
  const http_options& options_;
  std::shared_ptr<store::session_store> sessions_;
  std::shared_ptr<store::event_store> events_;
  std::shared_ptr<store::message_bus> bus_;
  std::unique_ptr<notification_streams> streams_;
  bool bound_to_loopback_;

  // Legacy requests running here, by "<session> <id json>", for notifications/cancelled.
  std::mutex in_flight_mutex_;
  std::unordered_map<std::string, std::weak_ptr<mcpxx::cancellation>> in_flight_;
  // Every request running here, for cancel_running().
  std::set<std::shared_ptr<mcpxx::cancellation>> running_;
  store::subscription cancel_subscription_;
};

}  // namespace mcpxx::http_transport
