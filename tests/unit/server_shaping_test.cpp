// Fitting tool results, tool definitions and content blocks to the client's revision.
#include "server/shaping.hpp"

#include <mcpxx/server/content.hpp>
#include <mcpxx/server/definitions.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace {

namespace json = boost::json;
using mcpxx::shaping::downgrade_content;
using mcpxx::shaping::tool_json;
using mcpxx::shaping::tool_result_json;

mcpxx::tool_result structured(json::value v) {
  auto r = mcpxx::tool_result::text(json::serialize(v));
  r.structured_content = std::move(v);
  return r;
}

mcpxx::tool_definition tool_with_output(json::object schema) {
  mcpxx::tool_definition t;
  t.name = "t";
  t.output_schema = std::move(schema);
  return t;
}

const json::object kArraySchema{{"type", "array"}, {"items", {{"type", "integer"}}}};

json::object wrapped(const json::object& schema) {
  return {{"type", "object"},
          {"properties", {{"result", schema}}},
          {"required", json::array{"result"}}};
}

// ---- structuredContent ----------------------------------------------------------

TEST(server_shaping, non_object_structured_content_is_wrapped_for_2025_11_25) {
  auto out = tool_result_json(structured(json::array{1, 2}), "2025-11-25");
  EXPECT_EQ(out.at("structuredContent"), (json::value{{"result", json::array{1, 2}}}));
}

TEST(server_shaping, non_object_structured_content_is_wrapped_for_2025_06_18) {
  auto out = tool_result_json(structured(42), "2025-06-18");
  EXPECT_EQ(out.at("structuredContent"), (json::value{{"result", 42}}));
}

TEST(server_shaping, non_object_structured_content_is_passed_as_is_for_2026_07_28) {
  auto out = tool_result_json(structured(json::array{1, 2}), "2026-07-28");
  EXPECT_EQ(out.at("structuredContent"), json::value(json::array{1, 2}));
}

TEST(server_shaping, structured_content_is_dropped_for_2025_03_26) {
  auto out = tool_result_json(structured(json::object{{"a", 1}}), "2025-03-26");
  EXPECT_FALSE(out.contains("structuredContent"));
  EXPECT_EQ(out.at("content").as_array().size(), 1u);
}

TEST(server_shaping, structured_content_is_dropped_for_2024_11_05) {
  auto out = tool_result_json(structured(json::array{1}), "2024-11-05");
  EXPECT_FALSE(out.contains("structuredContent"));
}

TEST(server_shaping, object_structured_content_is_passed_as_is_for_2025_06_18) {
  auto out = tool_result_json(structured(json::object{{"a", 1}}), "2025-06-18");
  EXPECT_EQ(out.at("structuredContent"), (json::value{{"a", 1}}));
}

TEST(server_shaping, is_error_is_emitted_only_for_errors) {
  EXPECT_FALSE(tool_result_json(mcpxx::tool_result::text("ok"), "2025-11-25").contains("isError"));
  auto err = tool_result_json(mcpxx::tool_result::error("bad"), "2025-11-25");
  EXPECT_EQ(err.at("isError"), json::value(true));
  EXPECT_EQ(err.at("content").at(0).at("text"), json::value("bad"));
}

TEST(server_shaping, result_meta_is_emitted_only_when_set) {
  auto r = mcpxx::tool_result::text("ok");
  EXPECT_FALSE(tool_result_json(r, "2026-07-28").contains("_meta"));
  r.meta = {{"k", 1}};
  EXPECT_EQ(tool_result_json(r, "2026-07-28").at("_meta"), (json::value{{"k", 1}}));
}

// ---- outputSchema ---------------------------------------------------------------

TEST(server_shaping, non_object_output_schema_is_wrapped_for_2025_11_25) {
  auto o = tool_json(tool_with_output(kArraySchema), "2025-11-25");
  EXPECT_EQ(o.at("outputSchema"), json::value(wrapped(kArraySchema)));
}

TEST(server_shaping, non_object_output_schema_is_wrapped_for_2025_06_18) {
  auto o = tool_json(tool_with_output(kArraySchema), "2025-06-18");
  EXPECT_EQ(o.at("outputSchema"), json::value(wrapped(kArraySchema)));
}

TEST(server_shaping, non_object_output_schema_is_passed_as_is_for_2026_07_28) {
  auto o = tool_json(tool_with_output(kArraySchema), "2026-07-28");
  EXPECT_EQ(o.at("outputSchema"), json::value(kArraySchema));
}

TEST(server_shaping, output_schema_is_omitted_for_2025_03_26) {
  auto o = tool_json(tool_with_output(kArraySchema), "2025-03-26");
  EXPECT_FALSE(o.contains("outputSchema"));
}

TEST(server_shaping, object_output_schema_is_passed_as_is_for_2025_06_18) {
  json::object schema{{"type", "object"}, {"properties", {{"a", {{"type", "integer"}}}}}};
  auto o = tool_json(tool_with_output(schema), "2025-06-18");
  EXPECT_EQ(o.at("outputSchema"), json::value(schema));
}

TEST(server_shaping, tool_json_always_has_name_and_input_schema) {
  mcpxx::tool_definition t;
  t.name = "n";
  auto o = tool_json(t, "2024-11-05");
  EXPECT_EQ(o, (json::object{{"name", "n"}, {"inputSchema", {{"type", "object"}}}}));
}

// ---- content downgrades ---------------------------------------------------------

TEST(server_shaping, resource_link_becomes_text_naming_it_on_2025_03_26) {
  json::array blocks{mcpxx::content::resource_link("file:///a.txt", "a.txt", "text/plain")};
  downgrade_content(blocks, "2025-03-26");
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].at("type"), json::value("text"));
  auto text = std::string(blocks[0].at("text").as_string());
  EXPECT_NE(text.find("a.txt"), std::string::npos);
  EXPECT_NE(text.find("file:///a.txt"), std::string::npos);
}

TEST(server_shaping, resource_link_is_kept_on_2025_06_18) {
  auto link = mcpxx::content::resource_link("file:///a.txt", "a.txt");
  json::array blocks{link};
  downgrade_content(blocks, "2025-06-18");
  EXPECT_EQ(blocks[0], json::value(link));
}

TEST(server_shaping, audio_becomes_text_naming_its_type_on_2024_11_05) {
  json::array blocks{mcpxx::content::audio("AAAA", "audio/wav")};
  downgrade_content(blocks, "2024-11-05");
  EXPECT_EQ(blocks[0].at("type"), json::value("text"));
  EXPECT_NE(std::string(blocks[0].at("text").as_string()).find("audio/wav"), std::string::npos);
}

TEST(server_shaping, audio_is_kept_on_2025_03_26) {
  auto audio = mcpxx::content::audio("AAAA", "audio/wav");
  json::array blocks{audio};
  downgrade_content(blocks, "2025-03-26");
  EXPECT_EQ(blocks[0], json::value(audio));
}

TEST(server_shaping, text_image_and_embedded_blocks_are_never_downgraded) {
  json::array blocks{mcpxx::content::text("t"), mcpxx::content::image("AAAA", "image/png"),
                     mcpxx::content::embedded_text("mem://x", "x")};
  json::array before = blocks;
  downgrade_content(blocks, "2024-11-05");
  EXPECT_EQ(blocks, before);
}

TEST(server_shaping, tool_result_content_is_downgraded_for_the_revision) {
  mcpxx::tool_result r;
  r.content.push_back(mcpxx::content::resource_link("file:///a", "a"));
  r.content.push_back(mcpxx::content::text("after"));
  auto out = tool_result_json(r, "2024-11-05");
  EXPECT_EQ(out.at("content").at(0).at("type"), json::value("text"));
  EXPECT_EQ(out.at("content").at(1).at("text"), json::value("after"));
}

// ---- title / icons / annotations / _meta on tool definitions ------------------------

mcpxx::tool_definition decorated_tool() {
  mcpxx::tool_definition t;
  t.name = "deco";
  t.title = "Decorated";
  t.description = "d";
  t.icons = {json::object{{"src", "https://example.com/i.png"}}};
  t.annotations = {{"readOnlyHint", true}};
  t.meta = {{"example.com/x", 1}};
  return t;
}

TEST(server_shaping, tool_title_is_omitted_before_2025_06_18) {
  EXPECT_FALSE(tool_json(decorated_tool(), "2025-03-26").contains("title"));
  EXPECT_EQ(tool_json(decorated_tool(), "2025-06-18").at("title"), json::value("Decorated"));
}

TEST(server_shaping, tool_icons_are_omitted_before_2025_11_25) {
  EXPECT_FALSE(tool_json(decorated_tool(), "2025-06-18").contains("icons"));
  EXPECT_TRUE(tool_json(decorated_tool(), "2025-11-25").contains("icons"));
  EXPECT_TRUE(tool_json(decorated_tool(), "2026-07-28").contains("icons"));
}

TEST(server_shaping, tool_annotations_are_omitted_on_2024_11_05) {
  EXPECT_FALSE(tool_json(decorated_tool(), "2024-11-05").contains("annotations"));
  EXPECT_EQ(tool_json(decorated_tool(), "2025-03-26").at("annotations"),
            (json::value{{"readOnlyHint", true}}));
}

TEST(server_shaping, tool_meta_is_omitted_before_2025_06_18) {
  EXPECT_FALSE(tool_json(decorated_tool(), "2025-03-26").contains("_meta"));
  EXPECT_TRUE(tool_json(decorated_tool(), "2025-06-18").contains("_meta"));
}

TEST(server_shaping, tool_description_is_kept_on_every_revision) {
  EXPECT_EQ(tool_json(decorated_tool(), "2024-11-05").at("description"), json::value("d"));
}

}  // namespace
