// The HTTP header rules of Streamable HTTP, as pure functions over header values so
// each rule is unit-tested without a socket.
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpxx::http_rules {

std::string_view trim(std::string_view s) noexcept;

bool is_loopback_address(std::string_view bind_host) noexcept;

// Host header (with optional port) against the allow-list; see http_options.
bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed,
                  bool bound_to_loopback);
// Origin header (absent = allowed: not a browser).
bool origin_allowed(std::string_view origin_header, const std::vector<std::string>& allowed);

// POST must accept both JSON and SSE replies (a wildcard counts).
bool accepts_json_and_sse(std::string_view accept) noexcept;
bool accepts_sse(std::string_view accept) noexcept;
bool is_json_content_type(std::string_view content_type) noexcept;

// Mcp-Name / Mcp-Param-* values may be `=?base64?<b64 of UTF-8>?=`; nullopt when the
// sentinel is malformed. Other values are returned trimmed.
std::optional<std::string> decode_header_value(std::string_view raw);

// The body value Mcp-Name must equal for `method` (params.name or params.uri), or
// nullopt when the method has no Mcp-Name.
std::optional<std::string> expected_mcp_name(std::string_view method,
                                             const boost::json::object& params);

// Mcp-Param-* headers against the tool's arguments: every inputSchema property
// annotated `x-mcp-header: Name` whose argument is present (not null) must arrive as
// `Mcp-Param-Name` with the same value (string as is, integer in decimal, boolean
// true/false), and a header must not name a value the body lacks. `header` returns
// nullopt for an absent header. Returns the reason of the first mismatch.
std::optional<std::string> check_param_headers(
    const boost::json::object& input_schema, const boost::json::object& arguments,
    const std::function<std::optional<std::string_view>(std::string_view)>& header);

// 128 random bits from the CSPRNG as 32 hex characters (visible ASCII, as required).
std::string new_session_id();

}  // namespace mcpxx::http_rules
