#include "stores.hpp"

#include <mcpxx/store/unavailable.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

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
    : client_(std::move(c)),
      prefix_(prefix),
      route_key_(std::move(prefix) + "bus"),
      sharded_(client_->topology() == redis_topology::cluster) {}

bool bus::live() const noexcept {
  if (!sharded_)
    return sub_ && sub_->connected() && subscribed_generation_.load() == sub_->generation();
  std::lock_guard lock(mutex_);
  if (rerouting_ > 0) return false;
  for (const auto& sh : shards_)  // (a shard left without channels does not count)
    if (!sh->channels.empty() && !sh->conn->connected()) return false;
  return true;
}

std::uint64_t bus::generation() const noexcept {
  if (!sharded_) {
    if (!sub_) return 0;
    const auto g = sub_->generation();
    return 2 * g + (subscribed_generation_.load() == g ? 1 : 0);
  }
  std::lock_guard lock(mutex_);
  std::uint64_t sum = shards_.size() + reroutes_;
  for (const auto& sh : shards_) sum += sh->conn->generation();
  return sum;
}

void bus::on_message(const reply& r, const std::shared_ptr<shard>& from) {
  if (r.elements.size() < 3) return;
  if (r.elements[0].str == "sunsubscribe") {
    // Unasked: the channel's slot moved. (Our own SUNSUBSCRIBE comes back too; then
    // nobody wants the channel any more.)
    const auto& name = r.elements[1].str;
    bool wanted = false;
    {
      std::lock_guard lock(mutex_);
      auto it = channels_.find(name);
      auto at = shard_of_.find(name);
      wanted =
          it != channels_.end() && it->second > 0 && at != shard_of_.end() && at->second == from;
    }
    if (wanted) reroute_later(name);
    return;
  }
  // ["message", channel, payload] (pmessage has the pattern first; smessage as message).
  const auto& channel = r.elements[r.elements.size() - 2].str;
  const auto& payload = r.elements.back().str;
  if (channel.compare(0, prefix_.size(), prefix_) != 0) return;
  local_.deliver(std::string_view(channel).substr(prefix_.size()), payload);
}

void bus::start() {
  if (sharded_) return;
  std::weak_ptr<bus> weak = shared_from_this();
  sub_ = client_->make_subscriber(
      route_key_,
      [weak](reply& r) {
        if (auto self = weak.lock()) self->on_message(r, nullptr);
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
        subscriber.enqueue_then(again, [weak, generation = subscriber.generation()] {
          if (auto self = weak.lock()) self->subscribed_generation_.store(generation);
        });
      });
}

// A shard connected to `owner` now, or a new one located by `first_channel`'s slot (so it
// follows a failover of that primary).
std::shared_ptr<bus::shard> bus::shard_at(const redis_address& owner,
                                          const std::string& first_channel) {
  {
    // (One still connecting counts by where it was made for: concurrent subscriptions to a
    // new primary share one connection.)
    std::lock_guard lock(mutex_);
    for (const auto& sh : shards_)
      if ((sh->conn->connected() ? sh->conn->address() : sh->made_for) == owner) return sh;
  }
  auto sh = std::make_shared<shard>();
  sh->made_for = owner;
  std::weak_ptr<bus> weak = shared_from_this();
  std::weak_ptr<shard> weak_shard = sh;
  sh->conn = client_->make_subscriber(
      first_channel,
      [weak, weak_shard](reply& r) {
        auto self = weak.lock();
        auto from = weak_shard.lock();
        if (self && from) self->on_message(r, from);
      },
      // After a reconnection (maybe to a promoted replica, maybe after slots moved): route
      // every channel again; those still served here are subscribed here again.
      [weak, weak_shard](connection&) {
        auto self = weak.lock();
        auto from = weak_shard.lock();
        if (!self || !from) return;
        std::vector<std::string> names;
        {
          std::lock_guard lock(self->mutex_);
          names.assign(from->channels.begin(), from->channels.end());
        }
        for (auto& n : names) self->reroute_later(std::move(n));
      });
  std::lock_guard lock(mutex_);
  shards_.push_back(sh);
  return sh;
}

// Until the channel is subscribed again (or released, or the client stopped), the bus is not
// live, and its generation changes when that ends: messages published meanwhile may be lost.
// It never gives up while the channel is wanted (a channel left unsubscribed while the bus
// looked live would lose every message on it).
void bus::reroute_later(std::string name) {
  {
    std::lock_guard lock(mutex_);
    ++rerouting_;
  }
  asio::co_spawn(
      client_->get_executor(),
      [](std::shared_ptr<bus> self, std::string name) -> asio::awaitable<void> {
        using namespace std::chrono_literals;
        struct settled {
          bus& b;
          ~settled() {
            std::lock_guard lock(b.mutex_);
            --b.rerouting_;
            ++b.reroutes_;
          }
        } on_exit{*self};
        asio::steady_timer retry(co_await asio::this_coro::executor);
        for (auto pause = 100ms; !self->client_->stopped(); pause = std::min(2 * pause, 1000ms)) {
          {
            std::lock_guard lock(self->mutex_);
            auto it = self->channels_.find(name);
            if (it == self->channels_.end() || it->second == 0) co_return;  // released
          }
          try {
            co_await self->route(name);
            co_return;
          } catch (const std::exception& e) {
            spdlog::debug("Redis sharded channel {}: {}", name, e.what());
          }
          retry.expires_after(pause);
          co_await retry.async_wait(asio::as_tuple(asio::use_awaitable));
        }
      }(shared_from_this(), std::move(name)),
      asio::detached);
}

// Up to about 2 s (a connect timeout): a subscription made while the connection is being
// opened waits for it rather than failing; exec() then fails if it is still down.
asio::awaitable<void> bus::wait_connected(connection& conn) {
  using namespace std::chrono_literals;
  asio::steady_timer wait(co_await asio::this_coro::executor);
  for (int i = 0; i < 200 && !conn.connected() && !client_->stopped(); ++i) {
    wait.expires_after(10ms);
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> bus::route(std::string name) {
  using namespace std::chrono_literals;
  const auto slot = key_slot(name);
  for (int attempt = 0;; ++attempt) {
    auto owner = co_await client_->owner_of(slot);
    auto sh = shard_at(owner, name);
    co_await wait_connected(*sh->conn);  // a new shard is still connecting
    {
      std::lock_guard lock(mutex_);
      auto& at = shard_of_[name];
      if (at && at != sh) at->channels.erase(name);
      at = sh;
      sh->channels.insert(name);
    }
    std::vector<command> cmds{{"SSUBSCRIBE", name}};
    auto replies = co_await sh->conn->exec(std::move(cmds));
    const auto& r = replies.front();
    if (r.is_error() && attempt < 3 && r.str.rfind("MOVED", 0) == 0) {
      co_await client_->refresh_slots();  // the map was stale
      continue;
    }
    expect_ok(r, "SSUBSCRIBE");
    co_return;
  }
}

asio::awaitable<void> bus::publish(std::string channel, std::string payload) {
  auto name = prefix_ + channel;
  // Standalone/Sentinel: every channel to the one server. Cluster: SPUBLISH to the primary
  // of the channel's slot, where its subscribers are: its reply then means every
  // subscriber has the message. Awaited one by one, so one publisher's messages keep
  // their order.
  if (sharded_) {
    command cmd{"SPUBLISH", name, std::move(payload)};
    auto r = co_await client_->exec1(name, std::move(cmd));
    expect_ok(r, "SPUBLISH");
    co_return;
  }
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
  if (sharded_) {
    co_await route(name);
    co_return result;
  }
  co_await wait_connected(*sub_);  // right after start, it may still be connecting
  std::vector<command> cmds{{"SUBSCRIBE", name}};
  auto replies = co_await sub_->exec(std::move(cmds));
  expect_ok(replies.front(), "SUBSCRIBE");
  co_return result;
}

void bus::release(const std::string& channel) {
  std::shared_ptr<connection> conn;
  {
    std::lock_guard lock(mutex_);
    auto it = channels_.find(channel);
    if (it == channels_.end() || --it->second > 0) return;
    if (!sharded_) {
      conn = sub_;
    } else if (auto at = shard_of_.find(channel); at != shard_of_.end()) {
      conn = at->second->conn;
    }
  }
  if (!conn) {  // Cluster, never routed: only the count to drop
    std::lock_guard lock(mutex_);
    if (auto it = channels_.find(channel); it != channels_.end() && it->second == 0)
      channels_.erase(it);
    return;
  }
  // Decided on the subscriber's strand, behind any (S)SUBSCRIBE queued before: if someone
  // subscribed again meanwhile, the channel stays.
  std::weak_ptr<bus> weak = weak_from_this();
  conn->run_on_strand([weak, channel, conn] {
    auto self = weak.lock();
    if (!self) return;
    {
      std::lock_guard lock(self->mutex_);
      auto it = self->channels_.find(channel);
      if (it == self->channels_.end() || it->second > 0) return;
      self->channels_.erase(it);
      if (auto at = self->shard_of_.find(channel); at != self->shard_of_.end()) {
        at->second->channels.erase(channel);
        self->shard_of_.erase(at);
      }
    }
    if (self->sharded_)
      conn->send_untracked({{"SUNSUBSCRIBE", channel}});
    else
      conn->enqueue_unawaited({{"UNSUBSCRIBE", channel}});
  });
}

}  // namespace mcpxx::store::redis
