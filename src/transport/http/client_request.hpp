// Legacy server-to-client requests (elicitation, sampling, roots): send the request
// on whatever carries the session's messages, then block the calling worker thread
// until the client's response arrives through the message bus (it may POST it to
// any replica). Shared by the Streamable HTTP and the HTTP+SSE transports.
#pragma once

#include <mcpxx/server/context.hpp>
#include <mcpxx/store/message_bus.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace mcpxx::http_transport {

struct client_request_options {
  std::shared_ptr<store::message_bus> bus;
  boost::asio::any_io_executor executor;  // where the bus subscription is made
  std::string session_id;
  std::chrono::milliseconds timeout{0};
  std::shared_ptr<mcpxx::cancellation> cancel;
  // True when the way to the client is gone for good (the request then fails).
  std::function<bool()> unreachable;
};

// Sends `method` via `send` (a JSON-RPC request object) and returns the client's
// whole JSON-RPC response. Throws input_error on timeout, cancellation or
// unreachability.
boost::json::object ask_client(const client_request_options& o, std::string_view method,
                               boost::json::object params,
                               const std::function<void(boost::json::object)>& send);

}  // namespace mcpxx::http_transport
