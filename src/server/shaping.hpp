// Fitting results to the revision the client speaks: older revisions lack some
// content types and require structuredContent to be an object.
#pragma once

#include <mcpxx/server/definitions.hpp>

#include <boost/json/object.hpp>

#include <string_view>

namespace mcpxx::shaping {

// A CallToolResult for `version`. Pass the tool so structuredContent is wrapped
// exactly when tool_json wraps its outputSchema.
boost::json::object tool_result_json(tool_result result, std::string_view version,
                                     const tool_definition* tool = nullptr);
// Content blocks (tool results, prompt messages) for `version`.
void downgrade_content(boost::json::array& blocks, std::string_view version);
// A tools/list entry for `version`.
boost::json::object tool_json(const tool_definition& tool, std::string_view version);

}  // namespace mcpxx::shaping
