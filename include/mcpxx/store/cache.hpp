// Tool result cache: lets a tool skip recomputing an answer it produced recently.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcpxx::store {

// A best-effort key/value cache. Nothing put is guaranteed to be there later: entries
// expire after their ttl and may be evicted earlier to respect the store's bounds (the
// memory cache evicts the least recently used). Values are opaque bytes (may contain NUL).
//
// Thread safety: every method may be called concurrently from any thread and never
// blocks the event loop beyond a short critical section or one network round trip.
// string_view arguments must stay valid until the returned awaitable completes.
class cache {
 public:
  virtual ~cache() = default;

  // The value, or nullopt when absent, expired or evicted. Does not extend the ttl.
  virtual boost::asio::awaitable<std::optional<std::string>> get(std::string_view key) = 0;

  // Stores or replaces the value for ttl. A non-positive ttl, or an entry too large for
  // the cache, stores nothing but still removes any previous value for the key.
  virtual boost::asio::awaitable<void> put(std::string key, std::string value,
                                           std::chrono::milliseconds ttl) = 0;

  virtual boost::asio::awaitable<void> erase(std::string_view key) = 0;
};

}  // namespace mcpxx::store
