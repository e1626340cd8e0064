// Regression: for revisions whose structuredContent must be an object (2025-06-18,
// 2025-11-25), tool_json and tool_result_json once decided on wrapping by different rules
// (the schema's "type" vs the value), so an object schema written without
// "type":"object" was listed wrapped while the value went out unwrapped.
#include "server/shaping.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace {

namespace json = boost::json;

TEST(server_shaping_consistency, output_schema_and_structured_content_wrap_consistently) {
  mcpxx::tool_definition t;
  t.name = "t";
  // An object schema that does not spell out "type".
  t.output_schema =
      json::object{{"properties", {{"n", {{"type", "integer"}}}}}, {"required", json::array{"n"}}};
  mcpxx::tool_result r = mcpxx::tool_result::text(R"({"n":1})");
  r.structured_content = json::object{{"n", 1}};

  for (auto version : {"2025-06-18", "2025-11-25"}) {
    auto listed = mcpxx::shaping::tool_json(t, version);
    auto called = mcpxx::shaping::tool_result_json(r, version, &t);
    const auto& schema = listed.at("outputSchema").as_object();
    const auto& value = called.at("structuredContent").as_object();
    bool schema_wrapped =
        schema.contains("required") && schema.at("required") == json::value(json::array{"result"});
    bool value_wrapped = value.size() == 1 && value.contains("result");
    EXPECT_EQ(schema_wrapped, value_wrapped)
        << version << ": outputSchema " << json::serialize(schema) << " vs structuredContent "
        << json::serialize(value);
  }
}

}  // namespace
