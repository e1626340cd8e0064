#include "client.hpp"

#include <mcpxx/store/unavailable.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mcpxx::store::redis {

namespace asio = boost::asio;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint16_t unowned = 0xffff;
constexpr int max_redirects = 5;
constexpr std::chrono::seconds topology_period{2};

bool starts_with(const reply& r, std::string_view prefix) {
  return r.is_error() && std::string_view(r.str).substr(0, prefix.size()) == prefix;
}

bool is_named(const command& cmd, std::string_view name) {
  const auto n = cmd.name();
  return std::equal(n.begin(), n.end(), name.begin(), name.end(), [](char a, char b) {
    return std::toupper(static_cast<unsigned char>(a)) == b;
  });
}

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381" -> the address.
std::optional<redis_address> redirect_target(const std::string& error) {
  auto space = error.rfind(' ');
  if (space == std::string::npos) return std::nullopt;
  auto target = std::string_view(error).substr(space + 1);
  auto colon = target.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  unsigned port = 0;
  auto digits = target.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || port == 0 || port > 65535) return std::nullopt;
  return redis_address{std::string(target.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

// One request on a short-lived plain connection (Sentinel queries, Cluster bootstrap), run
// on a strand of its own, so the deadline's handler never runs while the request does,
// whatever executor the caller is on. The handler may still run after the request ended
// (cancel() cannot take back a queued handler): it owns the socket, and closes nothing then.
asio::awaitable<std::vector<reply>> one_shot_here(redis_address a, std::vector<command> cmds,
                                                  std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  struct attempt {
    explicit attempt(const asio::any_io_executor& ex) : socket(ex) {}
    tcp::socket socket;
    bool settled = false;
  };
  auto at = std::make_shared<attempt>(ex);
  tcp::resolver resolver(ex);
  asio::steady_timer deadline(ex);
  deadline.expires_after(timeout);
  deadline.async_wait([at](boost::system::error_code ec) {
    if (!ec && !at->settled) at->socket.close(ec);
  });
  std::vector<reply> replies;
  try {
    const auto service = std::to_string(a.port);
    auto endpoints = co_await resolver.async_resolve(a.host, service, use_awaitable);
    co_await asio::async_connect(at->socket, endpoints, use_awaitable);
    std::string bytes;
    for (const auto& c : cmds) format_command(c, bytes);
    co_await asio::async_write(at->socket, asio::buffer(bytes), use_awaitable);
    reply_reader reader;
    std::array<char, 8192> buf;
    while (replies.size() < cmds.size()) {
      auto n = co_await at->socket.async_read_some(asio::buffer(buf), use_awaitable);
      reader.feed({buf.data(), n});
      while (auto r = reader.next()) replies.push_back(std::move(*r));
    }
  } catch (...) {
    at->settled = true;
    deadline.cancel();
    throw;
  }
  at->settled = true;
  deadline.cancel();
  co_return replies;
}

asio::awaitable<std::vector<reply>> one_shot(redis_address a, std::vector<command> cmds,
                                             std::chrono::milliseconds timeout) {
  asio::any_io_executor strand = asio::make_strand(co_await asio::this_coro::executor);
  co_return co_await asio::co_spawn(strand, one_shot_here(std::move(a), std::move(cmds), timeout),
                                    use_awaitable);
}

}  // namespace

client::client(executor ex, redis_url url, const redis_options& opts)
    : ex_(std::move(ex)),
      url_(std::move(url)),
      opts_(opts),
      watch_strand_(asio::make_strand(ex_)),
      watch_timer_(watch_strand_) {
  if (url_.tls) {
    tls_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    if (url_.ca_file.empty())
      tls_->set_default_verify_paths();
    else
      tls_->load_verify_file(url_.ca_file);
  }
}

client::~client() = default;

connection_settings client::settings_for(bool primary_check) const {
  connection_settings s;
  s.user = url_.user;
  s.password = url_.password;
  s.database = url_.database;
  s.tls = tls_;
  s.connect_timeout = opts_.connect_timeout;
  s.command_timeout = opts_.command_timeout;
  s.require_primary = primary_check;
  return s;
}

std::shared_ptr<client::pool> client::make_pool(locate_fn locate, bool primary_check) {
  auto p = std::make_shared<pool>();
  for (std::size_t i = 0; i < std::max<std::size_t>(opts_.connections_per_node, 1); ++i)
    p->connections.push_back(connection::start(ex_, settings_for(primary_check), locate));
  return p;
}

void client::start() {
  auto self = shared_from_this();
  switch (url_.topology) {
    case redis_topology::standalone: {
      auto a = url_.nodes.front();
      primary_ = make_pool([a]() -> asio::awaitable<redis_address> { co_return a; }, false);
      break;
    }
    case redis_topology::sentinel: {
      std::weak_ptr<client> weak = self;
      primary_ = make_pool(
          [weak]() -> asio::awaitable<redis_address> {
            auto c = weak.lock();
            if (!c) throw std::runtime_error("Redis client stopped");
            co_return co_await c->locate_primary_via_sentinel();
          },
          true);
      break;
    }
    case redis_topology::cluster:
      break;
  }
  asio::co_spawn(watch_strand_, watch_topology(), [self](std::exception_ptr) {});
}

void client::stop() {
  stopped_ = true;
  // The watcher's pause ends now: a stopped client leaves no work behind for long (its
  // executor's owner may be waiting for the context to run out of work).
  asio::post(watch_strand_, [self = shared_from_this()] { self->watch_timer_.cancel(); });
  std::vector<std::shared_ptr<connection>> all;
  if (primary_) all = primary_->connections;
  {
    std::lock_guard lock(mutex_);
    for (auto& [_, p] : nodes_) all.insert(all.end(), p->connections.begin(), p->connections.end());
    all.insert(all.end(), subscribers_.begin(), subscribers_.end());
  }
  for (auto& c : all) c->stop();
}

std::shared_ptr<connection> client::pick(pool& p) {
  const auto n = p.connections.size();
  const auto start = p.next.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    auto& c = p.connections[(start + i) % n];
    if (c->connected()) return c;
  }
  return nullptr;
}

// For a pool pick() found no live connection in. One still opening its first connections
// (a replica that just started, a Cluster node just learned of) makes the first requests
// wait for them, up to the connect timeout, rather than fail them; later, a pool with no
// live connection fails at once.
asio::awaitable<std::shared_ptr<connection>> client::wait_for_first_connection(pool& p) {
  if (p.connections.empty()) co_return nullptr;
  bool first_connection = true;
  for (auto& conn : p.connections) first_connection = first_connection && conn->generation() == 0;
  auto c = pick(p);  // one may have come up since the caller's pick
  if (!first_connection) co_return c;
  const auto deadline = p.opened + opts_.connect_timeout;
  asio::steady_timer pause(ex_);
  while (!c && !stopped_ && std::chrono::steady_clock::now() < deadline) {
    pause.expires_after(std::chrono::milliseconds(5));
    co_await pause.async_wait(use_awaitable);
    c = pick(p);
  }
  co_return c;
}

bool client::ready() const noexcept {
  if (stopped_) return false;
  if (primary_) {
    for (auto& c : primary_->connections)
      if (c->connected()) return true;
    return false;
  }
  std::lock_guard lock(mutex_);
  if (!slots_ || !slots_->complete) return false;
  for (const auto& a : slots_->primaries) {
    auto it = nodes_.find(to_string(a));
    if (it == nodes_.end()) return false;
    bool any = false;
    for (auto& c : it->second->connections) any = any || c->connected();
    if (!any) return false;
  }
  return true;
}

asio::awaitable<redis_address> client::locate_primary_via_sentinel() {
  std::string last_error = "no Sentinel answered";
  for (const auto& sentinel : url_.nodes) {
    try {
      std::vector<command> query{{"SENTINEL", "get-master-addr-by-name", url_.primary_name}};
      auto replies = co_await one_shot(sentinel, std::move(query), opts_.connect_timeout);
      const auto& r = replies.front();
      if (r.type == reply::kind::array && r.elements.size() == 2) {
        unsigned port = 0;
        const auto& p = r.elements[1].str;
        std::from_chars(p.data(), p.data() + p.size(), port);
        co_return redis_address{r.elements[0].str, static_cast<std::uint16_t>(port)};
      }
      last_error = "Sentinel " + to_string(sentinel) + " does not know '" + url_.primary_name + "'";
    } catch (const std::exception& e) {
      last_error = "Sentinel " + to_string(sentinel) + ": " + e.what();
    }
  }
  throw std::runtime_error(last_error);
}

// Runs on watch_strand_, where stop() cancels its timer: a pause begun before stop() ends at
// once, and none begins after (stopped_ is set before the cancel is posted).
asio::awaitable<void> client::watch_topology() {
  bool info_refused = false;
  while (!stopped_) {
    // Until the first check succeeds (connections still opening), look again soon: the
    // replica count decides whether new sessions wait for a replica's acknowledgement.
    bool checked = false;
    try {
      if (url_.topology == redis_topology::cluster) {
        co_await refresh_slots();
        checked = true;
      } else if (auto c = pick(*primary_)) {
        std::vector<command> info_cmd{{"INFO", "replication"}};
        auto replies = co_await c->exec(std::move(info_cmd));
        const auto& info = replies.front();
        if (info.is_error()) {
          // NOPERM (an ACL without INFO), LOADING: nothing learnt, the last answer stands.
          if (!info_refused)
            spdlog::warn(
                "Redis INFO replication: {}; new sessions wait for a replica's "
                "acknowledgement only if one was seen before",
                info.str);
          info_refused = true;
        } else {
          auto at = info.str.find("connected_slaves:");
          has_replicas_ = at != std::string::npos && info.str.compare(at + 17, 1, "0") != 0;
          info_refused = false;
        }
        checked = true;
        if (url_.topology == redis_topology::sentinel) {
          // A failover the connections have not noticed yet (the old primary still
          // answers as a replica): drop them so that they locate the new one.
          auto now = co_await locate_primary_via_sentinel();
          for (auto& conn : primary_->connections)
            if (conn->connected() && !(conn->address() == now)) conn->reconnect();
        }
      }
    } catch (const std::exception& e) {
      spdlog::debug("Redis topology check: {}", e.what());
    }
    if (stopped_) break;
    watch_timer_.expires_after(checked ? std::chrono::milliseconds(topology_period)
                                       : std::chrono::milliseconds(50));
    boost::system::error_code ec;
    co_await watch_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

std::shared_ptr<client::pool> client::node_pool(const redis_address& a) {
  std::lock_guard lock(mutex_);
  auto key = to_string(a);
  if (auto it = nodes_.find(key); it != nodes_.end()) return it->second;
  // Stopped: no new pool, and no empty entry either (stop() walks every entry).
  if (stopped_) return nullptr;
  auto p = make_pool([a]() -> asio::awaitable<redis_address> { co_return a; }, false);
  nodes_.emplace(std::move(key), p);
  return p;
}

asio::awaitable<std::pair<reply, redis_address>> client::ask_any_seed(command cmd) {
  // Prefer a live pooled connection; fall back to the seeds (startup, all known down).
  std::vector<std::shared_ptr<pool>> pools;
  {
    std::lock_guard lock(mutex_);
    for (auto& [_, p] : nodes_) pools.push_back(p);
  }
  for (auto& p : pools)
    if (auto c = pick(*p)) {
      try {
        std::vector<command> cmds{cmd};
        auto replies = co_await c->exec(std::move(cmds));
        if (!replies.front().is_error())
          co_return std::pair{std::move(replies.front()), c->address()};
      } catch (const unavailable&) {
      }
    }
  std::string last_error = "no cluster node answered";
  for (const auto& seed : url_.nodes) {
    try {
      std::vector<command> cmds;
      if (!url_.password.empty())
        cmds.push_back(url_.user.empty() ? command{"AUTH", url_.password}
                                         : command{"AUTH", url_.user, url_.password});
      cmds.push_back(cmd);
      auto replies = co_await one_shot(seed, std::move(cmds), opts_.connect_timeout);
      if (!replies.back().is_error()) co_return std::pair{std::move(replies.back()), seed};
      last_error = replies.back().str;
    } catch (const std::exception& e) {
      last_error = to_string(seed) + ": " + e.what();
    }
  }
  throw unavailable("Redis Cluster: " + last_error);
}

asio::awaitable<void> client::refresh_slots() {
  command slots_cmd{"CLUSTER", "SLOTS"};
  auto answer = co_await ask_any_seed(std::move(slots_cmd));
  const auto& r = answer.first;
  const auto& asked = answer.second;
  auto map = std::make_shared<slot_map>();
  map->owner.fill(unowned);
  bool replicas = false;
  std::size_t covered = 0;
  for (const auto& range : r.elements) {
    if (range.elements.size() < 3) continue;
    auto first = range.elements[0].integer, last = range.elements[1].integer;
    const auto& node = range.elements[2].elements;
    if (node.size() < 2 || first < 0 || last > 16383 || first > last) continue;
    redis_address a{node[0].str, static_cast<std::uint16_t>(node[1].integer)};
    if (a.host.empty()) a.host = asked.host;  // "" = the node we asked
    replicas = replicas || range.elements.size() > 3;
    std::size_t index = 0;
    while (index < map->primaries.size() && !(map->primaries[index] == a)) ++index;
    if (index == map->primaries.size()) map->primaries.push_back(a);
    for (auto s = first; s <= last; ++s) map->owner[static_cast<std::size_t>(s)] = index;
    covered += static_cast<std::size_t>(last - first + 1);
  }
  map->complete = covered == 16384;
  for (const auto& a : map->primaries) node_pool(a);  // connect ahead of the first request
  has_replicas_ = replicas;
  std::lock_guard lock(mutex_);
  slots_ = std::move(map);
}

void client::trigger_refresh() {
  if (refreshing_.exchange(true)) return;
  // A parameter, not a capture: the lambda object dies before the coroutine runs.
  asio::co_spawn(
      ex_,
      [](std::shared_ptr<client> self) -> asio::awaitable<void> {
        try {
          co_await self->refresh_slots();
        } catch (const std::exception& e) {
          spdlog::debug("Redis Cluster slot refresh: {}", e.what());
        }
        self->refreshing_ = false;
      }(shared_from_this()),
      asio::detached);
}

asio::awaitable<std::vector<reply>> client::exec(std::string_view key, std::vector<command> cmds) {
  if (url_.topology == redis_topology::cluster)
    co_return co_await exec_cluster(key, std::move(cmds));
  auto c = pick(*primary_);  // nearly always: a coroutine frame only to wait
  if (!c) c = co_await wait_for_first_connection(*primary_);
  if (!c) throw unavailable("Redis is not connected");
  auto replies = co_await c->exec(std::move(cmds));
  for (const auto& r : replies)
    if (starts_with(r, "READONLY") || starts_with(r, "LOADING")) {
      // Talking to a replica (a failover happened) or a server still loading its data.
      c->reconnect();
      throw unavailable("Redis: " + r.str);
    }
  co_return replies;
}

asio::awaitable<reply> client::exec1(std::string_view key, command cmd) {
  std::vector<command> cmds;
  cmds.push_back(std::move(cmd));
  auto replies = co_await exec(key, std::move(cmds));
  co_return std::move(replies.front());
}

asio::awaitable<redis_address> client::owner_of(std::uint16_t slot) {
  std::shared_ptr<const slot_map> map;
  {
    std::lock_guard lock(mutex_);
    map = slots_;
  }
  if (!map || map->owner[slot] == unowned) {
    co_await refresh_slots();
    std::lock_guard lock(mutex_);
    map = slots_;
  }
  if (!map || map->owner[slot] == unowned)
    throw unavailable("Redis Cluster: slot " + std::to_string(slot) + " is not served");
  co_return map->primaries[map->owner[slot]];
}

// Not a coroutine: where one server holds every key it hands over exec()'s awaitable (one
// coroutine frame fewer per call, on the hot path of every session write).
asio::awaitable<std::vector<reply>> client::exec_keyed(std::vector<keyed_command> cmds) {
  if (url_.topology == redis_topology::cluster) return exec_keyed_cluster(std::move(cmds));
  std::vector<command> plain;
  plain.reserve(cmds.size());
  for (auto& c : cmds) plain.push_back(std::move(c.cmd));
  return exec("", std::move(plain));
}

// Consecutive commands on one slot go as one pipeline to its node.
asio::awaitable<std::vector<reply>> client::exec_keyed_cluster(std::vector<keyed_command> cmds) {
  std::vector<reply> replies;
  replies.reserve(cmds.size());
  for (std::size_t i = 0; i < cmds.size();) {
    const auto slot = key_slot(cmds[i].key);
    std::vector<command> group;
    std::size_t j = i;
    while (j < cmds.size() && !cmds[j].key.empty() && key_slot(cmds[j].key) == slot)
      group.push_back(std::move(cmds[j++].cmd));
    if (j == i) group.push_back(std::move(cmds[j++].cmd));  // no key: any primary, alone
    auto r = co_await exec_cluster(cmds[i].key, std::move(group));
    for (auto& one : r) replies.push_back(std::move(one));
    i = j;
  }
  co_return replies;
}

asio::awaitable<std::vector<reply>> client::exec_cluster(std::string_view key,
                                                         std::vector<command> cmds) {
  const auto slot = key_slot(key);
  std::optional<redis_address> ask_target;
  for (int attempt = 0; attempt <= max_redirects; ++attempt) {
    std::shared_ptr<const slot_map> map;
    {
      std::lock_guard lock(mutex_);
      map = slots_;
    }
    if (!map || (!ask_target && map->owner[slot] == unowned)) {
      co_await refresh_slots();
      std::lock_guard lock(mutex_);
      map = slots_;
      if (!map || map->owner[slot] == unowned)
        throw unavailable("Redis Cluster: slot " + std::to_string(slot) + " is not served");
    }
    auto target = ask_target ? *ask_target : map->primaries[map->owner[slot]];
    auto p = node_pool(target);
    if (!p) throw unavailable("Redis client stopped");
    auto c = pick(*p);
    if (!c) c = co_await wait_for_first_connection(*p);
    if (!c) {
      trigger_refresh();  // the node may be gone for good (failover)
      throw unavailable("Redis Cluster node " + to_string(target) + " is not connected");
    }
    // ASKING admits the next command only, except inside MULTI, where it lasts until
    // EXEC (an ASKING there would be queued and answered within EXEC's reply).
    std::vector<command> sending;
    std::vector<bool> ours;  // per command sent: false for our ASKING
    if (ask_target) {
      bool in_multi = false;
      for (const auto& cmd : cmds) {
        if (!in_multi) {
          sending.push_back({"ASKING"});
          ours.push_back(false);
        }
        sending.push_back(cmd);
        ours.push_back(true);
        if (is_named(cmd, "MULTI")) in_multi = true;
        if (is_named(cmd, "EXEC") || is_named(cmd, "DISCARD")) in_multi = false;
      }
    }
    auto to_send = ask_target ? std::move(sending) : cmds;
    auto replies = co_await c->exec(std::move(to_send));
    if (ask_target) {
      std::vector<reply> own;
      for (std::size_t i = 0; i < replies.size(); ++i)
        if (ours[i]) own.push_back(std::move(replies[i]));
      replies = std::move(own);
    }
    ask_target.reset();
    const reply* redirect = nullptr;
    for (const auto& r : replies)
      if (starts_with(r, "MOVED ") || starts_with(r, "ASK ") || starts_with(r, "TRYAGAIN") ||
          starts_with(r, "CLUSTERDOWN")) {
        redirect = &r;
        break;
      }
    if (!redirect) co_return replies;
    if (starts_with(*redirect, "CLUSTERDOWN")) throw unavailable("Redis Cluster: " + redirect->str);
    if (starts_with(*redirect, "TRYAGAIN")) {
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
      co_await pause.async_wait(use_awaitable);
      continue;
    }
    auto where = redirect_target(redirect->str);
    if (!where) throw unavailable("Redis Cluster: bad redirection '" + redirect->str + "'");
    if (starts_with(*redirect, "ASK ")) {
      ask_target = *where;
    } else {
      // The slot moved for good: note it now, learn the rest of the map in the background.
      {
        std::lock_guard lock(mutex_);
        if (slots_) {
          auto updated = std::make_shared<slot_map>(*slots_);
          std::size_t index = 0;
          while (index < updated->primaries.size() && !(updated->primaries[index] == *where))
            ++index;
          if (index == updated->primaries.size()) updated->primaries.push_back(*where);
          updated->owner[slot] = static_cast<std::uint16_t>(index);
          slots_ = std::move(updated);
        }
      }
      // Not under the lock: co_spawn may start the refresh inline, and it takes the lock.
      trigger_refresh();
    }
  }
  throw unavailable("Redis Cluster: too many redirections for slot " + std::to_string(slot));
}

std::shared_ptr<connection> client::make_subscriber(std::string_view route_key, push_fn on_push,
                                                    connected_fn on_connected) {
  locate_fn locate;
  if (url_.topology == redis_topology::sentinel) {
    std::weak_ptr<client> weak = shared_from_this();
    locate = [weak]() -> asio::awaitable<redis_address> {
      auto c = weak.lock();
      if (!c) throw std::runtime_error("Redis client stopped");
      co_return co_await c->locate_primary_via_sentinel();
    };
  } else if (url_.topology == redis_topology::cluster) {
    // The primary that serves route_key's slot, where publishers route their PUBLISH: a
    // node answers PUBLISH only after handing the message to its own subscribers, so the
    // publisher knows every replica has it (other nodes get it later, over the cluster bus).
    std::weak_ptr<client> weak = shared_from_this();
    locate = [weak, slot = key_slot(route_key)]() -> asio::awaitable<redis_address> {
      auto c = weak.lock();
      if (!c) throw std::runtime_error("Redis client stopped");
      co_return co_await c->owner_of(slot);
    };
  } else {
    auto server = url_.nodes.front();
    locate = [server]() -> asio::awaitable<redis_address> { co_return server; };
  }
  auto c = connection::start(ex_, settings_for(false), std::move(locate), std::move(on_push),
                             std::move(on_connected));
  std::lock_guard lock(mutex_);
  subscribers_.push_back(c);
  if (stopped_) c->stop();
  return c;
}

}  // namespace mcpxx::store::redis
