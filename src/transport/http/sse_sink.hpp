// A request's reply that becomes an SSE stream the first time the handler sends
// something before its result (progress, logs, ...). Lives on the connection's strand.
#pragma once

#include <mcpxx/server/context.hpp>
#include <mcpxx/store/message_bus.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
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

  void send(boost::json::object message) override;
  boost::json::object request(std::string_view method, boost::json::object params) override;

  // Called on the strand once the handler is done. When nothing was streamed returns
  // false and the caller answers with plain JSON; otherwise writes `final_message` as
  // the last event, ends the stream and returns true.
  boost::asio::awaitable<bool> finish(std::string final_message);
  // The request was cancelled: nothing more is sent for it; the stream (or an empty
  // one, when nothing was streamed yet) is ended.
  boost::asio::awaitable<void> finish_cancelled();

  bool broken() const noexcept { return broken_; }

 private:
  boost::asio::awaitable<void> drain();
  boost::asio::awaitable<void> write_header();
  boost::asio::awaitable<void> write_event(const std::string& data);
  void on_write_error();

  boost::beast::tcp_stream& stream_;
  bool keep_alive_;
  std::shared_ptr<mcpxx::cancellation> cancel_;
  bool cancel_on_disconnect_;
  std::deque<std::string> queue_;
  bool started_ = false;
  bool writing_ = false;
  bool closed_ = false;
  bool broken_ = false;
  std::optional<boost::asio::steady_timer> drained_;
  std::atomic<bool> broken_flag_{false};  // broken_, readable from worker threads

  std::shared_ptr<store::message_bus> bus_;
  std::string session_id_;
  std::chrono::milliseconds request_timeout_{0};
};

}  // namespace mcpxx::http_transport
