#include "transport/http/notification_streams.hpp"

#include "transport/http/change_log.hpp"
#include "transport/http/channels.hpp"
#include "transport/http/sse_writer.hpp"

#include <mcpxx/protocol/envelope.hpp>
#include <mcpxx/protocol/version.hpp>
#include <mcpxx/store/unavailable.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace mcpxx::http_transport {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto keepalive_interval = std::chrono::seconds(15);
constexpr int retry_hint_ms = 2000;
constexpr std::size_t inbox_capacity = 256;

using inbox_t =
    asio::experimental::concurrent_channel<void(boost::system::error_code, std::string)>;

// A change published on notify_channel.
struct change {
  bool list_changed = false;  // else: a resource update
  std::string what;           // "tools" | "prompts" | "resources", or the resource's URI
};

std::optional<change> parse_change(std::string_view payload) {
  json::error_code ec;
  auto v = json::parse(payload, ec);
  auto* o = ec ? nullptr : v.if_object();
  if (!o) return std::nullopt;
  auto* kind = o->if_contains("kind");
  auto* what = o->if_contains(kind && *kind == "list_changed" ? "list" : "uri");
  if (!kind || !what || !what->is_string()) return std::nullopt;
  return change{*kind == "list_changed", std::string(what->get_string())};
}

json::object notification_for(const change& c) {
  if (c.list_changed)
    return protocol::make_notification("notifications/" + c.what + "/list_changed", {});
  json::object params{{"uri", c.what}};
  return protocol::make_notification("notifications/resources/updated", std::move(params));
}

// Completes when the client closes or resets the connection. A stream's client sends
// nothing else on it, so readable data is treated like a close too: we would not read
// it anyway.
asio::awaitable<void> peer_gone(boost::beast::tcp_stream& stream) {
  auto [ec] = co_await stream.socket().async_wait(asio::ip::tcp::socket::wait_read,
                                                  asio::as_tuple(asio::use_awaitable));
  (void)ec;
}

}  // namespace

// One open stream: an inbox fed by a bus channel, registered so close_all() can end
// it. next() waits for a message while writing keep-alive comments.
struct notification_streams::open_stream {
  explicit open_stream(notification_streams& o, asio::any_io_executor ex)
      : owner(o), inbox(ex, inbox_capacity), keepalive(ex) {}
  open_stream(const open_stream&) = delete;
  open_stream& operator=(const open_stream&) = delete;
  ~open_stream() {
    sub.reset();  // first: afterwards the bus no longer touches the inbox
    owner.open_.remove(this);
  }

  asio::awaitable<void> subscribe(std::string channel) {
    sub = co_await owner.bus_->subscribe(std::move(channel), [this](std::string_view payload) {
      if (!inbox.try_send(boost::system::error_code{}, std::string(payload)))
        spdlog::warn("notification stream is behind; a message was dropped");
    });
    owner.open_.add(this, [this] { inbox.try_send(boost::system::error_code{}, std::string()); });
  }

  // The next message; nullopt when the stream should end (the client left, or the
  // server is shutting down: then shutting_down is set).
  asio::awaitable<std::optional<std::string>> next(sse_writer& w,
                                                   boost::beast::tcp_stream& stream) {
    while (w.ok()) {
      keepalive.expires_after(keepalive_interval);
      auto woke =
          co_await (inbox.async_receive(asio::as_tuple(asio::use_awaitable)) ||
                    keepalive.async_wait(asio::as_tuple(asio::use_awaitable)) || peer_gone(stream));
      if (woke.index() == 2) co_return std::nullopt;
      if (woke.index() == 1) {
        co_await w.comment("keepalive");
        if (on_keepalive) co_await on_keepalive();
        continue;
      }
      auto [ec, payload] = std::get<0>(woke);
      if (ec) co_return std::nullopt;
      if (payload.empty()) {  // close_all()
        shutting_down = true;
        co_return std::nullopt;
      }
      co_return payload;
    }
    co_return std::nullopt;
  }

  notification_streams& owner;
  inbox_t inbox;
  asio::steady_timer keepalive;
  store::subscription sub;
  bool shutting_down = false;
  std::function<asio::awaitable<void>()> on_keepalive;  // optional
};

notification_streams::notification_streams(const http_options& options,
                                           std::shared_ptr<store::session_store> sessions,
                                           std::shared_ptr<store::event_store> events,
                                           std::shared_ptr<store::message_bus> bus,
                                           json::object server_info)
    : options_(options),
      sessions_(std::move(sessions)),
      events_(std::move(events)),
      bus_(std::move(bus)),
      server_info_(std::move(server_info)),
      log_(events_, bus_) {}

asio::awaitable<void> notification_streams::record_change(std::string change) {
  co_await log_.record(std::move(change));
}

std::size_t notification_streams::open_count() {
  return open_.size();
}

void notification_streams::close_all() {
  open_.close_all();
}

json::object notification_streams::honoured_filter(const json::object& requested) {
  json::object honoured;
  for (auto key : {"toolsListChanged", "promptsListChanged", "resourcesListChanged"})
    if (auto* v = requested.if_contains(key); v && v->is_bool() && v->get_bool())
      honoured[key] = true;
  if (auto* subs = requested.if_contains("resourceSubscriptions"); subs && subs->is_array()) {
    json::array uris;
    for (auto& u : subs->get_array())
      if (u.is_string()) uris.push_back(u);
    honoured["resourceSubscriptions"] = std::move(uris);
  }
  return honoured;
}

asio::awaitable<bool> notification_streams::legacy_get(
    boost::beast::tcp_stream& stream, bool keep_alive,
    std::shared_ptr<const store::session_record> session, std::string last_event_id) {
  const std::string session_id = session->id;
  // Changes the client missed, when it resumes from a position in the change log.
  std::optional<std::vector<store::event>> missed;
  if (!last_event_id.empty()) {
    auto replay = co_await events_->replay_after(last_event_id);
    // An id from one of this session's request streams resumes that stream.
    if (replay && replay->stream_id.starts_with(session_id + "/post/")) {
      co_await resume_request_stream(stream, keep_alive, replay->stream_id, last_event_id);
      co_return true;
    }
    if (replay && change_log::is_log(replay->stream_id)) missed = std::move(replay->events);
  }
  {
    std::lock_guard lock(mutex_);
    if (legacy_get_[session_id] > 0) co_return false;
    ++legacy_get_[session_id];
  }
  struct release {
    notification_streams* self;
    std::string id;
    ~release() {
      std::lock_guard lock(self->mutex_);
      if (--self->legacy_get_[id] <= 0) self->legacy_get_.erase(id);
    }
  } release_guard{this, session_id};

  const bool priming = protocol::features_of(session->protocol_version).sse_priming;
  open_stream s(*this, co_await asio::this_coro::executor);
  s.on_keepalive = [this] { return log_.keep_alive(); };
  // Subscribed before the log is read: a change logged after the read still wakes us.
  co_await s.subscribe(std::string(notify_channel));
  sse_writer w(stream);
  co_await w.start(keep_alive);

  // The stream is the change log from `position` on, filtered for this session; each
  // event carries its position in the log as its id. The response has begun: when the state
  // store fails now, the stream ends with a retry hint (the client resumes from `position`).
  std::string position = last_event_id;
  bool store_failed = false;
  try {
    if (!missed) {
      position = co_await log_.tail();
      if (priming) co_await w.event("", position, retry_hint_ms);
    }
    bool session_ended = false;
    for (;;) {
      if (!missed) missed = co_await log_.after(position);
      if (!missed) {
        // Trimmed past our position or expired (the bounds of the event store): go on
        // from now.
        spdlog::warn("session {}...: change log position lost; changes may have been missed",
                     session_id.substr(0, 8));
        position = co_await log_.tail();
        missed.emplace();
      }
      for (auto& e : *missed) {
        auto c = e.data.empty() ? std::nullopt : parse_change(e.data);  // empty: a mark
        if (c && !c->list_changed) {
          // Subscriptions may change while the stream is open: ask the store.
          auto current = co_await sessions_->load(session_id);
          if (!current) {
            session_ended = true;
            break;
          }
          auto& subs = current->subscriptions;
          if (std::find(subs.begin(), subs.end(), c->what) == subs.end()) c.reset();
        }
        if (c) co_await w.event(json::serialize(notification_for(*c)), e.id);
        position = e.id;  // only once handled: a retry hint resumes after it
      }
      missed.reset();
      if (session_ended || !w.ok() || !co_await s.next(w, stream)) break;
    }
  } catch (const store::unavailable& e) {
    spdlog::warn("session {}...: GET stream ended: {}", session_id.substr(0, 8), e.what());
    store_failed = true;
  }
  if ((s.shutting_down || store_failed) && priming && !position.empty()) {
    // Tell the client to reconnect (to another replica, or once the store is back) soon.
    co_await w.event("", position, retry_hint_ms);
  }
  co_await w.end();
  co_return true;
}

namespace {

// A stored event that is the request's response: the stream is complete after it.
bool is_response(std::string_view data) {
  json::error_code ec;
  auto v = json::parse(data, ec);
  auto* o = ec ? nullptr : v.if_object();
  return o && !o->contains("method") && (o->contains("result") || o->contains("error"));
}

}  // namespace

asio::awaitable<void> notification_streams::resume_request_stream(boost::beast::tcp_stream& stream,
                                                                  bool keep_alive,
                                                                  std::string stream_id,
                                                                  std::string last_event_id) {
  open_stream s(*this, co_await asio::this_coro::executor);
  // Subscribe first: an event stored after our replay still wakes us.
  co_await s.subscribe(stream_channel(stream_id));
  sse_writer w(stream);
  co_await w.start(keep_alive);
  bool store_failed = false;
  try {
    for (;;) {
      auto replay = co_await events_->replay_after(last_event_id);
      if (!replay || replay->stream_id != stream_id) break;  // expired meanwhile
      bool complete = false;
      for (auto& e : replay->events) {
        co_await w.event(e.data, e.id);
        last_event_id = e.id;
        if ((complete = is_response(e.data))) break;
      }
      if (complete || !co_await s.next(w, stream)) break;
    }
  } catch (const store::unavailable& e) {
    // The response has begun: end it with a retry hint, and the client resumes again later.
    spdlog::warn("request stream {}: ended: {}", stream_id, e.what());
    store_failed = true;
  }
  if (store_failed) co_await w.event("", last_event_id, retry_hint_ms);
  co_await w.end();
}

asio::awaitable<void> notification_streams::listen(boost::beast::tcp_stream& stream,
                                                   bool keep_alive, const protocol::request_id& id,
                                                   const json::object& filter) {
  json::object honoured = honoured_filter(filter);
  const bool tools = honoured.contains("toolsListChanged");
  const bool prompts = honoured.contains("promptsListChanged");
  const bool resources = honoured.contains("resourcesListChanged");
  std::vector<std::string> uris;
  if (auto* subs = honoured.if_contains("resourceSubscriptions"))
    for (auto& u : subs->get_array()) uris.emplace_back(u.get_string());
  json::object sub_meta{{protocol::meta_key::subscription_id, id}};
  auto with_meta = [&](json::object note) {
    auto& params = note["params"];
    if (!params.is_object()) params = json::object{};
    params.get_object()["_meta"] = sub_meta;
    return note;
  };

  open_stream s(*this, co_await asio::this_coro::executor);
  // Subscribe before acknowledging: a change after the acknowledgement is never missed.
  co_await s.subscribe(std::string(notify_channel));

  sse_writer w(stream);
  co_await w.start(keep_alive);
  // (Named locals: g++ 12 miscompiles braced initializers inside co_await expressions.)
  json::object ack_params{{"notifications", honoured}};
  std::string ack = json::serialize(with_meta(
      protocol::make_notification("notifications/subscriptions/acknowledged", ack_params)));
  co_await w.event(ack);

  while (auto payload = co_await s.next(w, stream)) {
    auto c = parse_change(*payload);
    if (!c) continue;
    bool wanted = c->list_changed
                      ? (c->what == "tools" && tools) || (c->what == "prompts" && prompts) ||
                            (c->what == "resources" && resources)
                      : std::find(uris.begin(), uris.end(), c->what) != uris.end();
    if (wanted) co_await w.event(json::serialize(with_meta(notification_for(*c))));
  }
  if (s.shutting_down) {
    json::object meta = sub_meta;
    meta[protocol::meta_key::server_info] = server_info_;
    json::object result{{"resultType", "complete"}, {"_meta", std::move(meta)}};
    std::string final_result = json::serialize(protocol::make_result(id, std::move(result)));
    co_await w.event(final_result);
  }
  co_await w.end();
}

}  // namespace mcpxx::http_transport
