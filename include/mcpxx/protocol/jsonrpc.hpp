// JSON-RPC 2.0 messages: parsing untrusted bytes into typed messages, and building
// responses. Pure: no I/O, never throws on bad input (errors are values).
#pragma once

#include <mcpxx/protocol/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mcpxx::protocol {

// A request id: a JSON string or integer (MCP forbids null and fractions).
using request_id = boost::json::value;

struct request {
  request_id id;
  std::string method;
  boost::json::object params;  // absent params read as {}
};

struct notification {
  std::string method;
  boost::json::object params;
};

// A client's answer to a server-to-client request (legacy era).
struct response {
  request_id id;
  std::optional<boost::json::value> result;
  std::optional<boost::json::object> error;
};

using message = std::variant<request, notification, response>;

// Why a message could not be read. `id` is the request's id when it could be
// recovered, so the error reply can echo it.
struct message_error {
  int code;  // code::parse_error or code::invalid_request
  std::string message;
  request_id id = nullptr;
};

using parsed_message = std::variant<message, message_error>;

// One JSON value already parsed: an object that must be a message.
parsed_message to_message(boost::json::value v);

// A body: a single message, or (only where the caller allows) a batch.
struct parsed_body {
  bool is_batch = false;
  std::vector<parsed_message> messages;  // empty when `error` is set
  std::optional<message_error> error;    // the whole body is unreadable
};
parsed_body parse_body(std::string_view bytes);

// Response builders.
boost::json::object make_result(const request_id& id, boost::json::value result);
boost::json::object make_error(const request_id& id, int code, std::string_view message,
                               boost::json::value data = nullptr);
boost::json::object make_error(const request_id& id, const rpc_error& e);
boost::json::object make_notification(std::string_view method, boost::json::object params);
boost::json::object make_request(const request_id& id, std::string_view method,
                                 boost::json::object params);

}  // namespace mcpxx::protocol
