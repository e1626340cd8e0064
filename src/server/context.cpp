#include <mcpxx/protocol/envelope.hpp>
#include <mcpxx/server/context.hpp>

namespace mcpxx {

namespace json = boost::json;

namespace {

// Whole numbers go out as JSON integers: clients compare progress values, and 50
// reads better than 5E1.
json::value number(double v) {
  if (v == static_cast<double>(static_cast<std::int64_t>(v)) && v > -9007199254740992.0 &&
      v < 9007199254740992.0)
    return static_cast<std::int64_t>(v);
  return v;
}

}  // namespace

void context::progress(double done, std::optional<double> total, std::string_view message) {
  if (progress_token_.is_null() || !scope_.sink) return;
  json::object params{{"progressToken", progress_token_}, {"progress", number(done)}};
  if (total) params["total"] = number(*total);
  if (!message.empty()) params["message"] = message;
  auto note = protocol::make_notification("notifications/progress", std::move(params));

  constexpr auto coalesce_window = std::chrono::milliseconds(10);
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(progress_mutex_);
  // The spec requires progress to increase; a handler that repeats a value would
  // otherwise put an invalid sequence on the wire.
  if (last_progress_ && done <= *last_progress_) return;
  bool first = !last_progress_;
  last_progress_ = done;
  bool complete = total && done >= *total;
  if (!first && !complete && now - last_progress_sent_ < coalesce_window) {
    held_progress_ = std::move(note);  // a newer update replaces the held one
    return;
  }
  held_progress_.reset();
  last_progress_sent_ = now;
  scope_.sink->send(std::move(note));
}

void context::flush_progress() {
  std::lock_guard lock(progress_mutex_);
  if (!held_progress_ || !scope_.sink) return;
  scope_.sink->send(std::move(*held_progress_));
  held_progress_.reset();
}

void context::log(std::string_view level, json::value data, std::string_view logger) {
  if (!scope_.sink) return;
  int rank = protocol::log_level_rank(level);
  if (rank < 0) return;
  if (scope_.log_level.empty()) {
    if (scope_.era == protocol::era::modern) return;  // modern: no level, no logs
  } else if (rank < protocol::log_level_rank(scope_.log_level)) {
    return;
  }
  json::object params{{"level", level}, {"data", std::move(data)}};
  if (!logger.empty()) params["logger"] = logger;
  scope_.sink->send(protocol::make_notification("notifications/message", std::move(params)));
}

void context::require_capability(const input_request& request) const {
  std::string_view cap = input::required_capability(request);
  json::object missing;
  if (cap.empty()) {
    throw protocol::rpc_error(protocol::code::internal_error,
                              "Unsupported input request method: " + request.method);
  }
  auto* declared = scope_.client_capabilities.if_contains(cap);
  if (!declared) {
    missing[cap] = json::object{};
  } else if (cap == "elicitation") {
    // URL mode must be declared explicitly; an empty elicitation object means form only.
    auto* mode = request.params.if_contains("mode");
    bool url = mode && mode->is_string() && mode->get_string() == "url";
    auto* d = declared->if_object();
    if (url && !(d && d->contains("url"))) missing[cap] = json::object{{"url", json::object{}}};
  }
  if (missing.empty()) return;
  if (scope_.era == protocol::era::modern)
    throw protocol::rpc_error(protocol::code::missing_client_capability,
                              "The request needs client capability \"" + std::string(cap) + "\"",
                              json::object{{"requiredCapabilities", std::move(missing)}});
  throw input_error("The client did not declare the \"" + std::string(cap) + "\" capability");
}

json::object context::ask(const std::string& key, const input_request& request) {
  return std::move(ask_all({{key, request}}).at(key));
}

std::map<std::string, json::object> context::ask_all(
    const std::vector<std::pair<std::string, input_request>>& requests) {
  for (auto& [key, request] : requests) require_capability(request);
  std::map<std::string, json::object> answers;
  if (scope_.era == protocol::era::modern) {
    if (!round_)
      throw protocol::rpc_error(protocol::code::internal_error,
                                "This request cannot ask the client for input");
    detail::input_needed needed;
    for (auto& [key, request] : requests) {
      auto* a = round_->answers.if_contains(key);
      if (a && input::plausible_answer(request.method, *a))
        answers.emplace(key, a->get_object());
      else
        needed.requests.emplace_back(key, request);
    }
    if (!needed.requests.empty()) throw needed;
    return answers;
  }
  if (!scope_.sink) throw input_error("This request cannot ask the client for input");
  for (auto& [key, request] : requests) {
    json::object response = scope_.sink->request(request.method, request.params);
    if (auto* err = response.if_contains("error")) {
      std::string message = "The client refused " + request.method;
      if (auto* m = err->is_object() ? err->get_object().if_contains("message") : nullptr;
          m && m->is_string())
        message += ": " + std::string(m->get_string());
      throw input_error(message);
    }
    auto* result = response.if_contains("result");
    if (!result || !result->is_object())
      throw input_error("The client's answer to " + request.method + " has no result object");
    answers.emplace(key, std::move(result->get_object()));
  }
  return answers;
}

}  // namespace mcpxx
