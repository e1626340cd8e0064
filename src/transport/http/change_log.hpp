// The deployment's record of list changes and resource updates, kept as one stream of
// the event store. A change is appended there before anyone is told (notify_channel only
// wakes the streams up), so a legacy GET stream is a view of this log from a position:
// a client that reconnects to any replica with its Last-Event-ID gets every change made
// meanwhile, even if the replica that held its stream died, and never one twice.
#pragma once

#include <mcpxx/store/event_store.hpp>
#include <mcpxx/store/message_bus.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpxx::http_transport {

class change_log {
 public:
  change_log(std::shared_ptr<store::event_store> events, std::shared_ptr<store::message_bus> bus);

  // Appends the change (JSON text, as published on notify_channel), then wakes every
  // notification stream of the deployment. Failures are logged, not thrown.
  boost::asio::awaitable<void> record(std::string change);

  // The newest position: reading after it yields only changes made from now on. Costs
  // one read when this replica has seen the log recently, else one append (a mark).
  boost::asio::awaitable<std::string> tail();

  // The changes after `position` (oldest first; marks have empty data), or nullopt when
  // the position is unusable: not a position of this log, or the log was trimmed past
  // it or expired.
  boost::asio::awaitable<std::optional<std::vector<store::event>>> after(std::string_view position);

  // Called while streams wait: the log expires a while after its last append, so a mark
  // is appended now and then to keep the positions held by quiet streams valid.
  boost::asio::awaitable<void> keep_alive();

  // Whether an event store position belongs to the log.
  static bool is_log(std::string_view stream_id);

 private:
  // `id` is a recent position (and was just appended, when `appended`).
  void saw(const std::string& id, bool appended = false);

  std::shared_ptr<store::event_store> events_;
  std::shared_ptr<store::message_bus> bus_;
  std::mutex mutex_;
  std::string last_seen_;  // a recent position, to find the tail without appending
  std::chrono::steady_clock::time_point last_append_{};
};

}  // namespace mcpxx::http_transport
