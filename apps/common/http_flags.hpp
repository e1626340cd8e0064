// Command-line flags shared by the apps: every flag also reads MCPXX_<FLAG>.
#pragma once

#include <mcpxx/store/memory.hpp>
#include <mcpxx/store/redis.hpp>
#include <mcpxx/transport/http_server.hpp>
#include <mcpxx/transport/stdio.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace mcpxx::apps {

struct http_flags {
  http_options http;
  std::string principal_header;
  std::string log_level = "info";
  bool stdio = false;
  std::string state_key;
  std::string redis_url;
  unsigned shutdown_grace_s = 10;

  void add_to(CLI::App& app) {
    app.add_option("--redis", redis_url,
                   "Keep shared state in Redis so that replicas can serve any request: "
                   "redis://, rediss://, redis+sentinel://h:p,.../primary, "
                   "redis+cluster://h:p,... (default: in this process)")
        ->envname("MCPXX_REDIS_URL");
    app.add_option("--state-key", state_key,
                   "Key that signs 2026-07-28 requestState; replicas must share it "
                   "(default: a random key per process)")
        ->envname("MCPXX_STATE_KEY");
    app.add_option("--host", http.host, "Address to listen on")
        ->envname("MCPXX_HOST")
        ->capture_default_str();
    app.add_option("--port", http.port, "TCP port (0 = any free port)")
        ->envname("MCPXX_PORT")
        ->capture_default_str();
    app.add_option("--path", http.path, "Path of the MCP endpoint")
        ->envname("MCPXX_PATH")
        ->capture_default_str();
    app.add_option("--threads", http.threads, "I/O threads (0 = one per core)")
        ->envname("MCPXX_THREADS")
        ->capture_default_str();
    app.add_option("--allowed-hosts", http.allowed_hosts,
                   "Host header allow-list (default: loopback names when bound to loopback)")
        ->envname("MCPXX_ALLOWED_HOSTS")
        ->delimiter(',');
    app.add_option("--allowed-origins", http.allowed_origins,
                   "Origin allow-list (default: loopback origins)")
        ->envname("MCPXX_ALLOWED_ORIGINS")
        ->delimiter(',');
    app.add_option("--max-sessions", http.max_sessions, "Legacy sessions kept at most")
        ->envname("MCPXX_MAX_SESSIONS")
        ->capture_default_str();
    app.add_flag(
           "--legacy-sse", http.legacy_sse,
           "Also serve the deprecated 2024-11-05 HTTP+SSE transport (GET /sse, POST /messages)")
        ->envname("MCPXX_LEGACY_SSE");
    app.add_option("--max-body-bytes", http.max_body_bytes, "Largest request body accepted")
        ->envname("MCPXX_MAX_BODY_BYTES")
        ->capture_default_str();
    app.add_option("--trust-principal-header", principal_header,
                   "TESTING ONLY: take the caller's identity from this request header")
        ->envname("MCPXX_TRUST_PRINCIPAL_HEADER");
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
        ->envname("MCPXX_LOG_LEVEL")
        ->capture_default_str();
    app.add_option("--shutdown-grace", shutdown_grace_s,
                   "Seconds in-flight requests get to finish after SIGTERM (stdio: end of "
                   "input) before they are cancelled; keep it below the orchestrator's own")
        ->envname("MCPXX_SHUTDOWN_GRACE")
        ->capture_default_str();
    app.add_flag("--stdio", stdio,
                 "Serve MCP on stdin/stdout (one JSON-RPC message per line) instead of HTTP")
        ->envname("MCPXX_STDIO");
  }

  // Call right after parsing: with --stdio stdout carries the protocol, so logs go to
  // stderr from the first message on.
  void setup_logging() const {
    if (stdio) spdlog::set_default_logger(spdlog::stderr_color_mt("mcpxx"));
    spdlog::set_level(spdlog::level::from_str(log_level));
  }

  // The event loop and the stores the server runs on: in memory, or on Redis.
  struct runtime {
    boost::asio::io_context io;
    std::unique_ptr<store::redis_backend> redis;
    store::backend stores;
  };

  // Throws std::invalid_argument for a bad configuration (e.g. Redis without a key).
  std::unique_ptr<runtime> make_runtime() {
    auto rt = std::make_unique<runtime>();
    if (redis_url.empty() || stdio) {
      rt->stores.results = std::make_shared<store::memory_cache>();
      return rt;
    }
    if (state_key.empty())
      throw std::invalid_argument(
          "--redis needs --state-key (MCPXX_STATE_KEY): every replica must sign "
          "requestState with the same key");
    store::redis_options o;
    o.url = redis_url;
    o.session_ttl = http.session_ttl;
    o.max_sessions = http.max_sessions;
    rt->redis = std::make_unique<store::redis_backend>(rt->io.get_executor(), o);
    rt->stores = rt->redis->stores();
    rt->stores.ready = [redis = rt->redis.get()] { return redis->ready(); };
    spdlog::info("shared state on Redis ({})", redis_url.substr(0, redis_url.find("://")));
    return rt;
  }

  // Serves `mcp` on stdio or on HTTP, as the flags say.
  void serve(server& mcp, runtime& rt) {
    if (stdio) {
      stdio_options o;
      o.shutdown_grace = std::chrono::seconds(shutdown_grace_s);
      serve_stdio(mcp, o);
      return;
    }
    http_server s(mcp, finish(), rt.stores, rt.io);
    s.start();
    s.run();
  }

  http_options finish() {
    if (!principal_header.empty()) http.principal = principal_from_header(principal_header);
    http.shutdown_grace = std::chrono::seconds(shutdown_grace_s);
    return http;
  }
};

}  // namespace mcpxx::apps
