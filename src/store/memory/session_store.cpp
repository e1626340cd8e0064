#include "store/memory/common.hpp"

#include <array>
#include <atomic>
#include <iterator>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace mcpxx::store {
namespace {

using time_point = std::chrono::steady_clock::time_point;

struct node {
  std::string id;
  std::shared_ptr<const session_record> rec;
  time_point last_used;
};

struct shard {
  std::mutex mu;
  // Front = most recently used. The TTL is the same for every session, so this is also
  // expiry order: expired sessions gather at the back.
  std::list<node> lru;
  std::unordered_map<std::string_view, std::list<node>::iterator> index;  // views node::id
};

}  // namespace

struct memory_session_store::impl {
  explicit impl(options o) : opts(std::move(o)) {
    opts.clock = memory_detail::resolve_clock(opts.clock);
  }

  options opts;
  std::array<shard, memory_detail::shard_count> shards;
  // Live nodes plus slots reserved by create() calls in flight, so that concurrent
  // creates in different shards cannot overshoot the cap together.
  std::atomic<std::size_t> count{0};
  std::atomic<std::size_t> sweep{0};

  shard& shard_for(std::string_view id) { return shards[memory_detail::shard_of(id)]; }

  bool expired(const node& n, time_point now) const { return now - n.last_used >= opts.ttl; }

  void touch(shard& s, std::list<node>::iterator it, time_point now) {
    it->last_used = now;
    s.lru.splice(s.lru.begin(), s.lru, it);
  }

  // Callers hold s.mu.
  void drop(shard& s, std::list<node>::iterator it) {
    s.index.erase(std::string_view(it->id));
    s.lru.erase(it);
    count.fetch_sub(1, std::memory_order_relaxed);
  }

  std::size_t purge_locked(shard& s, time_point now) {
    std::size_t n = 0;
    while (!s.lru.empty() && expired(s.lru.back(), now)) {
      drop(s, std::prev(s.lru.end()));
      ++n;
    }
    return n;
  }

  std::size_t purge(shard& s) {
    std::lock_guard lock(s.mu);
    return purge_locked(s, opts.clock());
  }

  // Frees at least one slot, or returns false. Takes shard locks one at a time, so the
  // caller must hold none.
  bool make_room() {
    std::size_t freed = 0;
    for (auto& s : shards) freed += purge(s);
    if (freed > 0) return true;

    // The global LRU session is the oldest of the shards' LRU tails. A concurrent load
    // may move it while we look, hence the few retries.
    for (int attempt = 0; attempt < 4; ++attempt) {
      shard* victim = nullptr;
      time_point oldest = time_point::max();
      for (auto& s : shards) {
        std::lock_guard lock(s.mu);
        if (!s.lru.empty() && s.lru.back().last_used < oldest) {
          oldest = s.lru.back().last_used;
          victim = &s;
        }
      }
      if (victim == nullptr) return false;
      std::lock_guard lock(victim->mu);
      if (victim->lru.empty()) continue;
      auto it = std::prev(victim->lru.end());
      if (opts.clock() - it->last_used < opts.idle_evict_after) {
        if (it->last_used <= oldest) return false;  // the oldest session is still active
        continue;
      }
      drop(*victim, it);
      return true;
    }
    return false;
  }

  // Replaces the record if the id is live; otherwise drops an expired one.
  bool replace(shard& s, std::shared_ptr<const session_record>& ptr) {
    std::shared_ptr<const session_record> replaced;  // freed after unlocking
    std::lock_guard lock(s.mu);
    auto found = s.index.find(ptr->id);
    if (found == s.index.end()) return false;
    auto now = opts.clock();
    if (expired(*found->second, now)) {
      drop(s, found->second);
      return false;
    }
    replaced = std::exchange(found->second->rec, std::move(ptr));
    touch(s, found->second, now);
    return true;
  }

  create_result create(session_record rec) {
    auto ptr = std::make_shared<const session_record>(std::move(rec));
    auto& s = shard_for(ptr->id);
    // Re-creating a live id needs no slot, so it must not be refused at the cap.
    if (replace(s, ptr)) return create_result::created;
    // Reclaims expired sessions in shards that see no traffic, a little per create.
    purge(shards[sweep.fetch_add(1, std::memory_order_relaxed) % shards.size()]);

    for (;;) {
      std::size_t n = count.load(std::memory_order_relaxed);
      if (n < opts.max_sessions) {
        if (count.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) break;
        continue;
      }
      if (!make_room()) return create_result::full;
    }

    std::shared_ptr<const session_record> replaced;  // freed after unlocking
    std::lock_guard lock(s.mu);
    auto now = opts.clock();
    if (auto found = s.index.find(ptr->id); found != s.index.end()) {
      replaced = std::exchange(found->second->rec, std::move(ptr));
      touch(s, found->second, now);
      count.fetch_sub(1, std::memory_order_relaxed);  // raced with a create of the same id
      return create_result::created;
    }
    s.lru.push_front(node{ptr->id, std::move(ptr), now});
    s.index.emplace(s.lru.front().id, s.lru.begin());
    return create_result::created;
  }

  std::shared_ptr<const session_record> load(std::string_view id) {
    auto& s = shard_for(id);
    std::lock_guard lock(s.mu);
    auto found = s.index.find(id);
    if (found == s.index.end()) return nullptr;
    auto now = opts.clock();
    if (expired(*found->second, now)) {
      drop(s, found->second);
      return nullptr;
    }
    touch(s, found->second, now);
    return found->second->rec;
  }

  bool update(session_record rec) {
    auto ptr = std::make_shared<const session_record>(std::move(rec));
    return replace(shard_for(ptr->id), ptr);
  }

  bool erase(std::string_view id) {
    auto& s = shard_for(id);
    std::lock_guard lock(s.mu);
    auto found = s.index.find(id);
    if (found == s.index.end()) return false;
    bool alive = !expired(*found->second, opts.clock());
    drop(s, found->second);
    return alive;
  }
};

memory_session_store::memory_session_store(options opts)
    : impl_(std::make_unique<impl>(std::move(opts))) {}

memory_session_store::~memory_session_store() = default;

boost::asio::awaitable<create_result> memory_session_store::create(session_record rec) {
  co_return impl_->create(std::move(rec));
}

boost::asio::awaitable<std::shared_ptr<const session_record>> memory_session_store::load(
    std::string_view id) {
  co_return impl_->load(id);
}

boost::asio::awaitable<bool> memory_session_store::update(session_record rec) {
  co_return impl_->update(std::move(rec));
}

boost::asio::awaitable<bool> memory_session_store::erase(std::string_view id) {
  co_return impl_->erase(id);
}

std::size_t memory_session_store::size() const noexcept {
  return impl_->count.load(std::memory_order_relaxed);
}

}  // namespace mcpxx::store
