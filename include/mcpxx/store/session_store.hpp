// Legacy-era MCP sessions (Mcp-Session-Id): the state a session keeps between the
// requests that carry its id, kept behind an interface so that replicas can share it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mcpxx::store {

struct session_record {
  std::string id;                // 128-bit random, visible ASCII (minted by the caller)
  std::string protocol_version;  // negotiated, e.g. "2025-11-25"
  boost::json::object client_info;
  boost::json::object client_capabilities;
  std::string log_level;                   // "" = not set by logging/setLevel
  std::vector<std::string> subscriptions;  // resource URIs (resources/subscribe)
  std::string principal;                   // who created it; "" = anonymous

  friend bool operator==(const session_record&, const session_record&) = default;
};

enum class create_result {
  created,
  full,  // the cap is reached and nothing could be evicted: refuse the initialize
};

// Where sessions live between requests.
//
// Thread safety: every method may be called concurrently from any thread; each
// completes without blocking the event loop for longer than a short critical section
// (memory) or one network round trip (networked backends, which suspend instead).
// string_view arguments must stay valid until the returned awaitable completes, so
// co_await the call directly. Failures of a networked backend surface as exceptions
// from co_await; the memory backend only throws std::bad_alloc.
//
// Expiry is sliding: a session lives for the store's TTL after its last create, load or
// update. Expired sessions behave exactly like unknown ones. Records are immutable
// snapshots: a loaded record never changes under its holder; update() publishes a new
// one for later loads.
//
// Capacity: a store may cap the number of live sessions. When create() finds the cap
// reached it first discards expired sessions, then evicts the least recently used
// session that has been idle for at least the store's idle-eviction threshold; only
// when neither frees a slot does it return create_result::full. So an attacker who
// floods initialize can push out idle sessions but never an active one.
class session_store {
 public:
  virtual ~session_store() = default;

  // Stores a new session. The id must be fresh (the caller mints it from a CSPRNG); if
  // it collides with a live session, that session is replaced.
  virtual boost::asio::awaitable<create_result> create(session_record rec) = 0;

  // The current record, or nullptr for an unknown or expired id. Refreshes the expiry
  // and the session's recency. Called on every request, so implementations keep it
  // cheap (the memory store hands out its stored pointer, no copy). `id` is untrusted
  // client text: any byte string is accepted and simply not found.
  virtual boost::asio::awaitable<std::shared_ptr<const session_record>> load(
      std::string_view id) = 0;

  // Replaces the whole record whose id is rec.id, refreshing its expiry. Returns false
  // (and stores nothing) when the session is gone. Last writer wins: callers that
  // read-modify-write (e.g. resources/subscribe) serialize per session if it matters.
  virtual boost::asio::awaitable<bool> update(session_record rec) = 0;

  // Deletes the session. Returns false when it was not there (unknown or expired).
  // Records already loaded stay valid for their holders.
  virtual boost::asio::awaitable<bool> erase(std::string_view id) = 0;
};

}  // namespace mcpxx::store
