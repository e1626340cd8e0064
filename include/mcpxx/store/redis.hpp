// State on Redis, so that any replica can serve any request: sessions, SSE events, the
// message bus, single-use nonces and the tool result cache. One URL picks the topology:
//
//   redis://[user:password@]host:port[/db]              standalone
//   rediss://[user:password@]host:port[/db][?ca=FILE]   standalone over TLS
//   redis+sentinel://[user:password@]h1:p1,h2:p2/name[/db]   primary found by Sentinel
//   redis+cluster://[user:password@]h1:p1,h2:p2              Redis Cluster
//
// The credentials are those of the data nodes (Sentinels are asked without them).
// Nothing here blocks an event loop thread: connections live on the executor given.
#pragma once

#include <mcpxx/store/backend.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mcpxx::store {

enum class redis_topology { standalone, sentinel, cluster };

struct redis_address {
  std::string host;
  std::uint16_t port = 6379;
  friend bool operator==(const redis_address&, const redis_address&) = default;
};

// A parsed Redis URL. parse() throws std::invalid_argument naming what is wrong.
struct redis_url {
  redis_topology topology = redis_topology::standalone;
  bool tls = false;
  std::string ca_file;  // rediss: the CA that signed the server certificate ("" = system)
  std::string user;     // "" = the default user
  std::string password;
  int database = 0;
  std::vector<redis_address> nodes;  // the server, the Sentinels, or the cluster seeds
  std::string primary_name;          // Sentinel only

  static redis_url parse(const std::string& url);
};

struct redis_options {
  std::string url;
  std::size_t connections_per_node = 2;  // pipelined; more only helps with slow replies
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
  // Prefix of every key and channel, so that deployments can share a Redis. Must not
  // contain '{' or '}' (keys carry Cluster hash tags).
  std::string key_prefix = "mcpxx:";

  // Sessions: sliding TTL, refreshed at most once per refresh interval per replica (and
  // at least 8 times per TTL and per idle threshold, for short test TTLs).
  std::chrono::milliseconds session_ttl = std::chrono::hours(24);
  std::chrono::milliseconds session_refresh = std::chrono::minutes(1);
  std::size_t max_sessions = 1'000'000;  // across the deployment
  std::chrono::milliseconds idle_evict_after = std::chrono::minutes(10);
  // A new session is acknowledged only once a replica has it (WAIT 1), when the primary
  // has replicas; longer than this and it is acknowledged anyway (and logged).
  std::chrono::milliseconds replica_ack_timeout{500};

  // SSE events for resumption: per stream at most this many (the oldest are trimmed), kept
  // until this long after the stream's last append.
  std::size_t max_events_per_stream = 1024;
  std::chrono::milliseconds event_stream_ttl = std::chrono::hours(1);
};

// One deployment's connections and the stores built on them. Thread-safe.
class redis_backend {
 public:
  // Starts connecting in the background; throws std::invalid_argument for a bad URL, or
  // when `ex` is not an io_context's executor (io_context::get_executor()).
  redis_backend(boost::asio::any_io_executor ex, redis_options opts);
  ~redis_backend();
  redis_backend(const redis_backend&) = delete;
  redis_backend& operator=(const redis_backend&) = delete;

  // Every store on Redis: sessions, events, bus, nonces and results.
  store::backend stores() const;

  // True while commands can reach a primary (for readiness probes).
  bool ready() const noexcept;

  // Closes every connection; pending and later commands fail with store::unavailable.
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace mcpxx::store
