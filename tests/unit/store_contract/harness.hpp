// Shared plumbing of the store contract suites. The suites are written against the
// interfaces only, so that every backend (memory now, Redis later) must pass them
// unchanged; a backend joins by supplying a Backend type (below) and instantiating the
// suites it implements:
//
//   using store_types = ::testing::Types<my_backend>;
//   INSTANTIATE_TYPED_TEST_SUITE_P(redis, store_session_contract, store_types);
//
// Backend requirements (one object per test, default-constructed; tests must not see
// each other's data, e.g. a Redis backend uses a fresh key prefix per object):
//
//   static constexpr std::chrono::milliseconds tick;
//       The unit tests scale every duration by. Expiry must be reliable to well under a
//       tick: tests keep at least 4 ticks between a deadline and what they observe.
//   std::shared_ptr<session_store> make_session_store(any_io_executor, const session_limits&);
//   std::shared_ptr<event_store> make_event_store(any_io_executor, const event_limits&);
//   std::shared_ptr<message_bus> make_message_bus(any_io_executor);
//   std::shared_ptr<nonce_store> make_nonce_store(any_io_executor);
//   std::shared_ptr<cache> make_cache(any_io_executor);
//       A fresh, empty store; only the factories of instantiated suites are needed. The
//       executor belongs to the pool that runs the tests (4 threads) and outlives it.
//   void advance(std::chrono::milliseconds d);
//       Returns once d has passed for every store made by this object: a fake clock
//       moves, a networked backend sleeps.
#pragma once

#include <mcpxx/store/cache.hpp>
#include <mcpxx/store/event_store.hpp>
#include <mcpxx/store/message_bus.hpp>
#include <mcpxx/store/nonce_store.hpp>
#include <mcpxx/store/session_store.hpp>

#include <gtest/gtest.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <thread>
#include <utility>
#include <vector>

namespace mcpxx::store::contract {

struct session_limits {
  std::chrono::milliseconds ttl;
  std::size_t max_sessions;
  std::chrono::milliseconds idle_evict_after;
};

struct event_limits {
  std::size_t max_events_per_stream;
  std::chrono::milliseconds stream_ttl;
};

// Several threads, like production, so that the suites also exercise thread safety.
class io_pool {
 public:
  explicit io_pool(std::size_t threads = 4) : guard_(boost::asio::make_work_guard(io_)) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  // What the stores left running (connections closing after a backend stopped) finishes
  // first: stopping the context under suspended coroutines would leak their frames. Work
  // that does not end by itself is cut off after a grace period.
  ~io_pool() {
    guard_.reset();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!io_.stopped() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    io_.stop();
    for (auto& t : threads_) t.join();
  }
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  boost::asio::any_io_executor executor() { return io_.get_executor(); }

  // Runs the awaitable on the pool and blocks the calling (non-pool) thread for its
  // result; exceptions propagate. A store call that hangs is a bug worth a loud abort
  // rather than a test binary that never ends.
  template <class T>
  T run(boost::asio::awaitable<T> aw) {
    auto fut = spawn(std::move(aw));
    if (fut.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      std::fputs("store contract: a store operation did not complete within 60 s\n", stderr);
      std::abort();
    }
    return fut.get();
  }

  // Starts the awaitable without waiting, to run several concurrently.
  template <class T>
  std::future<T> spawn(boost::asio::awaitable<T> aw) {
    return boost::asio::co_spawn(io_, std::move(aw), boost::asio::use_future);
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

// Polls for something another thread does (e.g. a bus delivery), in real time.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

template <class Backend>
class fixture : public ::testing::Test {
 protected:
  static constexpr std::chrono::milliseconds tick = Backend::tick;

  template <class T>
  T run(boost::asio::awaitable<T> aw) {
    return pool_.run(std::move(aw));
  }
  void advance_ticks(int n) { backend_.advance(n * Backend::tick); }
  boost::asio::any_io_executor executor() { return pool_.executor(); }

  io_pool pool_;  // declared first: outlives the backend and everything it made
  Backend backend_;
};

}  // namespace mcpxx::store::contract
