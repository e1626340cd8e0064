// Streamable HTTP for an mcpxx::server: one endpoint serving both protocol eras, plus
// /healthz and /readyz. Boost.Beast with C++20 coroutines on an io_context run by N
// threads; one strand per connection.
#pragma once

#include <mcpxx/server/server.hpp>
#include <mcpxx/store/backend.hpp>
#include <mcpxx/store/message_bus.hpp>
#include <mcpxx/store/session_store.hpp>
#include <mcpxx/transport/http_options.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>

namespace mcpxx {

class http_server {
 public:
  // Null stores = in-memory ones (sessions sized by the options).
  http_server(server& mcp, http_options options,
              std::shared_ptr<store::session_store> sessions = nullptr,
              std::shared_ptr<store::message_bus> bus = nullptr);
  // Stores chosen by the caller (e.g. on Redis), built on `io`: the server runs that
  // io_context with options.threads threads. Null members of `stores` are memory ones.
  http_server(server& mcp, http_options options, store::backend stores,
              boost::asio::io_context& io);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds and listens (throws std::system_error when it cannot).
  void start();
  // Runs the I/O threads until stop() or SIGINT/SIGTERM (graceful: stops accepting,
  // reports not-ready, lets in-flight requests finish up to shutdown_grace).
  void run();
  void stop();
  std::uint16_t port() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// start() + run(): the one-liner for apps.
void serve_http(server& mcp, http_options options);

}  // namespace mcpxx
