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

// Changes every notification stream may care about: {"kind":"list_changed","list":
// "tools"} or {"kind":"resource_updated","uri":...}.
inline constexpr std::string_view notify_channel = "mcpxx:notify";

// Wakes whoever resumed a legacy request stream after its connection went away: an
// event (its id is the payload) was stored for `stream_id`.
inline std::string stream_channel(std::string_view stream_id) {
  std::string c = "mcpxx:stream:";
  c += stream_id;
  return c;
}

// A legacy client's notifications/cancelled: {"session":..., "id":<request id>}. Every
// replica listens and cancels the request if it runs there.
inline constexpr std::string_view cancel_channel = "mcpxx:cancel";

}  // namespace mcpxx::http_transport
