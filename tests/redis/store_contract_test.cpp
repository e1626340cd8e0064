// The store contract suites (tests/unit/store_contract) unchanged on Redis, standalone
// and Cluster: the backend under test is a redis_backend per store, each test under a
// fresh key prefix.
#include "redis_env.hpp"

#include <mcpxx/store/redis.hpp>

#include "store_contract/cache_contract.hpp"
#include "store_contract/event_store_contract.hpp"
#include "store_contract/message_bus_contract.hpp"
#include "store_contract/nonce_store_contract.hpp"
#include "store_contract/session_store_contract.hpp"

#include <atomic>
#include <random>
#include <thread>

namespace {

using namespace std::chrono_literals;
using namespace mcpxx::store;

std::string fresh_prefix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return "test" + std::to_string(rd()) + "-" + std::to_string(counter++) + ":";
}

template <const char* Which>
struct redis_test_backend {
  static constexpr std::chrono::milliseconds tick{50};

  redis_options options() const {
    redis_options o;
    o.url = mcpxx::test::redis_url(Which);
    o.key_prefix = prefix;
    return o;
  }
  backend make(boost::asio::any_io_executor ex, redis_options o) {
    auto b = std::make_shared<redis_backend>(ex, std::move(o));
    // Ready before the test starts: contract tests time their own steps.
    for (int i = 0; i < 500 && !b->ready(); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(b->ready()) << "Redis " << Which << " did not become ready";
    std::this_thread::sleep_for(20ms);  // the session store's invalidation subscription
    backends.push_back(b);
    return b->stores();
  }

  std::shared_ptr<session_store> make_session_store(boost::asio::any_io_executor ex,
                                                    const contract::session_limits& l) {
    auto o = options();
    o.session_ttl = l.ttl;
    o.max_sessions = l.max_sessions;
    o.idle_evict_after = l.idle_evict_after;
    return make(ex, o).sessions;
  }
  std::shared_ptr<event_store> make_event_store(boost::asio::any_io_executor ex,
                                                const contract::event_limits& l) {
    auto o = options();
    o.max_events_per_stream = l.max_events_per_stream;
    o.event_stream_ttl = l.stream_ttl;
    return make(ex, o).events;
  }
  std::shared_ptr<message_bus> make_message_bus(boost::asio::any_io_executor ex) {
    return make(ex, options()).bus;
  }
  std::shared_ptr<nonce_store> make_nonce_store(boost::asio::any_io_executor ex) {
    return make(ex, options()).nonces;
  }
  std::shared_ptr<cache> make_cache(boost::asio::any_io_executor ex) {
    return make(ex, options()).results;
  }
  void advance(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

  std::string prefix = fresh_prefix();
  std::vector<std::shared_ptr<redis_backend>> backends;
};

constexpr char standalone[] = "standalone";
constexpr char cluster[] = "cluster";
constexpr char tls[] = "tls";  // TLS, and AUTH as an ACL user
using standalone_types = ::testing::Types<redis_test_backend<standalone>>;
using cluster_types = ::testing::Types<redis_test_backend<cluster>>;
using tls_types = ::testing::Types<redis_test_backend<tls>>;

}  // namespace

namespace mcpxx::store::contract {
INSTANTIATE_TYPED_TEST_SUITE_P(redis, store_session_contract, standalone_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis, store_bus_contract, standalone_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis, store_event_contract, standalone_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis, store_nonce_contract, standalone_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis, store_cache_contract, standalone_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis_cluster, store_session_contract, cluster_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis_cluster, store_bus_contract, cluster_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis_cluster, store_event_contract, cluster_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis_cluster, store_nonce_contract, cluster_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis_cluster, store_cache_contract, cluster_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis_tls, store_session_contract, tls_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis_tls, store_bus_contract, tls_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis_tls, store_event_contract, tls_types);
INSTANTIATE_TYPED_TEST_SUITE_P(redis_tls, store_nonce_contract, tls_types);
}  // namespace mcpxx::store::contract
