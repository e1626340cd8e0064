// The five stores a server needs, as one bundle a backend (memory, Redis, ...) fills in.
#pragma once

#include <mcpxx/store/cache.hpp>
#include <mcpxx/store/event_store.hpp>
#include <mcpxx/store/message_bus.hpp>
#include <mcpxx/store/nonce_store.hpp>
#include <mcpxx/store/session_store.hpp>

#include <functional>
#include <memory>

namespace mcpxx::store {

struct backend {
  std::shared_ptr<session_store> sessions;
  std::shared_ptr<event_store> events;
  std::shared_ptr<message_bus> bus;
  std::shared_ptr<nonce_store> nonces;
  std::shared_ptr<store::cache> results;  // tool result cache
  // Whether the stores can serve now (readiness probes); empty = always.
  std::function<bool()> ready;
};

}  // namespace mcpxx::store
