// The 2024-11-05 HTTP+SSE transport, for old clients (off unless enabled): GET on the
// SSE path opens the session's stream, whose first event `endpoint` names where to
// POST; every POST is accepted with 202 and its answers go out on that stream.
// Messages reach the stream through the message bus, so a POST may land on any
// replica.
#pragma once

#include "transport/http/stream_registry.hpp"

#include <mcpxx/server/server.hpp>
#include <mcpxx/store/message_bus.hpp>
#include <mcpxx/store/session_store.hpp>
#include <mcpxx/transport/http_options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace mcpxx::http_transport {

class legacy_sse_endpoint {
 public:
  using request_t = boost::beast::http::request<boost::beast::http::string_body>;

  legacy_sse_endpoint(server& mcp, const http_options& options,
                      std::shared_ptr<store::session_store> sessions,
                      std::shared_ptr<store::message_bus> bus);

  // GET <sse path>: the session's stream. Returns when the stream ends.
  boost::asio::awaitable<void> open_stream(boost::beast::tcp_stream& stream, request_t& req,
                                           std::string principal);
  // POST <messages path>?sessionId=...: one message; answered 202, handled after.
  // Returns whether the connection may stay open.
  boost::asio::awaitable<bool> post(boost::beast::tcp_stream& stream, request_t& req,
                                    std::string principal);

  // Server shutdown. Messages being handled (their answers still to go out on a stream):
  std::size_t busy() const noexcept { return busy_; }
  // Streams open here.
  std::size_t open_streams();
  // Ends every stream once what was queued for it is written.
  void close_all();

 private:
  boost::asio::awaitable<void> handle(protocol::message message, std::string session_id,
                                      std::string principal);
  boost::asio::awaitable<void> deliver(const std::string& session_id,
                                       const boost::json::object& message);

  server& mcp_;
  const http_options& options_;
  std::shared_ptr<store::session_store> sessions_;
  std::shared_ptr<store::message_bus> bus_;

  std::mutex mutex_;
  std::set<std::string> open_ids_;     // streams open here, awaiting or past initialize
  stream_registry<std::string> open_;  // by session id
  std::atomic<std::size_t> busy_{0};
};

}  // namespace mcpxx::http_transport
