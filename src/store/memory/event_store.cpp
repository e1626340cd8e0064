#include "store/base64url.hpp"
#include "store/memory/common.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <deque>
#include <iterator>
#include <list>
#include <mutex>
#include <random>
#include <unordered_map>
#include <utility>

namespace mcpxx::store {
namespace {

using time_point = std::chrono::steady_clock::time_point;
using detail::base64url_decode;
using detail::base64url_encode;

std::string random_instance_tag() {
  std::random_device rd;
  std::uint64_t v = (std::uint64_t{rd()} << 32) ^ rd();
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = "0123456789abcdef"[v & 0xF];
  return out;
}

std::string make_id(std::string_view instance, std::uint64_t generation, std::uint64_t seq,
                    std::string_view stream_b64) {
  std::string out;
  out.reserve(instance.size() + stream_b64.size() + 44);
  out.append(instance).push_back('.');
  out.append(std::to_string(generation)).push_back('.');
  out.append(std::to_string(seq)).push_back('.');
  out.append(stream_b64);
  return out;
}

struct parsed_id {
  std::uint64_t generation = 0;
  std::uint64_t seq = 0;
  std::string stream_id;
};

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<parsed_id> parse_id(std::string_view id, std::string_view instance) {
  auto next_field = [&id]() -> std::optional<std::string_view> {
    auto dot = id.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    auto field = id.substr(0, dot);
    id.remove_prefix(dot + 1);
    return field;
  };
  const std::string_view whole = id;
  auto inst = next_field();
  if (!inst || *inst != instance) return std::nullopt;
  auto gen_text = next_field();
  auto seq_text = next_field();
  if (!gen_text || !seq_text) return std::nullopt;
  auto gen = parse_decimal(*gen_text);
  auto seq = parse_decimal(*seq_text);
  auto stream = base64url_decode(id);
  if (!gen || !seq || !stream) return std::nullopt;
  if (make_id(instance, *gen, *seq, id) != whole || base64url_encode(*stream) != id) {
    return std::nullopt;
  }
  return parsed_id{*gen, *seq, std::move(*stream)};
}

struct stream {
  std::string id;
  std::uint64_t generation = 0;
  // Sequence of the newest event. Sequences are contiguous, so events holds
  // (last_seq - events.size(), last_seq].
  std::uint64_t last_seq = 0;
  std::deque<std::string> events;  // oldest first
  time_point last_append;
};

struct shard {
  std::mutex mu;
  // Front = most recent append. The TTL is the same for every stream, so this is also
  // expiry order: expired streams gather at the back.
  std::list<stream> lru;
  std::unordered_map<std::string_view, std::list<stream>::iterator> index;  // views stream::id
};

}  // namespace

struct memory_event_store::impl {
  explicit impl(options o) : opts(std::move(o)), instance(random_instance_tag()) {
    opts.clock = memory_detail::resolve_clock(opts.clock);
    opts.max_events_per_stream = std::max<std::size_t>(opts.max_events_per_stream, 1);
  }

  options opts;
  const std::string instance;
  std::array<shard, memory_detail::shard_count> shards;
  std::atomic<std::uint64_t> next_generation{1};
  std::atomic<std::size_t> streams{0};
  std::atomic<std::size_t> sweep{0};

  shard& shard_for(std::string_view id) { return shards[memory_detail::shard_of(id)]; }

  bool expired(const stream& st, time_point now) const {
    return now - st.last_append >= opts.stream_ttl;
  }

  void drop(shard& s, std::list<stream>::iterator it) {
    s.index.erase(std::string_view(it->id));
    s.lru.erase(it);
    streams.fetch_sub(1, std::memory_order_relaxed);
  }

  void purge_locked(shard& s, time_point now) {
    while (!s.lru.empty() && expired(s.lru.back(), now)) drop(s, std::prev(s.lru.end()));
  }

  std::string append(std::string_view stream_id, std::string data) {
    std::uint64_t generation = 0;
    std::uint64_t seq = 0;
    {
      auto& s = shard_for(stream_id);
      std::lock_guard lock(s.mu);
      auto now = opts.clock();
      purge_locked(s, now);  // so that a found stream is a live one
      auto it = s.lru.end();
      if (auto found = s.index.find(stream_id); found != s.index.end()) {
        it = found->second;
        s.lru.splice(s.lru.begin(), s.lru, it);
      } else {
        it = s.lru.emplace(s.lru.begin());
        it->id = stream_id;
        it->generation = next_generation.fetch_add(1, std::memory_order_relaxed);
        s.index.emplace(it->id, it);
        streams.fetch_add(1, std::memory_order_relaxed);
      }
      it->events.push_back(std::move(data));
      ++it->last_seq;
      if (it->events.size() > opts.max_events_per_stream) it->events.pop_front();
      it->last_append = now;
      generation = it->generation;
      seq = it->last_seq;
    }
    auto& other = shards[sweep.fetch_add(1, std::memory_order_relaxed) % shards.size()];
    {
      std::lock_guard lock(other.mu);
      purge_locked(other, opts.clock());
    }
    return make_id(instance, generation, seq, base64url_encode(stream_id));
  }

  std::optional<replay> replay_after(std::string_view last_event_id) {
    auto parsed = parse_id(last_event_id, instance);
    if (!parsed || parsed->seq == 0) return std::nullopt;
    replay out;
    std::uint64_t first_seq = 0;
    {
      auto& s = shard_for(parsed->stream_id);
      std::lock_guard lock(s.mu);
      auto found = s.index.find(parsed->stream_id);
      if (found == s.index.end()) return std::nullopt;
      auto& st = *found->second;
      if (expired(st, opts.clock())) {
        drop(s, found->second);
        return std::nullopt;
      }
      if (st.generation != parsed->generation || parsed->seq > st.last_seq) return std::nullopt;
      const std::uint64_t first_kept = st.last_seq - st.events.size() + 1;
      if (parsed->seq + 1 < first_kept) return std::nullopt;  // events after it were dropped
      const auto skip = static_cast<std::ptrdiff_t>(parsed->seq + 1 - first_kept);
      out.events.reserve(st.events.size() - static_cast<std::size_t>(skip));
      for (auto e = st.events.begin() + skip; e != st.events.end(); ++e) {
        out.events.push_back(event{{}, *e});
      }
      first_seq = parsed->seq + 1;
    }
    const auto stream_b64 = base64url_encode(parsed->stream_id);
    for (auto& e : out.events)
      e.id = make_id(instance, parsed->generation, first_seq++, stream_b64);
    out.stream_id = std::move(parsed->stream_id);
    return out;
  }

  void erase_stream(std::string_view stream_id) {
    auto& s = shard_for(stream_id);
    std::lock_guard lock(s.mu);
    if (auto found = s.index.find(stream_id); found != s.index.end()) drop(s, found->second);
  }
};

memory_event_store::memory_event_store(options opts)
    : impl_(std::make_unique<impl>(std::move(opts))) {}

memory_event_store::~memory_event_store() = default;

boost::asio::awaitable<std::string> memory_event_store::append(std::string_view stream_id,
                                                               std::string data) {
  co_return impl_->append(stream_id, std::move(data));
}

boost::asio::awaitable<std::optional<replay>> memory_event_store::replay_after(
    std::string_view last_event_id) {
  co_return impl_->replay_after(last_event_id);
}

boost::asio::awaitable<void> memory_event_store::erase_stream(std::string_view stream_id) {
  impl_->erase_stream(stream_id);
  co_return;
}

std::size_t memory_event_store::stream_count() const noexcept {
  return impl_->streams.load(std::memory_order_relaxed);
}

}  // namespace mcpxx::store
