// An HTTP server lends its stores and change listeners to the MCP server only while it
// lives: the MCP server may outlive it (and the event loop its stores were built on).
#include <mcpxx/server/server.hpp>
#include <mcpxx/store/memory.hpp>
#include <mcpxx/transport/http_server.hpp>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

namespace {

mcpxx::tool_definition a_tool(std::string name) {
  mcpxx::tool_definition t;
  t.name = std::move(name);
  t.description = "a tool";
  t.handler = [](mcpxx::context&, const boost::json::object&) {
    return mcpxx::tool_result::text("ok");
  };
  return t;
}

TEST(http_server_lifetime, StoresAndListenersAreGivenBackWhenItGoes) {
  mcpxx::server mcp({.name = "t", .version = "1"});
  auto* own_nonces = &mcp.nonces();
  auto* own_cache = &mcp.result_cache();
  {
    boost::asio::io_context io;
    mcpxx::store::backend stores;
    stores.nonces = std::make_shared<mcpxx::store::memory_nonce_store>();
    stores.results = std::make_shared<mcpxx::store::memory_cache>();
    mcpxx::http_options options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    mcpxx::http_server http(mcp, options, stores, io);
    EXPECT_EQ(&mcp.nonces(), stores.nonces.get());
    EXPECT_EQ(&mcp.result_cache(), stores.results.get());
  }
  EXPECT_EQ(&mcp.nonces(), own_nonces);
  EXPECT_EQ(&mcp.result_cache(), own_cache);
  // The HTTP server's change listeners are gone with it (ASan would see them run on freed
  // memory).
  mcp.add_tool(a_tool("late"));
  mcp.notify_resource_updated("file:///late");
}

TEST(http_server_lifetime, RemovedListenersAreNotCalled) {
  mcpxx::server mcp({.name = "t", .version = "1"});
  int first = 0, second = 0;
  auto a = mcp.on_list_changed([&](std::string_view) { ++first; });
  mcp.on_list_changed([&](std::string_view) { ++second; });
  auto r = mcp.on_resource_updated([&](std::string_view) { ++first; });
  EXPECT_NE(a, r);
  mcp.add_tool(a_tool("one"));
  EXPECT_EQ(first, 1);
  mcp.remove_listener(a);
  mcp.remove_listener(r);
  mcp.add_tool(a_tool("two"));
  mcp.notify_resource_updated("file:///x");
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 2);
}

}  // namespace
