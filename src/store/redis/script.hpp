// Lua scripts sent by digest (EVALSHA), with the text sent once when the server does
// not know them yet (after a restart, or a failover to a replica that never saw them).
#pragma once

#include "client.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mcpxx::store::redis {

struct lua_script {
  explicit lua_script(std::string_view text);
  std::string_view text;  // a string that outlives the script (a literal, a static)
  std::string sha;        // SHA-1 of text, lowercase hex
};

// True when the server answered an EVALSHA with NOSCRIPT: it does not know the script.
bool is_noscript(const reply& r) noexcept;

// `evalsha` (the EVALSHA command of `script` on `key`) sent again as EVAL, with the text.
boost::asio::awaitable<reply> eval_instead(client& c, command evalsha, const lua_script& script,
                                           std::string_view key);

// EVALSHA script 1 key args..., falling back to EVAL as above.
boost::asio::awaitable<reply> run_script(client& c, const lua_script& script, std::string_view key,
                                         command args);

}  // namespace mcpxx::store::redis
