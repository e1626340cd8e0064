// Settings of the Streamable HTTP transport.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpxx {

// Read-only view of one HTTP request's headers, for principal extractors.
class header_view {
 public:
  virtual ~header_view() = default;
  // "" when absent. Names compare case-insensitively.
  virtual std::string_view get(std::string_view name) const = 0;
};

// Who sent the request: "" = anonymous. The default extractor answers "" always; the
// OAuth issue replaces it with bearer-token verification.
using principal_extractor = std::function<std::string(const header_view&)>;

struct http_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = pick a free port (see http_server::port())
  std::string path = "/mcp";
  std::size_t threads = 0;  // I/O threads; 0 = one per core

  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::chrono::seconds idle_timeout{60};  // waiting for (and reading) the next request

  // Host and Origin allow-lists ("host" or "host:port"; "*" allows any). Empty means:
  // loopback names only when bound to a loopback address, any host otherwise; for
  // Origin, loopback origins only.
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;

  // Legacy sessions kept in memory at most (idle ones are evicted first; a new session
  // beyond that gets 503).
  std::size_t max_sessions = 100000;
  std::chrono::seconds session_ttl{24 * 3600};

  // How long a handler waits for a legacy client's answer to elicitation, sampling
  // or roots (a person may be typing).
  std::chrono::milliseconds client_request_timeout{std::chrono::minutes(5)};

  // The deprecated 2024-11-05 HTTP+SSE transport for old clients: GET on the SSE
  // path opens a session's stream, POSTs go to the messages path.
  bool legacy_sse = false;
  std::string legacy_sse_path = "/sse";
  std::string legacy_sse_messages_path = "/messages";

  principal_extractor principal;
  std::chrono::seconds shutdown_grace{10};
};

// For tests only: trusts a request header as the principal's name. Never use it where
// clients are not trusted.
principal_extractor principal_from_header(std::string header_name);

}  // namespace mcpxx
