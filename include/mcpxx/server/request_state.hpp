// `requestState` for 2026-07-28 multi round-trip requests. The client echoes it back
// verbatim, so it is attacker-controlled: we seal it with HMAC-SHA256 under a key all
// replicas share, bind it to the principal and to the request (method + a digest of
// its arguments) and give it an expiry. Anything else is rejected with -32602.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace mcpxx {

struct sealed_state {
  boost::json::object answers;  // every answer gathered so far, by key
  boost::json::object state;    // the handler's own state
  std::string nonce;            // set by open(): unique per sealed token
};

class request_state_codec {
 public:
  using clock = std::chrono::system_clock;

  // `key` empty = 32 random bytes, fine for one process; replicas must share a key.
  explicit request_state_codec(std::string key = {},
                               std::chrono::seconds lifetime = std::chrono::minutes(10));

  std::string seal(const sealed_state& contents, std::string_view principal,
                   std::string_view binding, clock::time_point now = clock::now()) const;
  // Throws protocol::rpc_error(-32602) saying what is wrong (malformed, tampered,
  // expired, another principal, another request).
  sealed_state open(std::string_view token, std::string_view principal, std::string_view binding,
                    clock::time_point now = clock::now()) const;

 private:
  std::string mac(std::string_view data) const;

  std::string key_;
  std::chrono::seconds lifetime_;
};

// What a sealed state is bound to: the method and a SHA-256 of the canonical form of
// what identifies the request (tool/prompt name or URI, and the arguments).
std::string request_binding(std::string_view method, const boost::json::object& params);

// JSON with object keys sorted, so equal values have one spelling.
std::string canonical_json(const boost::json::value& v);

}  // namespace mcpxx
