// Contract of mcpxx::store::event_store; see harness.hpp for how a backend joins.
#pragma once

#include "harness.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace mcpxx::store::contract {

// Printable ASCII without space: valid in an SSE `id:` field and unambiguous in logs.
inline bool sse_safe_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x21 && static_cast<unsigned char>(c) <= 0x7E;
  });
}

template <class Backend>
class store_event_contract : public fixture<Backend> {
 protected:
  std::shared_ptr<event_store> make(event_limits limits = {1000, 1000 * Backend::tick}) {
    return this->backend_.make_event_store(this->executor(), limits);
  }
  std::string append(event_store& s, std::string_view stream, std::string data) {
    auto id = this->run(s.append(stream, std::move(data)));
    EXPECT_TRUE(sse_safe_id(id)) << id;
    return id;
  }
  std::optional<replay> replay_after(event_store& s, std::string_view id) {
    return this->run(s.replay_after(id));
  }
};

TYPED_TEST_SUITE_P(store_event_contract);

TYPED_TEST_P(store_event_contract, IdsAreUniqueAcrossStreams) {
  auto store = this->make();
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    for (auto stream : {"a", "b", "c"}) ids.insert(this->append(*store, stream, "x"));
  }
  EXPECT_EQ(ids.size(), 60u);
}

TYPED_TEST_P(store_event_contract, ReplayReturnsTheLaterEventsInOrder) {
  auto store = this->make();
  std::vector<event> sent;
  for (int i = 1; i <= 5; ++i) {
    auto data = "event " + std::to_string(i);
    sent.push_back({this->append(*store, "stream", data), data});
  }
  auto r = this->replay_after(*store, sent[1].id);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stream_id, "stream");
  EXPECT_EQ(r->events, std::vector<event>(sent.begin() + 2, sent.end()));

  r = this->replay_after(*store, sent[0].id);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events, std::vector<event>(sent.begin() + 1, sent.end()));
}

TYPED_TEST_P(store_event_contract, ReplayAfterTheNewestEventIsEmpty) {
  auto store = this->make();
  this->append(*store, "stream", "one");
  auto last = this->append(*store, "stream", "two");
  auto r = this->replay_after(*store, last);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stream_id, "stream");
  EXPECT_TRUE(r->events.empty());
  // Appends after a replay show up in the next one.
  auto next = this->append(*store, "stream", "three");
  r = this->replay_after(*store, last);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events, (std::vector<event>{{next, "three"}}));
}

TYPED_TEST_P(store_event_contract, ReplayCoversOnlyThatStream) {
  auto store = this->make();
  std::map<std::string, std::vector<event>> sent;
  for (int i = 0; i < 10; ++i) {
    for (std::string stream : {"sess-1/get", "sess-1/post-7", "sess-2/get"}) {
      auto data = stream + "#" + std::to_string(i);
      sent[stream].push_back({this->append(*store, stream, data), data});
    }
  }
  for (auto& [stream, events] : sent) {
    auto r = this->replay_after(*store, events[3].id);
    ASSERT_TRUE(r.has_value()) << stream;
    EXPECT_EQ(r->stream_id, stream);
    EXPECT_EQ(r->events, std::vector<event>(events.begin() + 4, events.end())) << stream;
  }
}

TYPED_TEST_P(store_event_contract, StreamIdsAndDataMayHoldAnyBytes) {
  auto store = this->make();
  const std::string stream("s\n1\r\0/ü:.|%20 \x7f\xff", 17);
  const std::string data("line 1\nline 2\r\n\0binary\xff", 23);
  auto first = this->append(*store, stream, "");
  auto second = this->append(*store, stream, data);
  auto r = this->replay_after(*store, first);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stream_id, stream);
  EXPECT_EQ(r->events, (std::vector<event>{{second, data}}));

  const std::string empty_stream;
  auto only = this->append(*store, empty_stream, "x");
  r = this->replay_after(*store, only);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stream_id, empty_stream);
}

TYPED_TEST_P(store_event_contract, GarbledOrForeignIdsYieldNothing) {
  auto store = this->make();
  std::map<std::string, std::vector<event>> sent;
  for (int i = 0; i < 5; ++i) {
    for (std::string stream : {"alpha", "beta"}) {
      auto data = stream + std::to_string(i);
      sent[stream].push_back({this->append(*store, stream, data), data});
    }
  }
  for (std::string id : {std::string(), std::string("0"), std::string("-1"), std::string("...."),
                         std::string("alpha"), std::string("\n"), std::string("1\0002", 3),
                         std::string(100000, 'a'), std::string(1000, '.')}) {
    EXPECT_FALSE(this->replay_after(*store, id).has_value()) << id.substr(0, 40);
  }

  std::mt19937_64 rng(20251125);
  auto random_string = [&rng](std::string_view alphabet, std::size_t max_len) {
    std::string s(rng() % max_len, '\0');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
  };
  std::string bytes(256, '\0');
  for (int i = 0; i < 256; ++i) bytes[i] = static_cast<char>(i);
  const std::string id_like = "0123456789abcdefABCDEF.-_:=";
  for (int i = 0; i < 300; ++i) {
    auto id = random_string(i % 2 ? std::string_view(bytes) : std::string_view(id_like), 120);
    EXPECT_FALSE(this->replay_after(*store, id).has_value()) << id;
  }

  // Mutations of real ids: a mutation may happen to produce another valid id, but it must
  // never yield anything except a suffix of the stream that id names.
  auto consistent = [&](const std::optional<replay>& r) {
    if (!r) return true;
    auto found = sent.find(r->stream_id);
    if (found == sent.end()) return false;
    const auto& all = found->second;
    return r->events.size() <= all.size() &&
           std::equal(r->events.begin(), r->events.end(), all.end() - r->events.size());
  };
  for (const auto& [stream, events] : sent) {
    for (const auto& e : events) {
      const auto& id = e.id;
      std::vector<std::string> variants = {
          id + "0", id + ".", "0" + id, id.substr(1), id.substr(0, id.size() - 1), id + id};
      for (std::size_t pos = 0; pos < id.size(); ++pos) {
        for (char c : {'0', '1', '9', 'a', 'A', '.', '-', '_', '/', '\n', '\0'}) {
          auto v = id;
          v[pos] = c;
          variants.push_back(v);
        }
      }
      for (const auto& v : variants) {
        if (v == id) continue;
        EXPECT_TRUE(consistent(this->replay_after(*store, v))) << v;
      }
    }
  }
}

TYPED_TEST_P(store_event_contract, ErasedStreamIsGone) {
  auto store = this->make();
  auto a1 = this->append(*store, "a", "1");
  this->append(*store, "a", "2");
  auto b1 = this->append(*store, "b", "1");
  auto b2 = this->append(*store, "b", "2");
  this->run(store->erase_stream("a"));
  EXPECT_FALSE(this->replay_after(*store, a1).has_value());
  auto r = this->replay_after(*store, b1);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events, (std::vector<event>{{b2, "2"}}));
  this->run(store->erase_stream("a"));  // already gone: fine
  this->run(store->erase_stream("never-existed"));
}

TYPED_TEST_P(store_event_contract, RingBoundDropsTheOldestEvents) {
  auto store = this->make({3, 1000 * TypeParam::tick});
  std::vector<event> sent;
  for (int i = 1; i <= 5; ++i) {
    auto data = std::to_string(i);
    sent.push_back({this->append(*store, "s", data), data});
  }
  // Kept: 3, 4, 5. Resuming after 2 loses nothing; after 1 it would skip 2.
  auto r = this->replay_after(*store, sent[1].id);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events, std::vector<event>(sent.begin() + 2, sent.end()));
  r = this->replay_after(*store, sent[3].id);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events, std::vector<event>(sent.begin() + 4, sent.end()));
  EXPECT_FALSE(this->replay_after(*store, sent[0].id).has_value());
}

TYPED_TEST_P(store_event_contract, StreamExpiresAfterTtlSinceLastAppend) {
  auto store = this->make({1000, 20 * TypeParam::tick});
  auto e1 = this->append(*store, "s", "1");
  auto other = this->append(*store, "other", "x");
  this->advance_ticks(12);
  auto e2 = this->append(*store, "s", "2");
  this->advance_ticks(12);  // s: 12 ticks since its last append; other: 24
  auto r = this->replay_after(*store, e1);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events, (std::vector<event>{{e2, "2"}}));
  EXPECT_FALSE(this->replay_after(*store, other).has_value());
  this->advance_ticks(13);  // 25 ticks since the last append; the replay above did not count
  EXPECT_FALSE(this->replay_after(*store, e1).has_value());
  EXPECT_FALSE(this->replay_after(*store, e2).has_value());

  // Appending again starts over: new ids work, the expired ones stay dead.
  auto e3 = this->append(*store, "s", "3");
  r = this->replay_after(*store, e3);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->events.empty());
  EXPECT_FALSE(this->replay_after(*store, e2).has_value());
}

TYPED_TEST_P(store_event_contract, ConcurrentAppendsStayOrderedAndUnique) {
  auto store = this->make();
  constexpr int writers = 8;
  constexpr int per_writer = 50;
  auto first = this->append(*store, "shared", "start");
  std::vector<std::future<std::vector<event>>> futures;
  for (int w = 0; w < writers; ++w) {
    futures.push_back(this->pool_.spawn(
        [](std::shared_ptr<event_store> s, int w) -> boost::asio::awaitable<std::vector<event>> {
          // Not `push_back({co_await ..., data})`: GCC 12 miscompiles co_await inside a
          // braced initializer (double free).
          std::vector<event> mine;
          const std::string own = "own-" + std::to_string(w);
          for (int i = 0; i < per_writer; ++i) {
            const std::string data = std::to_string(w) + ":" + std::to_string(i);
            std::string id = co_await s->append("shared", data);
            mine.push_back({std::move(id), data});
            co_await s->append(own, data);
          }
          co_return mine;
        }(store, w)));
  }
  std::map<std::string, std::string> by_id;
  for (auto& f : futures) {
    for (auto& e : f.get()) EXPECT_TRUE(by_id.emplace(e.id, e.data).second) << e.id;
  }
  auto r = this->replay_after(*store, first);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->events.size(), std::size_t{writers * per_writer});
  std::vector<int> next(writers, 0);  // each writer's events appear in its own order
  for (const auto& e : r->events) {
    ASSERT_EQ(by_id.at(e.id), e.data);
    auto w = std::stoi(e.data.substr(0, e.data.find(':')));
    EXPECT_EQ(e.data, std::to_string(w) + ":" + std::to_string(next[w]++));
  }
}

REGISTER_TYPED_TEST_SUITE_P(store_event_contract, IdsAreUniqueAcrossStreams,
                            ReplayReturnsTheLaterEventsInOrder, ReplayAfterTheNewestEventIsEmpty,
                            ReplayCoversOnlyThatStream, StreamIdsAndDataMayHoldAnyBytes,
                            GarbledOrForeignIdsYieldNothing, ErasedStreamIsGone,
                            RingBoundDropsTheOldestEvents, StreamExpiresAfterTtlSinceLastAppend,
                            ConcurrentAppendsStayOrderedAndUnique);

}  // namespace mcpxx::store::contract
