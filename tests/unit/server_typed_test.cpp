// make_tool: handler signatures become schemas, argument decoding and result shaping.
#include <mcpxx/schema/schema.hpp>
#include <mcpxx/server/server.hpp>
#include <mcpxx/server/typed.hpp>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/describe.hpp>
#include <boost/json.hpp>

#include <string>

namespace {

namespace json = boost::json;
namespace asio = boost::asio;

struct greet_args {
  std::string name;
  int times = 1;
};
BOOST_DESCRIBE_STRUCT(greet_args, (), (name, times))
MCPXX_DEFAULTS(greet_args, times)

struct greeting {
  std::string message;
  int count = 0;
};
BOOST_DESCRIBE_STRUCT(greeting, (), (message, count))

mcpxx::tool_options named(std::string name) {
  mcpxx::tool_options o;
  o.name = std::move(name);
  o.description = "typed tool";
  return o;
}

// Runs a tool's handler as dispatch would, synchronously.
class server_typed : public ::testing::Test {
 protected:
  mcpxx::tool_result run(const mcpxx::tool_definition& def, json::object args) {
    mcpxx::context ctx(scope, id, nullptr);
    if (def.async_handler) {
      auto fut = asio::co_spawn(io, def.async_handler(ctx, args), asio::use_future);
      io.restart();
      io.run();
      return fut.get();
    }
    return def.handler(ctx, args);
  }

  static std::string text_of(const mcpxx::tool_result& r, std::size_t i = 0) {
    return std::string(r.content.at(i).at("text").as_string());
  }

  asio::io_context io;
  mcpxx::request_scope scope{.protocol_version = "2025-11-25"};
  json::value id = 17;
};

TEST_F(server_typed, input_schema_equals_schema_of_the_args_struct) {
  auto def = mcpxx::make_tool(named("greet"), [](const greet_args& a) { return a.name; });
  EXPECT_EQ(def.input_schema, mcpxx::schema::schema_of<greet_args>());
  EXPECT_EQ(def.name, "greet");
  EXPECT_EQ(def.description, "typed tool");
}

TEST_F(server_typed, handler_without_arguments_has_a_plain_object_input_schema) {
  auto def = mcpxx::make_tool(named("noargs"), [] { return std::string("x"); });
  EXPECT_EQ(def.input_schema, (json::object{{"type", "object"}}));
}

TEST_F(server_typed, raw_json_object_arguments_have_a_plain_object_input_schema) {
  auto def =
      mcpxx::make_tool(named("raw"), [](const json::object& a) { return json::serialize(a); });
  EXPECT_EQ(def.input_schema, (json::object{{"type", "object"}}));
  EXPECT_EQ(text_of(run(def, {{"anything", true}})), R"({"anything":true})");
}

TEST_F(server_typed, decoded_arguments_reach_the_handler_with_defaults_applied) {
  auto def = mcpxx::make_tool(
      named("greet"), [](const greet_args& a) { return a.name + "x" + std::to_string(a.times); });
  EXPECT_EQ(text_of(run(def, {{"name", "Ada"}})), "Adax1");
  EXPECT_EQ(text_of(run(def, {{"name", "Ada"}, {"times", 3}})), "Adax3");
}

TEST_F(server_typed, bad_argument_yields_is_error_naming_the_json_pointer) {
  bool ran = false;
  auto def = mcpxx::make_tool(named("greet"), [&](const greet_args& a) {
    ran = true;
    return a.name;
  });
  auto r = run(def, {{"name", "Ada"}, {"times", "three"}});
  EXPECT_TRUE(r.is_error);
  EXPECT_FALSE(ran);
  EXPECT_NE(text_of(r).find("/times"), std::string::npos) << text_of(r);
}

TEST_F(server_typed, missing_required_argument_yields_is_error_naming_it) {
  auto def = mcpxx::make_tool(named("greet"), [](const greet_args& a) { return a.name; });
  auto r = run(def, {{"times", 2}});
  EXPECT_TRUE(r.is_error);
  EXPECT_NE(text_of(r).find("/name"), std::string::npos) << text_of(r);
}

TEST_F(server_typed, struct_return_gives_structured_content_output_schema_and_json_text) {
  auto def = mcpxx::make_tool(named("greet"), [](const greet_args& a) {
    return greeting{"hi " + a.name, a.times};
  });
  ASSERT_TRUE(def.output_schema.has_value());
  EXPECT_EQ(*def.output_schema, mcpxx::schema::schema_of<greeting>());

  auto r = run(def, {{"name", "Ada"}, {"times", 2}});
  EXPECT_FALSE(r.is_error);
  ASSERT_TRUE(r.structured_content.has_value());
  json::value expected{{"message", "hi Ada"}, {"count", 2}};
  EXPECT_EQ(*r.structured_content, expected);
  ASSERT_EQ(r.content.size(), 1u);
  EXPECT_EQ(r.content[0].at("type"), json::value("text"));
  EXPECT_EQ(json::parse(text_of(r)), expected);
}

TEST_F(server_typed, string_return_is_one_text_block_without_structured_content) {
  auto def = mcpxx::make_tool(named("s"), [] { return std::string("plain"); });
  EXPECT_FALSE(def.output_schema.has_value());
  auto r = run(def, {});
  ASSERT_EQ(r.content.size(), 1u);
  EXPECT_EQ(r.content[0], (json::value{{"type", "text"}, {"text", "plain"}}));
  EXPECT_FALSE(r.structured_content.has_value());
  EXPECT_FALSE(r.is_error);
}

TEST_F(server_typed, json_return_is_structured_content_without_output_schema) {
  auto def = mcpxx::make_tool(named("j"), [] { return json::value(json::array{1, 2}); });
  EXPECT_FALSE(def.output_schema.has_value());
  auto r = run(def, {});
  ASSERT_TRUE(r.structured_content.has_value());
  EXPECT_EQ(*r.structured_content, json::value(json::array{1, 2}));
  EXPECT_EQ(text_of(r), "[1,2]");
}

TEST_F(server_typed, tool_result_return_is_passed_through) {
  auto def = mcpxx::make_tool(named("tr"), [] { return mcpxx::tool_result::error("nope"); });
  auto r = run(def, {});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(text_of(r), "nope");
}

TEST_F(server_typed, handler_taking_nothing_is_called) {
  int calls = 0;
  auto def = mcpxx::make_tool(named("f0"), [&] {
    ++calls;
    return std::string("f()");
  });
  EXPECT_EQ(text_of(run(def, {{"ignored", 1}})), "f()");
  EXPECT_EQ(calls, 1);
}

TEST_F(server_typed, handler_taking_args_is_called_with_them) {
  auto def = mcpxx::make_tool(named("f1"), [](const greet_args& a) { return "f(" + a.name + ")"; });
  EXPECT_EQ(text_of(run(def, {{"name", "a"}})), "f(a)");
}

TEST_F(server_typed, handler_taking_context_sees_the_request) {
  auto def = mcpxx::make_tool(named("fc"), [](mcpxx::context& ctx) {
    return std::string(ctx.protocol_version()) + "#" + json::serialize(ctx.request_id());
  });
  EXPECT_EQ(def.input_schema, (json::object{{"type", "object"}}));
  EXPECT_EQ(text_of(run(def, {})), "2025-11-25#17");
}

TEST_F(server_typed, handler_taking_args_and_context_gets_both) {
  auto def = mcpxx::make_tool(named("fac"), [](const greet_args& a, mcpxx::context& ctx) {
    return a.name + "@" + std::string(ctx.protocol_version());
  });
  EXPECT_EQ(def.input_schema, mcpxx::schema::schema_of<greet_args>());
  EXPECT_EQ(text_of(run(def, {{"name", "Ada"}})), "Ada@2025-11-25");
}

TEST_F(server_typed, awaitable_handler_sets_async_handler_only) {
  auto def = mcpxx::make_tool(named("aw"), [](const greet_args& a) -> asio::awaitable<greeting> {
    co_return greeting{"async " + a.name, a.times};
  });
  EXPECT_TRUE(static_cast<bool>(def.async_handler));
  EXPECT_FALSE(static_cast<bool>(def.handler));
  ASSERT_TRUE(def.output_schema.has_value());
  EXPECT_EQ(*def.output_schema, mcpxx::schema::schema_of<greeting>());
  auto r = run(def, {{"name", "Ada"}});
  ASSERT_TRUE(r.structured_content.has_value());
  EXPECT_EQ(*r.structured_content, (json::value{{"message", "async Ada"}, {"count", 1}}));
}

TEST_F(server_typed, awaitable_handler_with_bad_arguments_yields_is_error) {
  auto def = mcpxx::make_tool(
      named("aw"), [](const greet_args& a) -> asio::awaitable<std::string> { co_return a.name; });
  auto r = run(def, {{"name", 5}});
  EXPECT_TRUE(r.is_error);
  EXPECT_NE(text_of(r).find("/name"), std::string::npos) << text_of(r);
}

TEST_F(server_typed, sync_handler_sets_handler_only) {
  auto def = mcpxx::make_tool(named("sy"), [] { return std::string("x"); });
  EXPECT_TRUE(static_cast<bool>(def.handler));
  EXPECT_FALSE(static_cast<bool>(def.async_handler));
}

TEST_F(server_typed, tool_options_are_copied_to_the_definition) {
  mcpxx::tool_options o = named("opt");
  o.title = "Opt";
  o.annotations = {{"readOnlyHint", true}};
  o.required_client_capabilities = {{"sampling", json::object{}}};
  o.run_inline = true;
  auto def = mcpxx::make_tool(std::move(o), [] { return std::string("x"); });
  EXPECT_EQ(def.title, "Opt");
  EXPECT_EQ(def.annotations, (json::object{{"readOnlyHint", true}}));
  EXPECT_EQ(def.required_client_capabilities, (json::object{{"sampling", json::object{}}}));
  EXPECT_TRUE(def.run_inline);
}

TEST_F(server_typed, server_tool_registers_a_typed_tool_callable_through_dispatch) {
  mcpxx::server srv(mcpxx::server_options{.worker_threads = 1});
  srv.tool("greet", "Greets", [](const greet_args& a) {
    return greeting{"hi " + a.name, a.times};
  });
  auto def = srv.find_tool("greet");
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->description, "Greets");

  mcpxx::protocol::request req{
      1, "tools/call", {{"name", "greet"}, {"arguments", {{"name", "B"}}}}};
  auto fut = asio::co_spawn(io, srv.handle(req, scope), asio::use_future);
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  auto response = fut.get();
  EXPECT_EQ(response.at("result").at("structuredContent"),
            (json::value{{"message", "hi B"}, {"count", 1}}));
}

}  // namespace
