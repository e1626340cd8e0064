// The long-lived streams open on this server, each with how to end it, so that shutdown
// can count them and end them all (notification streams, HTTP+SSE streams).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>

namespace mcpxx::http_transport {

template <class Key>
class stream_registry {
 public:
  // `end` must not block; it runs under the registry's lock (at once when close_all()
  // already ran).
  void add(const Key& k, std::function<void()> end) {
    std::lock_guard lock(mutex_);
    auto& e = ends_[k] = std::move(end);
    if (closing_) e();
  }
  void remove(const Key& k) {
    std::lock_guard lock(mutex_);
    ends_.erase(k);
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return ends_.size();
  }
  // Ends every stream, and every one added later.
  void close_all() {
    std::lock_guard lock(mutex_);
    closing_ = true;
    for (auto& [k, end] : ends_) end();
  }

 private:
  mutable std::mutex mutex_;
  std::map<Key, std::function<void()>> ends_;
  bool closing_ = false;
};

}  // namespace mcpxx::http_transport
