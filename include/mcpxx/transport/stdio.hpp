// The MCP stdio transport for an mcpxx::server: newline-delimited JSON-RPC on
// stdin/stdout (one message per line), logs on stderr. Both protocol eras are served:
// a request whose params._meta names io.modelcontextprotocol/protocolVersion is
// 2026-07-28 (stateless, validated per request); everything else belongs to the one
// implicit legacy session of the process, opened by `initialize`.
//
// Requests run concurrently (a slow tool does not hold up the others);
// `notifications/cancelled` cancels one (both eras) and suppresses its response.
// Legacy handlers may ask the client for input (elicitation, sampling, roots): the
// request goes out as a line and the handler's worker thread waits for the answer.
#pragma once

#include <mcpxx/server/server.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace mcpxx {

struct stdio_options {
  // How long a legacy handler waits for the client's answer to elicitation, sampling
  // or roots (a person may be typing).
  std::chrono::milliseconds client_request_timeout{std::chrono::minutes(5)};
  // At end of input: how long in-flight requests may still finish, and then, once the
  // rest were cancelled, how long they get to notice before the loop gives up on them.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
  std::chrono::milliseconds cancel_grace{std::chrono::seconds(2)};
  // Longest line accepted; a longer one is skipped and answered with -32700.
  std::size_t max_line_bytes = 16 * 1024 * 1024;
  // Threads running the request coroutines (blocking handlers run on the server's
  // worker pool regardless).
  std::size_t threads = 1;
  // SIGINT / SIGTERM end the loop as end of input does.
  bool handle_signals = true;
  // The caller's identity for every request ("" = anonymous); binds requestState.
  std::string principal;
};

// Serves one client over a pair of file descriptors (not closed, not owned).
class stdio_server {
 public:
  stdio_server(server& mcp, int in_fd, int out_fd, stdio_options options = {});
  ~stdio_server();
  stdio_server(const stdio_server&) = delete;
  stdio_server& operator=(const stdio_server&) = delete;

  // Reads and answers messages until end of input, stop() or a signal; then waits for
  // in-flight requests (see shutdown_grace) and returns. Call once. Writing to a
  // closed pipe must not kill the process: SIGPIPE is ignored from here on, unless the
  // application installed its own handler.
  void run();
  // Thread-safe; run() proceeds as at end of input.
  void stop() noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

// Serves `mcp` on this process's stdin/stdout until stdin closes. Protects the protocol
// stream first: fd 1 is moved aside for the messages and pointed at stderr, so stray
// writes to stdout (std::cout, printf, spdlog's default console logger) land on stderr.
void serve_stdio(server& mcp, stdio_options options = {});

}  // namespace mcpxx
