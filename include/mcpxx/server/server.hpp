// mcpxx::server: the registry of tools, resources and prompts, and the protocol
// dispatch for both eras. Transport-independent: a transport turns bytes into
// protocol::request plus a request_scope and writes back what handle() returns.
#pragma once

#include <mcpxx/protocol/jsonrpc.hpp>
#include <mcpxx/server/context.hpp>
#include <mcpxx/server/definitions.hpp>
#include <mcpxx/server/request_state.hpp>
#include <mcpxx/store/cache.hpp>
#include <mcpxx/store/nonce_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpxx {

struct server_options {
  std::string name = "mcpxx-server";
  std::string version = "0.1.0";
  std::string title;
  std::string description;
  std::string instructions;
  std::size_t page_size = 50;  // items per page of every list method
  // Cache hints (2026-07-28) for server/discover and the list methods ...
  std::chrono::milliseconds list_ttl{60000};
  std::string list_cache_scope = "public";
  // ... and for resources/read, whose contents are often per user and changing.
  std::chrono::milliseconds read_ttl{0};
  std::string read_cache_scope = "private";
  // Threads for blocking handlers; 0 = one per core.
  std::size_t worker_threads = 0;
  // Signs 2026-07-28 requestState. Empty = a random key: fine for one process, but
  // replicas behind one load balancer must share it.
  std::string state_key;
  std::chrono::seconds state_lifetime{600};
};

// Session-scoped operations of the legacy era, implemented by the transport on its
// session store (logging/setLevel, resources/subscribe|unsubscribe).
class legacy_session {
 public:
  virtual ~legacy_session() = default;
  virtual boost::asio::awaitable<void> set_log_level(std::string level) = 0;
  virtual boost::asio::awaitable<void> set_subscribed(std::string uri, bool subscribed) = 0;
};

class server {
 public:
  explicit server(server_options options = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  const server_options& options() const noexcept { return options_; }

  // Registration, at startup or at runtime (thread-safe; runtime changes notify the
  // list-changed listeners). Adding an existing name replaces it.
  void add_tool(tool_definition tool);
  bool remove_tool(std::string_view name);
  void add_resource(resource_definition resource);
  bool remove_resource(std::string_view uri);
  void add_resource_template(resource_template_definition tmpl);
  void add_prompt(prompt_definition prompt);
  bool remove_prompt(std::string_view name);
  void add_completion(completion_definition completion);

  // Typed registration (see typed.hpp for the argument/return conventions).
  template <class F>
  void tool(std::string name, std::string description, F&& fn);

  // The tool's current definition, or null.
  std::shared_ptr<const tool_definition> find_tool(std::string_view name) const;

  // Tells subscribers (legacy resources/subscribe, 2026 listen streams) that the
  // resource at `uri` changed.
  void notify_resource_updated(std::string_view uri);

  // kind: "tools", "prompts" or "resources". Called after a runtime change. A listener
  // whose owner goes away before the server must be removed (remove_listener).
  using listener_id = std::uint64_t;
  using list_changed_listener = std::function<void(std::string_view kind)>;
  listener_id on_list_changed(list_changed_listener listener);
  using resource_updated_listener = std::function<void(std::string_view uri)>;
  listener_id on_resource_updated(resource_updated_listener listener);
  // Once it returns, the listener is not running and will not be called again.
  void remove_listener(listener_id id);

  // Answers one request: a JSON-RPC response object (result or error). Never throws
  // for anything a client can cause. `session` is required for the legacy
  // session-scoped methods, ignored otherwise.
  boost::asio::awaitable<boost::json::object> handle(const protocol::request& request,
                                                     const request_scope& scope,
                                                     legacy_session* session = nullptr);

  // The capabilities object this server advertises (initialize and server/discover).
  boost::json::object capabilities() const;
  const boost::json::object& server_info() const noexcept { return server_info_; }

  boost::asio::thread_pool& workers() noexcept { return workers_; }
  const request_state_codec& state_codec() const noexcept { return state_codec_; }
  // Where single-use requestState is remembered (in memory unless replaced, e.g. by a
  // store shared by all replicas). Returns the store it replaces, so that a lender (the
  // HTTP server) can put it back. Set before serving: readers do not lock.
  std::shared_ptr<store::nonce_store> set_nonce_store(std::shared_ptr<store::nonce_store> nonces);
  store::nonce_store& nonces() noexcept { return *nonces_; }
  // Where tools with a cache_ttl keep their results (in memory unless replaced); returns
  // the cache it replaces.
  std::shared_ptr<store::cache> set_result_cache(std::shared_ptr<store::cache> results);
  store::cache& result_cache() noexcept { return *results_; }

  struct catalog;  // implementation detail, public for the dispatch helpers

 private:
  void publish(std::shared_ptr<const catalog> next, std::string_view changed_kind);

  server_options options_;
  boost::json::object server_info_;  // built once: it goes into every modern result
  boost::asio::thread_pool workers_;
  request_state_codec state_codec_;
  std::shared_ptr<store::nonce_store> nonces_;
  std::shared_ptr<store::cache> results_;
  // Readers take a snapshot without locking; writers copy, modify and swap.
  std::atomic<std::shared_ptr<const catalog>> catalog_;
  std::mutex write_mutex_;
  listener_id next_listener_ = 1;
  std::vector<std::pair<listener_id, list_changed_listener>> listeners_;
  std::vector<std::pair<listener_id, resource_updated_listener>> resource_listeners_;
};

}  // namespace mcpxx

#include <mcpxx/server/typed.hpp>
