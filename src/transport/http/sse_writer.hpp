// Writes one long-lived SSE response (legacy GET streams, subscriptions/listen) on a
// connection: chunked, flushed per event. Write errors are remembered, not thrown.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <optional>
#include <string_view>

namespace mcpxx::http_transport {

class sse_writer {
 public:
  explicit sse_writer(boost::beast::tcp_stream& stream) : stream_(stream) {}

  boost::asio::awaitable<void> start(bool keep_alive);
  // `data` is one line of JSON (or empty for a priming event).
  boost::asio::awaitable<void> event(std::string_view data, std::string_view id = {},
                                     std::optional<int> retry_ms = std::nullopt,
                                     std::string_view name = "message");
  boost::asio::awaitable<void> comment(std::string_view text);
  boost::asio::awaitable<void> end();
  bool ok() const noexcept { return ok_; }

 private:
  boost::asio::awaitable<void> chunk(std::string frame);

  boost::beast::tcp_stream& stream_;
  bool ok_ = true;
};

}  // namespace mcpxx::http_transport
