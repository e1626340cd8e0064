// The stores on Redis; private to src/store/redis (the public face is redis_backend).
#pragma once

#include "client.hpp"
#include "store/string_hash.hpp"

#include <mcpxx/store/cache.hpp>
#include <mcpxx/store/event_store.hpp>
#include <mcpxx/store/memory.hpp>
#include <mcpxx/store/message_bus.hpp>
#include <mcpxx/store/nonce_store.hpp>
#include <mcpxx/store/session_store.hpp>
#include <mcpxx/store/unavailable.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <set>

namespace mcpxx::store::redis {

// Pub/sub; messages fan out to local subscribers through a memory bus (which gives the
// handler guarantees of the interface). A channel is subscribed while it has local
// subscribers, and again after a reconnection (messages published meanwhile are lost:
// delivery is at most once; generation() tells).
//
// Standalone and Sentinel: one subscriber connection carries every channel (SUBSCRIBE,
// PUBLISH). Cluster: sharded pub/sub. A channel lives on the primary serving its slot
// (SPUBLISH there, SSUBSCRIBE there), so pub/sub load spreads over the primaries, and a
// publisher's reply still means every subscriber has the message. One subscriber
// connection per primary ("shard"); a channel whose slot moves (Redis then sends an
// unasked `sunsubscribe`) or whose shard reconnects is routed again.
class bus final : public message_bus, public std::enable_shared_from_this<bus> {
 public:
  bus(std::shared_ptr<client> c, std::string prefix);
  void start();  // opens the subscriber connection (Cluster: on demand, per shard)

  boost::asio::awaitable<void> publish(std::string channel, std::string payload) override;
  boost::asio::awaitable<subscription> subscribe(std::string channel,
                                                 message_handler handler) override;

  // Every subscriber connection is up (standalone/Sentinel: and subscribed again since it
  // last connected); generation() changes when one reconnects, and again once its
  // subscriptions are confirmed, so that state kept valid by messages (caches) knows some
  // may have been lost meanwhile.
  bool live() const noexcept;
  std::uint64_t generation() const noexcept;

 private:
  class handle;
  struct shard {
    std::shared_ptr<connection> conn;
    redis_address made_for;          // the primary it was opened for
    std::set<std::string> channels;  // prefixed names routed here
  };
  void release(const std::string& channel);
  void on_message(const reply& r, const std::shared_ptr<shard>& from);
  // Cluster: SSUBSCRIBEs `name` on the shard of its slot (awaited), moving it there.
  boost::asio::awaitable<void> route(std::string name);
  std::shared_ptr<shard> shard_at(const redis_address& owner, const std::string& first_channel);
  void reroute_later(std::string name);
  boost::asio::awaitable<void> wait_connected(connection& conn);

  std::shared_ptr<client> client_;
  std::string prefix_;
  std::string route_key_;  // standalone/Sentinel: where the subscriber connects
  bool sharded_;
  memory_message_bus local_;
  std::shared_ptr<connection> sub_;  // standalone/Sentinel
  // sub_'s generation whose SUBSCRIBEs Redis has answered: until then, messages published
  // after the reconnection may not reach us.
  std::atomic<std::uint64_t> subscribed_generation_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::size_t> channels_;  // prefixed name -> local subscriptions
  std::vector<std::shared_ptr<shard>> shards_;   // Cluster
  std::map<std::string, std::shared_ptr<shard>> shard_of_;
  std::size_t rerouting_ = 0;   // Cluster: channels being subscribed again (reroute_later)
  std::uint64_t reroutes_ = 0;  // and how many such reroutes ended
};

struct session_settings {
  std::string prefix;
  std::chrono::milliseconds ttl;
  std::chrono::milliseconds refresh;
  std::size_t max_sessions;
  std::chrono::milliseconds idle_evict_after;
  std::chrono::milliseconds replica_ack_timeout;
  std::chrono::milliseconds command_timeout;
};

// Sessions as hashes `<prefix>mcp-session-{<id>}` (the braces are the Cluster hash tag,
// so a session's keys share a slot and different sessions spread over the primaries),
// with a sliding TTL; a sorted set `<prefix>mcp-sessions` of ids by last activity
// enforces the deployment-wide cap and picks idle sessions to evict. Loads are served
// from a per-replica cache for at most the refresh interval; a write publishes an
// invalidation that drops the entry on the other replicas that cache it (each marks the
// hash when it loads it).
class session_store_on_redis final : public session_store,
                                     public std::enable_shared_from_this<session_store_on_redis> {
 public:
  session_store_on_redis(std::shared_ptr<client> c, std::shared_ptr<bus> b, session_settings s);
  // Subscribes to invalidations (retrying until it works); the cache is bypassed until then.
  void start();

  boost::asio::awaitable<create_result> create(session_record rec) override;
  boost::asio::awaitable<std::shared_ptr<const session_record>> load(std::string_view id) override;
  boost::asio::awaitable<bool> update(session_record rec) override;
  boost::asio::awaitable<bool> erase(std::string_view id) override;

 private:
  struct cached {
    std::shared_ptr<const session_record> record;
    std::chrono::steady_clock::time_point fetched;
    std::uint64_t generation;
  };
  std::string key_of(std::string_view id) const;
  boost::asio::awaitable<void> listen();
  std::string invalidation_of(std::string_view id) const;
  std::string script_channel() const;
  boost::asio::awaitable<void> publish_if_cluster(std::string_view id);
  boost::asio::awaitable<void> publish_invalidation(std::string_view id);
  // DEL + the invalidation when others cache it, and the index entry if from_index. True
  // when the session existed.
  boost::asio::awaitable<bool> erase_everywhere(std::string_view id, bool from_index);
  boost::asio::awaitable<void> touch_index(std::string_view id);
  // A read whose record may be cached (create, load, update), from before its command goes
  // out until it is done. remember() refuses its record when the id was invalidated after the
  // read began (the message may overtake the reply: they come on different connections) or
  // when the bus reconnected meanwhile (messages may have been lost). An invalidation is kept
  // only while a read that began before it is in flight, so none is kept for long.
  class read_ticket {
   public:
    explicit read_ticket(session_store_on_redis& store);
    ~read_ticket();
    read_ticket(const read_ticket&) = delete;
    read_ticket& operator=(const read_ticket&) = delete;

   private:
    friend class session_store_on_redis;
    // Shared: a coroutine frame destroyed after the store would otherwise unregister into
    // freed memory.
    std::shared_ptr<session_store_on_redis> store_;
    std::uint64_t forgets_;
    std::uint64_t generation_;
  };
  // written_here: rec is what this replica just wrote; reads of the id that began before the
  // write may still bring back the record as it was, and are refused like after an
  // invalidation from another replica.
  void remember(std::shared_ptr<const session_record> rec, const read_ticket& since,
                bool written_here = false);
  void forget(std::string_view id);
  void forget_locked(std::string_view id);                    // mutex_ held
  void prune_forgotten();                                     // mutex_ held
  void age_cache(std::chrono::steady_clock::time_point now);  // mutex_ held

  std::shared_ptr<client> client_;
  std::shared_ptr<bus> bus_;
  session_settings s_;
  std::string index_key_;
  std::string replica_;  // random, tags our own invalidations
  std::string marker_;   // the hash field saying "cached on this replica"
  std::atomic<bool> listening_{false};
  std::atomic<std::int64_t> next_index_sweep_ms_{0};  // wall clock; see create()
  subscription invalidations_;
  std::mutex mutex_;
  detail::string_map<cached> cache_;      // entries fetched since cache_started_
  detail::string_map<cached> old_cache_;  // the generation before
  std::chrono::steady_clock::time_point cache_started_ = std::chrono::steady_clock::now();
  // Invalidations are numbered; reads in flight are counted by the number they began at
  // (pairs in increasing order: tickets are issued under the mutex). forgotten_ holds, per
  // id, its latest invalidation that a read in flight began before; forget_order_ the same
  // in order, for pruning (prune_forgotten).
  std::uint64_t forgets_ = 0;
  std::deque<std::pair<std::uint64_t, std::size_t>> reads_;
  detail::string_map<std::uint64_t> forgotten_;
  std::deque<std::pair<std::uint64_t, std::string>> forget_order_;
};

// Each SSE stream is a Redis Stream `<prefix>mcp-events-{<stream id in base64url>}`
// (MAXLEN-trimmed, expiring ttl after its last append); see events.cpp for the ids.
class event_store_on_redis final : public event_store {
 public:
  event_store_on_redis(std::shared_ptr<client> c, std::string prefix, std::size_t max_events,
                       std::chrono::milliseconds ttl);
  boost::asio::awaitable<std::string> append(std::string_view stream_id, std::string data) override;
  boost::asio::awaitable<std::optional<replay>> replay_after(
      std::string_view last_event_id) override;
  boost::asio::awaitable<void> erase_stream(std::string_view stream_id) override;

 private:
  std::string key_of(std::string_view stream_b64) const;

  std::shared_ptr<client> client_;
  std::string prefix_;  // up to and including the hash tag's '{'
  std::string max_events_, ttl_ms_;
};

class nonce_store_on_redis final : public nonce_store {
 public:
  nonce_store_on_redis(std::shared_ptr<client> c, std::string prefix);
  boost::asio::awaitable<bool> consume(std::string nonce, std::chrono::milliseconds ttl) override;

 private:
  std::shared_ptr<client> client_;
  std::string prefix_;
};

class cache_on_redis final : public store::cache {
 public:
  cache_on_redis(std::shared_ptr<client> c, std::string prefix, std::size_t max_value_bytes);
  boost::asio::awaitable<std::optional<std::string>> get(std::string_view key) override;
  boost::asio::awaitable<void> put(std::string key, std::string value,
                                   std::chrono::milliseconds ttl) override;
  boost::asio::awaitable<void> erase(std::string_view key) override;

 private:
  std::shared_ptr<client> client_;
  std::string prefix_;
  std::size_t max_value_bytes_;
};

// Throws store::unavailable for an error reply (the store cannot do its job now).
const reply& expect_ok(const reply& r, std::string_view what);

}  // namespace mcpxx::store::redis
