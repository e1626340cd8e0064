// What a handler knows about the request it serves, and how it talks back while it
// runs. The same handler code serves both protocol eras: the era only changes how
// the transport carries what the handler sends.
#pragma once

#include <mcpxx/protocol/jsonrpc.hpp>
#include <mcpxx/protocol/version.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
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
  void progress(double done, std::optional<double> total = std::nullopt,
                std::string_view message = {});

  // notifications/message at `level` (RFC 5424 name), filtered by the effective level.
  void log(std::string_view level, boost::json::value data, std::string_view logger = {});

  bool cancelled() const noexcept { return scope_.cancel && scope_.cancel->cancelled(); }

 private:
  const request_scope& scope_;
  const protocol::request_id& id_;
  boost::json::value progress_token_;
  std::mutex progress_mutex_;
  std::optional<double> last_progress_;
};

}  // namespace mcpxx
