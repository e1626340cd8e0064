// Routes commands to the right Redis server for the configured topology: a pool of
// pipelined connections to the primary (standalone, or found through Sentinel and
// found again after a failover), or one pool per Cluster primary chosen by the key's
// hash slot, following MOVED and ASK redirections and refreshing the slot map.
#pragma once

#include "connection.hpp"

#include <mcpxx/store/redis.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpxx::store::redis {

// Redis Cluster's hash slot of a key (CRC16/XMODEM of the hash tag, or of the key).
std::uint16_t key_slot(std::string_view key) noexcept;

class client : public std::enable_shared_from_this<client> {
 public:
  using executor = boost::asio::any_io_executor;

  client(executor ex, redis_url url, const redis_options& opts);
  ~client();

  // Starts the connections and the topology watcher.
  void start();
  void stop();

  // Runs the commands as one pipeline on the server that owns `key` (Cluster: every
  // command must touch only keys in key's slot; an empty key means any primary).
  // Returns the replies, error replies included. Throws store::unavailable when no
  // server can answer now.
  boost::asio::awaitable<std::vector<reply>> exec(std::string_view key, std::vector<command> cmds);
  boost::asio::awaitable<reply> exec1(std::string_view key, command cmd);

  // Commands whose keys may be in different slots: one pipeline where one server holds
  // every key (standalone, Sentinel); on Cluster, one pipeline per run of consecutive
  // commands on one slot, in order.
  struct keyed_command {
    std::string_view key;  // routes the command; must outlive the exec_keyed() call
    command cmd;
  };
  boost::asio::awaitable<std::vector<reply>> exec_keyed(std::vector<keyed_command> cmds);

  // A connection of its own for SUBSCRIBE, to the server that commands routed by
  // route_key reach (on Cluster, the primary of its slot).
  std::shared_ptr<connection> make_subscriber(std::string_view route_key, push_fn on_push,
                                              connected_fn on_connected);

  // Cluster: the primary serving `slot` (from the slot map, refreshed if it has no owner),
  // and a refresh of the map now (e.g. after a redirection seen elsewhere).
  boost::asio::awaitable<redis_address> owner_of(std::uint16_t slot);
  boost::asio::awaitable<void> refresh_slots();

  bool ready() const noexcept;
  bool stopped() const noexcept { return stopped_.load(); }
  const executor& get_executor() const noexcept { return ex_; }
  // True when the primary (any primary, on Cluster) had replicas at the last check.
  bool has_replicas() const noexcept { return has_replicas_.load(); }
  redis_topology topology() const noexcept { return url_.topology; }

 private:
  struct slot_map {
    std::vector<redis_address> primaries;
    std::array<std::uint16_t, 16384> owner;  // index into primaries; unowned = 0xffff
    bool complete = false;
  };
  struct pool {
    std::vector<std::shared_ptr<connection>> connections;
    std::atomic<std::size_t> next{0};
    std::chrono::steady_clock::time_point opened = std::chrono::steady_clock::now();
  };

  connection_settings settings_for(bool primary_check) const;
  std::shared_ptr<pool> make_pool(locate_fn locate, bool primary_check);
  std::shared_ptr<pool> node_pool(const redis_address& a);
  static std::shared_ptr<connection> pick(pool& p);
  boost::asio::awaitable<std::shared_ptr<connection>> wait_for_first_connection(pool& p);
  boost::asio::awaitable<redis_address> locate_primary_via_sentinel();
  boost::asio::awaitable<void> watch_topology();
  boost::asio::awaitable<std::vector<reply>> exec_cluster(std::string_view key,
                                                          std::vector<command> cmds);
  boost::asio::awaitable<std::vector<reply>> exec_keyed_cluster(std::vector<keyed_command> cmds);
  // The first answer that is not an error, and who gave it.
  boost::asio::awaitable<std::pair<reply, redis_address>> ask_any_seed(command cmd);
  void trigger_refresh();

  executor ex_;
  redis_url url_;
  redis_options opts_;
  std::shared_ptr<boost::asio::ssl::context> tls_;

  std::shared_ptr<pool> primary_;  // standalone and Sentinel

  mutable std::mutex mutex_;  // Cluster state below
  std::map<std::string, std::shared_ptr<pool>> nodes_;
  std::shared_ptr<const slot_map> slots_;
  std::vector<std::shared_ptr<connection>> subscribers_;

  // The topology watcher runs on this strand, so that stop() can cancel its timer.
  boost::asio::strand<executor> watch_strand_;
  boost::asio::steady_timer watch_timer_;

  std::atomic<bool> refreshing_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> has_replicas_{false};
};

}  // namespace mcpxx::store::redis
