// A legacy session's mutable parts (log level, subscriptions), written through to the
// session store. Shared by the Streamable HTTP and the HTTP+SSE transports.
#pragma once

#include <mcpxx/protocol/error.hpp>
#include <mcpxx/protocol/jsonrpc.hpp>
#include <mcpxx/server/server.hpp>
#include <mcpxx/store/session_store.hpp>

#include <algorithm>
#include <memory>
#include <string>

namespace mcpxx::http_transport {

// The legacy session's mutable parts, written through to the store.
class stored_session final : public legacy_session {
 public:
  stored_session(store::session_store& store, std::shared_ptr<const store::session_record> rec)
      : store_(store), rec_(std::move(rec)) {}

  boost::asio::awaitable<void> set_log_level(std::string level) override {
    store::session_record next = *rec_;
    next.log_level = std::move(level);
    co_await save(std::move(next));
  }

  boost::asio::awaitable<void> set_subscribed(std::string uri, bool on) override {
    store::session_record next = *rec_;
    auto& subs = next.subscriptions;
    auto it = std::find(subs.begin(), subs.end(), uri);
    if (on && it == subs.end()) subs.push_back(std::move(uri));
    if (!on && it != subs.end()) subs.erase(it);
    co_await save(std::move(next));
  }

 private:
  boost::asio::awaitable<void> save(store::session_record next) {
    auto copy = std::make_shared<const store::session_record>(next);
    if (!co_await store_.update(std::move(next)))
      throw protocol::rpc_error(protocol::code::session_expired, "Session expired");
    rec_ = std::move(copy);
  }

  store::session_store& store_;
  std::shared_ptr<const store::session_record> rec_;
};

// The session an accepted `initialize` opens: its negotiated version, what the client
// declared, and who opened it.
inline store::session_record session_from_initialize(std::string id, const protocol::request& init,
                                                     std::string negotiated_version,
                                                     std::string principal) {
  store::session_record rec;
  rec.id = std::move(id);
  rec.protocol_version = std::move(negotiated_version);
  if (auto* c = init.params.if_contains("capabilities"); c && c->is_object())
    rec.client_capabilities = c->get_object();
  if (auto* i = init.params.if_contains("clientInfo"); i && i->is_object())
    rec.client_info = i->get_object();
  rec.principal = std::move(principal);
  return rec;
}

}  // namespace mcpxx::http_transport
