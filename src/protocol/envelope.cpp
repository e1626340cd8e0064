#include <mcpxx/protocol/envelope.hpp>
#include <mcpxx/protocol/version.hpp>

#include <array>

namespace mcpxx::protocol {

namespace json = boost::json;

namespace {

const json::object* meta_of(const json::object& params) noexcept {
  auto* m = params.if_contains("_meta");
  return m ? m->if_object() : nullptr;
}

json::array supported_modern() {
  json::array a;
  for (auto v : modern_versions) a.emplace_back(v);
  return a;
}

}  // namespace

bool claims_modern_envelope(const json::object& params) noexcept {
  auto* meta = meta_of(params);
  return meta && meta->contains(meta_key::protocol_version);
}

int log_level_rank(std::string_view level) noexcept {
  static constexpr std::array<std::string_view, 8> levels{
      "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i] == level) return static_cast<int>(i);
  return -1;
}

std::variant<envelope, rpc_error> read_envelope(const json::object& params,
                                                std::optional<std::string_view> header_version) {
  if (!header_version)
    return rpc_error(code::header_mismatch, "Missing required MCP-Protocol-Version header");

  auto* meta = meta_of(params);
  if (!meta)
    return rpc_error(code::invalid_params, "Missing params._meta (required in 2026-07-28)");
  auto* version = meta->if_contains(meta_key::protocol_version);
  if (!version || !version->is_string())
    return rpc_error(code::invalid_params,
                     "Missing or non-string _meta[\"io.modelcontextprotocol/protocolVersion\"]");
  auto* caps = meta->if_contains(meta_key::client_capabilities);
  if (!caps || !caps->is_object())
    return rpc_error(code::invalid_params,
                     "Missing or non-object _meta[\"io.modelcontextprotocol/clientCapabilities\"]");

  std::string_view v = version->get_string();
  if (v != *header_version)
    return rpc_error(code::header_mismatch,
                     "MCP-Protocol-Version header (" + std::string(*header_version) +
                         ") does not match _meta protocolVersion (" + std::string(v) + ")");
  if (!is_supported_modern(v))
    return rpc_error(code::unsupported_protocol_version,
                     "Unsupported protocol version: " + std::string(v),
                     json::object{{"supported", supported_modern()}, {"requested", v}});

  envelope env;
  env.protocol_version = v;
  env.client_capabilities = caps->get_object();
  if (auto* info = meta->if_contains(meta_key::client_info); info && info->is_object())
    env.client_info = info->get_object();
  if (auto* level = meta->if_contains(meta_key::log_level)) {
    if (!level->is_string() || log_level_rank(level->get_string()) < 0)
      return rpc_error(code::invalid_params,
                       "Invalid _meta[\"io.modelcontextprotocol/logLevel\"]: expected one of "
                       "debug, info, notice, warning, error, critical, alert, emergency");
    env.log_level = level->get_string();
  }
  return env;
}

}  // namespace mcpxx::protocol
