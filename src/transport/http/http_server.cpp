#include <mcpxx/store/memory.hpp>
#include <mcpxx/store/unavailable.hpp>
#include <mcpxx/transport/http_server.hpp>

#include "transport/http/channels.hpp"
#include "transport/http/header_rules.hpp"
#include "transport/http/legacy_sse.hpp"
#include "transport/http/mcp_endpoint.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace mcpxx {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

principal_extractor principal_from_header(std::string header_name) {
  return [name = std::move(header_name)](const header_view& h) { return std::string(h.get(name)); };
}

struct http_server::impl {
  impl(server& srv, http_options opts, store::backend s, asio::io_context* external_io)
      : mcp(srv),
        options(std::move(opts)),
        threads(options.threads ? options.threads
                                : std::max(1u, std::thread::hardware_concurrency())),
        owned_io(external_io ? nullptr
                             : std::make_unique<asio::io_context>(static_cast<int>(threads))),
        io(external_io ? *external_io : *owned_io),
        stores(with_memory_defaults(std::move(s), options)),
        acceptor(io),
        signals(io, SIGINT, SIGTERM),
        legacy_sse(mcp, options, stores.sessions, stores.bus),
        endpoint(mcp, options, stores.sessions, stores.events, stores.bus) {
    // Lent to the server while this one lives: the stores may hold I/O objects of `io`,
    // which can go before the server does.
    if (stores.nonces) lent_nonces = mcp.set_nonce_store(stores.nonces);
    if (stores.results) lent_results = mcp.set_result_cache(stores.results);
    // Registry changes and resource updates reach every notification stream, on every
    // replica: logged in the event store, announced on the bus.
    auto publish = [this](json::object change) { record_in_order(json::serialize(change)); };
    listeners[0] = mcp.on_list_changed([publish](std::string_view list) {
      publish({{"kind", "list_changed"}, {"list", list}});
    });
    listeners[1] = mcp.on_resource_updated([publish](std::string_view uri) {
      publish({{"kind", "resource_updated"}, {"uri", uri}});
    });
  }

  ~impl() {
    for (auto id : listeners) mcp.remove_listener(id);
    if (lent_nonces) mcp.set_nonce_store(std::move(lent_nonces));
    if (lent_results) mcp.set_result_cache(std::move(lent_results));
  }

  static store::backend with_memory_defaults(store::backend s, const http_options& o) {
    if (!s.sessions) {
      store::memory_session_store::options so;
      so.ttl = o.session_ttl;
      so.max_sessions = o.max_sessions;
      s.sessions = std::make_shared<store::memory_session_store>(so);
    }
    if (!s.bus) s.bus = std::make_shared<store::memory_message_bus>();
    if (!s.events) s.events = std::make_shared<store::memory_event_store>();
    return s;
  }
  bool ready() const { return !draining && (!stores.ready || stores.ready()); }

  server& mcp;
  std::shared_ptr<store::nonce_store> lent_nonces;  // what the server had before
  std::shared_ptr<store::cache> lent_results;
  std::array<server::listener_id, 2> listeners{};
  http_options options;
  std::size_t threads;
  std::unique_ptr<asio::io_context> owned_io;
  asio::io_context& io;
  store::backend stores;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  http_transport::legacy_sse_endpoint legacy_sse;
  http_transport::mcp_endpoint endpoint;
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> in_flight{0};

  // Changes are recorded one after another, in the order they happened: recorded
  // concurrently (from worker threads, on two I/O threads), a later change could reach the
  // streams first. One coroutine drains the queue while it is not empty.
  std::mutex changes_mutex;
  std::deque<std::string> changes;
  bool recording = false;

  void record_in_order(std::string change) {
    {
      std::lock_guard lock(changes_mutex);
      changes.push_back(std::move(change));
      if (recording) return;
      recording = true;
    }
    asio::co_spawn(io, record_changes(), asio::detached);  // not under the lock: may run inline
  }

  asio::awaitable<void> record_changes() {
    for (;;) {
      std::string next;
      {
        std::lock_guard lock(changes_mutex);
        if (changes.empty()) {
          recording = false;
          co_return;
        }
        next = std::move(changes.front());
        changes.pop_front();
      }
      try {
        co_await endpoint.record_change(std::move(next));
      } catch (const std::exception& e) {
        spdlog::warn("change not recorded: {}", e.what());
      }
    }
  }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> connection(tcp::socket socket);
  asio::awaitable<bool> route(beast::tcp_stream& stream, http_transport::request_t& req);
  asio::awaitable<void> drain_and_stop();
  asio::awaitable<bool> store_unavailable(beast::tcp_stream& stream,
                                          const http_transport::request_t& req);
};

namespace {

http_transport::response_t plain(http::status st, unsigned version, std::string body) {
  http_transport::response_t res{st, version};
  res.set(http::field::content_type, "text/plain");
  res.body() = std::move(body);
  return res;
}

}  // namespace

// The shared state is out of reach (Redis down, failover in progress): nothing was
// done, the client may retry the same request shortly.
asio::awaitable<bool> http_server::impl::store_unavailable(beast::tcp_stream& stream,
                                                           const http_transport::request_t& req) {
  http_transport::response_t res{http::status::service_unavailable, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::retry_after, "1");
  res.body() = json::serialize(
      json::object{{"jsonrpc", "2.0"},
                   {"id", nullptr},
                   {"error",
                    {{"code", -32603},
                     {"message",
                      "Service temporarily unavailable: the session store cannot be reached; "
                      "retry shortly"}}}});
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  co_return !ec && req.keep_alive();
}

asio::awaitable<void> http_server::impl::accept_loop() {
  while (!draining) {
    auto [ec, socket] =
        co_await acceptor.async_accept(asio::make_strand(io), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    boost::system::error_code option_ec;  // (a socket reset already: the read fails soon)
    socket.set_option(tcp::no_delay(true), option_ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, connection(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("connection failed: {}", ex.what());
      }
    });
  }
}

asio::awaitable<bool> http_server::impl::route(beast::tcp_stream& stream,
                                               http_transport::request_t& req) {
  std::string_view target(req.target().data(), req.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  if (path == options.path) {
    try {
      co_return co_await endpoint.serve(stream, req);
    } catch (const store::unavailable& e) {
      spdlog::warn("{} {}: {}", std::string_view(req.method_string()), path, e.what());
    }
    co_return co_await store_unavailable(stream, req);
  }
  if (options.legacy_sse &&
      (path == options.legacy_sse_path || path == options.legacy_sse_messages_path)) {
    auto header = [&](http::field f) {
      auto it = req.find(f);
      return it == req.end() ? std::string_view{} : std::string_view(it->value());
    };
    if (!http_rules::host_allowed(header(http::field::host), options.allowed_hosts,
                                  http_rules::is_loopback_address(options.host)) ||
        !http_rules::origin_allowed(header(http::field::origin), options.allowed_origins)) {
      auto res = plain(http::status::forbidden, req.version(), "Forbidden\n");
      res.keep_alive(false);
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      co_return false;
    }
    std::string principal;
    if (options.principal) principal = options.principal(http_transport::request_headers(req));
    bool unavailable = false;
    try {
      if (path == options.legacy_sse_path && req.method() == http::verb::get) {
        co_await legacy_sse.open_stream(stream, req, std::move(principal));
        co_return false;
      }
      if (path == options.legacy_sse_messages_path && req.method() == http::verb::post)
        co_return co_await legacy_sse.post(stream, req, std::move(principal));
    } catch (const store::unavailable& e) {  // thrown before anything was written
      spdlog::warn("{} {}: {}", std::string_view(req.method_string()), path, e.what());
      unavailable = true;
    }
    if (unavailable) co_return co_await store_unavailable(stream, req);
  }

  http_transport::response_t res;
  if (path == "/healthz") {
    res = plain(http::status::ok, req.version(), "ok\n");
  } else if (path == "/readyz") {
    res = ready() ? plain(http::status::ok, req.version(), "ready\n")
                  : plain(http::status::service_unavailable, req.version(),
                          draining ? "draining\n" : "state store unreachable\n");
  } else {
    res = plain(http::status::not_found, req.version(), "Not Found\n");
  }
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  co_return !ec && req.keep_alive();
}

asio::awaitable<void> http_server::impl::connection(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    stream.expires_after(options.idle_timeout);
    auto [ec, n] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      // Answer what a client can fix; drop the connection on everything else.
      http::status st = http::status::unknown;
      if (ec == http::error::body_limit)
        st = http::status::payload_too_large;
      else if (ec == http::error::header_limit)
        st = http::status::request_header_fields_too_large;
      else if (ec.category() == http::make_error_code(http::error::body_limit).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message)
        st = http::status::bad_request;
      if (st != http::status::unknown) {
        auto res = plain(st, 11, std::string(obsolete_reason(st)) + "\n");
        res.keep_alive(false);
        res.prepare_payload();
        stream.expires_after(std::chrono::seconds(5));
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      }
      break;
    }
    stream.expires_never();  // a handler may take long; streams stay open
    auto req = parser.release();
    // Counted down however route() ends: a drain waits for in_flight to reach 0.
    struct counted {
      std::atomic<std::size_t>& n;
      explicit counted(std::atomic<std::size_t>& c) : n(c) { ++n; }
      ~counted() { --n; }
    } request_in_flight{in_flight};
    bool keep = co_await route(stream, req);
    if (!keep || draining) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// In-flight work first (requests, and HTTP+SSE messages being handled), so that what it
// sends reaches its streams; then the long-lived streams end: legacy GET streams of
// 2025-11-25+ sessions with a retry hint (the client resumes on another replica),
// listen streams with their final result, older streams plainly once drained.
asio::awaitable<void> http_server::impl::drain_and_stop() {
  draining = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  asio::steady_timer timer(io);
  auto deadline = std::chrono::steady_clock::now() + options.shutdown_grace;
  auto wait_until = [&](const std::function<bool()>& done) -> asio::awaitable<void> {
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  };
  // (Named: g++ 12 mishandles lambda temporaries inside co_await expressions.)
  std::function<bool()> only_streams_left = [this] {
    return in_flight <= endpoint.open_streams() + legacy_sse.open_streams() &&
           legacy_sse.busy() == 0;
  };
  std::function<bool()> all_done = [this] { return in_flight == 0; };
  co_await wait_until(only_streams_left);
  endpoint.close_streams();
  legacy_sse.close_all();
  co_await wait_until(all_done);
  if (!all_done()) {
    // Past the grace period: what still runs is cancelled (a handler waiting for a client's
    // answer gives up) and gets a moment to end before the event loop stops.
    spdlog::warn("shutdown: {} request(s) still running after {} s; cancelling them",
                 in_flight.load(), options.shutdown_grace.count());
    endpoint.cancel_running();
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    co_await wait_until(all_done);
  }
  io.stop();
}

http_server::http_server(server& mcp, http_options options,
                         std::shared_ptr<store::session_store> sessions,
                         std::shared_ptr<store::message_bus> bus) {
  store::backend stores;
  stores.sessions = std::move(sessions);
  stores.bus = std::move(bus);
  impl_ = std::make_unique<impl>(mcp, std::move(options), std::move(stores), nullptr);
}

http_server::http_server(server& mcp, http_options options, store::backend stores,
                         asio::io_context& io)
    : impl_(std::make_unique<impl>(mcp, std::move(options), std::move(stores), &io)) {}

http_server::~http_server() = default;

void http_server::start() {
  auto& i = *impl_;
  tcp::endpoint ep(
      asio::ip::make_address(i.options.host == "localhost" ? "127.0.0.1" : i.options.host),
      i.options.port);
  i.acceptor.open(ep.protocol());
  i.acceptor.set_option(tcp::acceptor::reuse_address(true));
  i.acceptor.bind(ep);
  i.acceptor.listen(asio::socket_base::max_listen_connections);
  // Runs before the first accept completes: both are queued in this order.
  asio::co_spawn(i.io, i.endpoint.start(), asio::detached);
  asio::co_spawn(i.io, i.accept_loop(), asio::detached);
  spdlog::info("mcpxx listening on http://{}:{}{}", i.options.host, port(), i.options.path);
  i.signals.async_wait([&i](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: draining", sig);
    asio::co_spawn(i.io, i.drain_and_stop(), asio::detached);
  });
}

void http_server::run() {
  auto& i = *impl_;
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < i.threads; ++t) pool.emplace_back([&i] { i.io.run(); });
  i.io.run();
  for (auto& t : pool) t.join();
}

void http_server::stop() {
  asio::co_spawn(impl_->io, impl_->drain_and_stop(), asio::detached);
}

std::uint16_t http_server::port() const noexcept {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void serve_http(server& mcp, http_options options) {
  http_server s(mcp, std::move(options));
  s.start();
  s.run();
}

}  // namespace mcpxx
