#include "store/memory/common.hpp"

#include <iterator>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace mcpxx::store {
namespace {

using time_point = std::chrono::steady_clock::time_point;

struct entry {
  std::string key;
  std::shared_ptr<const std::string> value;
  time_point expires;
  std::size_t bytes = 0;
};

}  // namespace

struct memory_cache::impl {
  explicit impl(options o) : opts(std::move(o)) {
    opts.clock = memory_detail::resolve_clock(opts.clock);
  }

  options opts;
  mutable std::mutex mu;
  std::list<entry> lru;  // front = most recently used
  std::unordered_map<std::string_view, std::list<entry>::iterator> index;  // views entry::key
  std::size_t total_bytes = 0;

  // Callers hold mu.
  void drop(std::list<entry>::iterator it) {
    total_bytes -= it->bytes;
    index.erase(std::string_view(it->key));
    lru.erase(it);
  }

  std::optional<std::string> get(std::string_view key) {
    std::shared_ptr<const std::string> value;
    {
      std::lock_guard lock(mu);
      auto found = index.find(key);
      if (found == index.end()) return std::nullopt;
      if (found->second->expires <= opts.clock()) {
        drop(found->second);
        return std::nullopt;
      }
      lru.splice(lru.begin(), lru, found->second);
      value = found->second->value;
    }
    return *value;  // copied outside the lock: values can be large
  }

  void put(std::string key, std::string value, std::chrono::milliseconds ttl) {
    const std::size_t bytes = key.size() + value.size();
    const bool storable = ttl.count() > 0 && bytes <= opts.max_bytes && opts.max_entries > 0;
    auto shared = storable ? std::make_shared<const std::string>(std::move(value)) : nullptr;
    std::lock_guard lock(mu);
    if (auto found = index.find(key); found != index.end()) drop(found->second);
    if (!storable) return;
    auto now = opts.clock();
    lru.push_front(
        entry{std::move(key), std::move(shared), now + memory_detail::clamp_ttl(ttl), bytes});
    index.emplace(lru.front().key, lru.begin());
    total_bytes += bytes;
    while (index.size() > opts.max_entries || total_bytes > opts.max_bytes) {
      drop(std::prev(lru.end()));
    }
  }

  void erase(std::string_view key) {
    std::lock_guard lock(mu);
    if (auto found = index.find(key); found != index.end()) drop(found->second);
  }
};

memory_cache::memory_cache(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}

memory_cache::~memory_cache() = default;

boost::asio::awaitable<std::optional<std::string>> memory_cache::get(std::string_view key) {
  co_return impl_->get(key);
}

boost::asio::awaitable<void> memory_cache::put(std::string key, std::string value,
                                               std::chrono::milliseconds ttl) {
  impl_->put(std::move(key), std::move(value), ttl);
  co_return;
}

boost::asio::awaitable<void> memory_cache::erase(std::string_view key) {
  impl_->erase(key);
  co_return;
}

std::size_t memory_cache::size() const noexcept {
  std::lock_guard lock(impl_->mu);
  return impl_->index.size();
}

std::size_t memory_cache::bytes() const noexcept {
  std::lock_guard lock(impl_->mu);
  return impl_->total_bytes;
}

}  // namespace mcpxx::store
