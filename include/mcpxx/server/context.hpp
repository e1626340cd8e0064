// What a handler knows about the request it serves, and how it talks back while it
// runs. The same handler code serves both protocol eras: the era only changes how
// the transport carries what the handler sends.
#pragma once

#include <mcpxx/protocol/jsonrpc.hpp>
#include <mcpxx/protocol/version.hpp>
#include <mcpxx/server/input.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace mcpxx {

// Where a request's notifications go while it runs: the request's own SSE stream on
// Streamable HTTP. Implemented by the transport.
class outbound_sink {
 public:
  virtual ~outbound_sink() = default;
  // Thread-safe and non-blocking (handlers may run on a worker pool). Messages sent
  // from one thread keep their order; nothing is delivered after the request ends.
  virtual void send(boost::json::object message) = 0;

  // Legacy era: sends a server-to-client request on the request's stream and blocks
  // until the client's JSON-RPC response (returned whole) arrives. Throws input_error
  // on timeout, cancellation or a broken stream. Call it from a worker thread.
  virtual boost::json::object request(std::string_view method, boost::json::object params) = 0;

  // Legacy 2025-11-25+: ends the HTTP response now (after the priming event) while the
  // request goes on; the client polls with GET + Last-Event-ID. No-op elsewhere.
  virtual void close_stream() {}
};

// 2026-07-28: the answers a request gathered over its rounds, and the handler's state.
struct input_round {
  boost::json::object answers;  // key -> the client's answer
  boost::json::object state;
};

// Set by the transport when the request is cancelled; polled or observed by handlers.
class cancellation {
 public:
  void cancel() noexcept { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> cancelled_{false};
};

// Everything the transport learned about one request, before dispatch.
struct request_scope {
  protocol::era era = protocol::era::legacy;
  std::string protocol_version;
  boost::json::object client_capabilities;
  boost::json::object client_info;
  std::string principal;  // "" = anonymous
  // Effective log filter: legacy = the session's logging/setLevel ("" = not set,
  // everything goes); modern = the request's _meta logLevel ("" = send nothing).
  std::string log_level;
  std::string session_id;               // legacy only
  std::shared_ptr<outbound_sink> sink;  // null when nothing can stream (e.g. batches)
  std::shared_ptr<mcpxx::cancellation> cancel = std::make_shared<mcpxx::cancellation>();
};

class context {
 public:
  context(const request_scope& scope, const protocol::request_id& id,
          boost::json::value progress_token)
      : scope_(scope), id_(id), progress_token_(std::move(progress_token)) {}

  protocol::era era() const noexcept { return scope_.era; }
  std::string_view protocol_version() const noexcept { return scope_.protocol_version; }
  const boost::json::object& client_capabilities() const noexcept {
    return scope_.client_capabilities;
  }
  const boost::json::object& client_info() const noexcept { return scope_.client_info; }
  std::string_view principal() const noexcept { return scope_.principal; }
  const protocol::request_id& request_id() const noexcept { return id_; }
  std::string_view session_id() const noexcept { return scope_.session_id; }

  // True when the client declared `capability` (a top-level key such as "sampling").
  bool client_supports(std::string_view capability) const noexcept {
    return scope_.client_capabilities.contains(capability);
  }

  // notifications/progress for the request's progressToken. Ignored when the client
  // sent no token, when `done` does not increase, or once the request has ended.
  // Updates less than 10 ms after the previous one are coalesced: the newest is held
  // and sent with the next update or when the handler returns, so the first and the
  // last always go out.
  void progress(double done, std::optional<double> total = std::nullopt,
                std::string_view message = {});
  // Sends a held progress update; dispatch calls it when the handler returns.
  void flush_progress();

  // notifications/message at `level` (RFC 5424 name), filtered by the effective level.
  void log(std::string_view level, boost::json::value data, std::string_view logger = {});

  // Legacy 2025-11-25+ (SSE polling): ends the request's stream now; the handler goes
  // on and the client collects the rest with GET + Last-Event-ID. No-op elsewhere.
  void close_stream() {
    if (scope_.sink) scope_.sink->close_stream();
  }

  bool cancelled() const noexcept { return scope_.cancel && scope_.cancel->cancelled(); }

  // Asks the client for input and returns its answer (ElicitResult, CreateMessageResult
  // or ListRootsResult). Keys name the question within the request: use the same key
  // for the same question on every round. See input.hpp for how the eras differ.
  // A client that lacks the capability gets -32021 (2026-07-28) or input_error (legacy).
  boost::json::object ask(const std::string& key, const input_request& request);
  // Several questions in one round (2026-07-28); asked one after another on legacy.
  std::map<std::string, boost::json::object> ask_all(
      const std::vector<std::pair<std::string, input_request>>& requests);
  // Handler state kept across rounds (signed into requestState on 2026-07-28).
  boost::json::object& state() noexcept { return round_ ? round_->state : local_state_; }

  // Set by dispatch for 2026-07-28 requests that may ask for input.
  void set_input_round(input_round* round) noexcept { round_ = round; }

 private:
  void require_capability(const input_request& request) const;

  const request_scope& scope_;
  const protocol::request_id& id_;
  boost::json::value progress_token_;
  std::mutex progress_mutex_;
  std::optional<double> last_progress_;
  std::chrono::steady_clock::time_point last_progress_sent_{};
  std::optional<boost::json::object> held_progress_;
  input_round* round_ = nullptr;
  boost::json::object local_state_;
};

}  // namespace mcpxx
