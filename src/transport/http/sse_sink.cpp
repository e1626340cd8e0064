#include "transport/http/sse_sink.hpp"

#include "transport/http/channels.hpp"
#include "transport/http/header_rules.hpp"

#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <condition_variable>
#include <mutex>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

namespace mcpxx::http_transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

sse_sink::sse_sink(beast::tcp_stream& stream, bool keep_alive,
                   std::shared_ptr<mcpxx::cancellation> cancel, bool cancel_on_disconnect)
    : stream_(stream),
      keep_alive_(keep_alive),
      cancel_(std::move(cancel)),
      cancel_on_disconnect_(cancel_on_disconnect) {}

void sse_sink::send(boost::json::object message) {
  // Serialize on the caller's thread: it may be a worker, and the strand stays free.
  asio::post(stream_.get_executor(),
             [self = shared_from_this(), data = boost::json::serialize(message)]() mutable {
               if (self->closed_ || self->broken_) return;
               if (self->cancel_ && self->cancel_->cancelled()) return;
               self->queue_.push_back(std::move(data));
               if (!self->writing_) {
                 self->writing_ = true;
                 asio::co_spawn(self->stream_.get_executor(), self->drain(), asio::detached);
               }
             });
}

void sse_sink::enable_requests(std::shared_ptr<store::message_bus> bus, std::string session_id,
                               std::chrono::milliseconds timeout) {
  bus_ = std::move(bus);
  session_id_ = std::move(session_id);
  request_timeout_ = timeout;
}

boost::json::object sse_sink::request(std::string_view method, boost::json::object params) {
  if (!bus_ || session_id_.empty())
    throw input_error("This request cannot send requests to the client");
  // Unguessable: the id names the reply channel, and a reply is accepted from the
  // session's owner only.
  std::string id = "mcpxx-" + http_rules::new_session_id().substr(0, 16);
  std::string id_json = boost::json::serialize(boost::json::value(id));

  struct waiter {
    std::mutex mutex;
    std::condition_variable ready;
    std::optional<std::string> payload;
  };
  auto w = std::make_shared<waiter>();
  // Subscribe before sending, so the answer cannot overtake us.
  auto sub = asio::co_spawn(stream_.get_executor(),
                            bus_->subscribe(reply_channel(session_id_, id_json),
                                            [w](std::string_view payload) {
                                              std::lock_guard lock(w->mutex);
                                              if (!w->payload) w->payload.emplace(payload);
                                              w->ready.notify_all();
                                            }),
                            asio::use_future)
                 .get();
  send(protocol::make_request(boost::json::value(id), method, std::move(params)));

  auto deadline = std::chrono::steady_clock::now() + request_timeout_;
  std::unique_lock lock(w->mutex);
  while (!w->payload) {
    if (cancel_ && cancel_->cancelled()) throw input_error("The request was cancelled");
    if (broken_flag_) throw input_error("The client's stream broke before it answered");
    if (std::chrono::steady_clock::now() >= deadline)
      throw input_error("The client did not answer " + std::string(method) + " in time");
    w->ready.wait_for(lock, std::chrono::milliseconds(100));
  }
  std::string payload = std::move(*w->payload);
  lock.unlock();
  sub.reset();

  boost::json::error_code ec;
  auto v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) throw input_error("Malformed answer from the client");
  return std::move(v.get_object());
}

asio::awaitable<void> sse_sink::write_header() {
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Accel-Buffering", "no");
  res.keep_alive(keep_alive_);
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  auto [ec, n] =
      co_await http::async_write_header(stream_, sr, asio::as_tuple(asio::use_awaitable));
  if (ec) on_write_error();
  started_ = true;
}

asio::awaitable<void> sse_sink::write_event(const std::string& data) {
  std::string frame = "event: message\ndata: ";
  frame += data;
  frame += "\n\n";
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk(asio::buffer(frame)),
                                            asio::as_tuple(asio::use_awaitable));
  if (ec) on_write_error();
}

void sse_sink::on_write_error() {
  broken_ = true;
  broken_flag_ = true;
  queue_.clear();
  // 2026-07-28: closing the response stream is how a client cancels. Legacy clients
  // resume instead, so their handler keeps running.
  if (cancel_on_disconnect_ && cancel_) cancel_->cancel();
}

asio::awaitable<void> sse_sink::drain() {
  while (!queue_.empty() && !broken_) {
    if (!started_) co_await write_header();
    if (broken_) break;
    std::string data = std::move(queue_.front());
    queue_.pop_front();
    co_await write_event(data);
  }
  writing_ = false;
  if (drained_) drained_->cancel();
}

asio::awaitable<void> sse_sink::finish_cancelled() {
  closed_ = true;
  queue_.clear();
  while (writing_) {
    if (!drained_) drained_.emplace(stream_.get_executor());
    drained_->expires_at(asio::steady_timer::time_point::max());
    co_await drained_->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (!broken_ && !started_) co_await write_header();
  if (!broken_) {
    auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(),
                                              asio::as_tuple(asio::use_awaitable));
    if (ec) on_write_error();
  }
}

asio::awaitable<bool> sse_sink::finish(std::string final_message) {
  if (!started_ && !writing_ && queue_.empty()) {
    closed_ = true;
    co_return false;
  }
  closed_ = true;
  while (writing_) {
    if (!drained_) drained_.emplace(stream_.get_executor());
    drained_->expires_at(asio::steady_timer::time_point::max());
    co_await drained_->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (!broken_ && !started_) co_await write_header();
  if (!broken_) co_await write_event(final_message);
  if (!broken_) {
    auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(),
                                              asio::as_tuple(asio::use_awaitable));
    if (ec) on_write_error();
  }
  co_return true;
}

}  // namespace mcpxx::http_transport
