// Contract of mcpxx::store::cache; see harness.hpp for how a backend joins. Eviction
// policy is backend-specific and tested with each backend, not here.
#pragma once

#include "harness.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mcpxx::store::contract {

template <class Backend>
class store_cache_contract : public fixture<Backend> {
 protected:
  std::shared_ptr<cache> make() { return this->backend_.make_cache(this->executor()); }
  std::optional<std::string> get(cache& c, std::string_view key) { return this->run(c.get(key)); }
  void put(cache& c, std::string key, std::string value, int ttl_ticks = 1000) {
    this->run(c.put(std::move(key), std::move(value), ttl_ticks * Backend::tick));
  }
};

TYPED_TEST_SUITE_P(store_cache_contract);

TYPED_TEST_P(store_cache_contract, PutThenGet) {
  auto c = this->make();
  EXPECT_EQ(this->get(*c, "k"), std::nullopt);
  this->put(*c, "k", "v1");
  EXPECT_EQ(this->get(*c, "k"), "v1");
  this->put(*c, "k", "v2");
  EXPECT_EQ(this->get(*c, "k"), "v2");
  this->put(*c, "empty", "");
  EXPECT_EQ(this->get(*c, "empty"), std::optional<std::string>(""));  // not a miss
  const std::string binary("\0\xff\n{\"json\":1}", 13);
  this->put(*c, std::string("key\0with nul", 12), binary);
  EXPECT_EQ(this->get(*c, std::string("key\0with nul", 12)), binary);
  EXPECT_EQ(this->get(*c, "key"), std::nullopt);
  const std::string big(256 * 1024, 'b');
  this->put(*c, "big", big);
  EXPECT_EQ(this->get(*c, "big"), big);
}

TYPED_TEST_P(store_cache_contract, EraseRemoves) {
  auto c = this->make();
  this->put(*c, "a", "1");
  this->put(*c, "b", "2");
  this->run(c->erase("a"));
  EXPECT_EQ(this->get(*c, "a"), std::nullopt);
  EXPECT_EQ(this->get(*c, "b"), "2");
  this->run(c->erase("a"));
  this->run(c->erase("never-existed"));
}

TYPED_TEST_P(store_cache_contract, EntriesExpireAfterTheirTtl) {
  auto c = this->make();
  this->put(*c, "short", "s", 10);
  this->put(*c, "long", "l", 30);
  this->advance_ticks(6);
  EXPECT_EQ(this->get(*c, "short"), "s");  // reading does not extend the ttl
  this->advance_ticks(9);
  EXPECT_EQ(this->get(*c, "short"), std::nullopt);
  EXPECT_EQ(this->get(*c, "long"), "l");
  this->put(*c, "short", "again", 10);  // a new put starts a new ttl
  EXPECT_EQ(this->get(*c, "short"), "again");
}

TYPED_TEST_P(store_cache_contract, NonPositiveTtlStoresNothing) {
  auto c = this->make();
  this->put(*c, "k", "old");
  this->put(*c, "k", "new", 0);
  EXPECT_EQ(this->get(*c, "k"), std::nullopt);
  this->run(c->put("neg", "x", std::chrono::milliseconds(-5)));
  EXPECT_EQ(this->get(*c, "neg"), std::nullopt);
}

TYPED_TEST_P(store_cache_contract, ConcurrentUseIsConsistent) {
  auto c = this->make();
  std::vector<std::future<bool>> done;
  for (int w = 0; w < 16; ++w) {
    done.push_back(
        this->pool_.spawn([](std::shared_ptr<cache> c, int w,
                             std::chrono::milliseconds ttl) -> boost::asio::awaitable<bool> {
          for (int i = 0; i < 50; ++i) {
            auto key = "w" + std::to_string(w) + "-" + std::to_string(i % 5);
            auto value = std::to_string(i);
            co_await c->put(key, value, ttl);
            auto got = co_await c->get(key);
            // Keys are private to each writer; best effort allows a miss, never a stale value.
            if (got && *got != value) co_return false;
          }
          co_return true;
        }(c, w, 1000 * TypeParam::tick)));
  }
  for (auto& f : done) EXPECT_TRUE(f.get());
}

REGISTER_TYPED_TEST_SUITE_P(store_cache_contract, PutThenGet, EraseRemoves,
                            EntriesExpireAfterTheirTtl, NonPositiveTtlStoresNothing,
                            ConcurrentUseIsConsistent);

}  // namespace mcpxx::store::contract
