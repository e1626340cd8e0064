#include "stores.hpp"

#include <mcpxx/store/redis.hpp>

#include <stdexcept>

namespace mcpxx::store {

struct redis_backend::impl {
  std::shared_ptr<redis::client> client;
  store::backend stores;
};

redis_backend::redis_backend(boost::asio::any_io_executor ex, redis_options opts)
    : impl_(std::make_shared<impl>()) {
  auto url = redis_url::parse(opts.url);
  if (opts.key_prefix.find_first_of("{}") != std::string::npos)
    throw std::invalid_argument("Redis key prefix must not contain '{' or '}'");
  redis::io_context_executor(ex);  // refuses other executors now, not at the first connection
  impl_->client = std::make_shared<redis::client>(ex, std::move(url), opts);
  impl_->client->start();

  auto bus = std::make_shared<redis::bus>(impl_->client, opts.key_prefix);
  bus->start();
  auto sessions = std::make_shared<redis::session_store_on_redis>(
      impl_->client, bus,
      redis::session_settings{opts.key_prefix, opts.session_ttl, opts.session_refresh,
                              opts.max_sessions, opts.idle_evict_after, opts.replica_ack_timeout,
                              opts.command_timeout});
  sessions->start();
  impl_->stores.sessions = std::move(sessions);
  impl_->stores.bus = std::move(bus);
  impl_->stores.events = std::make_shared<redis::event_store_on_redis>(
      impl_->client, opts.key_prefix, opts.max_events_per_stream, opts.event_stream_ttl);
  impl_->stores.nonces =
      std::make_shared<redis::nonce_store_on_redis>(impl_->client, opts.key_prefix);
  impl_->stores.results =
      std::make_shared<redis::cache_on_redis>(impl_->client, opts.key_prefix, 8 << 20);
}

redis_backend::~redis_backend() {
  stop();
}

store::backend redis_backend::stores() const {
  return impl_->stores;
}

bool redis_backend::ready() const noexcept {
  return impl_->client->ready();
}

void redis_backend::stop() {
  impl_->client->stop();
}

}  // namespace mcpxx::store
