#include "stores.hpp"

#include <mcpxx/store/unavailable.hpp>

#include <boost/asio/post.hpp>

namespace mcpxx::store::redis {

namespace asio = boost::asio;

const reply& expect_ok(const reply& r, std::string_view what) {
  if (r.is_error()) throw unavailable("Redis " + std::string(what) + ": " + r.str);
  return r;
}

class bus::handle final : public subscription::handle {
 public:
  handle(std::weak_ptr<bus> owner, std::string channel, subscription local)
      : owner_(std::move(owner)), channel_(std::move(channel)), local_(std::move(local)) {}
  void cancel() noexcept override {
    local_.reset();  // waits for a handler running on the subscriber's strand
    if (auto b = owner_.lock()) b->release(channel_);
  }

 private:
  std::weak_ptr<bus> owner_;
  std::string channel_;
  subscription local_;
};

bus::bus(std::shared_ptr<client> c, std::string prefix)
    : client_(std::move(c)), prefix_(prefix), route_key_(std::move(prefix) + "bus") {}

void bus::start() {
  std::weak_ptr<bus> weak = shared_from_this();
  sub_ = client_->make_subscriber(
      route_key_,
      [weak](reply& r) {
        auto self = weak.lock();
        if (!self || r.elements.size() < 3) return;
        // ["message", channel, payload] (pmessage has the pattern first).
        const auto& channel = r.elements[r.elements.size() - 2].str;
        const auto& payload = r.elements.back().str;
        if (channel.compare(0, self->prefix_.size(), self->prefix_) != 0) return;
        self->local_.deliver(std::string_view(channel).substr(self->prefix_.size()), payload);
      },
      // Runs on the connection's strand, possibly before make_subscriber() returned.
      [weak](connection& subscriber) {
        auto self = weak.lock();
        if (!self) return;
        std::vector<command> again;
        {
          std::lock_guard lock(self->mutex_);
          for (const auto& [channel, count] : self->channels_)
            if (count > 0) again.push_back({"SUBSCRIBE", channel});
        }
        subscriber.enqueue_unawaited(again);
      });
}

asio::awaitable<void> bus::publish(std::string channel, std::string payload) {
  auto name = prefix_ + channel;
  // Every channel to the node the subscribers are on (Cluster): its reply then means
  // every subscriber has the message. Awaited one by one, so one publisher's messages
  // keep their order.
  command cmd{"PUBLISH", name, std::move(payload)};
  auto r = co_await client_->exec1(route_key_, std::move(cmd));
  expect_ok(r, "PUBLISH");
}

asio::awaitable<subscription> bus::subscribe(std::string channel, message_handler handler) {
  auto local = co_await local_.subscribe(channel, std::move(handler));
  auto name = prefix_ + channel;
  {
    std::lock_guard lock(mutex_);
    ++channels_[name];
  }
  subscription result(std::make_unique<handle>(weak_from_this(), name, std::move(local)));
  // Every subscriber waits for its own confirmation: once Redis has answered, the
  // channel is subscribed whatever other subscribers do meanwhile. On failure, the
  // subscription's destructor undoes the count.
  std::vector<command> cmds{{"SUBSCRIBE", name}};
  auto replies = co_await sub_->exec(std::move(cmds));
  expect_ok(replies.front(), "SUBSCRIBE");
  co_return result;
}

void bus::release(const std::string& channel) {
  {
    std::lock_guard lock(mutex_);
    auto it = channels_.find(channel);
    if (it == channels_.end() || --it->second > 0) return;
  }
  // Decided on the subscriber's strand, behind any SUBSCRIBE queued before: if someone
  // subscribed again meanwhile, the channel stays.
  std::weak_ptr<bus> weak = weak_from_this();
  sub_->run_on_strand([weak, channel] {
    auto self = weak.lock();
    if (!self) return;
    {
      std::lock_guard lock(self->mutex_);
      auto it = self->channels_.find(channel);
      if (it == self->channels_.end() || it->second > 0) return;
      self->channels_.erase(it);
    }
    self->sub_->enqueue_unawaited({{"UNSUBSCRIBE", channel}});
  });
}

}  // namespace mcpxx::store::redis
