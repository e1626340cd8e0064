#include "store/memory/common.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mcpxx::store {
namespace {

struct subscriber {
  explicit subscriber(message_handler h) : handler(std::move(h)) {}

  // Held while the handler runs, so that cancel() from another thread waits for the
  // invocation in progress, and so that invocations never overlap. Recursive because a
  // handler may destroy its own subscription or publish on its own channel.
  std::recursive_mutex mu;
  bool active = true;
  // Kept until the subscriber itself dies (when the last publish snapshot holding it is
  // gone): clearing it in cancel() would destroy a handler that is running the cancel.
  const message_handler handler;
};

using subscriber_list = std::vector<std::shared_ptr<subscriber>>;

}  // namespace

namespace memory_detail {

struct bus_core {
  mutable std::mutex mu;
  // Copy-on-write: publish() takes a snapshot by copying one pointer, and subscribing or
  // unsubscribing replaces the list rather than mutating one a publisher may be reading.
  detail::string_map<std::shared_ptr<const subscriber_list>> channels;

  void remove(const std::string& channel, const subscriber* sub) {
    std::shared_ptr<const subscriber_list> old;  // freed after unlocking
    std::lock_guard lock(mu);
    auto found = channels.find(channel);
    if (found == channels.end()) return;
    auto next = std::make_shared<subscriber_list>();
    for (const auto& s : *found->second) {
      if (s.get() != sub) next->push_back(s);
    }
    if (next->empty()) {
      old = std::move(found->second);
      channels.erase(found);
    } else {
      old = std::exchange(found->second, std::move(next));
    }
  }
};

}  // namespace memory_detail

namespace {

class memory_handle final : public subscription::handle {
 public:
  memory_handle(std::weak_ptr<memory_detail::bus_core> core, std::string channel,
                std::shared_ptr<subscriber> sub)
      : core_(std::move(core)), channel_(std::move(channel)), sub_(std::move(sub)) {}

  void cancel() noexcept override {
    {
      std::lock_guard lock(sub_->mu);
      sub_->active = false;
    }
    // The bus may be gone already; then there is nothing left to unregister from.
    if (auto core = core_.lock()) {
      try {
        core->remove(channel_, sub_.get());
      } catch (...) {
        // Out of memory for the new list: the inactive subscriber stays listed, harmless.
      }
    }
  }

 private:
  std::weak_ptr<memory_detail::bus_core> core_;
  std::string channel_;
  std::shared_ptr<subscriber> sub_;
};

}  // namespace

memory_message_bus::memory_message_bus() : core_(std::make_shared<memory_detail::bus_core>()) {}

memory_message_bus::~memory_message_bus() = default;

boost::asio::awaitable<void> memory_message_bus::publish(std::string channel, std::string payload) {
  deliver(channel, payload);
  co_return;
}

void memory_message_bus::deliver(std::string_view channel, std::string_view payload) {
  std::shared_ptr<const subscriber_list> subs;
  {
    std::lock_guard lock(core_->mu);
    auto found = core_->channels.find(channel);
    if (found == core_->channels.end()) return;
    subs = found->second;
  }
  for (const auto& sub : *subs) {
    std::lock_guard lock(sub->mu);
    if (!sub->active) continue;
    try {
      sub->handler(payload);
    } catch (...) {
      // At-most-once delivery: a failing subscriber must not cost the others theirs.
    }
  }
}

boost::asio::awaitable<subscription> memory_message_bus::subscribe(std::string channel,
                                                                   message_handler handler) {
  auto sub = std::make_shared<subscriber>(std::move(handler));
  {
    std::shared_ptr<const subscriber_list> old;  // freed after unlocking
    std::lock_guard lock(core_->mu);
    auto& slot = core_->channels[channel];
    auto next =
        slot ? std::make_shared<subscriber_list>(*slot) : std::make_shared<subscriber_list>();
    next->push_back(sub);
    old = std::exchange(slot, std::move(next));
  }
  co_return subscription(
      std::make_unique<memory_handle>(core_, std::move(channel), std::move(sub)));
}

std::size_t memory_message_bus::channel_count() const noexcept {
  std::lock_guard lock(core_->mu);
  return core_->channels.size();
}

}  // namespace mcpxx::store
