#include "transport/http/change_log.hpp"

#include "transport/http/channels.hpp"

#include <spdlog/spdlog.h>

namespace mcpxx::http_transport {

namespace asio = boost::asio;

namespace {

constexpr std::string_view log_stream = "mcpxx/changes";
// Well inside the event stores' stream TTL (an hour by default).
constexpr auto mark_every = std::chrono::minutes(10);

}  // namespace

change_log::change_log(std::shared_ptr<store::event_store> events,
                       std::shared_ptr<store::message_bus> bus)
    : events_(std::move(events)), bus_(std::move(bus)) {}

bool change_log::is_log(std::string_view stream_id) {
  return stream_id == log_stream;
}

void change_log::saw(const std::string& id, bool appended) {
  std::lock_guard lock(mutex_);
  last_seen_ = id;
  if (appended) last_append_ = std::chrono::steady_clock::now();
}

asio::awaitable<void> change_log::record(std::string change) {
  try {
    auto id = co_await events_->append(log_stream, change);
    saw(id, true);
  } catch (const std::exception& e) {
    // Streams still get the live wake-up below; a client resuming later misses it.
    spdlog::warn("change not logged: {}", e.what());
  }
  try {
    co_await bus_->publish(std::string(notify_channel), std::move(change));
  } catch (const std::exception& e) {
    spdlog::warn("change not published: {}", e.what());
  }
}

asio::awaitable<std::string> change_log::tail() {
  std::string seen;
  {
    std::lock_guard lock(mutex_);
    seen = last_seen_;
  }
  if (!seen.empty()) {
    if (auto r = co_await events_->replay_after(seen); r && is_log(r->stream_id)) {
      std::string newest = r->events.empty() ? seen : r->events.back().id;
      saw(newest);
      co_return newest;
    }
  }
  auto mark = co_await events_->append(log_stream, "");
  saw(mark, true);
  co_return mark;
}

asio::awaitable<std::optional<std::vector<store::event>>> change_log::after(
    std::string_view position) {
  auto r = co_await events_->replay_after(position);
  if (!r || !is_log(r->stream_id)) co_return std::nullopt;
  if (!r->events.empty()) saw(r->events.back().id);
  co_return std::move(r->events);
}

asio::awaitable<void> change_log::keep_alive() {
  {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    if (now - last_append_ < mark_every) co_return;
    last_append_ = now;  // one mark per interval, however many streams ask
  }
  try {
    auto mark = co_await events_->append(log_stream, "");
    saw(mark, true);
  } catch (const std::exception& e) {
    spdlog::warn("change log not kept alive: {}", e.what());
  }
}

}  // namespace mcpxx::http_transport
