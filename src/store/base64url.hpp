// Unpadded base64url (RFC 4648 section 5): how the event stores put any stream id (any
// bytes) into an event id (printable ASCII) and a Redis key. Private to src/store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcpxx::store::detail {

inline constexpr std::string_view b64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

inline std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::uint32_t bits = 0;
  int nbits = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    nbits += 8;
    while (nbits >= 6) {
      nbits -= 6;
      out.push_back(b64_alphabet[(bits >> nbits) & 0x3F]);
    }
  }
  if (nbits > 0) out.push_back(b64_alphabet[(bits << (6 - nbits)) & 0x3F]);
  return out;
}

// Lenient about the unused low bits of the last character; parse_id's round trip
// rejects non-canonical encodings.
inline std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t bits = 0;
  int nbits = 0;
  for (char c : in) {
    auto pos = b64_alphabet.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(pos);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<char>((bits >> nbits) & 0xFF));
    }
  }
  return out;
}

}  // namespace mcpxx::store::detail
