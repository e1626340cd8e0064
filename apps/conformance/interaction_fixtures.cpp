// Fixtures that ask the client for input. Each is written once with context::ask:
// on 2026-07-28 it yields input_required rounds (MRTR), on a legacy session real
// server-to-client requests.
#include "fixtures.hpp"

#include <mcpxx/server/content.hpp>

#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace mcpxx::conformance {

namespace json = boost::json;

namespace {

tool_definition tool(std::string name, std::string description, sync_tool_handler fn,
                     json::object input_schema = {{"type", "object"},
                                                  {"additionalProperties", false}}) {
  tool_definition t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.input_schema = std::move(input_schema);
  t.handler = std::move(fn);
  return t;
}

json::object string_schema(std::string_view field) {
  return {{"type", "object"},
          {"properties", json::object{{field, json::object{{"type", "string"}}}}},
          {"required", json::array{field}}};
}

input_request ask_string(std::string_view message, std::string_view field) {
  return input::elicit(message, string_schema(field));
}

// The accepted form's field, or "" when the user declined, cancelled or left it out.
std::string accepted(const json::object& answer, std::string_view field) {
  auto* action = answer.if_contains("action");
  auto* content = answer.if_contains("content");
  if (!action || *action != "accept" || !content || !content->is_object()) return {};
  auto* v = content->get_object().if_contains(field);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string sampled_text(const json::object& answer) {
  if (auto* c = answer.if_contains("content"); c && c->is_object())
    if (auto* t = c->get_object().if_contains("text"); t && t->is_string())
      return std::string(t->get_string());
  return json::serialize(answer);
}

std::string content_json(const json::object& answer) {
  auto* content = answer.if_contains("content");
  return json::serialize(content ? *content : json::value(json::object{}));
}

std::string string_arg(const json::object& args, std::string_view key) {
  auto* v = args.if_contains(key);
  if (!v || !v->is_string())
    throw std::invalid_argument("argument \"" + std::string(key) + "\" must be a string");
  return std::string(v->get_string());
}

json::object one_string_arg(std::string_view name, std::string_view description) {
  return {{"type", "object"},
          {"properties",
           json::object{{name, json::object{{"type", "string"}, {"description", description}}}}},
          {"required", json::array{name}}};
}

void register_legacy_style(server& mcp) {
  mcp.add_tool(tool(
      "test_sampling", "Asks the client for an LLM completion (sampling/createMessage)",
      [](context& ctx, const json::object& args) {
        auto answer = ctx.ask("llm", input::sample_text(string_arg(args, "prompt"), 100));
        return tool_result::text("LLM response: " + sampled_text(answer));
      },
      one_string_arg("prompt", "The prompt to send to the LLM")));
  mcp.add_tool(tool(
      "test_elicitation", "Asks the client for user input (elicitation/create)",
      [](context& ctx, const json::object& args) {
        json::object schema{
            {"type", "object"},
            {"properties",
             json::object{{"response",
                           json::object{{"type", "string"}, {"description", "User's response"}}}}},
            {"required", json::array{"response"}}};
        auto answer = ctx.ask("response", input::elicit(string_arg(args, "message"), schema));
        return tool_result::text(
            "User response: action=" + std::string(answer.at("action").as_string()) +
            ", content=" + content_json(answer));
      },
      one_string_arg("message", "The message to show the user")));

  auto form_tool = [&mcp](std::string name, std::string description, std::string message,
                          json::object properties) {
    json::object schema{
        {"type", "object"}, {"properties", std::move(properties)}, {"required", json::array{}}};
    mcp.add_tool(tool(std::move(name), std::move(description),
                      [message, schema](context& ctx, const json::object&) {
                        auto answer = ctx.ask("form", input::elicit(message, schema));
                        return tool_result::text("Elicitation completed: action=" +
                                                 std::string(answer.at("action").as_string()) +
                                                 ", content=" + content_json(answer));
                      }));
  };
  form_tool("test_elicitation_sep1034_defaults",
            "Elicitation with a default for every primitive type (SEP-1034)",
            "Please review and update the form fields with defaults",
            {{"name", {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
             {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
             {"score", {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
             {"status",
              {{"type", "string"},
               {"description", "User status"},
               {"enum", json::array{"active", "inactive", "pending"}},
               {"default", "active"}}},
             {"verified",
              {{"type", "boolean"}, {"description", "Verification status"}, {"default", true}}}});
  auto titled = [](std::initializer_list<std::pair<const char*, const char*>> items) {
    json::array out;
    for (auto& [value, title] : items)
      out.push_back(json::object{{"const", value}, {"title", title}});
    return out;
  };
  form_tool(
      "test_elicitation_sep1330_enums", "Elicitation with the five enum schema variants (SEP-1330)",
      "Please select options from the enum fields",
      {{"untitledSingle",
        {{"type", "string"},
         {"description", "Select one option"},
         {"enum", json::array{"option1", "option2", "option3"}}}},
       {"titledSingle",
        {{"type", "string"},
         {"description", "Select one option with titles"},
         {"oneOf", titled({{"value1", "First Option"},
                           {"value2", "Second Option"},
                           {"value3", "Third Option"}})}}},
       {"legacyEnum",
        {{"type", "string"},
         {"description", "Select one option (legacy)"},
         {"enum", json::array{"opt1", "opt2", "opt3"}},
         {"enumNames", json::array{"Option One", "Option Two", "Option Three"}}}},
       {"untitledMulti",
        {{"type", "array"},
         {"description", "Select multiple options"},
         {"minItems", 1},
         {"maxItems", 3},
         {"items", {{"type", "string"}, {"enum", json::array{"option1", "option2", "option3"}}}}}},
       {"titledMulti",
        {{"type", "array"},
         {"description", "Select multiple options with titles"},
         {"minItems", 1},
         {"maxItems", 3},
         {"items",
          {{"anyOf", titled({{"value1", "First Choice"},
                             {"value2", "Second Choice"},
                             {"value3", "Third Choice"}})}}}}}});
}

void register_mrtr(server& mcp) {
  {
    auto t =
        tool("test_missing_capability",
             "Requires the sampling client capability (-32021 when undeclared)",
             [](context& ctx, const json::object&) {
               ctx.ask("llm_answer", input::sample_text("Reply with the single word: pong", 16));
               return tool_result::text("Success");
             });
    t.required_client_capabilities = {{"sampling", json::object{}}};
    mcp.add_tool(std::move(t));
  }
  mcp.add_tool(tool(
      "test_streaming_elicitation", "Completes without any server-to-client request on its stream",
      [](context&, const json::object&) { return tool_result::text("Streaming complete"); }));
  mcp.add_tool(tool(
      "test_input_required_result_elicitation", "MRTR: asks for the caller's name (key user_name)",
      [](context& ctx, const json::object&) {
        auto name =
            accepted(ctx.ask("user_name", ask_string("What is your name?", "name")), "name");
        return tool_result::text("Hello, " + name + "!");
      }));
  mcp.add_tool(tool("test_input_required_result_sampling",
                    "MRTR: asks for an LLM completion (key capital_question)",
                    [](context& ctx, const json::object&) {
                      auto answer =
                          ctx.ask("capital_question",
                                  input::sample_text("What is the capital of France?", 100));
                      return tool_result::text("Sampling response: " + sampled_text(answer));
                    }));
  mcp.add_tool(tool("test_input_required_result_list_roots",
                    "MRTR: asks for the client's roots (key client_roots)",
                    [](context& ctx, const json::object&) {
                      auto answer = ctx.ask("client_roots", input::list_roots());
                      auto& roots = answer.at("roots").as_array();
                      std::string uris;
                      for (auto& r : roots) {
                        if (!uris.empty()) uris += ", ";
                        if (auto* u = r.is_object() ? r.get_object().if_contains("uri") : nullptr;
                            u && u->is_string())
                          uris += u->get_string();
                      }
                      return tool_result::text("Client exposed " + std::to_string(roots.size()) +
                                               " root(s): " + uris);
                    }));
  mcp.add_tool(tool(
      "test_input_required_result_request_state",
      "MRTR: elicitation plus signed requestState (key confirm)",
      [](context& ctx, const json::object&) {
        ctx.state()["tool"] = "request_state";
        json::object schema{{"type", "object"},
                            {"properties", json::object{{"ok", json::object{{"type", "boolean"}}}}},
                            {"required", json::array{"ok"}}};
        ctx.ask("confirm", input::elicit("Please confirm", schema));
        return tool_result::text("state-ok: requestState verified and confirmation received");
      }));
  mcp.add_tool(tool(
      "test_input_required_result_multiple_inputs",
      "MRTR: elicitation, sampling and roots in one round", [](context& ctx, const json::object&) {
        auto answers = ctx.ask_all({{"user_name", ask_string("What is your name?", "name")},
                                    {"greeting", input::sample_text("Generate a greeting", 50)},
                                    {"client_roots", input::list_roots()}});
        auto roots = answers.at("client_roots").at("roots").as_array().size();
        return tool_result::text(sampled_text(answers.at("greeting")) + " " +
                                 accepted(answers.at("user_name"), "name") + " (" +
                                 std::to_string(roots) + " root(s) visible)");
      }));
  mcp.add_tool(tool(
      "test_input_required_result_multi_round",
      "MRTR: two elicitation rounds (step1 name, step2 color)",
      [](context& ctx, const json::object&) {
        ctx.state()["round"] = 1;
        auto name =
            accepted(ctx.ask("step1", ask_string("Step 1: What is your name?", "name")), "name");
        ctx.state()["round"] = 2;
        auto color = accepted(
            ctx.ask("step2", ask_string("Step 2: What is your favorite color?", "color")), "color");
        return tool_result::text("Multi-round complete: " + name + " likes " + color);
      }));
  mcp.add_tool(tool("test_input_required_result_tampered_state",
                    "MRTR: rejects retries whose requestState fails verification",
                    [](context& ctx, const json::object&) {
                      ctx.state()["tool"] = "tampered_state";
                      json::object schema{
                          {"type", "object"},
                          {"properties", json::object{{"ok", json::object{{"type", "boolean"}}}}},
                          {"required", json::array{"ok"}}};
                      ctx.ask("confirm", input::elicit("Please confirm", schema));
                      return tool_result::text("integrity-ok: requestState verified");
                    }));
  mcp.add_tool(tool(
      "test_input_required_result_capabilities",
      "MRTR: only requests input kinds the client declared", [](context& ctx, const json::object&) {
        std::vector<std::pair<std::string, input_request>> asks;
        if (ctx.client_supports("elicitation"))
          asks.emplace_back("user_name", ask_string("What is your name?", "name"));
        if (ctx.client_supports("sampling"))
          asks.emplace_back("greeting", input::sample_text("Generate a short greeting", 50));
        if (ctx.client_supports("roots")) asks.emplace_back("client_roots", input::list_roots());
        if (asks.empty())
          return tool_result::text("No declared client capability supports input requests");
        ctx.ask_all(asks);
        return tool_result::text("capabilities-ok: input requests fulfilled");
      }));
  {
    auto t = tool(
        "test_single_use_state", "MRTR with a single-use requestState: a replayed round is refused",
        [](context& ctx, const json::object&) {
          auto name =
              accepted(ctx.ask("user_name", ask_string("What is your name?", "name")), "name");
          return tool_result::text("Once only, " + name);
        });
    t.single_use_state = true;
    mcp.add_tool(std::move(t));
  }
  mcp.add_prompt(
      {.name = "test_input_required_result_prompt",
       .title = "MRTR Prompt",
       .description = "Asks for context before rendering (key user_context)",
       .get = [](context& ctx, const prompt_arguments&) {
         auto answer =
             ctx.ask("user_context", ask_string("What context should the prompt use?", "context"));
         return prompt_result{{},
                              {prompt_message("user", content::text("Use the following context: " +
                                                                    accepted(answer, "context")))}};
       }});
}

// Real registry changes and resource updates, so notification streams have
// something true to report.
void register_triggers(server& mcp) {
  mcp.add_tool(tool(
      "test_trigger_tool_change", "Adds or removes test_dynamic_tool: tools/list_changed goes out",
      [&mcp](context&, const json::object&) {
        if (!mcp.remove_tool("test_dynamic_tool"))
          mcp.add_tool(
              tool("test_dynamic_tool", "Appears and disappears at runtime",
                   [](context&, const json::object&) { return tool_result::text("dynamic"); }));
        return tool_result::text("tools list_changed published");
      }));
  mcp.add_tool(
      tool("test_trigger_prompt_change",
           "Adds or removes test_dynamic_prompt: prompts/list_changed goes out",
           [&mcp](context&, const json::object&) {
             if (!mcp.remove_prompt("test_dynamic_prompt"))
               mcp.add_prompt(
                   {.name = "test_dynamic_prompt",
                    .description = "Appears and disappears at runtime",
                    .get = [](context&, const prompt_arguments&) {
                      return prompt_result{{}, {prompt_message("user", content::text("dynamic"))}};
                    }});
             return tool_result::text("prompts list_changed published");
           }));
  mcp.add_tool(tool(
      "test_trigger_resource_update", "Announces that the resource at uri changed",
      [&mcp](context&, const json::object& args) {
        auto uri = string_arg(args, "uri");
        mcp.notify_resource_updated(uri);
        return tool_result::text("resource updated: " + uri);
      },
      one_string_arg("uri", "The resource that changed")));
}

// SSE polling (2025-11-25): the tool ends its stream mid-call; the client collects
// the result with GET + Last-Event-ID.
void register_polling(server& mcp) {
  mcp.add_tool(tool("test_reconnection",
                    "Closes its SSE stream mid-call; the result arrives after the client "
                    "reconnects",
                    [](context& ctx, const json::object&) {
                      ctx.log("info", "closing the stream; reconnect with Last-Event-ID");
                      ctx.close_stream();
                      std::this_thread::sleep_for(std::chrono::milliseconds(100));
                      return tool_result::text("Reconnection test completed successfully.");
                    }));
}

// A slow tool that stops when cancelled, and a probe reporting whether it was.
void register_cancellation(server& mcp) {
  static std::atomic<bool> last_cancelled{false};
  mcp.add_tool(
      tool("test_cancellable", "Works for ms milliseconds unless cancelled",
           [](context& ctx, const json::object& args) {
             auto* ms = args.if_contains("ms");
             auto budget = std::chrono::milliseconds(ms && ms->is_int64() ? ms->get_int64() : 1000);
             auto end = std::chrono::steady_clock::now() + budget;
             last_cancelled = false;
             while (std::chrono::steady_clock::now() < end) {
               if (ctx.cancelled()) {
                 last_cancelled = true;
                 return tool_result::error("cancelled");
               }
               std::this_thread::sleep_for(std::chrono::milliseconds(10));
             }
             return tool_result::text("finished");
           },
           {{"type", "object"},
            {"properties",
             json::object{
                 {"ms", json::object{{"type", "integer"}, {"minimum", 0}, {"maximum", 60000}}}}}}));
  mcp.add_tool(tool("test_cancellable_last", "Whether the last test_cancellable was cancelled",
                    [](context&, const json::object&) {
                      return tool_result::text(std::string("cancelled=") +
                                               (last_cancelled ? "true" : "false"));
                    }));
}

}  // namespace

void register_interaction_fixtures(server& mcp) {
  register_legacy_style(mcp);
  register_mrtr(mcp);
  register_triggers(mcp);
  register_cancellation(mcp);
  register_polling(mcp);
}

}  // namespace mcpxx::conformance
