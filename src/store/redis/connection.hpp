// One pipelined connection to one Redis server, kept alive: it reconnects with backoff
// when the socket dies and fails the commands that were waiting (store::unavailable),
// so nothing ever waits on a dead peer longer than the command timeout.
#pragma once

#include "resp.hpp"

#include <mcpxx/store/redis.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mcpxx::store::redis {

// "host:port", for messages and as the key of a node.
inline std::string to_string(const redis_address& a) {
  return a.host + ":" + std::to_string(a.port);
}

struct connection_settings {
  std::string user;
  std::string password;
  int database = 0;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null = plain TCP
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
  bool require_primary = false;  // check ROLE (Sentinel may hand out a stale address)
};

// Where to connect, asked before every (re)connection: a fixed address, or a Sentinel
// query. Throws when no address is known now.
using locate_fn = std::function<boost::asio::awaitable<redis_address>()>;
class connection;
// Pub/sub messages ("message"/"smessage" pushes), run on the connection's strand.
using push_fn = std::function<void(reply&)>;
// Run on the strand after each (re)connection, before other commands may be queued:
// the place to re-send SUBSCRIBEs with enqueue_unawaited().
using connected_fn = std::function<void(connection&)>;

// The io_context executor `ex` wraps (connections build their strands on it, see strand_);
// throws std::invalid_argument for any other executor.
boost::asio::io_context::executor_type io_context_executor(const boost::asio::any_io_executor& ex);

class connection : public std::enable_shared_from_this<connection> {
 public:
  using executor = boost::asio::any_io_executor;

  static std::shared_ptr<connection> start(executor ex, connection_settings settings,
                                           locate_fn locate, push_fn on_push = {},
                                           connected_fn on_connected = {});
  ~connection();

  // Sends the commands as one pipeline and returns their replies (error replies
  // included, in order). Throws store::unavailable when disconnected or when the
  // connection dies or times out before every reply arrived.
  boost::asio::awaitable<std::vector<reply>> exec(std::vector<command> cmds);

  // Queues commands whose replies nobody reads (e.g. UNSUBSCRIBE). Thread-safe.
  void send_unawaited(std::vector<command> cmds);
  // Runs f on the connection's strand (after everything queued before).
  void run_on_strand(std::function<void()> f);
  // Same, but only from the strand (inside connected_fn or push_fn).
  void enqueue_unawaited(const std::vector<command>& cmds);
  // From the strand: like enqueue_unawaited, and answered() runs on the strand once every
  // reply has come (never if the connection is lost first).
  void enqueue_then(const std::vector<command>& cmds, std::function<void()> answered);
  // From the strand: commands whose answers come as pushes (SUNSUBSCRIBE), so nothing
  // waits for them. Dropped when not connected.
  void send_untracked(const std::vector<command>& cmds);

  bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }
  // Bumped on every successful (re)connection.
  std::uint64_t generation() const noexcept { return generation_.load(); }
  redis_address address() const;

  void stop();
  // Drops the socket now (e.g. the server turned replica); the connection comes back
  // through locate() like after any loss.
  void reconnect();

  connection(executor ex, connection_settings settings, locate_fn locate, push_fn on_push,
             connected_fn on_connected);  // use start()

 private:
  // The waiting coroutine's completion handler, type-erased; complete() resumes it on
  // its own executor (never inline on our strand).
  class handler {
   public:
    virtual ~handler() = default;
    virtual void complete(std::exception_ptr error, std::vector<reply> replies) = 0;
  };
  template <class Handler>
  class handler_of;
  struct pending {
    std::size_t expected = 0;
    std::vector<reply> replies;
    std::unique_ptr<handler> done;  // null for unawaited commands
    std::chrono::steady_clock::time_point sent;
  };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> connect_once();
  boost::asio::awaitable<void> read_loop();
  void start_write();
  boost::asio::awaitable<void> watchdog();
  boost::asio::awaitable<std::vector<reply>> handshake_roundtrip(std::vector<command> cmds);
  void submit(std::string bytes, std::size_t count, std::unique_ptr<handler> done);
  void deliver(reply r);
  void fail_all(const std::string& why);
  void close_socket();
  template <class Op>
  auto with_stream(Op op);

  // A strand over the io_context's own executor, not over `executor`: that one fits inside
  // an any_io_executor, so the executors Asio derives from it per operation allocate nothing.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  connection_settings settings_;
  locate_fn locate_;
  push_fn on_push_;
  connected_fn on_connected_;

  // Strand-only state.
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  std::unique_ptr<reply_reader> reader_;
  std::deque<pending> pending_;
  std::string outbuf_;   // queued, not written yet
  std::string sending_;  // being written
  bool writing_ = false;
  bool stopped_ = false;
  redis_address address_;
  boost::asio::steady_timer backoff_;

  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> generation_{0};
  mutable std::mutex address_mutex_;
  redis_address published_address_;
};

}  // namespace mcpxx::store::redis
