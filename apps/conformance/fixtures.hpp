// The fixtures the official MCP conformance suite expects of a server under test.
#pragma once

#include <mcpxx/server/server.hpp>

namespace mcpxx::conformance {

void register_fixtures(server& mcp);
// Fixtures that ask the client for input (elicitation, sampling, roots).
void register_interaction_fixtures(server& mcp);

}  // namespace mcpxx::conformance
