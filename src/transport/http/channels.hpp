// Message-bus channel names shared by the parts of the HTTP transport.
#pragma once

#include <string>
#include <string_view>

namespace mcpxx::http_transport {

// Where a legacy client's response to our request `id_json` (the id as JSON text) in
// `session` is published, for the handler waiting on it (maybe on another replica).
inline std::string reply_channel(std::string_view session, std::string_view id_json) {
  std::string c = "mcpxx:reply:";
  c += session;
  c += ':';
  c += id_json;
  return c;
}

}  // namespace mcpxx::http_transport
