// Appends per second through an event store (memory, or Redis Streams through the Redis
// backend), from many concurrent writers, and a check that what was appended replays.
//
//   mcpxx-event-bench [--redis URL] [--seconds 5] [--writers 64] [--streams 64] [--bytes 200]
//
// Prints one line: "BENCH events store=<memory|redis> appends_per_s=... writers=... streams=...
// bytes=... secs=... replay_ok=<yes|no>". Without --redis: the memory store.
#include <mcpxx/store/memory.hpp>
#include <mcpxx/store/redis.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
  std::string redis_url;
  int seconds = 5;
  int writers = 64;
  int streams = 64;
  std::size_t bytes = 200;
};

settings parse(int argc, char** argv) {
  settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--redis")
      s.redis_url = value;
    else if (flag == "--seconds")
      s.seconds = std::stoi(value);
    else if (flag == "--writers")
      s.writers = std::stoi(value);
    else if (flag == "--streams")
      s.streams = std::stoi(value);
    else if (flag == "--bytes")
      s.bytes = std::stoul(value);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return s;
}

// Appends to its stream until the deadline; the first id and the count of each writer
// let the replay check see every event of one stream.
asio::awaitable<void> writer(std::shared_ptr<mcpxx::store::event_store> store, std::string stream,
                             std::string payload, clock_type::time_point deadline,
                             std::atomic<long>& appended) {
  while (clock_type::now() < deadline) {
    co_await store->append(stream, payload);
    appended.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto s = parse(argc, argv);
  // Large enough that nothing of a run is trimmed, so the replay check can be exact.
  constexpr std::size_t ring = std::size_t{1} << 22;
  asio::io_context io(2);
  auto guard = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&io] { io.run(); });

  std::shared_ptr<mcpxx::store::redis_backend> redis;
  std::shared_ptr<mcpxx::store::event_store> store;
  if (s.redis_url.empty()) {
    mcpxx::store::memory_event_store_options o;
    o.max_events_per_stream = ring;
    store = std::make_shared<mcpxx::store::memory_event_store>(o);
  } else {
    mcpxx::store::redis_options o;
    o.url = s.redis_url;
    o.key_prefix = "bench:";
    o.max_events_per_stream = ring;
    redis = std::make_shared<mcpxx::store::redis_backend>(io.get_executor(), o);
    for (int i = 0; i < 500 && !redis->ready(); ++i) std::this_thread::sleep_for(10ms);
    if (!redis->ready()) {
      std::fprintf(stderr, "Redis at %s not ready\n", s.redis_url.c_str());
      return 1;
    }
    store = redis->stores().events;
  }

  // One marker per stream first, to replay from afterwards.
  std::vector<std::string> first_ids;
  for (int i = 0; i < s.streams; ++i)
    first_ids.push_back(
        asio::co_spawn(io, store->append("bench-" + std::to_string(i), "start"), asio::use_future)
            .get());

  std::atomic<long> appended{0};
  const std::string payload(s.bytes, 'x');
  const auto start = clock_type::now();
  const auto deadline = start + std::chrono::seconds(s.seconds);
  std::vector<std::future<void>> done;
  for (int w = 0; w < s.writers; ++w)
    done.push_back(asio::co_spawn(
        io, writer(store, "bench-" + std::to_string(w % s.streams), payload, deadline, appended),
        asio::use_future));
  for (auto& f : done) f.get();
  const double secs = std::chrono::duration<double>(clock_type::now() - start).count();

  // Every append of the run replays, exactly once.
  long replayed = 0;
  bool ok = true;
  for (int i = 0; i < s.streams; ++i) {
    auto r = asio::co_spawn(io, store->replay_after(first_ids[i]), asio::use_future).get();
    if (r)
      replayed += static_cast<long>(r->events.size());
    else
      ok = false;  // trimmed past the marker: more than the ring holds
  }
  if (ok && replayed != appended.load()) ok = false;

  std::printf(
      "BENCH events store=%s appends_per_s=%.0f writers=%d streams=%d bytes=%zu secs=%.2f "
      "appended=%ld replay_ok=%s\n",
      redis ? "redis" : "memory", appended.load() / secs, s.writers, s.streams, s.bytes, secs,
      appended.load(), ok ? "yes" : "no");
  if (redis) redis->stop();
  guard.reset();
  io.stop();
  for (auto& t : threads) t.join();
  return 0;
}
