// Single-use tokens: replay protection for anything that must be accepted only once
// within a time window (e.g. OAuth state, signed request nonces, elicitation ids).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

namespace mcpxx::store {

// Thread safety: consume() may be called concurrently from any thread; for one nonce,
// concurrent calls return true to exactly one caller (check-and-set is atomic).
//
// Expiry: a consumed nonce is remembered for the ttl given when it was consumed; after
// that it is forgotten (memory reclaimed) and consuming it again succeeds. Callers pick
// a ttl at least as long as the token's own validity, so that a forgotten nonce is one
// that would be rejected anyway. A non-positive ttl counts as 1 ms.
//
// Fail closed: a store whose capacity is exhausted by live nonces answers false (treat
// as a replay) rather than forget a live nonce.
class nonce_store {
 public:
  virtual ~nonce_store() = default;

  // True the first time `nonce` is seen within ttl, false if it is already remembered.
  virtual boost::asio::awaitable<bool> consume(std::string nonce,
                                               std::chrono::milliseconds ttl) = 0;
};

}  // namespace mcpxx::store
