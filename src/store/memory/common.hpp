// Shared by the memory stores; private to src/store/memory.
#pragma once

#include <mcpxx/store/memory.hpp>

#include "store/string_hash.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>
#include <utility>

namespace mcpxx::store::memory_detail {

// Enough to make contention between io threads rare without making the O(shards)
// paths (session eviction) expensive.
inline constexpr std::size_t shard_count = 16;

inline clock_fn resolve_clock(clock_fn clock) {
  if (clock) return clock;
  return [] { return std::chrono::steady_clock::now(); };
}

// Keeps now + ttl far from overflowing time_point's nanosecond count (±292 years).
inline std::chrono::milliseconds clamp_ttl(std::chrono::milliseconds ttl) {
  constexpr std::chrono::milliseconds longest = std::chrono::hours(24 * 365 * 50);
  return std::clamp(ttl, std::chrono::milliseconds(1), longest);
}

using detail::string_hash;

inline std::size_t shard_of(std::string_view key) noexcept {
  return std::hash<std::string_view>{}(key) % shard_count;
}

}  // namespace mcpxx::store::memory_detail
