// The two stores that are one command each: nonces (SET NX PX) and the result cache
// (SET PX / GET / DEL).
#include "stores.hpp"

namespace mcpxx::store::redis {

namespace asio = boost::asio;

nonce_store_on_redis::nonce_store_on_redis(std::shared_ptr<client> c, std::string prefix)
    : client_(std::move(c)), prefix_(std::move(prefix) + "nonce:") {}

asio::awaitable<bool> nonce_store_on_redis::consume(std::string nonce,
                                                    std::chrono::milliseconds ttl) {
  auto key = prefix_ + nonce;
  auto ms = std::max<std::int64_t>(ttl.count(), 1);
  command set{"SET", key, "1", "NX", "PX", std::to_string(ms)};
  auto r = co_await client_->exec1(key, std::move(set));
  expect_ok(r, "SET NX");
  co_return r.type == reply::kind::status;  // OK; nil when it was already there
}

cache_on_redis::cache_on_redis(std::shared_ptr<client> c, std::string prefix,
                               std::size_t max_value_bytes)
    : client_(std::move(c)),
      prefix_(std::move(prefix) + "cache:"),
      max_value_bytes_(max_value_bytes) {}

asio::awaitable<std::optional<std::string>> cache_on_redis::get(std::string_view key) {
  auto k = prefix_ + std::string(key);
  command get{"GET", k};
  auto r = co_await client_->exec1(k, std::move(get));
  expect_ok(r, "GET");
  if (r.type != reply::kind::string) co_return std::nullopt;
  co_return std::move(r.str);
}

asio::awaitable<void> cache_on_redis::put(std::string key, std::string value,
                                          std::chrono::milliseconds ttl) {
  auto k = prefix_ + key;
  if (ttl.count() <= 0 || value.size() > max_value_bytes_) {
    command del{"DEL", k};
    expect_ok(co_await client_->exec1(k, std::move(del)), "DEL");
    co_return;
  }
  command set{"SET", k, std::move(value), "PX", std::to_string(ttl.count())};
  auto r = co_await client_->exec1(k, std::move(set));
  expect_ok(r, "SET");
}

asio::awaitable<void> cache_on_redis::erase(std::string_view key) {
  auto k = prefix_ + std::string(key);
  command del{"DEL", k};
  expect_ok(co_await client_->exec1(k, std::move(del)), "DEL");
}

}  // namespace mcpxx::store::redis
