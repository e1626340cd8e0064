// What the Redis backend promises beyond the store contracts: replicas sharing one Redis
// see each other's session writes at once (cached sessions are invalidated), and a
// server that cannot be used (bad password, untrusted certificate) is reported, never
// half-used.
#include "redis_env.hpp"

#include <mcpxx/store/redis.hpp>
#include <mcpxx/store/unavailable.hpp>

#include "store/redis/client.hpp"
#include "store_contract/harness.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <future>
#include <iterator>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace {

using namespace std::chrono_literals;
using namespace mcpxx::store;
using contract::eventually;
using contract::io_pool;

std::string fresh_prefix() {
  std::random_device rd;
  return "backend-test" + std::to_string(rd()) + ":";
}

std::shared_ptr<redis_backend> connect(io_pool& pool, const std::string& url,
                                       const std::string& prefix) {
  redis_options o;
  o.url = url;
  o.key_prefix = prefix;
  return std::make_shared<redis_backend>(pool.executor(), o);
}

// A client of its own, for commands the stores do not send (SCRIPT FLUSH, EXISTS, CLUSTER
// SETSLOT, MIGRATE).
std::shared_ptr<mcpxx::store::redis::client> admin_client(io_pool& pool, const std::string& url) {
  redis_options o;
  o.url = url;
  auto c = std::make_shared<mcpxx::store::redis::client>(pool.executor(), redis_url::parse(url), o);
  c->start();
  return c;
}

// The last reply as text (integers in decimal); an error reply throws. `key` routes the
// pipeline on Cluster.
std::string admin(io_pool& pool, mcpxx::store::redis::client& c,
                  std::vector<mcpxx::store::redis::command> cmds, std::string_view key = "") {
  auto replies = pool.run(c.exec(key, std::move(cmds)));
  const auto& last = replies.back();
  if (last.is_error()) throw std::runtime_error("Redis said: " + last.str);
  return last.type == mcpxx::store::redis::reply::kind::integer ? std::to_string(last.integer)
                                                                : last.str;
}

session_record session(std::string id) {
  session_record r;
  r.id = std::move(id);
  r.protocol_version = "2025-11-25";
  r.principal = "alice";
  return r;
}

// Two replicas (backends) sharing one Redis under one fresh key prefix, ready and subscribed.
struct replica_pair {
  std::string prefix;
  std::shared_ptr<redis_backend> a, b;
  std::shared_ptr<session_store> on_a, on_b;

  void start(io_pool& pool, const std::string& url) {
    prefix = fresh_prefix();
    a = connect(pool, url, prefix);
    b = connect(pool, url, prefix);
    ASSERT_TRUE(eventually([&] { return a->ready() && b->ready(); }));
    std::this_thread::sleep_for(50ms);  // invalidation subscriptions
    on_a = a->stores().sessions;
    on_b = b->stores().sessions;
  }
};

struct with_pool {
  io_pool pool;
};

// The pool is a base before the pair: it is built first and goes last, after the backends.
class RedisReplicas : public ::testing::TestWithParam<const char*>,
                      protected with_pool,
                      protected replica_pair {
 protected:
  void SetUp() override { start(pool, mcpxx::test::redis_url(GetParam())); }
};

TEST_P(RedisReplicas, WritesOnOneReplicaReachTheOthersCaches) {
  ASSERT_EQ(pool.run(on_a->create(session("s1"))), create_result::created);
  auto seen = pool.run(on_b->load("s1"));  // now cached on b
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(seen->log_level, "");

  auto changed = session("s1");
  changed.log_level = "warning";
  ASSERT_TRUE(pool.run(on_a->update(changed)));
  // Long before b's cache would refresh on its own (a minute).
  EXPECT_TRUE(eventually(
      [&] {
        auto r = pool.run(on_b->load("s1"));
        return r && r->log_level == "warning";
      },
      2s));

  ASSERT_TRUE(pool.run(on_a->erase("s1")));
  EXPECT_TRUE(eventually([&] { return pool.run(on_b->load("s1")) == nullptr; }, 2s));
  EXPECT_FALSE(pool.run(on_b->update(changed)));  // the failed load left no husk behind
}

// The other direction: the creator caches its session too, so a write through another
// replica must reach it.
TEST_P(RedisReplicas, WritesThroughAnotherReplicaReachTheCreator) {
  ASSERT_EQ(pool.run(on_a->create(session("s1"))), create_result::created);
  ASSERT_NE(pool.run(on_a->load("s1")), nullptr);  // served from a's cache
  auto changed = session("s1");
  changed.log_level = "debug";
  ASSERT_TRUE(pool.run(on_b->update(changed)));
  EXPECT_TRUE(eventually(
      [&] {
        auto r = pool.run(on_a->load("s1"));
        return r && r->log_level == "debug";
      },
      2s));
  ASSERT_TRUE(pool.run(on_b->erase("s1")));
  EXPECT_TRUE(eventually([&] { return pool.run(on_a->load("s1")) == nullptr; }, 2s));
}

// Invalidations go out only when another replica caches the session: a session served
// by one replica costs no pub/sub message at all.
TEST_P(RedisReplicas, InvalidationsGoOnlyToReplicasThatCacheTheSession) {
  std::atomic<int> heard{0};
  auto listener = pool.run(b->stores().bus->subscribe(
      "session-invalidate", [&](std::string_view) { heard.fetch_add(1); }));

  auto changed = session("alone");
  changed.log_level = "info";
  ASSERT_EQ(pool.run(on_a->create(session("alone"))), create_result::created);
  ASSERT_TRUE(pool.run(on_a->update(changed)));
  ASSERT_TRUE(pool.run(on_a->erase("alone")));

  ASSERT_EQ(pool.run(on_a->create(session("shared"))), create_result::created);
  ASSERT_NE(pool.run(on_b->load("shared")), nullptr);
  changed.id = "shared";
  ASSERT_TRUE(pool.run(on_a->update(changed)));
  EXPECT_TRUE(eventually([&] { return heard.load() == 1; }, 2s));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(heard.load(), 1) << "the writes on a session only a caches told nobody";
  ASSERT_TRUE(pool.run(on_a->erase("shared")));
  EXPECT_TRUE(eventually([&] { return heard.load() == 2; }, 2s)) << "the erase told b";
}

// A load marks the session as cached with HSET, which creates a hash when there is no
// session: that husk is never taken for a session, and it is deleted at once.
TEST_P(RedisReplicas, LoadingAnUnknownSessionLeavesNothingBehind) {
  EXPECT_EQ(pool.run(on_a->load("never-created")), nullptr);
  EXPECT_EQ(pool.run(on_b->load("never-created")), nullptr);
  EXPECT_FALSE(pool.run(on_a->update(session("never-created"))));
  auto c = admin_client(pool, mcpxx::test::redis_url(GetParam()));
  const auto key = prefix + "mcp-session-{never-created}";
  EXPECT_EQ(admin(pool, *c, {{"EXISTS", key}}, key), "0");
  c->stop();
}

INSTANTIATE_TEST_SUITE_P(topologies, RedisReplicas, ::testing::Values("standalone", "cluster"));

TEST(RedisBackend, EverySessionOfAClusterIsReachable) {
  io_pool pool;
  auto b = connect(pool, mcpxx::test::redis_url("cluster"), fresh_prefix());
  ASSERT_TRUE(eventually([&] { return b->ready(); }));
  auto sessions = b->stores().sessions;
  for (int i = 0; i < 30; ++i)
    ASSERT_EQ(pool.run(sessions->create(session("spread-" + std::to_string(i)))),
              create_result::created);
  for (int i = 0; i < 30; ++i)
    EXPECT_NE(pool.run(sessions->load("spread-" + std::to_string(i))), nullptr) << i;
}

// A replica serves a session from its cache for at most the refresh interval: a change that
// reached Redis without an invalidation (written by hand here) shows up after it, not before,
// also once the cache's generations have turned over (the pause before the last round outlasts
// two intervals). A new session per round: its creation, which caches it, bounds when the entry
// was fetched from below.
TEST(RedisBackend, ACachedSessionIsServedForAtMostTheRefreshInterval) {
  io_pool pool;
  const auto url = mcpxx::test::redis_url("standalone");
  redis_options o;
  o.url = url;
  o.key_prefix = fresh_prefix();
  o.session_refresh = 1s;
  auto b = std::make_shared<redis_backend>(pool.executor(), o);
  ASSERT_TRUE(eventually([&] { return b->ready(); }));
  std::this_thread::sleep_for(50ms);  // the invalidation subscription; the cache needs it
  auto sessions = b->stores().sessions;
  auto c = admin_client(pool, url);
  for (std::string level : {"debug", "error", "info"}) {
    if (level == "info") std::this_thread::sleep_for(2200ms);
    const auto id = "refresh-" + level;
    const auto key = o.key_prefix + "mcp-session-{" + id + "}";
    const auto created_at = std::chrono::steady_clock::now();
    ASSERT_EQ(pool.run(sessions->create(session(id))), create_result::created);
    admin(pool, *c, {{"HSET", key, "log_level", level}}, key);
    auto cached = pool.run(sessions->load(id));
    ASSERT_NE(cached, nullptr);
    if (std::chrono::steady_clock::now() - created_at < 500ms) {  // else the machine stalled
      EXPECT_NE(cached->log_level, level) << "served from the cache";
    }
    EXPECT_TRUE(eventually(
        [&] {
          auto r = pool.run(sessions->load(id));
          return r && r->log_level == level;
        },
        3s))
        << level;
    EXPECT_GE(std::chrono::steady_clock::now() - created_at, 990ms) << "cached for too short";
  }
  c->stop();
}

// SCRIPT FLUSH on the server, through a client of its own.
void forget_scripts(io_pool& pool, const std::string& url) {
  auto c = admin_client(pool, url);
  EXPECT_EQ(admin(pool, *c, {{"SCRIPT", "FLUSH"}}), "OK");
  c->stop();
}

// A server that lost its scripts (a restart, a failover to a replica that never ran them)
// answers EVALSHA with NOSCRIPT: each session operation then sends the script text once.
TEST(RedisBackend, SessionsKeepWorkingWhenTheServerForgetsItsScripts) {
  io_pool pool;
  const auto url = mcpxx::test::redis_url("standalone");
  replica_pair replicas;
  ASSERT_NO_FATAL_FAILURE(replicas.start(pool, url));
  auto& on_a = replicas.on_a;
  auto& on_b = replicas.on_b;

  forget_scripts(pool, url);
  ASSERT_EQ(pool.run(on_a->create(session("noscript"))), create_result::created);  // no script
  forget_scripts(pool, url);
  auto loaded = pool.run(on_b->load("noscript"));  // not cached on b: a transaction
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->principal, "alice");
  forget_scripts(pool, url);
  auto changed = session("noscript");
  changed.log_level = "error";
  EXPECT_TRUE(pool.run(on_a->update(changed)));  // replace
  forget_scripts(pool, url);
  EXPECT_TRUE(pool.run(on_b->erase("noscript")));  // a transaction, no script
  EXPECT_TRUE(eventually([&] { return pool.run(on_a->load("noscript")) == nullptr; }, 2s));

  // The admission script runs only over the cap.
  redis_options o;
  o.url = url;
  o.key_prefix = fresh_prefix();
  o.max_sessions = 1;
  auto capped = std::make_shared<redis_backend>(pool.executor(), o);
  ASSERT_TRUE(eventually([&] { return capped->ready(); }));
  auto sessions = capped->stores().sessions;
  ASSERT_EQ(pool.run(sessions->create(session("first"))), create_result::created);
  forget_scripts(pool, url);
  EXPECT_EQ(pool.run(sessions->create(session("second"))), create_result::full);
  EXPECT_EQ(pool.run(sessions->load("second")), nullptr);
}

struct cluster_primary {
  std::string id;
  std::string port;
  std::vector<std::pair<int, int>> slots;
  bool serves(int slot) const {
    for (auto [from, to] : slots)
      if (slot >= from && slot <= to) return true;
    return false;
  }
};

// The primaries as CLUSTER NODES lists them.
std::vector<cluster_primary> primaries(io_pool& pool, mcpxx::store::redis::client& c) {
  std::vector<cluster_primary> out;
  std::istringstream lines(admin(pool, c, {{"CLUSTER", "NODES"}}));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
    if (w.size() < 8 || w[2].find("master") == std::string::npos) continue;
    cluster_primary p{w[0], w[1].substr(w[1].find(':') + 1), {}};
    p.port = p.port.substr(0, p.port.find('@'));
    for (std::size_t i = 8; i < w.size(); ++i) {
      if (w[i].starts_with("[")) continue;  // a slot being migrated or imported
      auto dash = w[i].find('-');
      int from = std::stoi(w[i].substr(0, dash));
      p.slots.emplace_back(from,
                           dash == std::string::npos ? from : std::stoi(w[i].substr(dash + 1)));
    }
    out.push_back(std::move(p));
  }
  return out;
}

// A slot being migrated: its keys already moved answer ASK on the source, so every session
// operation must follow the redirection (with ASKING, once before a MULTI transaction).
TEST(RedisBackend, SessionsWorkWhileTheirSlotMigrates) {
  io_pool pool;
  const auto url = mcpxx::test::redis_url("cluster");
  replica_pair replicas;
  ASSERT_NO_FATAL_FAILURE(replicas.start(pool, url));
  auto& on_a = replicas.on_a;
  auto& on_b = replicas.on_b;
  const auto& prefix = replicas.prefix;
  ASSERT_EQ(pool.run(on_a->create(session("moving"))), create_result::created);

  const auto key = prefix + "mcp-session-{moving}";
  const int slot = mcpxx::store::redis::key_slot(key);
  auto any = admin_client(pool, url);
  auto nodes = primaries(pool, *any);
  ASSERT_GE(nodes.size(), 2u);
  auto source_at =
      std::find_if(nodes.begin(), nodes.end(), [&](auto& n) { return n.serves(slot); });
  ASSERT_NE(source_at, nodes.end());
  const auto source = *source_at;
  const auto target = source_at == nodes.begin() ? nodes[1] : nodes.front();
  auto on_source = admin_client(pool, "redis://127.0.0.1:" + source.port);
  auto on_target = admin_client(pool, "redis://127.0.0.1:" + target.port);
  const auto slot_text = std::to_string(slot);

  bool moved = false;
  struct restore {  // a failure half-way leaves no slot stuck in migration
    std::function<void()> fn;
    ~restore() { fn(); }
  } guard{[&] {
    if (moved) return;
    try {
      admin(pool, *on_source, {{"CLUSTER", "SETSLOT", slot_text, "STABLE"}});
      admin(pool, *on_target, {{"CLUSTER", "SETSLOT", slot_text, "STABLE"}});
    } catch (const std::exception&) {
    }
  }};

  ASSERT_EQ(admin(pool, *on_target, {{"CLUSTER", "SETSLOT", slot_text, "IMPORTING", source.id}}),
            "OK");
  ASSERT_EQ(admin(pool, *on_source, {{"CLUSTER", "SETSLOT", slot_text, "MIGRATING", target.id}}),
            "OK");
  ASSERT_EQ(admin(pool, *on_source,
                  {{"MIGRATE", "127.0.0.1", target.port, "", "0", "5000", "KEYS", key}}),
            "OK");

  // The key is on the target now; the source answers ASK for it.
  auto loaded = pool.run(on_b->load("moving"));  // not cached on b: a load script
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->principal, "alice");
  auto changed = session("moving");
  changed.log_level = "notice";
  EXPECT_TRUE(pool.run(on_a->update(changed)));  // the replace script
  EXPECT_TRUE(eventually(
      [&] {
        auto r = pool.run(on_b->load("moving"));
        return r && r->log_level == "notice";
      },
      2s));
  EXPECT_TRUE(pool.run(on_b->erase("moving")));  // MULTI/EXEC
  EXPECT_TRUE(eventually([&] { return pool.run(on_a->load("moving")) == nullptr; }, 2s));
  EXPECT_EQ(admin(pool, *on_target, {{"ASKING"}, {"EXISTS", key}}), "0");
  EXPECT_FALSE(pool.run(on_b->erase("moving")));

  for (const auto& n : nodes) {
    auto c = admin_client(pool, "redis://127.0.0.1:" + n.port);
    admin(pool, *c, {{"CLUSTER", "SETSLOT", slot_text, "NODE", target.id}});
    c->stop();
  }
  moved = true;
  // Owned by the target now: MOVED, then the new slot map.
  ASSERT_EQ(pool.run(on_a->create(session("moving"))), create_result::created);
  EXPECT_EQ(admin(pool, *on_target, {{"EXISTS", key}}), "1");
  EXPECT_TRUE(pool.run(on_b->erase("moving")));
  EXPECT_EQ(admin(pool, *on_target, {{"EXISTS", key}}), "0");
  for (auto* c : {any.get(), on_source.get(), on_target.get()}) c->stop();
}

void expect_never_ready(const char* which) {
  io_pool pool;
  auto b = connect(pool, mcpxx::test::redis_url(which), fresh_prefix());
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(b->ready()) << which;
  auto nonces = b->stores().nonces;
  EXPECT_THROW(pool.run(nonces->consume("n", 1s)), unavailable) << which;
}

TEST(RedisBackend, AWrongPasswordIsNeverReady) {
  expect_never_ready("tls_wrong_password");
}

TEST(RedisBackend, AnUntrustedCertificateIsNeverReady) {
  expect_never_ready("tls_untrusted");
}

// A TCP peer that accepts connections and never says a word (a hung Redis, a black-holing
// proxy): it notes when each connection came and when the client closed it.
class silent_peer {
  using tcp = boost::asio::ip::tcp;

 public:
  silent_peer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~silent_peer() {
    boost::asio::post(io_, [this] { io_.stop(); });
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  struct visit {
    std::chrono::steady_clock::time_point came;
    std::optional<std::chrono::steady_clock::time_point> closed;
  };
  std::vector<visit> visits() {
    std::lock_guard lock(mutex_);
    return visits_;
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      std::size_t i;
      {
        std::lock_guard lock(mutex_);
        i = visits_.size();
        visits_.push_back({std::chrono::steady_clock::now(), {}});
      }
      auto socket = std::make_shared<tcp::socket>(std::move(s));
      auto buf = std::make_shared<std::array<char, 512>>();
      drain(socket, buf, i);
      accept();
    });
  }
  void drain(std::shared_ptr<tcp::socket> s, std::shared_ptr<std::array<char, 512>> buf,
             std::size_t i) {
    s->async_read_some(boost::asio::buffer(*buf),
                       [=, this](boost::system::error_code ec, std::size_t) {
                         if (!ec) return drain(s, buf, i);
                         std::lock_guard lock(mutex_);
                         visits_[i].closed = std::chrono::steady_clock::now();
                       });
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<visit> visits_;
};

TEST(RedisBackend, AServerThatNeverAnswersIsLeftAfterTheConnectTimeout) {
  // The password makes the client wait for AUTH's reply, inside the connect deadline.
  silent_peer peer;
  io_pool pool;
  redis_options o;
  o.url = "redis://:secret@127.0.0.1:" + std::to_string(peer.port());
  o.key_prefix = fresh_prefix();
  o.connect_timeout = 300ms;
  auto b = std::make_shared<redis_backend>(pool.executor(), o);
  ASSERT_TRUE(eventually([&] {
    auto v = peer.visits();
    return std::count_if(v.begin(), v.end(), [](auto& x) { return x.closed.has_value(); }) >= 2;
  }));
  EXPECT_FALSE(b->ready());
  for (const auto& v : peer.visits()) {
    if (!v.closed) continue;
    const auto held = *v.closed - v.came;
    EXPECT_GE(held, 100ms);  // the deadline closed it, not something at once (slack: CI load)
    EXPECT_LT(held, 2s);
  }
}

TEST(RedisBackend, StoppedRightAfterStartItLeavesNoWorkBehind) {
  // stop() ran while the connections were still resolving the address (no socket to close
  // yet): they connected afterwards and waited for replies forever, so the io_context never
  // ran out of work. Run by hand after stop(), it must now return.
  for (const char* which : {"standalone", "cluster"}) {
    boost::asio::io_context io;
    redis_options o;
    o.url = mcpxx::test::redis_url(which);
    o.key_prefix = fresh_prefix();
    auto b = std::make_shared<redis_backend>(io.get_executor(), o);
    b->stop();
    auto ran = std::async(std::launch::async, [&io] { io.run(); });
    const bool returned = ran.wait_for(10s) == std::future_status::ready;
    EXPECT_TRUE(returned) << which;
    if (!returned) {
      io.stop();
      ran.wait();
    }
  }
}

TEST(RedisBackend, RequestsRightAfterStartWaitForTheFirstConnection) {
  // A replica serves HTTP at once; its first requests must not fail while Redis is
  // still being connected to.
  for (const char* which : {"standalone", "cluster"}) {
    io_pool pool;
    auto b = connect(pool, mcpxx::test::redis_url(which), fresh_prefix());
    EXPECT_TRUE(pool.run(b->stores().nonces->consume("first", 10s))) << which;
  }
}

TEST(RedisBackend, ACommandSentAsTheFirstConnectionOpensWaitsForIt) {
  // The moment a pool's first connection comes up was a race: a command that found none
  // connected, then saw one counted as opened before it was marked connected, failed with
  // "not connected". Many fresh clients, each used at once, on four threads.
  io_pool pool;
  const auto url = mcpxx::test::redis_url("standalone");
  for (int i = 0; i < 500; ++i) {
    auto c = admin_client(pool, url);
    EXPECT_EQ(admin(pool, *c, {{"PING"}}), "PONG") << i;
    c->stop();
  }
}

TEST(RedisBackend, TheDatabaseIndexSeparatesDeployments) {
  io_pool pool;
  const auto prefix = fresh_prefix();
  const auto url = mcpxx::test::redis_url("standalone");
  auto in_db0 = connect(pool, url, prefix);
  auto in_db3 = connect(pool, url + "/3", prefix);
  ASSERT_TRUE(eventually([&] { return in_db0->ready() && in_db3->ready(); }));
  EXPECT_TRUE(pool.run(in_db3->stores().nonces->consume("n", 10s)));
  EXPECT_FALSE(pool.run(in_db3->stores().nonces->consume("n", 10s)));
  EXPECT_TRUE(pool.run(in_db0->stores().nonces->consume("n", 10s)));  // another keyspace
}

// Its connections build their strands on the io_context's own executor.
TEST(RedisBackend, RefusesAnExecutorThatIsNotAnIoContexts) {
  redis_options o;
  o.url = mcpxx::test::redis_url("standalone");
  boost::asio::thread_pool workers(1);
  EXPECT_THROW(redis_backend(workers.get_executor(), o), std::invalid_argument);
  boost::asio::io_context io;
  EXPECT_THROW(redis_backend(boost::asio::make_strand(io), o), std::invalid_argument);
  EXPECT_NO_THROW(redis_backend(io.get_executor(), o));
  workers.join();
}

TEST(RedisBackend, TheDefaultUserAuthenticatesWithAPasswordOnly) {
  io_pool pool;
  auto b = connect(pool, mcpxx::test::redis_url("tls_default_user"), fresh_prefix());
  ASSERT_TRUE(eventually([&] { return b->ready(); }));
  auto nonces = b->stores().nonces;
  EXPECT_TRUE(pool.run(nonces->consume("once", 10s)));
  EXPECT_FALSE(pool.run(nonces->consume("once", 10s)));
}

}  // namespace
