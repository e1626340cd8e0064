#include "transport/http/client_request.hpp"

#include "transport/http/channels.hpp"
#include "transport/http/header_rules.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>

namespace mcpxx::http_transport {

namespace asio = boost::asio;
namespace json = boost::json;

json::object ask_client(const client_request_options& o, std::string_view method,
                        json::object params, const std::function<void(json::object)>& send) {
  if (!o.bus || o.session_id.empty())
    throw input_error("This request cannot send requests to the client");
  // Unguessable: the id names the reply channel, and a reply is accepted from the
  // session's owner only.
  std::string id = "mcpxx-" + http_rules::new_session_id().substr(0, 16);
  std::string id_json = json::serialize(json::value(id));

  struct waiter {
    std::mutex mutex;
    std::condition_variable ready;
    std::optional<std::string> payload;
  };
  auto w = std::make_shared<waiter>();
  auto deadline = std::chrono::steady_clock::now() + o.timeout;
  // Subscribe before sending, so the answer cannot overtake us. Waited for in slices: the
  // I/O threads may have stopped (shutdown), and then only a cancellation ends the wait.
  auto subscribing = asio::co_spawn(o.executor,
                                    o.bus->subscribe(reply_channel(o.session_id, id_json),
                                                     [w](std::string_view payload) {
                                                       std::lock_guard lock(w->mutex);
                                                       if (!w->payload) w->payload.emplace(payload);
                                                       w->ready.notify_all();
                                                     }),
                                    asio::use_future);
  while (subscribing.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (o.cancel && o.cancel->cancelled()) throw input_error("The request was cancelled");
    if (std::chrono::steady_clock::now() >= deadline)
      throw input_error("Could not wait for the client's answer to " + std::string(method));
  }
  auto sub = subscribing.get();
  send(protocol::make_request(json::value(id), method, std::move(params)));

  std::unique_lock lock(w->mutex);
  while (!w->payload) {
    if (o.cancel && o.cancel->cancelled()) throw input_error("The request was cancelled");
    if (o.unreachable && o.unreachable())
      throw input_error("The client's stream broke before it answered");
    if (std::chrono::steady_clock::now() >= deadline)
      throw input_error("The client did not answer " + std::string(method) + " in time");
    w->ready.wait_for(lock, std::chrono::milliseconds(100));
  }
  std::string payload = std::move(*w->payload);
  lock.unlock();
  sub.reset();

  json::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec || !v.is_object()) throw input_error("Malformed answer from the client");
  return std::move(v.get_object());
}

}  // namespace mcpxx::http_transport
