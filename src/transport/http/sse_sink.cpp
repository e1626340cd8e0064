#include "transport/http/sse_sink.hpp"

#include "transport/http/channels.hpp"
#include "transport/http/client_request.hpp"
#include "transport/http/header_rules.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

namespace mcpxx::http_transport {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {
constexpr int retry_hint_ms = 1000;
}

sse_sink::sse_sink(beast::tcp_stream& stream, bool keep_alive,
                   std::shared_ptr<mcpxx::cancellation> cancel, bool cancel_on_disconnect)
    : stream_(stream),
      writer_(stream),
      keep_alive_(keep_alive),
      cancel_(std::move(cancel)),
      cancel_on_disconnect_(cancel_on_disconnect) {}

void sse_sink::enable_requests(std::shared_ptr<store::message_bus> bus, std::string session_id,
                               std::chrono::milliseconds timeout) {
  bus_ = std::move(bus);
  session_id_ = std::move(session_id);
  request_timeout_ = timeout;
}

void sse_sink::enable_resumption(std::shared_ptr<store::event_store> events,
                                 std::string stream_prefix) {
  events_ = std::move(events);
  stream_id_ = std::move(stream_prefix);
}

void sse_sink::enqueue(item i) {
  asio::post(stream_.get_executor(), [self = shared_from_this(), i = std::move(i)]() mutable {
    if (self->closed_) return;
    if (self->cancel_ && self->cancel_->cancelled()) return;
    if (self->broken_ && !self->resumable()) return;
    self->queue_.push_back(std::move(i));
    if (!self->writing_) {
      self->writing_ = true;
      asio::co_spawn(self->stream_.get_executor(), self->drain(), asio::detached);
    }
  });
}

void sse_sink::send(boost::json::object message) {
  // Serialize on the caller's thread: it may be a worker, and the strand stays free.
  enqueue(boost::json::serialize(message));
}

void sse_sink::close_stream() {
  if (resumable()) enqueue(std::nullopt);
}

void sse_sink::on_write_error() {
  broken_ = true;
  broken_flag_ = true;
  // 2026-07-28: closing the response stream is how a client cancels. Legacy clients
  // resume instead, so their handler keeps running.
  if (cancel_on_disconnect_ && cancel_) cancel_->cancel();
}

void sse_sink::peer_gone() {
  if (broken_ || ended_) return;
  on_write_error();
  if (resumable() && bus_ && started_)
    asio::co_spawn(stream_.get_executor(), bus_->publish(stream_channel(stream_id_), "peer-gone"),
                   [](std::exception_ptr) {});
}

asio::awaitable<void> sse_sink::begin() {
  if (started_) co_return;
  started_ = true;
  co_await writer_.start(keep_alive_);
  if (resumable()) {
    // Named only now: most replies never stream, and they need no stream id.
    stream_id_ += http_rules::new_session_id().substr(0, 12);
    if (auto id = co_await store_event(""); !id.empty())
      co_await writer_.event("", id, retry_hint_ms);
  }
  if (!writer_.ok()) on_write_error();
}

asio::awaitable<void> sse_sink::end_response() {
  if (ended_) co_return;
  ended_ = true;
  if (!broken_) co_await writer_.end();
  if (!writer_.ok() && !broken_) on_write_error();
}

asio::awaitable<void> sse_sink::emit(const item& i) {
  if (!ended_ && !broken_) co_await begin();
  if (!i) {  // close_stream: the client polls with Last-Event-ID from here on
    co_await end_response();
    co_return;
  }
  std::string id;
  if (resumable()) id = co_await store_event(*i);
  if (!ended_ && !broken_) {
    co_await writer_.event(*i, id);
    if (!writer_.ok()) on_write_error();
  } else if (resumable() && bus_) {
    // Nobody reads this connection any more: wake whoever resumed the stream.
    try {
      co_await bus_->publish(stream_channel(stream_id_), id);
    } catch (const std::exception& e) {
      // Stored all the same: a reader that resumes later gets it.
      spdlog::debug("SSE stream {}: wake-up not published: {}", stream_id_, e.what());
    }
  }
}

// The response has begun, so a failing store can no longer turn it into an error status:
// the stream goes on as an ordinary (not resumable) one to the client still reading it.
asio::awaitable<std::string> sse_sink::store_event(const std::string& data) {
  try {
    co_return co_await events_->append(stream_id_, data);
  } catch (const std::exception& e) {
    spdlog::warn("SSE stream {}: events no longer stored, it cannot be resumed: {}", stream_id_,
                 e.what());
  }
  store_failed_ = true;
  co_return std::string{};
}

asio::awaitable<void> sse_sink::drain() {
  try {
    while (!queue_.empty()) {
      item i = std::move(queue_.front());
      queue_.pop_front();
      co_await emit(i);
    }
  } catch (const std::exception& e) {
    // Not expected (emit handles the store's failures); finish() must not wait forever.
    spdlog::error("SSE stream {}: {}", stream_id_, e.what());
    queue_.clear();
    on_write_error();
  }
  writing_ = false;
  if (drained_) drained_->cancel();
}

asio::awaitable<void> sse_sink::wait_drained() {
  while (writing_) {
    if (!drained_) drained_.emplace(stream_.get_executor());
    drained_->expires_at(asio::steady_timer::time_point::max());
    co_await drained_->async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> sse_sink::finish_cancelled() {
  closed_ = true;
  queue_.clear();
  co_await wait_drained();
  if (!ended_ && !broken_) {
    if (!started_) {
      started_ = true;
      co_await writer_.start(keep_alive_);
    }
    co_await end_response();
  }
}

asio::awaitable<bool> sse_sink::drop_queued() {
  queue_.clear();
  co_await wait_drained();
  co_return started_;
}

asio::awaitable<bool> sse_sink::finish(std::string final_message) {
  if (!started_ && !writing_ && queue_.empty()) {
    closed_ = true;
    co_return false;
  }
  closed_ = true;
  co_await wait_drained();
  co_await emit(final_message);
  co_await end_response();
  co_return true;
}

boost::json::object sse_sink::request(std::string_view method, boost::json::object params) {
  client_request_options o{bus_, stream_.get_executor(), session_id_, request_timeout_, cancel_,
                           // A resumable stream survives its connection: the client reads
                           // the request after reconnecting with Last-Event-ID.
                           [this] { return broken_flag_.load() && !resumable(); }};
  return ask_client(o, method, std::move(params),
                    [this](boost::json::object m) { send(std::move(m)); });
}

}  // namespace mcpxx::http_transport
