// JSON-RPC and MCP error codes, and the exception that carries one through the layers.
#pragma once

#include <boost/json/value.hpp>

#include <stdexcept>
#include <string>

namespace mcpxx::protocol {

// Codes from JSON-RPC 2.0 and from the MCP revisions that define them.
namespace code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
// Legacy implementation range: what every legacy SDK answers for an unknown session.
inline constexpr int session_expired = -32000;
// Legacy (up to 2025-11-25) resource-not-found; 2026-07-28 uses invalid_params + data.uri.
inline constexpr int resource_not_found_legacy = -32002;
// 2026-07-28.
inline constexpr int header_mismatch = -32020;
inline constexpr int missing_client_capability = -32021;
inline constexpr int unsupported_protocol_version = -32022;
}  // namespace code

// An error that becomes a JSON-RPC error object. Thrown by dispatch and handlers'
// helpers; the transport turns it into a response (and picks the HTTP status).
class rpc_error : public std::runtime_error {
 public:
  rpc_error(int code, std::string message, boost::json::value data = nullptr)
      : std::runtime_error(std::move(message)), code_(code), data_(std::move(data)) {}

  int code() const noexcept { return code_; }
  const boost::json::value& data() const noexcept { return data_; }

  // The JSON-RPC `error` member.
  boost::json::object to_json() const;

 private:
  int code_;
  boost::json::value data_;
};

}  // namespace mcpxx::protocol
