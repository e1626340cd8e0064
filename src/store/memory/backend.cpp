#include "store/memory/common.hpp"

#include <utility>

namespace mcpxx::store {

memory_backend::memory_backend(memory_backend_options opts) {
  if (opts.clock) {
    opts.sessions.clock = opts.clock;
    opts.events.clock = opts.clock;
    opts.nonces.clock = opts.clock;
    opts.results.clock = opts.clock;
  }
  sessions = std::make_shared<memory_session_store>(std::move(opts.sessions));
  events = std::make_shared<memory_event_store>(std::move(opts.events));
  bus = std::make_shared<memory_message_bus>();
  nonces = std::make_shared<memory_nonce_store>(std::move(opts.nonces));
  results = std::make_shared<memory_cache>(std::move(opts.results));
}

}  // namespace mcpxx::store
