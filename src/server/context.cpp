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
  {
    // The spec requires progress to increase; a handler that repeats a value would
    // otherwise put an invalid sequence on the wire.
    std::lock_guard lock(progress_mutex_);
    if (last_progress_ && done <= *last_progress_) return;
    last_progress_ = done;
  }
  json::object params{{"progressToken", progress_token_}, {"progress", number(done)}};
  if (total) params["total"] = number(*total);
  if (!message.empty()) params["message"] = message;
  scope_.sink->send(protocol::make_notification("notifications/progress", std::move(params)));
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

}  // namespace mcpxx
