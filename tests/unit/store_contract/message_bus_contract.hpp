// Contract of mcpxx::store::message_bus; see harness.hpp for how a backend joins.
// Deliveries may be asynchronous (a networked bus), so positive checks wait for them and
// negative checks let a tick pass before looking.
#pragma once

#include "harness.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mcpxx::store::contract {

// Collects what a handler receives, from whatever thread delivers it.
class inbox {
 public:
  message_handler handler() {
    return [this](std::string_view payload) {
      std::lock_guard lock(mu_);
      got_.emplace_back(payload);
    };
  }
  std::vector<std::string> messages() const {
    std::lock_guard lock(mu_);
    return got_;
  }
  std::size_t size() const { return messages().size(); }
  bool wait_for(std::size_t n) const {
    return eventually([&] { return size() >= n; });
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> got_;
};

template <class Backend>
class store_bus_contract : public fixture<Backend> {
 protected:
  std::shared_ptr<message_bus> make() { return this->backend_.make_message_bus(this->executor()); }
  void publish(message_bus& bus, std::string channel, std::string payload) {
    this->run(bus.publish(std::move(channel), std::move(payload)));
  }
  subscription subscribe(message_bus& bus, std::string channel, message_handler h) {
    return this->run(bus.subscribe(std::move(channel), std::move(h)));
  }
  // Lets in-flight deliveries land before checking that something did not arrive.
  void settle() { this->advance_ticks(1); }
};

TYPED_TEST_SUITE_P(store_bus_contract);

TYPED_TEST_P(store_bus_contract, PublishReachesSubscribersOfThatChannelOnly) {
  auto bus = this->make();
  inbox a1, a2, b;
  auto sa1 = this->subscribe(*bus, "a", a1.handler());
  auto sa2 = this->subscribe(*bus, "a", a2.handler());
  auto sb = this->subscribe(*bus, "b", b.handler());
  this->publish(*bus, "a", std::string("hello\0world", 11));
  ASSERT_TRUE(a1.wait_for(1));
  ASSERT_TRUE(a2.wait_for(1));
  this->settle();
  EXPECT_EQ(a1.messages(), std::vector<std::string>{std::string("hello\0world", 11)});
  EXPECT_EQ(a2.messages(), a1.messages());
  EXPECT_EQ(b.size(), 0u);
  this->publish(*bus, "A", "case matters");
  this->publish(*bus, "a ", "no trimming");
  this->settle();
  EXPECT_EQ(a1.size(), 1u);
}

TYPED_TEST_P(store_bus_contract, OnePublishersMessagesArriveInOrder) {
  auto bus = this->make();
  inbox in;
  auto sub = this->subscribe(*bus, "ordered", in.handler());
  std::vector<std::string> sent;
  for (int i = 0; i < 200; ++i) {
    sent.push_back(std::to_string(i));
    this->publish(*bus, "ordered", sent.back());
  }
  ASSERT_TRUE(in.wait_for(sent.size()));
  EXPECT_EQ(in.messages(), sent);
}

TYPED_TEST_P(store_bus_contract, NothingIsQueuedForLaterSubscribers) {
  auto bus = this->make();
  this->publish(*bus, "late", "before anyone listens");
  inbox in;
  auto sub = this->subscribe(*bus, "late", in.handler());
  this->publish(*bus, "late", "after");
  ASSERT_TRUE(in.wait_for(1));
  this->settle();
  EXPECT_EQ(in.messages(), std::vector<std::string>{"after"});
}

TYPED_TEST_P(store_bus_contract, DestroyingTheSubscriptionStopsDelivery) {
  auto bus = this->make();
  inbox gone, stays;
  auto keep = this->subscribe(*bus, "c", stays.handler());
  {
    auto sub = this->subscribe(*bus, "c", gone.handler());
    EXPECT_TRUE(sub.active());
    this->publish(*bus, "c", "1");
    ASSERT_TRUE(gone.wait_for(1));
  }
  this->publish(*bus, "c", "2");
  ASSERT_TRUE(stays.wait_for(2));
  this->settle();
  EXPECT_EQ(gone.messages(), std::vector<std::string>{"1"});

  keep.reset();
  EXPECT_FALSE(keep.active());
  keep.reset();  // twice is fine
  this->publish(*bus, "c", "3");
  this->settle();
  EXPECT_EQ(stays.size(), 2u);
}

TYPED_TEST_P(store_bus_contract, MovedSubscriptionKeepsDelivering) {
  auto bus = this->make();
  inbox in;
  subscription outer;
  EXPECT_FALSE(outer.active());
  {
    auto inner = this->subscribe(*bus, "m", in.handler());
    outer = std::move(inner);
  }  // the moved-from one dies here without unsubscribing
  this->publish(*bus, "m", "x");
  ASSERT_TRUE(in.wait_for(1));
  subscription other = std::move(outer);
  outer = subscription();
  this->publish(*bus, "m", "y");
  ASSERT_TRUE(in.wait_for(2));
  other = subscription();  // move-assigning over an active one unsubscribes it
  this->publish(*bus, "m", "z");
  this->settle();
  EXPECT_EQ(in.messages(), (std::vector<std::string>{"x", "y"}));
}

TYPED_TEST_P(store_bus_contract, HandlerMayDestroyItsOwnSubscription) {
  auto bus = this->make();
  std::atomic<int> calls{0};
  subscription sub;
  sub = this->subscribe(*bus, "once", [&](std::string_view) {
    sub.reset();
    ++calls;  // after the reset: once the test sees it, nothing touches `sub` any more
  });
  this->publish(*bus, "once", "1");
  ASSERT_TRUE(eventually([&] { return calls.load() == 1; }));
  this->publish(*bus, "once", "2");
  this->settle();
  EXPECT_EQ(calls.load(), 1);
}

TYPED_TEST_P(store_bus_contract, UnsubscribingWaitsForTheRunningHandler) {
  auto bus = this->make();
  std::atomic<bool> entered{false};
  std::atomic<bool> finished{false};
  auto sub = this->subscribe(*bus, "slow", [&](std::string_view) {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    finished = true;
  });
  // The memory bus runs the handler inside publish(), so publish from elsewhere.
  std::thread publisher([&] { this->publish(*bus, "slow", "x"); });
  ASSERT_TRUE(eventually([&] { return entered.load(); }));
  sub.reset();
  EXPECT_TRUE(finished.load());  // reset() returned, so the handler is done
  publisher.join();
}

TYPED_TEST_P(store_bus_contract, HandlerNeverRunsConcurrentlyWithItself) {
  auto bus = this->make();
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  std::atomic<int> calls{0};
  auto sub = this->subscribe(*bus, "serial", [&](std::string_view) {
    if (running.fetch_add(1) != 0) overlapped = true;
    std::this_thread::yield();
    running.fetch_sub(1);
    ++calls;
  });
  constexpr int publishers = 4;
  constexpr int each = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < publishers; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < each; ++i) this->publish(*bus, "serial", "x");
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(eventually([&] { return calls.load() == publishers * each; }));
  EXPECT_FALSE(overlapped.load());
}

// Run under ASan: a handler invoked after its subscription died would touch a freed
// counter.
TYPED_TEST_P(store_bus_contract, ConcurrentPublishAndUnsubscribeIsSafe) {
  auto bus = this->make();
  inbox witness;
  auto keep = this->subscribe(*bus, "hot", witness.handler());
  std::atomic<bool> stop{false};
  std::atomic<long> published{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        this->publish(*bus, "hot", "payload");
        ++published;
      }
    });
  }
  std::vector<std::thread> churners;
  for (int t = 0; t < 3; ++t) {
    churners.emplace_back([&] {
      for (int i = 0; i < 150; ++i) {
        auto counter = std::make_unique<std::atomic<int>>(0);
        auto sub = this->subscribe(*bus, "hot", [c = counter.get()](std::string_view p) {
          if (!p.empty()) c->fetch_add(1);
        });
        if (i % 3 == 0) std::this_thread::yield();
        sub.reset();
        counter.reset();  // a late invocation would now be a use-after-free
      }
    });
  }
  for (auto& t : churners) t.join();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_GT(published.load(), 0);
  EXPECT_TRUE(witness.wait_for(1));
}

REGISTER_TYPED_TEST_SUITE_P(store_bus_contract, PublishReachesSubscribersOfThatChannelOnly,
                            OnePublishersMessagesArriveInOrder, NothingIsQueuedForLaterSubscribers,
                            DestroyingTheSubscriptionStopsDelivery,
                            MovedSubscriptionKeepsDelivering, HandlerMayDestroyItsOwnSubscription,
                            UnsubscribingWaitsForTheRunningHandler,
                            HandlerNeverRunsConcurrentlyWithItself,
                            ConcurrentPublishAndUnsubscribeIsSafe);

}  // namespace mcpxx::store::contract
