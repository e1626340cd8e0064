#include "server/shaping.hpp"

#include <mcpxx/protocol/version.hpp>
#include <mcpxx/server/content.hpp>

#include <boost/json/serialize.hpp>

namespace mcpxx::shaping {

namespace json = boost::json;

namespace {

// A revision without the block's type gets a text block saying what it was, so the
// model still learns that the tool produced it.
void downgrade_block(json::value& block, const protocol::revision_features& f) {
  auto* obj = block.if_object();
  if (!obj) return;
  auto* type = obj->if_contains("type");
  if (!type || !type->is_string()) return;
  std::string_view t = type->get_string();
  if (t == "resource_link" && !f.resource_links) {
    std::string text = "Resource: ";
    if (auto* n = obj->if_contains("name"); n && n->is_string())
      text += std::string(n->get_string()) + " ";
    if (auto* u = obj->if_contains("uri"); u && u->is_string())
      text += "<" + std::string(u->get_string()) + ">";
    block = content::text(text);
  } else if (t == "audio" && !f.audio_content) {
    std::string mime = "audio";
    if (auto* m = obj->if_contains("mimeType"); m && m->is_string()) mime = m->get_string();
    block = content::text("[" + mime + " content omitted: not supported by protocol revision]");
  }
}

// Revisions before 2026-07-28 need structuredContent to be an object. With an output
// schema the schema decides (so the listed schema and the value always agree); without
// one, the value does.
bool wraps_structured(const tool_definition* tool, const json::value& value) {
  if (tool && tool->output_schema) {
    auto* type = tool->output_schema->if_contains("type");
    return !(type && type->is_string() && type->get_string() == "object");
  }
  return !value.is_object();
}

}  // namespace

void downgrade_content(json::array& blocks, std::string_view version) {
  auto f = protocol::features_of(version);
  if (f.resource_links && f.audio_content) return;
  for (auto& b : blocks) downgrade_block(b, f);
}

json::object tool_result_json(tool_result r, std::string_view version,
                              const tool_definition* tool) {
  auto f = protocol::features_of(version);
  downgrade_content(r.content, version);
  json::object out;
  out["content"] = std::move(r.content);
  if (r.structured_content && version >= "2025-06-18") {
    if (f.structured_content_any_json || !wraps_structured(tool, *r.structured_content))
      out["structuredContent"] = std::move(*r.structured_content);
    else
      out["structuredContent"] = json::object{{"result", std::move(*r.structured_content)}};
  }
  if (r.is_error) out["isError"] = true;
  if (!r.meta.empty()) out["_meta"] = std::move(r.meta);
  return out;
}

json::object tool_json(const tool_definition& t, std::string_view version) {
  auto f = protocol::features_of(version);
  json::object o;
  o["name"] = t.name;
  if (!t.title.empty() && version >= "2025-06-18") o["title"] = t.title;
  if (!t.description.empty()) o["description"] = t.description;
  o["inputSchema"] = t.input_schema;
  if (t.output_schema && version >= "2025-06-18") {
    if (f.structured_content_any_json || !wraps_structured(&t, nullptr))
      o["outputSchema"] = *t.output_schema;
    else  // the same wrapping tool_result_json applies to the value
      o["outputSchema"] = json::object{{"type", "object"},
                                       {"properties", json::object{{"result", *t.output_schema}}},
                                       {"required", json::array{"result"}}};
  }
  if (!t.annotations.empty() && version >= "2025-03-26") o["annotations"] = t.annotations;
  if (!t.icons.empty() && f.icons) o["icons"] = t.icons;
  if (!t.meta.empty() && version >= "2025-06-18") o["_meta"] = t.meta;
  return o;
}

}  // namespace mcpxx::shaping
