#include "transport/http/sse_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include <string>

namespace mcpxx::http_transport {

namespace asio = boost::asio;
namespace http = boost::beast::http;

asio::awaitable<void> sse_writer::start(bool keep_alive) {
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Accel-Buffering", "no");
  res.keep_alive(keep_alive);
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  auto [ec, n] =
      co_await http::async_write_header(stream_, sr, asio::as_tuple(asio::use_awaitable));
  if (ec) ok_ = false;
}

asio::awaitable<void> sse_writer::chunk(std::string frame) {
  if (!ok_) co_return;
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk(asio::buffer(frame)),
                                            asio::as_tuple(asio::use_awaitable));
  if (ec) ok_ = false;
}

asio::awaitable<void> sse_writer::event(std::string_view data, std::string_view id,
                                        std::optional<int> retry_ms, std::string_view name) {
  std::string frame;
  if (!id.empty()) frame.append("id: ").append(id).append("\n");
  if (retry_ms) frame.append("retry: ").append(std::to_string(*retry_ms)).append("\n");
  if (!data.empty()) frame.append("event: ").append(name).append("\n");
  frame.append("data: ").append(data).append("\n\n");
  co_await chunk(std::move(frame));
}

asio::awaitable<void> sse_writer::comment(std::string_view text) {
  co_await chunk(": " + std::string(text) + "\n\n");
}

asio::awaitable<void> sse_writer::end() {
  if (!ok_) co_return;
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(),
                                            asio::as_tuple(asio::use_awaitable));
  if (ec) ok_ = false;
}

}  // namespace mcpxx::http_transport
