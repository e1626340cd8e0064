// Long-lived notification streams: the legacy GET stream of a session (event ids,
// Last-Event-ID replay, priming and retry from 2025-11-25) and 2026-07-28
// subscriptions/listen. Both are woken by the message bus (notify_channel), so a change
// made on any replica reaches streams held by every replica; legacy GET streams read the
// changes from the change log (change_log.hpp), so they resume on any replica.
#pragma once

#include "transport/http/change_log.hpp"
#include "transport/http/stream_registry.hpp"

#include <mcpxx/protocol/jsonrpc.hpp>
#include <mcpxx/store/event_store.hpp>
#include <mcpxx/store/message_bus.hpp>
#include <mcpxx/store/session_store.hpp>
#include <mcpxx/transport/http_options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace mcpxx::http_transport {

class notification_streams {
 public:
  notification_streams(const http_options& options, std::shared_ptr<store::session_store> sessions,
                       std::shared_ptr<store::event_store> events,
                       std::shared_ptr<store::message_bus> bus, boost::json::object server_info);

  // A list change or resource update (JSON, see channels.hpp): logged, then every
  // notification stream of the deployment is woken.
  boost::asio::awaitable<void> record_change(std::string change);

  // GET on the endpoint for a validated legacy session. Returns false when the
  // session already has a GET stream here (the caller answers 409).
  boost::asio::awaitable<bool> legacy_get(boost::beast::tcp_stream& stream, bool keep_alive,
                                          std::shared_ptr<const store::session_record> session,
                                          std::string last_event_id);

  // subscriptions/listen, envelope already validated. `filter` is the request's
  // `notifications` object.
  boost::asio::awaitable<void> listen(boost::beast::tcp_stream& stream, bool keep_alive,
                                      const protocol::request_id& id,
                                      const boost::json::object& filter);

  // Ends every open stream (server shutdown): listen streams get their final result,
  // legacy streams a retry hint so clients reconnect elsewhere.
  void close_all();
  // Streams open here (GET, listen and resumed request streams).
  std::size_t open_count();

  // The part of `requested` this server honours (what the acknowledgement echoes).
  static boost::json::object honoured_filter(const boost::json::object& requested);

 private:
  struct open_stream;
  // Continues a legacy request stream whose connection went away, from after
  // `last_event_id`, until the request's response has been written.
  boost::asio::awaitable<void> resume_request_stream(boost::beast::tcp_stream& stream,
                                                     bool keep_alive, std::string stream_id,
                                                     std::string last_event_id);

  const http_options& options_;
  std::shared_ptr<store::session_store> sessions_;
  std::shared_ptr<store::event_store> events_;
  std::shared_ptr<store::message_bus> bus_;
  boost::json::object server_info_;
  change_log log_;

  std::mutex mutex_;
  stream_registry<open_stream*> open_;     // ended by waking the stream with ""
  std::map<std::string, int> legacy_get_;  // session -> open GET streams
};

}  // namespace mcpxx::http_transport
