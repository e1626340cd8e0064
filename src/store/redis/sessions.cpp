#include "script.hpp"
#include "stores.hpp"

#include <mcpxx/store/unavailable.hpp>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>

namespace mcpxx::store::redis {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view invalidation_channel = "session-invalidate";
constexpr std::size_t cache_limit = 100'000;  // per generation

// Admission over the cap, atomic on the index key. create() has already added the id and
// counted: this runs only when the count was over the cap. It takes the id out again, drops
// the entries idle past the TTL (their hashes have expired; create() drops them only once a
// second), then admits the id if there is room, else evicts the least recently active session
// if it has been idle long enough.
// Concurrent creations at the cap may each see the others' ids and come here; serialised
// here, some may be refused (or evict an idle session) one creation early, never late.
// KEYS[1] index; ARGV now_ms, ttl_ms, cap, idle_ms, id.
// Returns {"ok"}, {"evicted", victim} or {"full"}.
constexpr std::string_view admit_script = R"lua(
local now, ttl, cap, idle = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREM', KEYS[1], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
if redis.call('ZCARD', KEYS[1]) < cap then
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  return {'ok'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[1] and now - tonumber(oldest[2]) >= idle then
  redis.call('ZREM', KEYS[1], oldest[1])
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  return {'evicted', oldest[1]}
end
return {'full'}
)lua";

// Who must hear of a write: every replica that caches a session marks the hash with a field
// `cached-by:<replica>` (the creator in create(), the others in load(), atomically with
// their read). A write publishes an invalidation only when a marker other than the writer's is
// there, so a session served by one replica costs no pub/sub traffic at all. Markers of replicas
// that died or dropped their copy cost a needless message, nothing more. The replace script
// checks with these functions (ARGV[1..3] there: invalidation channel, "" when the caller
// publishes; message; the writer's marker); erase_everywhere() reads the markers itself.
constexpr std::string_view others_cache_it = R"lua(
local function others_cache_it(key, mine)
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if field ~= mine and string.sub(field, 1, 10) == 'cached-by:' then return true end
  end
  return false
end
local function tell_others(key)
  if not others_cache_it(key, ARGV[3]) then return 0 end
  if ARGV[1] ~= '' then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
  return 1
end
)lua";

// Replaces a session's hash only if it still exists, and tells the replicas that cache it.
// KEYS[1] the hash; ARGV[1..3] as above, ttl_ms, then field/value pairs: every field of the
// record, so nothing stale can stay (and no DEL, which would make the key "non local" while its
// Cluster slot migrates). Publishing from the script saves a round trip, and Redis sends the
// message before the script's reply. Returns 0 (no such session), 1 (replaced, nobody to tell)
// or 2 (replaced, others cache it).
const std::string replace_script = std::string(others_cache_it) + R"lua(
if redis.call('HEXISTS', KEYS[1], 'protocol_version') == 0 then return 0 end  -- none, or a husk
local told = tell_others(KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1 + told
)lua";

const lua_script admit{admit_script};
const lua_script replace{replace_script};

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every field of the record as field/value pairs, after `head` (e.g. "HSET", key).
template <class... Head>
command fields_of(const session_record& rec, const Head&... head) {
  json::array subs;
  for (const auto& s : rec.subscriptions) subs.emplace_back(s);
  return make_command(head..., "protocol_version", rec.protocol_version, "client_info",
                      json::serialize(rec.client_info), "client_capabilities",
                      json::serialize(rec.client_capabilities), "log_level", rec.log_level,
                      "subscriptions", json::serialize(subs), "principal", rec.principal);
}

json::object object_field(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

// HGETALL's flat field/value list -> record; nullptr for a missing hash, or a husk (markers
// only: see load()). Every record written has protocol_version.
std::shared_ptr<const session_record> record_of(std::string_view id, const reply& r) {
  if (r.type != reply::kind::array || r.elements.empty()) return nullptr;
  bool is_record = false;
  for (std::size_t i = 0; i + 1 < r.elements.size() && !is_record; i += 2)
    is_record = r.elements[i].str == "protocol_version";
  if (!is_record) return nullptr;
  auto rec = std::make_shared<session_record>();
  rec->id = std::string(id);
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const auto& name = r.elements[i].str;
    const auto& value = r.elements[i + 1].str;
    if (name == "protocol_version") {
      rec->protocol_version = value;
    } else if (name == "client_info") {
      rec->client_info = object_field(value);
    } else if (name == "client_capabilities") {
      rec->client_capabilities = object_field(value);
    } else if (name == "log_level") {
      rec->log_level = value;
    } else if (name == "principal") {
      rec->principal = value;
    } else if (name == "subscriptions") {
      boost::system::error_code ec;
      auto v = json::parse(value, ec);
      if (!ec && v.is_array())
        for (const auto& s : v.as_array())
          if (s.is_string()) rec->subscriptions.emplace_back(s.as_string());
    }
  }
  return rec;
}

std::string random_tag() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof bytes);
  std::string hex(16, '0');
  for (int i = 0; i < 8; ++i) std::snprintf(hex.data() + 2 * i, 3, "%02x", bytes[i]);
  return hex;
}

}  // namespace

session_store_on_redis::session_store_on_redis(std::shared_ptr<client> c, std::shared_ptr<bus> b,
                                               session_settings s)
    : client_(std::move(c)),
      bus_(std::move(b)),
      s_(std::move(s)),
      index_key_(s_.prefix + "mcp-sessions"),
      replica_(random_tag()),
      marker_("cached-by:" + replica_) {
  // Short TTLs (tests) and idle thresholds still see several refreshes per period.
  s_.refresh = std::max(std::min({s_.refresh, s_.ttl / 8, s_.idle_evict_after / 8}), 1ms);
}

std::string session_store_on_redis::key_of(std::string_view id) const {
  std::string key;
  key.reserve(s_.prefix.size() + id.size() + 14);
  key.append(s_.prefix).append("mcp-session-{").append(id).append("}");
  return key;
}

void session_store_on_redis::start() {
  asio::co_spawn(client_->get_executor(), listen(),
                 [self = shared_from_this()](std::exception_ptr) {});
}

asio::awaitable<void> session_store_on_redis::listen() {
  auto self = shared_from_this();  // only for the weak_ptr below
  asio::steady_timer retry(co_await asio::this_coro::executor);
  while (!client_->stopped()) {
    try {
      std::weak_ptr<session_store_on_redis> weak = self;
      message_handler on_invalidation = [weak](std::string_view payload) {
        auto me = weak.lock();
        if (!me) return;
        auto colon = payload.find(':');
        if (colon == std::string_view::npos || payload.substr(0, colon) == me->replica_) return;
        me->forget(payload.substr(colon + 1));
      };
      std::string channel(invalidation_channel);
      invalidations_ = co_await bus_->subscribe(std::move(channel), std::move(on_invalidation));
      listening_ = true;
      co_return;
    } catch (const std::exception& e) {
      spdlog::debug("session invalidations: {}", e.what());
    }
    retry.expires_after(200ms);
    boost::system::error_code ec;
    co_await retry.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

session_store_on_redis::read_ticket::read_ticket(session_store_on_redis& store)
    : store_(store.shared_from_this()) {
  std::lock_guard lock(store_->mutex_);
  forgets_ = store_->forgets_;
  generation_ = store_->bus_->generation();
  auto& reads = store_->reads_;
  if (!reads.empty() && reads.back().first == forgets_)
    ++reads.back().second;
  else
    reads.emplace_back(forgets_, 1);
}

session_store_on_redis::read_ticket::~read_ticket() {
  std::lock_guard lock(store_->mutex_);
  auto& reads = store_->reads_;
  auto it = std::lower_bound(reads.begin(), reads.end(), std::pair{forgets_, std::size_t{0}});
  if (it != reads.end() && it->first == forgets_ && it->second > 0) --it->second;
  while (!reads.empty() && reads.front().second == 0) reads.pop_front();
  store_->prune_forgotten();
}

// Drops the invalidations that no read in flight began before: they can refuse nothing now.
void session_store_on_redis::prune_forgotten() {
  const auto oldest_read = reads_.empty() ? forgets_ : reads_.front().first;
  while (!forget_order_.empty() && forget_order_.front().first <= oldest_read) {
    const auto& [seq, id] = forget_order_.front();
    if (auto it = forgotten_.find(id); it != forgotten_.end() && it->second == seq)
      forgotten_.erase(it);
    forget_order_.pop_front();
  }
}

void session_store_on_redis::remember(std::shared_ptr<const session_record> rec,
                                      const read_ticket& since, bool written_here) {
  std::lock_guard lock(mutex_);
  const auto seen = forgotten_.find(rec->id);
  const bool invalidated = since.generation_ != bus_->generation() ||
                           (seen != forgotten_.end() && seen->second > since.forgets_);
  if (written_here) forget_locked(rec->id);
  if (!listening_ || invalidated) return;
  const auto now = std::chrono::steady_clock::now();
  age_cache(now);
  if (cache_.size() >= cache_limit) {  // rare: the older generation goes early
    old_cache_ = std::move(cache_);
    cache_.clear();
  }
  auto id = rec->id;
  if (auto it = old_cache_.find(id); it != old_cache_.end()) old_cache_.erase(it);
  cache_[std::move(id)] = {std::move(rec), now, since.generation_};
}

// An entry serves reads for `refresh` after it was fetched. Entries live in two generations,
// the newer one started at most `refresh` ago: whatever is older than that generation is
// stale, so the oldest generation goes as a whole when a new one starts, and a replica lets
// go of the sessions it served in a burst without sweeping entry by entry.
void session_store_on_redis::age_cache(std::chrono::steady_clock::time_point now) {
  if (now - cache_started_ < s_.refresh) return;
  if (now - cache_started_ < 2 * s_.refresh) {
    old_cache_ = std::move(cache_);
  } else {
    old_cache_.clear();  // every entry of both generations is stale (none came meanwhile)
  }
  cache_.clear();
  cache_started_ = now;
}

void session_store_on_redis::forget(std::string_view id) {
  std::lock_guard lock(mutex_);
  forget_locked(id);
}

void session_store_on_redis::forget_locked(std::string_view id) {
  if (auto it = cache_.find(id); it != cache_.end()) cache_.erase(it);
  if (auto it = old_cache_.find(id); it != old_cache_.end()) old_cache_.erase(it);
  ++forgets_;
  if (reads_.empty()) return;  // every later read begins after this invalidation
  forgotten_[std::string(id)] = forgets_;
  forget_order_.emplace_back(forgets_, std::string(id));
}

// Standalone and Sentinel: the scripts publish, and Redis hands the message to every
// subscriber before it answers. Cluster: a script's PUBLISH reaches subscribers on other
// nodes only later, over the cluster bus, and a script may not SPUBLISH to a channel of
// another slot, so the bus publishes it (SPUBLISH on the channel's node, where every
// replica subscribes; see bus::publish) once the script succeeded.
std::string session_store_on_redis::script_channel() const {
  if (client_->topology() == redis_topology::cluster) return "";
  return s_.prefix + std::string(invalidation_channel);
}

asio::awaitable<void> session_store_on_redis::publish_if_cluster(std::string_view id) {
  if (client_->topology() == redis_topology::cluster) co_await publish_invalidation(id);
}

asio::awaitable<void> session_store_on_redis::publish_invalidation(std::string_view id) {
  std::string channel(invalidation_channel);
  try {
    co_await bus_->publish(std::move(channel), invalidation_of(id));
  } catch (const std::exception& e) {
    // The write is done; the others' copies still expire after the refresh interval.
    spdlog::warn("session invalidation not published: {}", e.what());
  }
}

std::string session_store_on_redis::invalidation_of(std::string_view id) const {
  std::string payload = replica_;
  payload.append(":").append(id);
  return payload;
}

// The hash's markers are read and the hash deleted in one transaction (no replica can mark
// it in between), and the index entry goes unless the admission script already took it: one
// round trip where one server holds both keys. Only when another replica caches the session
// does a second round trip publish the invalidation, before the caller answers. No Lua: a
// script call cost Redis ~15 µs per churn session, the transaction ~4.
asio::awaitable<bool> session_store_on_redis::erase_everywhere(std::string_view id,
                                                               bool from_index) {
  const auto key = key_of(id);
  std::vector<client::keyed_command> batch;
  batch.reserve(5);
  batch.push_back({key, make_command("MULTI")});
  batch.push_back({key, make_command("HKEYS", key)});
  batch.push_back({key, make_command("DEL", key)});
  batch.push_back({key, make_command("EXEC")});
  if (from_index) batch.push_back({index_key_, make_command("ZREM", index_key_, id)});
  // Invalidated here once the DEL ran (or may have: a failed round trip is in doubt), not
  // before: a load begun before this point may have read the record, and its reply is now
  // refused, or its entry dropped.
  std::vector<reply> replies;
  try {
    replies = co_await client_->exec_keyed(std::move(batch));
  } catch (...) {
    forget(id);
    throw;
  }
  forget(id);
  for (const auto& r : replies) expect_ok(r, "session erase");
  const auto& done = replies[3];
  if (done.type != reply::kind::array || done.elements.size() != 2)
    throw unavailable("Redis session erase: the transaction did not run");
  bool cached_elsewhere = false;
  for (const auto& field : done.elements[0].elements)
    if (field.str.starts_with("cached-by:") && field.str != marker_) cached_elsewhere = true;
  if (cached_elsewhere) co_await publish_invalidation(id);
  co_return done.elements[1].integer == 1;
}

asio::awaitable<void> session_store_on_redis::touch_index(std::string_view id) {
  // XX: never re-admit a session that was evicted meanwhile.
  auto zadd = make_command("ZADD", index_key_, "XX", wall_ms(), id);
  auto r = co_await client_->exec1(index_key_, std::move(zadd));
  expect_ok(r, "ZADD");
}

// Admission and the write go out together, as plain commands (one round trip where one
// server holds both keys): the new id enters the index, the index is counted, and at most
// once a second per replica, ids idle past the TTL (their hashes have expired) leave it
// first. Over the cap (rare), the admit script decides atomically, and it always drops the
// expired ids before it counts, so the count is exact where it matters. A refusal undoes the
// write. Nobody can load the new id meanwhile: only this call knows it. No Lua on this path:
// a script call costs Redis several times the commands it runs (measured on the churn
// workload).
asio::awaitable<create_result> session_store_on_redis::create(session_record rec) {
  const read_ticket since(*this);
  const auto key = key_of(rec.id);
  const auto now_ms = wall_ms();
  std::vector<client::keyed_command> batch;
  batch.reserve(6);
  if (auto due = next_index_sweep_ms_.load(std::memory_order_relaxed);
      now_ms >= due && next_index_sweep_ms_.compare_exchange_strong(due, now_ms + 1000))
    batch.push_back({index_key_, make_command("ZREMRANGEBYSCORE", index_key_, "-inf",
                                              now_ms - s_.ttl.count())});
  batch.push_back({index_key_, make_command("ZADD", index_key_, now_ms, rec.id)});
  const auto counted = batch.size();
  batch.push_back({index_key_, make_command("ZCARD", index_key_)});
  // Every field is written, so a replaced record (colliding id) keeps nothing stale.
  auto hset = fields_of(rec, "HSET", key);
  hset.append(marker_).append("1");  // cached here from now on
  batch.push_back({key, std::move(hset)});
  batch.push_back({key, make_command("PEXPIRE", key, s_.ttl.count())});
  const bool durable = client_->has_replicas();
  if (durable) batch.push_back({key, make_command("WAIT", 1, s_.replica_ack_timeout.count())});
  auto replies = co_await client_->exec_keyed(std::move(batch));
  for (const auto& r : replies) expect_ok(r, "session write");

  if (replies[counted].integer > static_cast<long long>(s_.max_sessions)) {
    auto admitted = co_await run_script(
        *client_, admit, index_key_,
        make_command(now_ms, s_.ttl.count(), s_.max_sessions, s_.idle_evict_after.count(), rec.id));
    expect_ok(admitted, "session admission");
    if (admitted.elements.empty()) throw unavailable("Redis session admission: unexpected reply");
    const auto& verdict = admitted.elements[0].str;
    if (verdict == "full") {
      command undo{"DEL", key};
      expect_ok(co_await client_->exec1(key, std::move(undo)), "DEL");
      co_return create_result::full;
    }
    if (verdict == "evicted" && admitted.elements.size() > 1)
      co_await erase_everywhere(admitted.elements[1].str, false);  // already out of the index
  }
  if (durable && replies.back().integer < 1)
    spdlog::warn("session {}...: no replica acknowledged it within {} ms", rec.id.substr(0, 8),
                 s_.replica_ack_timeout.count());
  remember(std::make_shared<const session_record>(std::move(rec)), since);
  co_return create_result::created;
}

asio::awaitable<std::shared_ptr<const session_record>> session_store_on_redis::load(
    std::string_view id) {
  if (listening_ && bus_->live()) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    age_cache(now);
    for (auto* generation : {&cache_, &old_cache_}) {
      auto it = generation->find(id);
      if (it == generation->end()) continue;
      if (it->second.generation == bus_->generation() && now - it->second.fetched < s_.refresh)
        co_return it->second.record;
      generation->erase(it);
      break;
    }
  }
  // Mark the session as cached here, slide its TTL and read it, in one transaction, and note
  // the activity in the index: one round trip where one server holds both keys (ZADD XX never
  // adds an id the index does not have). No Lua (a script call costs Redis several times the
  // commands it runs). The mark creates a husk when the session does not exist: a hash
  // without the record's fields, which every reader takes for "no session"; it is deleted
  // at once, and expires anyway.
  const read_ticket since(*this);
  const auto key = key_of(id);
  std::vector<client::keyed_command> batch;
  batch.reserve(6);
  batch.push_back({key, make_command("MULTI")});
  batch.push_back({key, make_command("HSET", key, marker_, "1")});
  batch.push_back({key, make_command("PEXPIRE", key, s_.ttl.count())});
  batch.push_back({key, make_command("HGETALL", key)});
  batch.push_back({key, make_command("EXEC")});
  batch.push_back({index_key_, make_command("ZADD", index_key_, "XX", wall_ms(), id)});
  auto replies = co_await client_->exec_keyed(std::move(batch));
  for (const auto& r : replies) expect_ok(r, "session load");
  const auto& done = replies[4];
  if (done.type != reply::kind::array || done.elements.size() != 3)
    throw unavailable("Redis session load: the transaction did not run");
  auto rec = record_of(id, done.elements[2]);
  if (!rec) {
    forget(id);
    command drop{"DEL", key};  // the husk
    expect_ok(co_await client_->exec1(key, std::move(drop)), "DEL");
    co_return nullptr;
  }
  remember(rec, since);
  co_return rec;
}

asio::awaitable<bool> session_store_on_redis::update(session_record rec) {
  const read_ticket since(*this);
  const auto key = key_of(rec.id);
  const auto channel = script_channel();
  const auto message = invalidation_of(rec.id);
  auto args = fields_of(rec, channel, message, marker_, s_.ttl.count());
  args.append(marker_).append("1");  // cached here from now on
  auto r = co_await run_script(*client_, replace, key, std::move(args));
  expect_ok(r, "session update");
  if (r.integer == 0) {
    forget(rec.id);
    co_return false;
  }
  if (r.integer == 2) co_await publish_if_cluster(rec.id);
  co_await touch_index(rec.id);
  remember(std::make_shared<const session_record>(std::move(rec)), since, true);
  co_return true;
}

asio::awaitable<bool> session_store_on_redis::erase(std::string_view id) {
  co_return co_await erase_everywhere(id, true);
}

}  // namespace mcpxx::store::redis
