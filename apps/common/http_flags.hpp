// Command-line flags shared by the apps: every flag also reads MCPXX_<FLAG>.
#pragma once

#include <mcpxx/transport/http_server.hpp>
#include <mcpxx/transport/stdio.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <string>

namespace mcpxx::apps {

struct http_flags {
  http_options http;
  std::string principal_header;
  std::string log_level = "info";
  bool stdio = false;
  std::string state_key;

  void add_to(CLI::App& app) {
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

  // Serves `mcp` on stdio or on HTTP, as the flags say.
  void serve(server& mcp) {
    if (stdio)
      serve_stdio(mcp);
    else
      serve_http(mcp, finish());
  }

  http_options finish() {
    if (!principal_header.empty()) http.principal = principal_from_header(principal_header);
    return http;
  }
};

}  // namespace mcpxx::apps
