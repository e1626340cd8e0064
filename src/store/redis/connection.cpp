#include "connection.hpp"

#include <mcpxx/store/unavailable.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace mcpxx::store::redis {

namespace asio = boost::asio;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

constexpr std::chrono::milliseconds first_backoff{50};
constexpr std::chrono::milliseconds longest_backoff{1000};

// The completion handler of a spawned member coroutine owns the object while it runs.
template <class T>
auto keep_alive(std::shared_ptr<T> owner) {
  return [owner = std::move(owner)](std::exception_ptr) {};
}

// Messages, and "sunsubscribe": Redis sends it unasked when a sharded channel's slot moves
// to another node, so it is never a reply (send_untracked() sends our own SUNSUBSCRIBE).
bool is_push(const reply& r) {
  if (r.type != reply::kind::array || r.elements.empty()) return false;
  const auto& kind = r.elements[0].str;
  return kind == "message" || kind == "smessage" || kind == "pmessage" || kind == "sunsubscribe";
}

}  // namespace

template <class Handler>
class connection::handler_of final : public connection::handler {
 public:
  explicit handler_of(Handler h) : h_(std::move(h)) {}
  void complete(std::exception_ptr error, std::vector<reply> replies) override {
    auto ex = asio::get_associated_executor(h_);
    // defer: a continuation of the read that delivered it, queued on this thread, which
    // then resumes the waiter; post would wake another I/O thread for it.
    asio::defer(ex, [h = std::move(h_), error, replies = std::move(replies)]() mutable {
      std::move(h)(error, std::move(replies));
    });
  }

 private:
  Handler h_;
};

asio::io_context::executor_type io_context_executor(const asio::any_io_executor& ex) {
  if (auto* io = ex.target<asio::io_context::executor_type>()) return *io;
  throw std::invalid_argument("the Redis backend runs on an io_context's executor");
}

connection::connection(executor ex, connection_settings settings, locate_fn locate, push_fn on_push,
                       connected_fn on_connected)
    : strand_(asio::make_strand(io_context_executor(ex))),
      settings_(std::move(settings)),
      locate_(std::move(locate)),
      on_push_(std::move(on_push)),
      on_connected_(std::move(on_connected)),
      socket_(strand_),
      backoff_(strand_) {}

connection::~connection() = default;

std::shared_ptr<connection> connection::start(executor ex, connection_settings settings,
                                              locate_fn locate, push_fn on_push,
                                              connected_fn on_connected) {
  auto self = std::make_shared<connection>(ex, std::move(settings), std::move(locate),
                                           std::move(on_push), std::move(on_connected));
  asio::co_spawn(self->strand_, self->run(), keep_alive(self));
  return self;
}

redis_address connection::address() const {
  std::lock_guard lock(address_mutex_);
  return published_address_;
}

void connection::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->backoff_.cancel();
    self->close_socket();
    self->fail_all("Redis client stopped");
  });
}

void connection::reconnect() {
  asio::post(strand_, [self = shared_from_this()] { self->close_socket(); });
}

template <class Op>
auto connection::with_stream(Op op) {
  if (tls_) return op(*tls_);
  return op(socket_);
}

asio::awaitable<void> connection::run() {
  auto delay = first_backoff;
  bool warned = false;
  while (!stopped_) {
    std::string why = "Redis connection lost";
    bool was_up = false;
    try {
      co_await connect_once();
    } catch (const boost::system::system_error& e) {
      why = "Redis " + to_string(address_) + ": " + e.code().message();
    } catch (const std::exception& e) {
      why = "Redis " + to_string(address_) + ": " + e.what();
    }
    was_up = connected_.exchange(false);
    close_socket();
    fail_all(why);
    if (stopped_) break;
    if (was_up) {
      spdlog::warn("{}; reconnecting", why);
      delay = first_backoff;
      warned = false;
    } else if (!warned) {
      spdlog::warn("{}; retrying with backoff", why);
      warned = true;
    }
    backoff_.expires_after(delay);
    boost::system::error_code ec;
    co_await backoff_.async_wait(asio::redirect_error(use_awaitable, ec));
    delay = std::min(delay * 2, longest_backoff);
  }
}

asio::awaitable<void> connection::connect_once() {
  // stop() closes the socket, which ends a connect or handshake under way; locating and
  // resolving use no socket, so a stop() during them is noticed here, and once more before
  // the connection counts as up (else it would connect and wait for replies forever).
  const auto unless_stopped = [this] {
    if (stopped_) throw std::runtime_error("stopped");
  };
  address_ = co_await locate_();
  unless_stopped();
  tcp::resolver resolver(strand_);
  const auto service = std::to_string(address_.port);
  auto endpoints = co_await resolver.async_resolve(address_.host, service, use_awaitable);
  unless_stopped();

  socket_ = tcp::socket(strand_);
  tls_.reset();
  reader_ = std::make_unique<reply_reader>();
  // The deadline covers connect, TLS and the AUTH/SELECT/ROLE round trip.
  // The timer's handler may already be queued when the attempt ends (cancel() cannot take it
  // back): it owns what it touches, and once the attempt is settled it closes nothing.
  struct attempt {
    bool settled = false;
    bool timed_out = false;
  };
  auto state = std::make_shared<attempt>();
  asio::steady_timer deadline(strand_);
  deadline.expires_after(settings_.connect_timeout);
  deadline.async_wait([self = shared_from_this(), state](boost::system::error_code ec) {
    if (ec || state->settled) return;
    state->timed_out = true;
    self->close_socket();
  });
  try {
    co_await asio::async_connect(socket_, endpoints, use_awaitable);
    socket_.set_option(tcp::no_delay(true));
    socket_.non_blocking(true);  // for start_write's direct writes
    if (settings_.tls) {
      tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *settings_.tls);
      tls_->set_verify_mode(asio::ssl::verify_peer);
      tls_->set_verify_callback(asio::ssl::host_name_verification(address_.host));
      boost::system::error_code not_an_ip;
      asio::ip::make_address(address_.host, not_an_ip);
      if (not_an_ip) SSL_set_tlsext_host_name(tls_->native_handle(), address_.host.c_str());
      co_await tls_->async_handshake(asio::ssl::stream_base::client, use_awaitable);
    }
    std::vector<command> hello;
    if (!settings_.password.empty()) {
      if (settings_.user.empty())
        hello.push_back({"AUTH", settings_.password});
      else
        hello.push_back({"AUTH", settings_.user, settings_.password});
    }
    if (settings_.database != 0) hello.push_back({"SELECT", std::to_string(settings_.database)});
    if (settings_.require_primary) hello.push_back({"ROLE"});
    auto replies = co_await handshake_roundtrip(std::move(hello));
    for (const auto& r : replies)
      if (r.is_error()) throw std::runtime_error(r.str);
    if (settings_.require_primary) {
      const auto& role = replies.back();
      if (role.elements.empty() || role.elements[0].str != "master")
        throw std::runtime_error("not a primary (failover in progress?)");
    }
  } catch (...) {
    state->settled = true;
    deadline.cancel();
    if (state->timed_out) throw std::runtime_error("connect timed out");
    throw;
  }
  state->settled = true;
  deadline.cancel();
  unless_stopped();

  {
    std::lock_guard lock(address_mutex_);
    published_address_ = address_;
  }
  writing_ = false;  // a write on the old socket may still report; it is ignored
  // Connected before counted: whoever sees the new generation also sees the connection up
  // (client::wait_for_first_connection relies on it).
  connected_.store(true);
  generation_.fetch_add(1);
  spdlog::debug("Redis {} connected", to_string(address_));
  if (on_connected_) on_connected_(*this);
  start_write();
  asio::co_spawn(strand_, watchdog(), keep_alive(shared_from_this()));
  co_await read_loop();
}

asio::awaitable<std::vector<reply>> connection::handshake_roundtrip(std::vector<command> cmds) {
  std::vector<reply> replies;
  if (cmds.empty()) co_return replies;
  std::string bytes;
  for (const auto& c : cmds) format_command(c, bytes);
  co_await with_stream(
      [&](auto& s) { return asio::async_write(s, asio::buffer(bytes), use_awaitable); });
  std::array<char, 4096> buf;
  while (replies.size() < cmds.size()) {
    auto n = co_await with_stream(
        [&](auto& s) { return s.async_read_some(asio::buffer(buf), use_awaitable); });
    reader_->feed({buf.data(), n});
    while (auto r = reader_->next()) replies.push_back(std::move(*r));
  }
  co_return replies;
}

asio::awaitable<void> connection::read_loop() {
  std::array<char, 16384> buf;
  for (;;) {
    auto n = co_await with_stream(
        [&](auto& s) { return s.async_read_some(asio::buffer(buf), use_awaitable); });
    reader_->feed({buf.data(), n});
    while (auto r = reader_->next()) deliver(std::move(*r));
  }
}

// Writes what is queued, one batch at a time; commands queued meanwhile go in the next
// batch. A plain completion handler, not a coroutine: this runs once per batch.
void connection::start_write() {
  if (writing_ || outbuf_.empty() || !connected_.load()) return;
  if (!tls_) {
    // A pipeline nearly always fits the socket buffer: written now, it needs no operation
    // in flight, no completion to schedule and no strand hop (the socket is non-blocking).
    boost::system::error_code ec;
    const auto n = socket_.write_some(asio::buffer(outbuf_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
    } else if (ec) {
      close_socket();  // the read loop sees it and fails what is pending
      return;
    }
    outbuf_.erase(0, n);
    if (outbuf_.empty()) return;
  }
  writing_ = true;
  sending_.clear();
  sending_.swap(outbuf_);
  auto written = [self = shared_from_this(), generation = generation_.load()](
                     boost::system::error_code ec, std::size_t) {
    if (self->generation_.load() != generation) return;  // a write on an earlier socket
    self->writing_ = false;
    if (ec) {
      self->close_socket();  // the read loop sees it and fails what is pending
      return;
    }
    self->start_write();
  };
  if (tls_)
    asio::async_write(*tls_, asio::buffer(sending_), asio::bind_executor(strand_, written));
  else
    asio::async_write(socket_, asio::buffer(sending_), asio::bind_executor(strand_, written));
}

asio::awaitable<void> connection::watchdog() {
  const auto generation = generation_.load();
  const auto period = std::max(settings_.command_timeout / 4, std::chrono::milliseconds(10));
  // An idle connection is probed too, so that a silent peer (paused, partitioned) is
  // noticed even by a subscriber that never sends anything.
  const auto idle_probe = std::max(settings_.command_timeout, std::chrono::milliseconds(1000));
  auto last_activity = std::chrono::steady_clock::now();
  asio::steady_timer timer(strand_);
  while (!stopped_ && connected_.load() && generation_.load() == generation) {
    timer.expires_after(period);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (stopped_ || !connected_.load() || generation_.load() != generation) break;
    auto now = std::chrono::steady_clock::now();
    if (!pending_.empty()) {
      last_activity = now;
      if (now - pending_.front().sent > settings_.command_timeout) {
        spdlog::warn("Redis {}: no reply within {} ms; reconnecting", to_string(address_),
                     settings_.command_timeout.count());
        close_socket();
        break;
      }
    } else if (now - last_activity > idle_probe) {
      last_activity = now;
      enqueue_unawaited({{"PING"}});
    }
  }
}

void connection::deliver(reply r) {
  if (on_push_ && is_push(r)) {
    on_push_(r);
    return;
  }
  if (pending_.empty()) throw protocol_error("reply without a command");
  auto& front = pending_.front();
  front.replies.push_back(std::move(r));
  if (front.replies.size() < front.expected) return;
  auto done = std::move(front);
  pending_.pop_front();
  if (done.done) done.done->complete(nullptr, std::move(done.replies));
}

void connection::submit(std::string bytes, std::size_t count, std::unique_ptr<handler> done) {
  if (stopped_ || !connected_.load()) {
    if (done)
      done->complete(std::make_exception_ptr(
                         unavailable("Redis " + to_string(address_) + " is not connected")),
                     {});
    return;
  }
  if (count == 0) {
    if (done) done->complete(nullptr, {});
    return;
  }
  pending_.push_back({count, {}, std::move(done), std::chrono::steady_clock::now()});
  pending_.back().replies.reserve(count);
  outbuf_ += bytes;
  start_write();
}

void connection::enqueue_unawaited(const std::vector<command>& cmds) {
  std::string bytes;
  for (const auto& c : cmds) format_command(c, bytes);
  submit(std::move(bytes), cmds.size(), nullptr);
}

void connection::enqueue_then(const std::vector<command>& cmds, std::function<void()> answered) {
  class callback final : public handler {
   public:
    explicit callback(std::function<void()> f) : f_(std::move(f)) {}
    void complete(std::exception_ptr error, std::vector<reply>) override {
      if (!error) f_();
    }

   private:
    std::function<void()> f_;
  };
  std::string bytes;
  for (const auto& c : cmds) format_command(c, bytes);
  submit(std::move(bytes), cmds.size(), std::make_unique<callback>(std::move(answered)));
}

void connection::send_unawaited(std::vector<command> cmds) {
  asio::post(strand_, [self = shared_from_this(), cmds = std::move(cmds)] {
    self->enqueue_unawaited(cmds);
  });
}

void connection::send_untracked(const std::vector<command>& cmds) {
  if (stopped_ || !connected_.load()) return;
  for (const auto& c : cmds) format_command(c, outbuf_);
  start_write();
}

void connection::run_on_strand(std::function<void()> f) {
  asio::post(strand_, std::move(f));
}

asio::awaitable<std::vector<reply>> connection::exec(std::vector<command> cmds) {
  std::size_t size = 0;
  for (const auto& c : cmds) size += c.encoded_args().size() + 24;  // + the array header
  std::string bytes;
  bytes.reserve(size);
  for (const auto& c : cmds) format_command(c, bytes);
  const auto count = cmds.size();
  auto initiation = [self = shared_from_this(), count](auto h, std::string bytes) {
    std::unique_ptr<handler> done = std::make_unique<handler_of<decltype(h)>>(std::move(h));
    // dispatch: runs here and now when the strand is idle (the common case), without a
    // trip through the scheduler.
    asio::dispatch(self->strand_,
                   [self, count, bytes = std::move(bytes), done = std::move(done)]() mutable {
                     self->submit(std::move(bytes), count, std::move(done));
                   });
  };
  // Not a coroutine: the awaitable Asio builds owns the initiation and the bytes, so this
  // function needs no frame of its own (one fewer per round trip).
  return asio::async_initiate<decltype(use_awaitable),
                              void(std::exception_ptr, std::vector<reply>)>(
      std::move(initiation), use_awaitable, std::move(bytes));
}

void connection::fail_all(const std::string& why) {
  outbuf_.clear();
  auto failed = std::move(pending_);
  pending_.clear();
  for (auto& p : failed)
    if (p.done) p.done->complete(std::make_exception_ptr(unavailable(why)), {});
}

void connection::close_socket() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace mcpxx::store::redis
