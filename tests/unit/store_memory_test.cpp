// The memory backend: the five contract suites, plus what only the memory
// implementations promise (eviction order, id format, bounds, sharing of the clock).
#include <mcpxx/store/memory.hpp>

#include "store_contract/cache_contract.hpp"
#include "store_contract/event_store_contract.hpp"
#include "store_contract/message_bus_contract.hpp"
#include "store_contract/nonce_store_contract.hpp"
#include "store_contract/session_store_contract.hpp"

#include <gtest/gtest.h>
#include <boost/asio/detached.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace mcpxx::store;
using contract::io_pool;

// Shared by copies, so that a backend and every store it made see the same time.
class fake_clock {
 public:
  std::chrono::steady_clock::time_point now() const {
    // Away from the epoch, so that "never used" (time_point{}) can't look recent.
    return std::chrono::steady_clock::time_point(std::chrono::hours(1000) +
                                                 std::chrono::nanoseconds(ns_->load()));
  }
  void advance(std::chrono::nanoseconds d) { ns_->fetch_add(d.count()); }
  clock_fn fn() const {
    return [ns = ns_] {
      return std::chrono::steady_clock::time_point(std::chrono::hours(1000) +
                                                   std::chrono::nanoseconds(ns->load()));
    };
  }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> ns_ = std::make_shared<std::atomic<std::int64_t>>(0);
};

struct memory_test_backend {
  static constexpr std::chrono::milliseconds tick{1000};  // free: the clock is fake

  std::shared_ptr<session_store> make_session_store(boost::asio::any_io_executor,
                                                    const contract::session_limits& l) {
    return std::make_shared<memory_session_store>(
        memory_session_store_options{l.ttl, l.max_sessions, l.idle_evict_after, clock.fn()});
  }
  std::shared_ptr<event_store> make_event_store(boost::asio::any_io_executor,
                                                const contract::event_limits& l) {
    return std::make_shared<memory_event_store>(
        memory_event_store_options{l.max_events_per_stream, l.stream_ttl, clock.fn()});
  }
  std::shared_ptr<message_bus> make_message_bus(boost::asio::any_io_executor) {
    return std::make_shared<memory_message_bus>();
  }
  std::shared_ptr<nonce_store> make_nonce_store(boost::asio::any_io_executor) {
    return std::make_shared<memory_nonce_store>(memory_nonce_store_options{1'000'000, clock.fn()});
  }
  std::shared_ptr<cache> make_cache(boost::asio::any_io_executor) {
    return std::make_shared<memory_cache>(memory_cache_options{10'000, 64 << 20, clock.fn()});
  }
  void advance(std::chrono::milliseconds d) { clock.advance(d); }

  fake_clock clock;
};

using memory_types = ::testing::Types<memory_test_backend>;

}  // namespace

namespace mcpxx::store::contract {
INSTANTIATE_TYPED_TEST_SUITE_P(memory, store_session_contract, memory_types);
INSTANTIATE_TYPED_TEST_SUITE_P(memory, store_event_contract, memory_types);
INSTANTIATE_TYPED_TEST_SUITE_P(memory, store_bus_contract, memory_types);
INSTANTIATE_TYPED_TEST_SUITE_P(memory, store_nonce_contract, memory_types);
INSTANTIATE_TYPED_TEST_SUITE_P(memory, store_cache_contract, memory_types);
}  // namespace mcpxx::store::contract

namespace {

// Tests here call the stores from the test thread; the pool still runs the coroutines.
class store_memory : public ::testing::Test {
 protected:
  template <class T>
  T run(boost::asio::awaitable<T> aw) {
    return pool_.run(std::move(aw));
  }
  io_pool pool_;
  fake_clock clock_;
};

session_record session(std::string id) {
  session_record r;
  r.id = std::move(id);
  return r;
}

// ---- sessions ----

TEST_F(store_memory, SessionLoadHandsOutTheStoredRecordWithoutCopying) {
  memory_session_store store({24h, 10, 10min, clock_.fn()});
  ASSERT_EQ(run(store.create(contract::sample_session("s"))), create_result::created);
  auto a = run(store.load("s"));
  auto b = run(store.load("s"));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a.get(), b.get());
  ASSERT_TRUE(run(store.update(contract::sample_session("s"))));
  auto c = run(store.load("s"));
  EXPECT_NE(c.get(), a.get());  // a new snapshot; the old one is untouched
}

TEST_F(store_memory, SessionEvictionFollowsRecencyAcrossShards) {
  memory_session_store store({24h, 20, 1s, clock_.fn()});
  auto name = [](const char* prefix, int i) { return prefix + std::to_string(i); };
  for (int i = 0; i < 20; ++i) {  // distinct creation times, spread over all shards
    ASSERT_EQ(run(store.create(session(name("s", i)))), create_result::created);
    clock_.advance(1ms);
  }
  clock_.advance(2s);
  for (int i = 0; i < 5; ++i) {  // s0..s4 become the most recent
    ASSERT_NE(run(store.load(name("s", i))), nullptr);
    clock_.advance(1ms);
  }
  // New sessions push out s5, s6, ... in creation order.
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(run(store.create(session(name("n", i)))), create_result::created);
  }
  for (int i = 5; i < 10; ++i) EXPECT_EQ(run(store.load(name("s", i))), nullptr) << i;
  for (int i = 5; i < 15; ++i) {
    ASSERT_EQ(run(store.create(session(name("n", i)))), create_result::created);
  }
  for (int i = 10; i < 20; ++i) EXPECT_EQ(run(store.load(name("s", i))), nullptr) << i;
  for (int i = 0; i < 5; ++i) EXPECT_NE(run(store.load(name("s", i))), nullptr) << i;
  // Everyone left is active now.
  EXPECT_EQ(run(store.create(session("one-too-many"))), create_result::full);
  EXPECT_EQ(store.size(), 20u);
}

TEST_F(store_memory, SessionCapDropsExpiredBeforeEvictingIdle) {
  memory_session_store store({10s, 2, 1s, clock_.fn()});
  ASSERT_EQ(run(store.create(session("old"))), create_result::created);
  clock_.advance(5s);
  ASSERT_EQ(run(store.create(session("idle"))), create_result::created);
  clock_.advance(6s);  // old: expired; idle: idle for 6 s but alive
  ASSERT_EQ(run(store.create(session("new"))), create_result::created);
  EXPECT_NE(run(store.load("idle")), nullptr);
  EXPECT_NE(run(store.load("new")), nullptr);
  EXPECT_EQ(run(store.load("old")), nullptr);
}

TEST_F(store_memory, SessionRecreatingALiveIdReplacesIt) {
  memory_session_store store({24h, 1, 10min, clock_.fn()});
  ASSERT_EQ(run(store.create(contract::sample_session("s"))), create_result::created);
  auto rec = contract::sample_session("s");
  rec.principal = "bob";
  // The cap is 1 and s is active, yet re-creating it needs no new slot.
  ASSERT_EQ(run(store.create(rec)), create_result::created);
  EXPECT_EQ(run(store.load("s"))->principal, "bob");
  EXPECT_EQ(store.size(), 1u);
}

TEST_F(store_memory, SessionExpiredEntriesAreReclaimedWithoutBeingTouched) {
  memory_session_store store({10s, 1000, 10min, clock_.fn()});
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(run(store.create(session("s" + std::to_string(i)))), create_result::created);
  }
  EXPECT_EQ(store.size(), 100u);
  clock_.advance(11s);
  // Each create sweeps one more shard; 16 of them visit every shard.
  for (int i = 0; i < 16; ++i) {
    ASSERT_EQ(run(store.create(session("t" + std::to_string(i)))), create_result::created);
  }
  EXPECT_EQ(store.size(), 16u);
}

TEST_F(store_memory, SessionZeroCapRefusesEverything) {
  memory_session_store store({24h, 0, 0ms, clock_.fn()});
  EXPECT_EQ(run(store.create(session("s"))), create_result::full);
}

TEST_F(store_memory, SessionStressAtTheCapKeepsTheBound) {
  memory_session_store store({24h, 50, 0ms, clock_.fn()});  // everything evictable
  std::vector<std::future<void>> workers;
  for (int w = 0; w < 8; ++w) {
    workers.push_back(pool_.spawn(
        [](memory_session_store& s, fake_clock clock, int w) -> boost::asio::awaitable<void> {
          std::mt19937 rng(w);
          for (int i = 0; i < 400; ++i) {
            auto id = "s" + std::to_string(rng() % 200);
            switch (rng() % 4) {
              case 0:
                co_await s.create(session(id));
                break;
              case 1:
                if (auto r = co_await s.load(id); r && r->id != id) throw std::logic_error("wrong");
                break;
              case 2:
                co_await s.update(session(id));
                break;
              default:
                co_await s.erase(id);
            }
            clock.advance(1ms);
          }
        }(store, clock_, w)));
  }
  for (auto& f : workers) f.get();
  EXPECT_LE(store.size(), 50u);
}

// ---- events ----

TEST_F(store_memory, EventIdsFollowTheDocumentedFormat) {
  memory_event_store store({16, 1h, clock_.fn()});
  auto id1 = run(store.append("sess/a", "x"));
  auto id2 = run(store.append("sess/a", "y"));
  auto idb = run(store.append("other", "z"));
  // <16 hex>.<generation>.<seq>.<base64url(stream)>
  ASSERT_EQ(id1.size(), 16u + 1 + 1 + 1 + 1 + 1 + 8);
  EXPECT_EQ(id1.find_first_not_of("0123456789abcdef"), 16u);
  EXPECT_EQ(id1.substr(16), ".1.1.c2Vzcy9h");
  EXPECT_EQ(id2.substr(16), ".1.2.c2Vzcy9h");
  EXPECT_EQ(idb.substr(16), ".2.1.b3RoZXI");
  EXPECT_EQ(id1.substr(0, 16), idb.substr(0, 16));
}

TEST_F(store_memory, EventIdsAreRejectedUnlessCanonical) {
  memory_event_store store({16, 1h, clock_.fn()});
  auto id1 = run(store.append("sess/a", "x"));
  run(store.append("sess/a", "y"));
  ASSERT_TRUE(run(store.replay_after(id1)).has_value());
  const auto tag = id1.substr(0, 16);
  for (std::string v :
       {tag + ".1.01.c2Vzcy9h", tag + ".01.1.c2Vzcy9h", tag + ".1.+1.c2Vzcy9h",
        tag + ".1.1.c2Vzcy9h=", tag + ".1.1.c2Vzcy9i", tag + ".1.0.c2Vzcy9h", tag + ".1.3.c2Vzcy9h",
        tag + ".1.1.c2Vzcy9h.", tag + "..1.1.c2Vzcy9h", tag + ".1.18446744073709551616.c2Vzcy9h"}) {
    EXPECT_FALSE(run(store.replay_after(v)).has_value()) << v;
  }
}

TEST_F(store_memory, EventIdsOfAnotherStoreAreUnknown) {
  memory_event_store a({16, 1h, clock_.fn()});
  memory_event_store b({16, 1h, clock_.fn()});
  auto ida = run(a.append("s", "from a"));
  auto idb = run(b.append("s", "from b"));
  run(b.append("s", "more from b"));
  EXPECT_FALSE(run(b.replay_after(ida)).has_value());  // same stream name, other process
  EXPECT_TRUE(run(b.replay_after(idb)).has_value());
}

TEST_F(store_memory, EventIdsOfAnErasedStreamStayDeadAfterItIsRecreated) {
  memory_event_store store({16, 1h, clock_.fn()});
  auto old1 = run(store.append("s", "1"));
  run(store.append("s", "2"));
  run(store.erase_stream("s"));
  auto new1 = run(store.append("s", "fresh 1"));
  run(store.append("s", "fresh 2"));
  run(store.append("s", "fresh 3"));
  EXPECT_FALSE(run(store.replay_after(old1)).has_value());
  auto r = run(store.replay_after(new1));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events.size(), 2u);
}

TEST_F(store_memory, EventStreamsAreReclaimedAfterExpiry) {
  memory_event_store store({16, 10s, clock_.fn()});
  for (int i = 0; i < 50; ++i) run(store.append("s" + std::to_string(i), "x"));
  EXPECT_EQ(store.stream_count(), 50u);
  clock_.advance(11s);
  for (int i = 0; i < 16; ++i) run(store.append("live", "x"));  // sweeps every shard
  EXPECT_EQ(store.stream_count(), 1u);
}

TEST_F(store_memory, EventRingOfOneKeepsOnlyTheNewest) {
  memory_event_store store({0, 1h, clock_.fn()});  // 0 means 1
  auto e1 = run(store.append("s", "1"));
  auto e2 = run(store.append("s", "2"));
  auto e3 = run(store.append("s", "3"));
  EXPECT_FALSE(run(store.replay_after(e1)).has_value());
  auto r = run(store.replay_after(e2));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events, (std::vector<event>{{e3, "3"}}));
}

// ---- bus ----

TEST_F(store_memory, BusDeliversSynchronouslyInsidePublish) {
  memory_message_bus bus;
  std::vector<std::string> got;  // no lock needed: delivery happens before publish returns
  auto sub = run(bus.subscribe("c", [&](std::string_view p) { got.emplace_back(p); }));
  run(bus.publish("c", "1"));
  EXPECT_EQ(got, std::vector<std::string>{"1"});
}

TEST_F(store_memory, BusForgetsChannelsWithoutSubscribers) {
  memory_message_bus bus;
  auto s1 = run(bus.subscribe("a", [](std::string_view) {}));
  auto s2 = run(bus.subscribe("a", [](std::string_view) {}));
  auto s3 = run(bus.subscribe("b", [](std::string_view) {}));
  EXPECT_EQ(bus.channel_count(), 2u);
  s1.reset();
  EXPECT_EQ(bus.channel_count(), 2u);
  s2.reset();
  s3.reset();
  EXPECT_EQ(bus.channel_count(), 0u);
}

TEST_F(store_memory, BusSubscriptionMayOutliveTheBus) {
  subscription sub;
  {
    memory_message_bus bus;
    sub = run(bus.subscribe("a", [](std::string_view) {}));
  }
  sub.reset();  // no bus to unregister from: a no-op, not a crash
  EXPECT_FALSE(sub.active());
}

TEST_F(store_memory, BusSwallowsHandlerExceptions) {
  memory_message_bus bus;
  int after = 0;
  auto bad = run(bus.subscribe("c", [](std::string_view) { throw std::runtime_error("boom"); }));
  auto good = run(bus.subscribe("c", [&](std::string_view) { ++after; }));
  EXPECT_NO_THROW(run(bus.publish("c", "x")));
  EXPECT_EQ(after, 1);
}

TEST_F(store_memory, BusHandlerMayPublishAndSubscribe) {
  memory_message_bus bus;
  std::vector<std::string> got;
  subscription late;
  auto relay = run(bus.subscribe("in", [&](std::string_view p) {
    // Re-entrant calls complete synchronously: the memory awaitables never suspend.
    boost::asio::io_context io;
    boost::asio::co_spawn(io, bus.publish("out", std::string(p)), boost::asio::detached);
    boost::asio::co_spawn(io, bus.subscribe("in", [](std::string_view) {}),
                          [&](std::exception_ptr, subscription s) { late = std::move(s); });
    io.run();
  }));
  auto out = run(bus.subscribe("out", [&](std::string_view p) { got.emplace_back(p); }));
  run(bus.publish("in", "ping"));
  EXPECT_EQ(got, std::vector<std::string>{"ping"});
  EXPECT_TRUE(late.active());
}

// ---- nonces ----

TEST_F(store_memory, NoncesFailClosedAtCapacityAndRecoverAfterExpiry) {
  memory_nonce_store store({16, clock_.fn()});  // 1 per shard
  int accepted = 0;
  for (int i = 0; i < 500; ++i) accepted += run(store.consume("n" + std::to_string(i), 10s));
  EXPECT_GE(accepted, 1);
  EXPECT_LE(accepted, 16);
  EXPECT_LE(store.size(), 16u);
  clock_.advance(11s);
  EXPECT_TRUE(run(store.consume("n0", 10s)) || run(store.consume("n1", 10s)) ||
              run(store.consume("n2", 10s)));
}

TEST_F(store_memory, NoncesAreReclaimedAfterExpiry) {
  memory_nonce_store store({1000, clock_.fn()});
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(run(store.consume("n" + std::to_string(i), 5s)));
  EXPECT_EQ(store.size(), 200u);
  clock_.advance(6s);
  // Each consume purges its own shard; enough of them reach every shard.
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(run(store.consume("m" + std::to_string(i), 1h)));
  EXPECT_EQ(store.size(), 200u);
}

TEST_F(store_memory, NonceNonPositiveTtlCountsAsOneMillisecond) {
  memory_nonce_store store({1000, clock_.fn()});
  EXPECT_TRUE(run(store.consume("z", 0ms)));
  EXPECT_FALSE(run(store.consume("z", 0ms)));
  clock_.advance(1ms);
  EXPECT_TRUE(run(store.consume("z", -5ms)));
}

TEST_F(store_memory, NonceHugeTtlDoesNotOverflow) {
  memory_nonce_store store({1000, clock_.fn()});
  EXPECT_TRUE(run(store.consume("forever", std::chrono::milliseconds::max())));
  clock_.advance(24h * 365);
  EXPECT_FALSE(run(store.consume("forever", 1s)));
}

// ---- cache ----

TEST_F(store_memory, CacheEvictsTheLeastRecentlyUsedEntryAtTheCountBound) {
  memory_cache c({3, 1 << 20, clock_.fn()});
  run(c.put("a", "1", 1h));
  run(c.put("b", "2", 1h));
  run(c.put("c", "3", 1h));
  EXPECT_EQ(run(c.get("a")), "1");  // a is now more recent than b
  run(c.put("d", "4", 1h));
  EXPECT_EQ(run(c.get("b")), std::nullopt);
  EXPECT_EQ(run(c.get("a")), "1");
  EXPECT_EQ(run(c.get("c")), "3");
  EXPECT_EQ(run(c.get("d")), "4");
  EXPECT_EQ(c.size(), 3u);
}

TEST_F(store_memory, CacheEvictsByBytes) {
  memory_cache c({100, 10, clock_.fn()});
  run(c.put("k1", "aaaa", 1h));  // 6 bytes
  EXPECT_EQ(c.bytes(), 6u);
  run(c.put("k2", "bbbb", 1h));  // 12 > 10: k1 goes
  EXPECT_EQ(run(c.get("k1")), std::nullopt);
  EXPECT_EQ(run(c.get("k2")), "bbbb");
  EXPECT_EQ(c.bytes(), 6u);
  run(c.put("k2", "b", 1h));  // replacing accounts for the old size
  EXPECT_EQ(c.bytes(), 3u);
  run(c.erase("k2"));
  EXPECT_EQ(c.bytes(), 0u);
  EXPECT_EQ(c.size(), 0u);
}

TEST_F(store_memory, CacheOversizedValueIsNotStoredAndDropsTheOldOne) {
  memory_cache c({100, 10, clock_.fn()});
  run(c.put("k", "small", 1h));
  run(c.put("k", std::string(20, 'x'), 1h));
  EXPECT_EQ(run(c.get("k")), std::nullopt);
  EXPECT_EQ(c.bytes(), 0u);
}

TEST_F(store_memory, CacheExpiredEntryIsDroppedOnLookup) {
  memory_cache c({100, 1 << 20, clock_.fn()});
  run(c.put("k", "v", 1s));
  clock_.advance(1s);
  EXPECT_EQ(run(c.get("k")), std::nullopt);  // exactly at the deadline counts as expired
  EXPECT_EQ(c.size(), 0u);
}

TEST_F(store_memory, CacheWithNoRoomStoresNothing) {
  memory_cache c({0, 1 << 20, clock_.fn()});
  run(c.put("k", "v", 1h));
  EXPECT_EQ(run(c.get("k")), std::nullopt);
}

// ---- backend ----

TEST_F(store_memory, BackendBuildsAllFiveOnOneClock) {
  memory_backend_options opts;
  opts.sessions.ttl = 10s;
  opts.events.stream_ttl = 10s;
  opts.clock = clock_.fn();
  memory_backend mb(opts);
  backend b = mb;  // usable wherever the interface bundle is expected
  ASSERT_TRUE(b.sessions && b.events && b.bus && b.nonces && b.results);
  ASSERT_EQ(run(b.sessions->create(session("s"))), create_result::created);
  auto id = run(b.events->append("st", "x"));
  ASSERT_TRUE(run(b.nonces->consume("n", 10s)));
  run(b.results->put("k", "v", 10s));
  clock_.advance(11s);
  EXPECT_EQ(run(b.sessions->load("s")), nullptr);
  EXPECT_FALSE(run(b.events->replay_after(id)).has_value());
  EXPECT_TRUE(run(b.nonces->consume("n", 10s)));
  EXPECT_EQ(run(b.results->get("k")), std::nullopt);
}

TEST_F(store_memory, BackendDefaultsUseTheRealClock) {
  memory_backend b;
  ASSERT_EQ(run(b.sessions->create(session("s"))), create_result::created);
  EXPECT_NE(run(b.sessions->load("s")), nullptr);
  auto id = run(b.events->append("st", "x"));
  EXPECT_TRUE(run(b.events->replay_after(id)).has_value());
}

}  // namespace
