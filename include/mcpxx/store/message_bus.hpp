// Fire-and-forget messages between the parts of a deployment: a response or
// notification produced on one thread (later: one replica) is delivered to whoever
// holds the SSE stream or the waiting handler it belongs to.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace mcpxx::store {

// Called with each payload published on the subscribed channel; the view is valid only
// during the call. See message_bus for the thread it runs on.
using message_handler = std::function<void(std::string_view payload)>;

// Owns one subscription: destroying (or reset()ting) it unsubscribes. Move-only.
//
// Once the destructor or reset() returns, the handler is not running on another thread
// and is never invoked again, even if a publish is racing on another thread; so the
// handler may capture raw pointers to objects that die right after the subscription.
// That is why unsubscribing may wait for an invocation in progress on another thread:
// do not destroy a subscription while holding a lock that its handler takes. A handler
// may destroy its own subscription.
class subscription {
 public:
  // Backend hook: cancel() is called exactly once and provides the guarantee above.
  class handle {
   public:
    virtual ~handle() = default;
    virtual void cancel() noexcept = 0;
  };

  subscription() noexcept = default;
  explicit subscription(std::unique_ptr<handle> h) noexcept : handle_(std::move(h)) {}
  subscription(subscription&&) noexcept = default;
  subscription& operator=(subscription&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::move(other.handle_);
    }
    return *this;
  }
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;
  ~subscription() { reset(); }

  void reset() noexcept {
    // Moved out first so that a handler destroying its own subscription re-enters safely.
    if (auto h = std::move(handle_)) h->cancel();
  }
  bool active() const noexcept { return handle_ != nullptr; }
  explicit operator bool() const noexcept { return active(); }

 private:
  std::unique_ptr<handle> handle_;
};

// Publish/subscribe on named channels (exact names, no patterns).
//
// Delivery: at most once. A message reaches the subscriptions that are active on its
// channel when it is published (a subscription is active once subscribe() completes);
// with nobody subscribed it is dropped, nothing is queued. Messages one publisher
// sends on one channel arrive in order; nothing is ordered across channels or
// publishers.
//
// Handlers run on an unspecified thread: the memory bus calls them synchronously inside
// publish(), on the publisher's thread; a networked bus calls them from its connection's
// executor. So handlers must be thread-safe, must not block and should only hand the
// payload off (post it to the owner's strand, push it into a channel). A handler is
// never invoked concurrently with itself. Exceptions thrown by a handler are swallowed
// (the publisher is not the one to handle them).
//
// Thread safety: publish() and subscribe() may be called concurrently from any thread;
// subscriptions may be destroyed on any thread, including inside their own handler.
class message_bus {
 public:
  virtual ~message_bus() = default;

  // Completes once the message is handed to the bus (memory: once the handlers ran).
  virtual boost::asio::awaitable<void> publish(std::string channel, std::string payload) = 0;

  // Completes once the subscription is active: anything published after that reaches
  // `handler` until the returned subscription is destroyed.
  virtual boost::asio::awaitable<subscription> subscribe(std::string channel,
                                                         message_handler handler) = 0;
};

}  // namespace mcpxx::store
