#include <mcpxx/server/content.hpp>
#include <mcpxx/server/input.hpp>

namespace mcpxx::input {

namespace json = boost::json;

input_request elicit(std::string_view message, json::object requested_schema) {
  return {"elicitation/create",
          {{"message", message}, {"requestedSchema", std::move(requested_schema)}}};
}

input_request elicit_url(std::string_view message, std::string_view url) {
  return {"elicitation/create", {{"mode", "url"}, {"message", message}, {"url", url}}};
}

input_request sample(json::array messages, int max_tokens, json::object extra) {
  json::object params = std::move(extra);
  params["messages"] = std::move(messages);
  params["maxTokens"] = max_tokens;
  return {"sampling/createMessage", std::move(params)};
}

input_request sample_text(std::string_view text, int max_tokens) {
  return sample(json::array{json::object{{"role", "user"}, {"content", content::text(text)}}},
                max_tokens);
}

input_request list_roots() {
  return {"roots/list", {}};
}

std::string_view required_capability(const input_request& r) noexcept {
  if (r.method == "elicitation/create") return "elicitation";
  if (r.method == "sampling/createMessage") return "sampling";
  if (r.method == "roots/list") return "roots";
  return {};
}

bool plausible_answer(std::string_view method, const json::value& answer) noexcept {
  auto* o = answer.if_object();
  if (!o) return false;
  if (method == "elicitation/create") {
    auto* action = o->if_contains("action");
    if (!action || !action->is_string()) return false;
    auto a = action->get_string();
    return a == "accept" || a == "decline" || a == "cancel";
  }
  if (method == "sampling/createMessage") return o->contains("role") && o->contains("content");
  if (method == "roots/list") {
    auto* roots = o->if_contains("roots");
    return roots && roots->is_array();
  }
  return false;
}

}  // namespace mcpxx::input
