// Texts, names and keys follow the suite's scenario sources; tests/node asserts them
// exactly, because the suite itself mostly checks shapes.
#include "fixtures.hpp"

#include <mcpxx/server/content.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <thread>

namespace mcpxx::conformance {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// A 1x1 PNG and 10 ms of silent 8 kHz mono WAV.
constexpr std::string_view png_base64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJg"
    "gg==";
const std::string wav_base64 = [] {
  std::string header = "UklGRsQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YaAAAAAA";
  return header + std::string(212, 'A');
}();

tool_definition raw_tool(std::string name, std::string description, sync_tool_handler fn) {
  tool_definition t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.input_schema = {{"type", "object"}, {"additionalProperties", false}};
  t.handler = std::move(fn);
  return t;
}

void register_tools(server& mcp) {
  mcp.add_tool(raw_tool("test_simple_text", "Returns a simple text response",
                        [](context&, const json::object&) {
                          return tool_result::text("This is a simple text response for testing.");
                        }));
  mcp.add_tool(
      raw_tool("test_image_content", "Returns a PNG image", [](context&, const json::object&) {
        tool_result r;
        r.content.push_back(content::image(png_base64, "image/png"));
        return r;
      }));
  mcp.add_tool(
      raw_tool("test_audio_content", "Returns a WAV audio clip", [](context&, const json::object&) {
        tool_result r;
        r.content.push_back(content::audio(wav_base64, "audio/wav"));
        return r;
      }));
  mcp.add_tool(raw_tool("test_embedded_resource", "Returns an embedded text resource",
                        [](context&, const json::object&) {
                          tool_result r;
                          r.content.push_back(content::embedded_text(
                              "test://embedded-resource", "This is an embedded resource content.",
                              "text/plain"));
                          return r;
                        }));
  mcp.add_tool(raw_tool(
      "test_multiple_content_types", "Returns text, an image and an embedded resource",
      [](context&, const json::object&) {
        tool_result r;
        r.content.push_back(content::text("Multiple content types test:"));
        r.content.push_back(content::image(png_base64, "image/png"));
        r.content.push_back(content::embedded_text(
            "test://mixed-content-resource", R"({"test":"data","value":123})", "application/json"));
        return r;
      }));
  mcp.add_tool(raw_tool(
      "test_error_handling", "Always fails with a tool error", [](context&, const json::object&) {
        return tool_result::error("This tool intentionally returns an error for testing");
      }));
  mcp.add_tool(raw_tool("test_tool_with_progress", "Reports progress 0, 50, 100 of 100",
                        [](context& ctx, const json::object&) {
                          for (int step = 0; step <= 100; step += 50) {
                            ctx.progress(step, 100, "Completed step " + std::to_string(step));
                            if (step < 100) std::this_thread::sleep_for(50ms);
                          }
                          return tool_result::text("Progress test completed");
                        }));
  mcp.add_tool(raw_tool("test_tool_with_logging", "Sends three info log messages",
                        [](context& ctx, const json::object&) {
                          ctx.log("info", "Tool execution started");
                          std::this_thread::sleep_for(50ms);
                          ctx.log("info", "Tool processing data");
                          std::this_thread::sleep_for(50ms);
                          ctx.log("info", "Tool execution completed");
                          return tool_result::text("Logging test completed");
                        }));
  mcp.add_tool(raw_tool("test_logging_tool",
                        "Logs at info and debug; logs reach the client only at its log level",
                        [](context& ctx, const json::object&) {
                          ctx.log("info", "test_logging_tool: info message");
                          ctx.log("debug", "test_logging_tool: debug message");
                          return tool_result::text("Logging tool completed");
                        }));

  {
    tool_definition t;
    t.name = "json_schema_2020_12_tool";
    t.description = "Tool whose inputSchema uses JSON Schema 2020-12 keywords";
    t.input_schema = json::parse(R"({
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "type": "object",
      "$defs": {"address": {"$anchor": "addressDef", "type": "object",
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
      "properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"},
                     "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                     "phone": {"type": "string"}, "email": {"type": "string"}},
      "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
      "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
      "then": {"required": ["phone"]},
      "else": {"required": ["email"]},
      "additionalProperties": false})")
                         .as_object();
    t.handler = [](context&, const json::object& args) {
      return tool_result::text("JSON Schema 2020-12 tool called with: " + json::serialize(args));
    };
    mcp.add_tool(std::move(t));
  }
  {
    tool_definition t;
    t.name = "test_x_mcp_header";
    t.description = "Has an x-mcp-header property (Mcp-Param-Region)";
    t.input_schema = json::parse(R"({"type": "object", "properties": {
      "region": {"type": "string", "description": "mirrored into Mcp-Param-Region",
                 "x-mcp-header": "Region"},
      "level": {"type": "integer", "description": "not mirrored"}}})")
                         .as_object();
    t.handler = [](context&, const json::object& args) {
      auto* region = args.if_contains("region");
      return tool_result::text(
          "region=" + std::string(region && region->is_string() ? region->get_string() : "<none>"));
    };
    mcp.add_tool(std::move(t));
  }
  {
    // For benchmarks: cheap enough to run on the I/O thread.
    tool_definition t;
    t.name = "echo";
    t.description = "Returns the message as text";
    t.input_schema = json::parse(R"({"type": "object",
      "properties": {"message": {"type": "string"}}, "required": ["message"],
      "additionalProperties": false})")
                         .as_object();
    t.run_inline = true;
    t.handler = [](context&, const json::object& args) {
      auto* m = args.if_contains("message");
      if (!m || !m->is_string())
        return tool_result::error("Invalid arguments: /message: expected string");
      return tool_result::text(m->get_string());
    };
    mcp.add_tool(std::move(t));
  }
}

void register_resources(server& mcp) {
  mcp.add_resource({.uri = "test://static-text",
                    .name = "Static Text Resource",
                    .description = "A static text resource for testing",
                    .mime_type = "text/plain",
                    .read = [](context&, const std::string& uri) {
                      return resource_contents{content::text_contents(
                          uri, "This is the content of the static text resource.", "text/plain")};
                    }});
  mcp.add_resource({.uri = "test://static-binary",
                    .name = "Static Binary Resource",
                    .description = "A static binary resource (PNG image)",
                    .mime_type = "image/png",
                    .read = [](context&, const std::string& uri) {
                      return resource_contents{
                          content::blob_contents(uri, png_base64, "image/png")};
                    }});
  mcp.add_resource({.uri = "test://watched-resource",
                    .name = "Watched Resource",
                    .description = "A resource clients may subscribe to",
                    .mime_type = "text/plain",
                    .read = [](context&, const std::string& uri) {
                      return resource_contents{
                          content::text_contents(uri, "Watched resource content", "text/plain")};
                    }});
  mcp.add_resource_template(
      {.uri_template = "test://template/{id}/data",
       .name = "Resource Template",
       .description = "A resource template with a parameter",
       .mime_type = "application/json",
       .read = [](context&, const std::string& uri, const uri_params& p) {
         const std::string& id = p.at("id");
         json::object data{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
         return resource_contents{
             content::text_contents(uri, json::serialize(data), "application/json")};
       }});
}

void register_prompts(server& mcp) {
  mcp.add_prompt(
      {.name = "test_simple_prompt",
       .description = "A simple prompt without arguments",
       .get = [](context&, const prompt_arguments&) {
         return prompt_result{
             {}, {prompt_message("user", content::text("This is a simple prompt for testing."))}};
       }});
  mcp.add_prompt(
      {.name = "test_prompt_with_arguments",
       .description = "A prompt with two required arguments",
       .arguments = {{.name = "arg1", .description = "First test argument", .required = true},
                     {.name = "arg2", .description = "Second test argument", .required = true}},
       .get = [](context&, const prompt_arguments& a) {
         std::string text =
             "Prompt with arguments: arg1='" + a.at("arg1") + "', arg2='" + a.at("arg2") + "'";
         return prompt_result{{}, {prompt_message("user", content::text(text))}};
       }});
  mcp.add_prompt(
      {.name = "test_prompt_with_embedded_resource",
       .description = "A prompt that embeds a resource",
       .arguments = {{.name = "resourceUri",
                      .description = "URI of the resource to embed",
                      .required = true}},
       .get = [](context&, const prompt_arguments& a) {
         return prompt_result{
             {},
             {prompt_message("user", content::embedded_text(
                                         a.at("resourceUri"),
                                         "Embedded resource content for testing.", "text/plain")),
              prompt_message("user",
                             content::text("Please process the embedded resource above."))}};
       }});
  mcp.add_prompt({.name = "test_prompt_with_image",
                  .description = "A prompt with an image",
                  .get = [](context&, const prompt_arguments&) {
                    return prompt_result{
                        {},
                        {prompt_message("user", content::image(png_base64, "image/png")),
                         prompt_message("user", content::text("Please analyze the image above."))}};
                  }});
  mcp.add_completion({.ref_type = "ref/prompt",
                      .ref_name = "test_prompt_with_arguments",
                      .argument = "arg1",
                      .complete = [](context&, std::string_view value, const json::object&) {
                        completion_result r;
                        for (std::string_view v : {"paris", "park", "party", "hello"})
                          if (v.starts_with(value)) r.values.emplace_back(v);
                        r.total = static_cast<std::int64_t>(r.values.size());
                        return r;
                      }});
}

}  // namespace

void register_fixtures(server& mcp) {
  register_tools(mcp);
  register_resources(mcp);
  register_prompts(mcp);
  register_interaction_fixtures(mcp);
}

}  // namespace mcpxx::conformance
