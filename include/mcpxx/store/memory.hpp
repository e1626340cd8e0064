// In-process implementations of the stores: the embedded default for a single replica.
// Everything lives in this process and dies with it. All classes are thread-safe; their
// awaitables complete without suspending, after a short critical section.
#pragma once

#include <mcpxx/store/backend.hpp>
#include <mcpxx/store/cache.hpp>
#include <mcpxx/store/event_store.hpp>
#include <mcpxx/store/message_bus.hpp>
#include <mcpxx/store/nonce_store.hpp>
#include <mcpxx/store/session_store.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

namespace mcpxx::store {

namespace memory_detail {
struct bus_core;
}  // namespace memory_detail

// Injected so that expiry can be tested without sleeping. Must be thread-safe and
// monotonic. Empty = std::chrono::steady_clock::now.
using clock_fn = std::function<std::chrono::steady_clock::time_point()>;

struct memory_session_store_options {
  std::chrono::milliseconds ttl = std::chrono::hours(24);
  std::size_t max_sessions = 100'000;
  // Only sessions idle at least this long may be evicted to make room for new ones.
  std::chrono::milliseconds idle_evict_after = std::chrono::minutes(10);
  clock_fn clock;
};

// Sessions in 16 shards keyed by a hash of the id, each a map plus an LRU list under its
// own mutex, so that loads on different sessions rarely contend. load() is a lookup, a
// list splice and a shared_ptr copy. Expired sessions are reclaimed lazily: when looked
// up, by sweeping one shard per create, and all of them when the cap is reached.
// Eviction is O(shards).
class memory_session_store final : public session_store {
 public:
  using options = memory_session_store_options;

  explicit memory_session_store(options opts = {});
  ~memory_session_store() override;

  boost::asio::awaitable<create_result> create(session_record rec) override;
  boost::asio::awaitable<std::shared_ptr<const session_record>> load(std::string_view id) override;
  boost::asio::awaitable<bool> update(session_record rec) override;
  boost::asio::awaitable<bool> erase(std::string_view id) override;

  // Sessions held, including expired ones not purged yet. For tests and metrics.
  std::size_t size() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

struct memory_event_store_options {
  std::size_t max_events_per_stream = 1024;                      // at least 1
  std::chrono::milliseconds stream_ttl = std::chrono::hours(1);  // since the last append
  clock_fn clock;
};

// Streams in 16 shards keyed by a hash of the stream id; each stream is a deque of
// (sequence, data). Expired streams are reclaimed lazily: when looked up, and by each
// append sweeping its own shard and one other.
//
// Event id format: "<instance>.<generation>.<seq>.<stream>" where
//   instance   = 16 lowercase hex digits, random per store object, so ids minted by
//                another process (e.g. before a restart) are unknown rather than
//                misread as positions in a stream that happens to have the same name;
//   generation = decimal, unique per stream incarnation (a stream erased or expired and
//                appended to again gets a new one, so stale ids are unknown);
//   seq        = decimal position in the stream, from 1;
//   stream     = the stream id in unpadded base64url (RFC 4648 section 5), so any bytes
//                are allowed in stream ids and the event id stays printable ASCII.
// Parsing is strict: an id is accepted only if re-encoding its fields reproduces it
// byte for byte, which rejects leading zeros, padding and non-canonical base64.
class memory_event_store final : public event_store {
 public:
  using options = memory_event_store_options;

  explicit memory_event_store(options opts = {});
  ~memory_event_store() override;

  boost::asio::awaitable<std::string> append(std::string_view stream_id, std::string data) override;
  boost::asio::awaitable<std::optional<replay>> replay_after(
      std::string_view last_event_id) override;
  boost::asio::awaitable<void> erase_stream(std::string_view stream_id) override;

  // Streams held, including expired ones not purged yet. For tests and metrics.
  std::size_t stream_count() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Channels map to copy-on-write subscriber lists: publish() copies one shared_ptr under
// the bus mutex, then runs each handler under that subscription's own (recursive) mutex,
// which is what lets unsubscribing wait for an invocation in progress. Subscriptions may
// outlive the bus (destroying them is then a no-op).
class memory_message_bus final : public message_bus {
 public:
  memory_message_bus();
  ~memory_message_bus() override;

  boost::asio::awaitable<void> publish(std::string channel, std::string payload) override;
  boost::asio::awaitable<subscription> subscribe(std::string channel,
                                                 message_handler handler) override;

  // Runs the channel's handlers now, on the calling thread: what publish() does, for
  // networked buses that fan a message received from the network out locally.
  void deliver(std::string_view channel, std::string_view payload);

  // Channels with at least one subscription. For tests and metrics.
  std::size_t channel_count() const noexcept;

 private:
  std::shared_ptr<memory_detail::bus_core> core_;
};

struct memory_nonce_store_options {
  // Live nonces held at most (split evenly over 16 shards, so the bound is per shard).
  // Beyond it consume() fails closed. Each entry costs the nonce plus ~100 bytes.
  std::size_t max_entries = 1'000'000;
  clock_fn clock;
};

// Nonces in 16 shards, each a map plus a min-heap of expiry times, so that every
// consume() purges the expired entries of its shard in O(log n) each.
class memory_nonce_store final : public nonce_store {
 public:
  using options = memory_nonce_store_options;

  explicit memory_nonce_store(options opts = {});
  ~memory_nonce_store() override;

  boost::asio::awaitable<bool> consume(std::string nonce, std::chrono::milliseconds ttl) override;

  // Nonces held, including expired ones not purged yet. For tests and metrics.
  std::size_t size() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

struct memory_cache_options {
  std::size_t max_entries = 10'000;
  // Bound on the sum of key and value sizes (bookkeeping overhead not counted).
  std::size_t max_bytes = 64 * 1024 * 1024;
  clock_fn clock;
};

// One LRU list under one mutex (an exact LRU needs one order). Values are held by
// shared_ptr so that get() copies them out after releasing the lock. Expired entries
// are dropped when looked up or when they reach the LRU tail.
class memory_cache final : public cache {
 public:
  using options = memory_cache_options;

  explicit memory_cache(options opts = {});
  ~memory_cache() override;

  boost::asio::awaitable<std::optional<std::string>> get(std::string_view key) override;
  boost::asio::awaitable<void> put(std::string key, std::string value,
                                   std::chrono::milliseconds ttl) override;
  boost::asio::awaitable<void> erase(std::string_view key) override;

  std::size_t size() const noexcept;   // entries, including expired ones not purged yet
  std::size_t bytes() const noexcept;  // their key + value bytes

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

struct memory_backend_options {
  memory_session_store_options sessions;
  memory_event_store_options events;
  memory_nonce_store_options nonces;
  memory_cache_options results;
  clock_fn clock;  // when set, replaces the clock of each of the above
};

// One of each memory store, as a store::backend (slicing to it loses nothing).
struct memory_backend : backend {
  explicit memory_backend(memory_backend_options opts = {});
};

}  // namespace mcpxx::store
