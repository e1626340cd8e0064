// A request's reply that becomes an SSE stream the first time the handler sends
// something before its result (progress, logs, a request to the client). Lives on
// the connection's strand.
//
// Legacy sessions at 2025-11-25 or later get resumable streams: a priming event (id,
// empty data, retry hint) first, every event stored in the event store before it is
// written, and a client that disconnects (or that the handler sends away to poll,
// see close_stream) resumes with GET + Last-Event-ID while the handler keeps running.
#pragma once

#include <mcpxx/server/context.hpp>
#include <mcpxx/store/event_store.hpp>
#include <mcpxx/store/message_bus.hpp>

#include "transport/http/sse_writer.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace mcpxx::http_transport {

class sse_sink final : public outbound_sink, public std::enable_shared_from_this<sse_sink> {
 public:
  // `stream` must outlive the sink's use: the connection awaits finish() before it
  // reads the next request.
  sse_sink(boost::beast::tcp_stream& stream, bool keep_alive,
           std::shared_ptr<mcpxx::cancellation> cancel, bool cancel_on_disconnect);

  // Legacy sessions: where the client's answers to our requests arrive.
  void enable_requests(std::shared_ptr<store::message_bus> bus, std::string session_id,
                       std::chrono::milliseconds timeout);
  // Legacy sessions at 2025-11-25+: store events for resumption, under a stream id
  // made of `stream_prefix` and a random suffix once the reply starts streaming.
  void enable_resumption(std::shared_ptr<store::event_store> events, std::string stream_prefix);

  void send(boost::json::object message) override;
  boost::json::object request(std::string_view method, boost::json::object params) override;
  void close_stream() override;

  // Called on the strand once the handler is done. When nothing was streamed returns
  // false and the caller answers with plain JSON; otherwise delivers `final_message`
  // as the last event (written, and stored when resumable) and returns true.
  boost::asio::awaitable<bool> finish(std::string final_message);
  // The request was cancelled: nothing more is sent for it; the stream (or an empty
  // one, when nothing was streamed yet) is ended.
  boost::asio::awaitable<void> finish_cancelled();
  // The handler failed in a way the transport answers with an HTTP status: drops what is
  // queued, waits for a write under way and returns false when nothing was written (the
  // status can still be sent); true when the stream had begun (then finish() ends it).
  boost::asio::awaitable<bool> drop_queued();

  // On the strand: the client closed the connection (seen by a watcher before any write
  // failed). Later events only go to the store, and whoever resumes the stream is woken
  // for each (and once now, for those written to the dead connection meanwhile).
  void peer_gone();

  // The connection can carry another request afterwards.
  bool reusable() const noexcept { return !broken_ && writer_.ok(); }

 private:
  // nullopt in the queue = "end the HTTP response now" (close_stream).
  using item = std::optional<std::string>;
  void enqueue(item i);
  boost::asio::awaitable<void> drain();
  boost::asio::awaitable<void> wait_drained();
  boost::asio::awaitable<void> begin();
  boost::asio::awaitable<void> emit(const item& i);
  boost::asio::awaitable<void> end_response();
  void on_write_error();
  // Stores an event for resumption and returns its id; "" once the store failed (the
  // stream then goes on without ids, on the live connection only).
  boost::asio::awaitable<std::string> store_event(const std::string& data);
  bool resumable() const noexcept { return events_ != nullptr && !store_failed_.load(); }

  boost::beast::tcp_stream& stream_;
  sse_writer writer_;
  bool keep_alive_;
  std::shared_ptr<mcpxx::cancellation> cancel_;
  bool cancel_on_disconnect_;

  std::deque<item> queue_;
  bool started_ = false;  // response header (and priming event) written
  bool ended_ = false;    // HTTP response complete; later events only go to the store
  bool writing_ = false;
  bool closed_ = false;  // the handler is done: sends are dropped
  bool broken_ = false;
  std::atomic<bool> broken_flag_{false};   // broken_, readable from worker threads
  std::atomic<bool> store_failed_{false};  // an append failed: no longer resumable
  std::optional<boost::asio::steady_timer> drained_;

  std::shared_ptr<store::message_bus> bus_;
  std::string session_id_;
  std::chrono::milliseconds request_timeout_{0};
  std::shared_ptr<store::event_store> events_;
  std::string stream_id_;
};

}  // namespace mcpxx::http_transport
