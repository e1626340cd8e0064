#include "store/memory/common.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mcpxx::store {
namespace {

using time_point = std::chrono::steady_clock::time_point;

struct shard {
  std::mutex mu;
  std::unordered_map<std::string, time_point, memory_detail::string_hash, std::equal_to<>>
      live;  // nonce -> expiry
  // Min-heap on expiry; the views point into live's keys, which do not move. Entries
  // leave live only through this heap, so the two always hold the same nonces.
  using item = std::pair<time_point, std::string_view>;
  std::priority_queue<item, std::vector<item>, std::greater<>> expiries;
};

}  // namespace

struct memory_nonce_store::impl {
  explicit impl(options o)
      : opts(std::move(o)),
        per_shard_cap((opts.max_entries + memory_detail::shard_count - 1) /
                      memory_detail::shard_count) {
    opts.clock = memory_detail::resolve_clock(opts.clock);
  }

  options opts;
  const std::size_t per_shard_cap;
  std::array<shard, memory_detail::shard_count> shards;

  static void purge_locked(shard& s, time_point now) {
    while (!s.expiries.empty() && s.expiries.top().first <= now) {
      auto key = s.expiries.top().second;
      s.expiries.pop();
      s.live.erase(s.live.find(key));
    }
  }

  bool consume(std::string nonce, std::chrono::milliseconds ttl) {
    ttl = memory_detail::clamp_ttl(ttl);
    auto& s = shards[memory_detail::shard_of(nonce)];
    std::lock_guard lock(s.mu);
    auto now = opts.clock();
    purge_locked(s, now);
    if (s.live.contains(nonce)) return false;  // purged above if expired, so live
    if (s.live.size() >= per_shard_cap) return false;
    auto [it, inserted] = s.live.emplace(std::move(nonce), now + ttl);
    s.expiries.emplace(it->second, it->first);
    return inserted;
  }
};

memory_nonce_store::memory_nonce_store(options opts)
    : impl_(std::make_unique<impl>(std::move(opts))) {}

memory_nonce_store::~memory_nonce_store() = default;

boost::asio::awaitable<bool> memory_nonce_store::consume(std::string nonce,
                                                         std::chrono::milliseconds ttl) {
  co_return impl_->consume(std::move(nonce), ttl);
}

std::size_t memory_nonce_store::size() const noexcept {
  std::size_t n = 0;
  for (auto& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    n += s.live.size();
  }
  return n;
}

}  // namespace mcpxx::store
