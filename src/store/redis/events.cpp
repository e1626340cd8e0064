// SSE events in Redis Streams: one Stream per SSE stream, so that a client can resume on
// any replica, and the event is in Redis before its id reaches anyone.
#include "script.hpp"
#include "store/base64url.hpp"
#include "stores.hpp"

#include <charconv>
#include <random>

namespace mcpxx::store::redis {

namespace asio = boost::asio;

namespace {

// Entry ids are "<epoch>-<seq>": the epoch is random, drawn when the stream is created
// (first append after nothing, an erase or an expiry) and shared by all its entries; Redis
// numbers the entries 0, 1, 2... within it (XADD <epoch>-*). So an id from an earlier
// incarnation of the stream names nothing in the current one, and sequences are contiguous,
// which tells a resumable position from one whose successors were trimmed away.
//
// Append: KEYS[1] the stream; ARGV epoch for a new stream, max length, ttl_ms, data.
// Returns the entry id.
constexpr std::string_view append_script = R"lua(
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
local epoch = ARGV[1]
if first[1] then epoch = string.match(first[1][1], '^(%d+)%-') end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], epoch .. '-*', 'd', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return id
)lua";

// Replay: KEYS[1] the stream; ARGV the epoch and sequence of the last event the client has.
// Returns the entries after it, or nil when the stream is gone or of another epoch, when the
// position lies beyond the newest entry, or when the entry after it was trimmed (a gap).
constexpr std::string_view replay_script = R"lua(
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if not first[1] then return false end
local epoch, oldest = string.match(first[1][1], '^(%d+)%-(%d+)$')
if epoch ~= ARGV[1] then return false end
local newest = string.match(redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1][1], '%-(%d+)$')
local seq = tonumber(ARGV[2])
if seq + 1 < tonumber(oldest) or seq > tonumber(newest) then return false end
return redis.call('XRANGE', KEYS[1], '(' .. ARGV[1] .. '-' .. ARGV[2], '+')
)lua";

const lua_script append_event{append_script};
const lua_script replay_events{replay_script};

// Epochs and sequences stay below 2^53, so Lua's numbers hold them exactly.
constexpr std::uint64_t max_number = (std::uint64_t{1} << 53) - 1;
// Longer Last-Event-IDs are not ours (stream ids are short: a session id and a suffix).
constexpr std::size_t max_id_length = 4096;

std::string new_epoch() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(1 + rng() % max_number);
}

// A canonical decimal (no sign, no leading zero) up to max_number.
std::optional<std::uint64_t> number_of(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > max_number) return std::nullopt;
  return v;
}

struct position {
  std::string epoch, seq;  // canonical decimals
  std::string stream_b64;
};

// "<epoch>.<seq>.<stream in base64url>", parsed strictly: nullopt unless re-encoding the
// parts gives the same text.
std::optional<position> parse_event_id(std::string_view id) {
  if (id.size() > max_id_length) return std::nullopt;
  auto dot1 = id.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  auto dot2 = id.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  auto epoch = id.substr(0, dot1);
  auto seq = id.substr(dot1 + 1, dot2 - dot1 - 1);
  auto b64 = id.substr(dot2 + 1);
  auto e = number_of(epoch);
  if (!e || *e == 0 || !number_of(seq)) return std::nullopt;
  auto stream = detail::base64url_decode(b64);
  if (!stream || detail::base64url_encode(*stream) != b64) return std::nullopt;
  return position{std::string(epoch), std::string(seq), std::string(b64)};
}

// Redis entry id "<epoch>-<seq>" -> our event id.
std::string event_id_of(std::string_view entry_id, std::string_view stream_b64) {
  std::string id(entry_id);
  if (auto dash = id.find('-'); dash != std::string::npos) id[dash] = '.';
  id.append(".").append(stream_b64);
  return id;
}

}  // namespace

event_store_on_redis::event_store_on_redis(std::shared_ptr<client> c, std::string prefix,
                                           std::size_t max_events, std::chrono::milliseconds ttl)
    : client_(std::move(c)),
      prefix_(std::move(prefix) + "mcp-events-{"),
      max_events_(std::to_string(std::max<std::size_t>(max_events, 1))),
      ttl_ms_(std::to_string(std::max<std::int64_t>(ttl.count(), 1))) {}

std::string event_store_on_redis::key_of(std::string_view stream_b64) const {
  std::string key;
  key.reserve(prefix_.size() + stream_b64.size() + 1);
  key.append(prefix_).append(stream_b64).append("}");
  return key;
}

asio::awaitable<std::string> event_store_on_redis::append(std::string_view stream_id,
                                                          std::string data) {
  auto b64 = detail::base64url_encode(stream_id);
  auto key = key_of(b64);
  const auto epoch = new_epoch();
  command args{epoch, max_events_, ttl_ms_, data};
  auto r = co_await run_script(*client_, append_event, key, std::move(args));
  expect_ok(r, "XADD");
  if (r.type != reply::kind::string) throw unavailable("Redis XADD: unexpected reply");
  co_return event_id_of(r.str, b64);
}

asio::awaitable<std::optional<replay>> event_store_on_redis::replay_after(
    std::string_view last_event_id) {
  auto pos = parse_event_id(last_event_id);
  if (!pos) co_return std::nullopt;
  auto key = key_of(pos->stream_b64);
  command args{pos->epoch, pos->seq};
  auto r = co_await run_script(*client_, replay_events, key, std::move(args));
  expect_ok(r, "XRANGE");
  if (r.type != reply::kind::array) co_return std::nullopt;
  replay out;
  out.stream_id = *detail::base64url_decode(pos->stream_b64);
  out.events.reserve(r.elements.size());
  for (auto& entry : r.elements) {
    // [id, [field, value]]: the one field is "d".
    if (entry.elements.size() != 2 || entry.elements[1].elements.size() != 2)
      throw unavailable("Redis XRANGE: unexpected entry");
    out.events.push_back({event_id_of(entry.elements[0].str, pos->stream_b64),
                          std::move(entry.elements[1].elements[1].str)});
  }
  co_return out;
}

asio::awaitable<void> event_store_on_redis::erase_stream(std::string_view stream_id) {
  auto key = key_of(detail::base64url_encode(stream_id));
  command del{"DEL", key};
  expect_ok(co_await client_->exec1(key, std::move(del)), "DEL");
}

}  // namespace mcpxx::store::redis
