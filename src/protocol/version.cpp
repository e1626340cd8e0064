#include <mcpxx/protocol/version.hpp>

#include <algorithm>

namespace mcpxx::protocol {

bool is_supported_modern(std::string_view v) noexcept {
  return std::find(modern_versions.begin(), modern_versions.end(), v) != modern_versions.end();
}

bool is_supported_legacy(std::string_view v) noexcept {
  return std::find(legacy_versions.begin(), legacy_versions.end(), v) != legacy_versions.end();
}

std::string_view negotiate_legacy(std::string_view requested) noexcept {
  for (auto v : legacy_versions)
    if (v == requested) return v;
  return latest_legacy_version;
}

revision_features features_of(std::string_view v) noexcept {
  revision_features f{};
  f.structured_content_any_json = v >= "2026-07-28";
  f.resource_links = v >= "2025-06-18";
  f.audio_content = v >= "2025-03-26";
  f.batches = v == "2025-03-26";
  f.protocol_version_header = v >= "2025-06-18";
  f.sse_priming = v >= "2025-11-25";
  f.icons = v >= "2025-11-25";
  return f;
}

}  // namespace mcpxx::protocol
