// The 2026-07-28 per-request envelope: what a stateless request carries in
// `params._meta` instead of a handshake, validated in the order the spec's
// compatibility rules (and the conformance `server-stateless` scenario) expect.
#pragma once

#include <mcpxx/protocol/error.hpp>

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mcpxx::protocol {

namespace meta_key {
inline constexpr std::string_view protocol_version = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view client_capabilities =
    "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view client_info = "io.modelcontextprotocol/clientInfo";
inline constexpr std::string_view log_level = "io.modelcontextprotocol/logLevel";
inline constexpr std::string_view server_info = "io.modelcontextprotocol/serverInfo";
inline constexpr std::string_view subscription_id = "io.modelcontextprotocol/subscriptionId";
inline constexpr std::string_view progress_token = "progressToken";
}  // namespace meta_key

// True when the request claims the stateless era through its `_meta`.
bool claims_modern_envelope(const boost::json::object& params) noexcept;

struct envelope {
  std::string protocol_version;
  boost::json::object client_capabilities;
  boost::json::object client_info;  // may be empty: clientInfo is optional
  std::string log_level;            // "" = no logs for this request
};

// `header_version` is the trimmed MCP-Protocol-Version header, nullopt when absent.
// Order: missing header (-32020), missing _meta fields (-32602), header != _meta
// (-32020), unsupported version (-32022), bad log level (-32602).
std::variant<envelope, rpc_error> read_envelope(const boost::json::object& params,
                                                std::optional<std::string_view> header_version);

// RFC 5424 severities as MCP spells them, least severe first; -1 when unknown.
int log_level_rank(std::string_view level) noexcept;

}  // namespace mcpxx::protocol
