// mcpxx-conformance: the fixture server of the official MCP conformance suite.
#include "../common/http_flags.hpp"
#include "fixtures.hpp"

#include <mcpxx/transport/http_server.hpp>

#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
  CLI::App app{"mcpxx-conformance: MCP server exposing the conformance suite's fixtures"};
  mcpxx::apps::http_flags flags;
  flags.http.port = 3000;
  flags.add_to(app);
  CLI11_PARSE(app, argc, argv);
  flags.setup_logging();

  try {
    // The runtime (event loop, stores) first: the server may hold its stores until it goes.
    auto rt = flags.make_runtime();
    mcpxx::server mcp(
        {.name = "mcpxx-conformance", .version = "0.1.0", .state_key = flags.state_key});
    mcpxx::conformance::register_fixtures(mcp);
    flags.serve(mcp, *rt);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
