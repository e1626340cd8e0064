// Contract of mcpxx::store::session_store; see harness.hpp for how a backend joins.
#pragma once

#include "harness.hpp"

#include <boost/json/parse.hpp>

#include <string>
#include <vector>

namespace mcpxx::store::contract {

inline session_record sample_session(std::string id) {
  session_record r;
  r.id = std::move(id);
  r.protocol_version = "2025-11-25";
  r.client_info =
      boost::json::parse(R"({"name":"inspector","version":"1.2.3","title":"Ünïcødé ✓"})")
          .as_object();
  r.client_capabilities =
      boost::json::parse(R"({"sampling":{},"roots":{"listChanged":true},"elicitation":{}})")
          .as_object();
  r.subscriptions = {"file:///a.txt", "db://table/1"};
  r.principal = "alice";
  return r;
}

template <class Backend>
class store_session_contract : public fixture<Backend> {
 protected:
  // Defaults far from every bound, for the tests that are not about bounds.
  std::shared_ptr<session_store> make(session_limits limits = {1000 * Backend::tick, 1000,
                                                               1000 * Backend::tick}) {
    return this->backend_.make_session_store(this->executor(), limits);
  }
  std::shared_ptr<const session_record> load(session_store& s, std::string_view id) {
    return this->run(s.load(id));
  }
};

TYPED_TEST_SUITE_P(store_session_contract);

TYPED_TEST_P(store_session_contract, CreateThenLoadRoundTripsEveryField) {
  auto store = this->make();
  auto rec = sample_session("sess-1");
  EXPECT_EQ(this->run(store->create(rec)), create_result::created);
  auto loaded = this->load(*store, "sess-1");
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(*loaded, rec);

  session_record minimal;
  minimal.id = "sess-2";
  EXPECT_EQ(this->run(store->create(minimal)), create_result::created);
  loaded = this->load(*store, "sess-2");
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(*loaded, minimal);
}

TYPED_TEST_P(store_session_contract, UnknownIdsLoadAsNull) {
  auto store = this->make();
  ASSERT_EQ(this->run(store->create(sample_session("known"))), create_result::created);
  for (std::string id :
       {std::string("unknown"), std::string(), std::string("known "), std::string("KNOWN"),
        std::string("kno\0wn", 6), std::string(10000, 'k')}) {
    EXPECT_EQ(this->load(*store, id), nullptr) << id.size();
  }
}

TYPED_TEST_P(store_session_contract, UpdateReplacesTheRecordButNotLoadedSnapshots) {
  auto store = this->make();
  auto rec = sample_session("sess");
  ASSERT_EQ(this->run(store->create(rec)), create_result::created);
  auto before = this->load(*store, "sess");
  ASSERT_NE(before, nullptr);

  auto changed = rec;
  changed.log_level = "debug";
  changed.subscriptions.push_back("file:///c.txt");
  changed.client_info["version"] = "2.0.0";
  EXPECT_TRUE(this->run(store->update(changed)));

  auto after = this->load(*store, "sess");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(*after, changed);
  EXPECT_EQ(*before, rec);  // holders keep the snapshot they loaded
}

TYPED_TEST_P(store_session_contract, UpdateOfUnknownSessionFailsAndCreatesNothing) {
  auto store = this->make();
  EXPECT_FALSE(this->run(store->update(sample_session("ghost"))));
  EXPECT_EQ(this->load(*store, "ghost"), nullptr);
}

TYPED_TEST_P(store_session_contract, EraseRemovesTheSession) {
  auto store = this->make();
  ASSERT_EQ(this->run(store->create(sample_session("a"))), create_result::created);
  ASSERT_EQ(this->run(store->create(sample_session("b"))), create_result::created);
  auto held = this->load(*store, "a");
  EXPECT_TRUE(this->run(store->erase("a")));
  EXPECT_EQ(this->load(*store, "a"), nullptr);
  EXPECT_FALSE(this->run(store->erase("a")));
  EXPECT_FALSE(this->run(store->update(sample_session("a"))));
  EXPECT_FALSE(this->run(store->erase("never-existed")));
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->id, "a");  // a loaded record outlives the erase
  EXPECT_NE(this->load(*store, "b"), nullptr);
}

TYPED_TEST_P(store_session_contract, ExpiresAfterTtlWithoutActivity) {
  auto store = this->make({20 * TypeParam::tick, 1000, 1000 * TypeParam::tick});
  ASSERT_EQ(this->run(store->create(sample_session("s"))), create_result::created);
  this->advance_ticks(12);
  ASSERT_EQ(this->run(store->create(sample_session("t"))), create_result::created);
  this->advance_ticks(13);  // s: 25 ticks idle, t: 13
  EXPECT_EQ(this->load(*store, "s"), nullptr);
  EXPECT_FALSE(this->run(store->update(sample_session("s"))));
  EXPECT_FALSE(this->run(store->erase("s")));
  EXPECT_NE(this->load(*store, "t"), nullptr);
}

TYPED_TEST_P(store_session_contract, LoadSlidesTheExpiry) {
  auto store = this->make({10 * TypeParam::tick, 1000, 1000 * TypeParam::tick});
  ASSERT_EQ(this->run(store->create(sample_session("s"))), create_result::created);
  for (int i = 0; i < 3; ++i) {
    this->advance_ticks(6);  // 18 ticks in all, never 10 without a load
    ASSERT_NE(this->load(*store, "s"), nullptr) << i;
  }
  this->advance_ticks(15);
  EXPECT_EQ(this->load(*store, "s"), nullptr);
}

TYPED_TEST_P(store_session_contract, UpdateSlidesTheExpiry) {
  auto store = this->make({10 * TypeParam::tick, 1000, 1000 * TypeParam::tick});
  ASSERT_EQ(this->run(store->create(sample_session("s"))), create_result::created);
  this->advance_ticks(6);
  ASSERT_TRUE(this->run(store->update(sample_session("s"))));
  this->advance_ticks(6);
  EXPECT_NE(this->load(*store, "s"), nullptr);
}

TYPED_TEST_P(store_session_contract, FullWhenCapReachedAndNoSessionIsIdle) {
  auto store = this->make({1000 * TypeParam::tick, 2, 5 * TypeParam::tick});
  ASSERT_EQ(this->run(store->create(sample_session("a"))), create_result::created);
  ASSERT_EQ(this->run(store->create(sample_session("b"))), create_result::created);
  EXPECT_EQ(this->run(store->create(sample_session("c"))), create_result::full);
  EXPECT_EQ(this->load(*store, "c"), nullptr);
  EXPECT_NE(this->load(*store, "a"), nullptr);
  EXPECT_NE(this->load(*store, "b"), nullptr);
}

TYPED_TEST_P(store_session_contract, CapEvictsTheLeastRecentlyUsedIdleSession) {
  auto store = this->make({1000 * TypeParam::tick, 2, 5 * TypeParam::tick});
  ASSERT_EQ(this->run(store->create(sample_session("a"))), create_result::created);
  ASSERT_EQ(this->run(store->create(sample_session("b"))), create_result::created);
  this->advance_ticks(10);
  ASSERT_NE(this->load(*store, "a"), nullptr);  // a is active again; b stays idle
  EXPECT_EQ(this->run(store->create(sample_session("c"))), create_result::created);
  EXPECT_EQ(this->load(*store, "b"), nullptr);
  EXPECT_NE(this->load(*store, "a"), nullptr);
  EXPECT_NE(this->load(*store, "c"), nullptr);
  // Both survivors were just used: nothing is idle, so the next one is refused.
  EXPECT_EQ(this->run(store->create(sample_session("d"))), create_result::full);
}

TYPED_TEST_P(store_session_contract, ExpiredSessionsFreeCapacity) {
  // Idle eviction is out of reach (threshold beyond the TTL): only expiry frees slots.
  auto store = this->make({10 * TypeParam::tick, 2, 1000 * TypeParam::tick});
  ASSERT_EQ(this->run(store->create(sample_session("a"))), create_result::created);
  ASSERT_EQ(this->run(store->create(sample_session("b"))), create_result::created);
  EXPECT_EQ(this->run(store->create(sample_session("c"))), create_result::full);
  this->advance_ticks(15);
  EXPECT_EQ(this->run(store->create(sample_session("c"))), create_result::created);
  EXPECT_EQ(this->run(store->create(sample_session("d"))), create_result::created);
  EXPECT_NE(this->load(*store, "c"), nullptr);
  EXPECT_NE(this->load(*store, "d"), nullptr);
}

TYPED_TEST_P(store_session_contract, EraseFreesCapacity) {
  auto store = this->make({1000 * TypeParam::tick, 1, 1000 * TypeParam::tick});
  ASSERT_EQ(this->run(store->create(sample_session("a"))), create_result::created);
  EXPECT_EQ(this->run(store->create(sample_session("b"))), create_result::full);
  ASSERT_TRUE(this->run(store->erase("a")));
  EXPECT_EQ(this->run(store->create(sample_session("b"))), create_result::created);
}

TYPED_TEST_P(store_session_contract, ConcurrentSessionsStayIndependent) {
  auto store = this->make();
  constexpr int n = 64;
  std::vector<std::future<bool>> done;
  for (int i = 0; i < n; ++i) {
    done.push_back(this->pool_.spawn(
        [](std::shared_ptr<session_store> s, int i) -> boost::asio::awaitable<bool> {
          auto id = "sess-" + std::to_string(i);
          auto rec = sample_session(id);
          if (co_await s->create(rec) != create_result::created) co_return false;
          rec.log_level = "level-" + std::to_string(i);
          if (!co_await s->update(rec)) co_return false;
          auto loaded = co_await s->load(id);
          if (!loaded || *loaded != rec) co_return false;
          if (i % 2 == 0) co_return co_await s->erase(id);
          co_return true;
        }(store, i)));
  }
  for (auto& f : done) EXPECT_TRUE(f.get());
  for (int i = 0; i < n; ++i) {
    auto loaded = this->load(*store, "sess-" + std::to_string(i));
    if (i % 2 == 0) {
      EXPECT_EQ(loaded, nullptr) << i;
    } else {
      ASSERT_NE(loaded, nullptr) << i;
      EXPECT_EQ(loaded->log_level, "level-" + std::to_string(i));
    }
  }
}

TYPED_TEST_P(store_session_contract, ConcurrentCreationsNeverExceedTheCap) {
  // Idle eviction is out of reach: only the cap decides.
  constexpr std::size_t cap = 8;
  auto store = this->make({1000 * TypeParam::tick, cap, 1000 * TypeParam::tick});
  constexpr int n = 32;
  std::vector<std::future<bool>> done;
  for (int i = 0; i < n; ++i)
    done.push_back(this->pool_.spawn(
        [](std::shared_ptr<session_store> s, int i) -> boost::asio::awaitable<bool> {
          co_return co_await s->create(sample_session("burst-" + std::to_string(i))) ==
              create_result::created;
        }(store, i)));
  std::size_t created = 0;
  for (int i = 0; i < n; ++i) {
    const bool ok = done[i].get();
    created += ok ? 1 : 0;
    // A refused creation leaves nothing behind; an admitted one is there.
    EXPECT_EQ(this->load(*store, "burst-" + std::to_string(i)) != nullptr, ok) << i;
  }
  EXPECT_GE(created, 1u);
  EXPECT_LE(created, cap);
  // Refusals did not hold on to capacity: one at a time, the cap fills exactly.
  for (int i = 0; created < cap && i < 2 * static_cast<int>(cap); ++i)
    if (this->run(store->create(sample_session("late-" + std::to_string(i)))) ==
        create_result::created)
      ++created;
  EXPECT_EQ(created, cap);
  EXPECT_EQ(this->run(store->create(sample_session("one-too-many"))), create_result::full);
}

REGISTER_TYPED_TEST_SUITE_P(store_session_contract, CreateThenLoadRoundTripsEveryField,
                            UnknownIdsLoadAsNull, UpdateReplacesTheRecordButNotLoadedSnapshots,
                            UpdateOfUnknownSessionFailsAndCreatesNothing, EraseRemovesTheSession,
                            ExpiresAfterTtlWithoutActivity, LoadSlidesTheExpiry,
                            UpdateSlidesTheExpiry, FullWhenCapReachedAndNoSessionIsIdle,
                            CapEvictsTheLeastRecentlyUsedIdleSession, ExpiredSessionsFreeCapacity,
                            EraseFreesCapacity, ConcurrentSessionsStayIndependent,
                            ConcurrentCreationsNeverExceedTheCap);

}  // namespace mcpxx::store::contract
