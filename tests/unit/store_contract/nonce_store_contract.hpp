// Contract of mcpxx::store::nonce_store; see harness.hpp for how a backend joins.
#pragma once

#include "harness.hpp"

#include <string>
#include <vector>

namespace mcpxx::store::contract {

template <class Backend>
class store_nonce_contract : public fixture<Backend> {
 protected:
  std::shared_ptr<nonce_store> make() { return this->backend_.make_nonce_store(this->executor()); }
  bool consume(nonce_store& s, std::string nonce, int ttl_ticks) {
    return this->run(s.consume(std::move(nonce), ttl_ticks * Backend::tick));
  }
};

TYPED_TEST_SUITE_P(store_nonce_contract);

TYPED_TEST_P(store_nonce_contract, OnlyTheFirstConsumeSucceeds) {
  auto store = this->make();
  EXPECT_TRUE(this->consume(*store, "n1", 100));
  EXPECT_FALSE(this->consume(*store, "n1", 100));
  EXPECT_FALSE(this->consume(*store, "n1", 1));  // a new ttl does not reset it
  EXPECT_TRUE(this->consume(*store, "n2", 100));
  EXPECT_TRUE(this->consume(*store, "N1", 100));
  EXPECT_TRUE(this->consume(*store, "", 100));
  EXPECT_FALSE(this->consume(*store, "", 100));
  EXPECT_TRUE(this->consume(*store, std::string("n\0x", 3), 100));
  EXPECT_TRUE(this->consume(*store, std::string("n\0y", 3), 100));
  EXPECT_FALSE(this->consume(*store, std::string("n\0x", 3), 100));
}

TYPED_TEST_P(store_nonce_contract, ForgottenAfterItsTtl) {
  auto store = this->make();
  EXPECT_TRUE(this->consume(*store, "short", 5));
  EXPECT_TRUE(this->consume(*store, "long", 20));
  this->advance_ticks(1);
  EXPECT_FALSE(this->consume(*store, "short", 5));
  this->advance_ticks(9);  // both 10 ticks old
  EXPECT_TRUE(this->consume(*store, "short", 5));
  EXPECT_FALSE(this->consume(*store, "short", 5));
  EXPECT_FALSE(this->consume(*store, "long", 20));
}

TYPED_TEST_P(store_nonce_contract, ConcurrentConsumersHaveExactlyOneWinner) {
  auto store = this->make();
  for (int round = 0; round < 20; ++round) {
    auto nonce = "contested-" + std::to_string(round);
    std::vector<std::future<bool>> results;
    for (int i = 0; i < 16; ++i) {
      results.push_back(this->pool_.spawn(store->consume(nonce, 100 * TypeParam::tick)));
    }
    int winners = 0;
    for (auto& r : results) winners += r.get() ? 1 : 0;
    EXPECT_EQ(winners, 1) << nonce;
  }
}

REGISTER_TYPED_TEST_SUITE_P(store_nonce_contract, OnlyTheFirstConsumeSucceeds, ForgottenAfterItsTtl,
                            ConcurrentConsumersHaveExactlyOneWinner);

}  // namespace mcpxx::store::contract
