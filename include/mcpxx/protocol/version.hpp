// Protocol revisions mcpxx serves, and what differs between them.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace mcpxx::protocol {

enum class era { legacy, modern };

inline constexpr std::string_view latest_modern_version = "2026-07-28";
inline constexpr std::string_view latest_legacy_version = "2025-11-25";

// Stateless revisions, served without a handshake (newest first).
inline constexpr std::array<std::string_view, 1> modern_versions{"2026-07-28"};
// Revisions negotiated by `initialize` (newest first).
inline constexpr std::array<std::string_view, 4> legacy_versions{"2025-11-25", "2025-06-18",
                                                                 "2025-03-26", "2024-11-05"};

bool is_supported_modern(std::string_view v) noexcept;
bool is_supported_legacy(std::string_view v) noexcept;

// A version string that sorts at or after the first stateless revision. Revision names
// are ISO dates, so a plain string comparison orders them.
inline bool names_modern_era(std::string_view v) noexcept {
  return v.size() == 10 && v >= "2026-07-28";
}

// Legacy `initialize`: the client's version when we serve it, otherwise our latest.
std::string_view negotiate_legacy(std::string_view requested) noexcept;

// Feature switches that depend on the negotiated revision.
struct revision_features {
  bool structured_content_any_json;  // 2026-07-28: any JSON; before: object only
  bool resource_links;               // 2025-06-18+
  bool audio_content;                // 2025-03-26+
  bool batches;                      // 2025-03-26 only
  bool protocol_version_header;      // 2025-06-18+ clients send MCP-Protocol-Version
  bool sse_priming;                  // 2025-11-25+: priming event, retry, server-side close
  bool icons;                        // 2025-11-25+
};
revision_features features_of(std::string_view version) noexcept;

}  // namespace mcpxx::protocol
