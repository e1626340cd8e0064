// Command-line flags shared by the apps: every flag also reads MCPXX_<FLAG>.
#pragma once

#include <mcpxx/transport/http_options.hpp>

#include <CLI/CLI.hpp>

#include <string>

namespace mcpxx::apps {

struct http_flags {
  http_options http;
  std::string principal_header;
  std::string log_level = "info";

  void add_to(CLI::App& app) {
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
    app.add_option("--max-body-bytes", http.max_body_bytes, "Largest request body accepted")
        ->envname("MCPXX_MAX_BODY_BYTES")
        ->capture_default_str();
    app.add_option("--trust-principal-header", principal_header,
                   "TESTING ONLY: take the caller's identity from this request header")
        ->envname("MCPXX_TRUST_PRINCIPAL_HEADER");
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
        ->envname("MCPXX_LOG_LEVEL")
        ->capture_default_str();
  }

  http_options finish() {
    if (!principal_header.empty()) http.principal = principal_from_header(principal_header);
    return http;
  }
};

}  // namespace mcpxx::apps
