// mcpxx-demo: the "Database Query Server" — an MCP server over a SQLite database of
// users, products and orders, with its application logs as resources.
#include "../common/http_flags.hpp"
#include "database.hpp"
#include "logs.hpp"

#include <mcpxx/server/content.hpp>
#include <mcpxx/store/memory.hpp>
#include <mcpxx/store/unavailable.hpp>
#include <mcpxx/transport/http_server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/describe.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

#include <thread>

namespace json = boost::json;
namespace asio = boost::asio;

struct query_users_args {
  int limit = 10;
};
BOOST_DESCRIBE_STRUCT(query_users_args, (), (limit))
MCPXX_DEFAULTS(query_users_args, limit)
MCPXX_DESCRIPTIONS(query_users_args, (limit, "How many users to return (1..1000)"))

struct search_products_args {
  std::string query;
  std::optional<std::string> category;
};
BOOST_DESCRIBE_STRUCT(search_products_args, (), (query, category))
MCPXX_DESCRIPTIONS(search_products_args, (query, "Text the product name contains"),
                   (category, "Only this category (electronics, furniture, books, grocery)"))

struct user_context_args {
  std::int64_t user_id;
};
BOOST_DESCRIBE_STRUCT(user_context_args, (), (user_id))
MCPXX_DESCRIPTIONS(user_context_args, (user_id, "The user's id"))

struct import_products_args {
  int count = 5;
  std::string category = "imported";
};
BOOST_DESCRIBE_STRUCT(import_products_args, (), (count, category))
MCPXX_DEFAULTS(import_products_args, count, category)
MCPXX_DESCRIPTIONS(import_products_args, (count, "How many sample products to import (1..100)"),
                   (category, "Category of the imported products"))

struct delete_product_args {
  std::int64_t product_id;
};
BOOST_DESCRIBE_STRUCT(delete_product_args, (), (product_id))
MCPXX_DESCRIPTIONS(delete_product_args, (product_id, "The product to delete"))

namespace {

// Tools that talk back while they run: progress, and a confirmation asked of the user.
void register_interactive(mcpxx::server& mcp, demo::database& db) {
  mcp.add_tool(mcpxx::make_tool(
      {.name = "import_products",
       .title = "Import products",
       .description = "Import sample products into the catalogue, reporting progress"},
      [&db](const import_products_args& a, mcpxx::context& ctx) -> mcpxx::tool_result {
        if (a.count < 1 || a.count > 100)
          return mcpxx::tool_result::error("Invalid arguments: /count: must be between 1 and 100");
        json::array ids;
        for (int i = 1; i <= a.count; ++i) {
          if (ctx.cancelled()) return mcpxx::tool_result::error("Import cancelled");
          ids.push_back(
              db.add_product("Imported product " + std::to_string(i), a.category, 9.99 + i));
          ctx.progress(i, a.count,
                       "Imported " + std::to_string(i) + " of " + std::to_string(a.count));
          ctx.log("info",
                  json::string("imported product " + std::to_string(ids.back().as_int64())));
          // Paced like a real import from a slow upstream, so clients see it progress.
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        json::object result{{"imported", a.count}, {"product_ids", std::move(ids)}};
        return mcpxx::tool_result::structured(std::move(result));
      }));

  mcp.add_tool(mcpxx::make_tool(
      {.name = "delete_product",
       .title = "Delete product",
       .description = "Delete a product and its orders, after the user confirms",
       .annotations = {{"destructiveHint", true}, {"idempotentHint", true}}},
      [&db](const delete_product_args& a, mcpxx::context& ctx) -> mcpxx::tool_result {
        auto product = db.product(a.product_id);
        if (!product)
          return mcpxx::tool_result::error("No product with id " + std::to_string(a.product_id));
        json::object schema{
            {"type", "object"},
            {"properties",
             json::object{{"confirm", json::object{{"type", "boolean"}, {"title", "Delete it?"}}}}},
            {"required", json::array{"confirm"}}};
        auto answer =
            ctx.ask("confirm_delete",
                    mcpxx::input::elicit("Delete product \"" +
                                             std::string(product->at("name").as_string()) +
                                             "\" and its orders?",
                                         schema));
        auto* content = answer.if_contains("content");
        bool confirmed = answer.at("action") == "accept" && content && content->is_object() &&
                         content->as_object().if_contains("confirm") &&
                         content->as_object().at("confirm") == true;
        if (!confirmed) return mcpxx::tool_result::text("Not deleted: the user did not confirm");
        db.delete_product(a.product_id);
        return mcpxx::tool_result::text("Deleted product " + std::to_string(a.product_id));
      }));
}

void register_demo(mcpxx::server& mcp, demo::database& db, demo::log_files& logs,
                   mcpxx::store::cache& cache, std::chrono::milliseconds cache_ttl) {
  {
    auto tool =
        mcpxx::make_tool({.name = "query_users",
                          .title = "Query users",
                          .description = "Query users from database with configurable limit",
                          .annotations = {{"readOnlyHint", true}}},
                         [&db](const query_users_args& a) -> mcpxx::tool_result {
                           if (a.limit < 1 || a.limit > 1000)
                             return mcpxx::tool_result::error(
                                 "Invalid arguments: /limit: must be between 1 and "
                                 "1000, got " +
                                 std::to_string(a.limit));
                           json::object result{{"users", db.users(a.limit)}};
                           return mcpxx::tool_result::structured(std::move(result));
                         });
    auto& limit = tool.input_schema["properties"].as_object()["limit"].as_object();
    limit["minimum"] = 1;
    limit["maximum"] = 1000;
    mcp.add_tool(std::move(tool));
  }

  mcp.add_tool(
      mcpxx::make_tool({.name = "search_products",
                        .title = "Search products",
                        .description = "Search products by name, optionally within one category",
                        .annotations = {{"readOnlyHint", true}}},
                       [&db](const search_products_args& a) {
                         json::object result{{"products", db.search_products(a.query, a.category)}};
                         return mcpxx::tool_result::structured(std::move(result));
                       }));

  // The paper's setex pattern: the context of a user is cached for cache_ttl.
  mcp.add_tool(mcpxx::make_tool(
      {.name = "get_user_context",
       .title = "Get user context",
       .description = "A user's profile and orders (cached briefly)",
       .annotations = {{"readOnlyHint", true}}},
      [&db, &cache, &mcp,
       cache_ttl](const user_context_args& a) -> asio::awaitable<mcpxx::tool_result> {
        std::string key = "get_user_context:" + std::to_string(a.user_id);
        json::object result;
        // The cache only saves work: when its store fails, the database answers.
        std::optional<std::string> hit;
        try {
          hit = co_await cache.get(key);
        } catch (const mcpxx::store::unavailable& e) {
          spdlog::warn("get_user_context: cache not read: {}", e.what());
        }
        if (hit) {
          result = json::parse(*hit).as_object();
          result["cached"] = true;
        } else {
          // SQLite blocks: query on the worker pool, not on the I/O thread.
          auto fresh = co_await asio::co_spawn(
              mcp.workers(),
              [&]() -> asio::awaitable<std::optional<json::object>> {
                auto user = db.user(a.user_id);
                if (!user) co_return std::nullopt;
                co_return json::object{{"user", std::move(*user)},
                                       {"orders", db.orders_of(a.user_id)}};
              },
              asio::use_awaitable);
          if (!fresh)
            co_return mcpxx::tool_result::error("No user with id " + std::to_string(a.user_id));
          try {
            co_await cache.put(key, json::serialize(*fresh), cache_ttl);
          } catch (const mcpxx::store::unavailable& e) {
            spdlog::warn("get_user_context: not cached: {}", e.what());
          }
          result = std::move(*fresh);
          result["cached"] = false;
        }
        co_return mcpxx::tool_result::structured(std::move(result));
      }));

  mcp.add_resource({.uri = "config://database",
                    .name = "Database configuration",
                    .description = "Engine, file and table sizes of the demo database (no secrets)",
                    .mime_type = "application/json",
                    .read = [&db](mcpxx::context&, const std::string& uri) {
                      return mcpxx::resource_contents{mcpxx::content::text_contents(
                          uri, json::serialize(db.describe()), "application/json")};
                    }});

  mcp.add_resource_template(
      {.uri_template = "logs://application/{date}",
       .name = "Application logs",
       .description = "Application logs for one day (date as YYYY-MM-DD)",
       .mime_type = "text/plain",
       .read = [&logs](mcpxx::context&, const std::string& uri,
                       const mcpxx::uri_params& p) -> mcpxx::resource_contents {
         const std::string& date = p.at("date");
         if (!demo::log_files::valid_date(date))
           throw mcpxx::invalid_params("Invalid date \"" + date + "\": expected YYYY-MM-DD");
         auto text = logs.read(date);
         if (!text) throw mcpxx::resource_not_found(uri);
         return {mcpxx::content::text_contents(uri, *text, "text/plain")};
       }});

  mcp.add_prompt(
      {.name = "user_report",
       .title = "User report",
       .description = "Ask the model for a report on the users and their orders",
       .arguments = {{.name = "focus", .description = "What the report should focus on"}},
       .get = [](mcpxx::context&, const mcpxx::prompt_arguments& args) {
         std::string text =
             "Use the query_users and get_user_context tools to write a short report on our "
             "users and their orders.";
         if (auto it = args.find("focus"); it != args.end() && !it->second.empty())
           text += " Focus on: " + it->second + ".";
         return mcpxx::prompt_result{"A report on users",
                                     {mcpxx::prompt_message("user", mcpxx::content::text(text))}};
       }});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mcpxx-demo: the Database Query Server (MCP over Streamable HTTP)"};
  mcpxx::apps::http_flags flags;
  std::string data_dir = "data";
  std::string log_dir;
  std::size_t workers = 0;
  std::int64_t cache_ttl_ms = 60000;
  flags.add_to(app);
  app.add_option("--data-dir", data_dir, "Where the SQLite database lives")
      ->envname("MCPXX_DATA_DIR")
      ->capture_default_str();
  app.add_option("--log-dir", log_dir, "Application log files (default: <data dir>/logs)")
      ->envname("MCPXX_LOG_DIR");
  app.add_option("--workers", workers, "Threads for blocking tool handlers (0 = one per core)")
      ->envname("MCPXX_WORKERS")
      ->capture_default_str();
  app.add_option("--cache-ttl-ms", cache_ttl_ms, "How long get_user_context results are cached")
      ->envname("MCPXX_CACHE_TTL_MS")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  flags.setup_logging();

  try {
    std::filesystem::create_directories(data_dir);
    demo::database db(std::filesystem::path(data_dir) / "demo.sqlite");
    demo::log_files logs(log_dir.empty() ? std::filesystem::path(data_dir) / "logs"
                                         : std::filesystem::path(log_dir));
    logs.seed_today();
    auto rt = flags.make_runtime();

    mcpxx::server mcp({.name = "Database Query Server",
                       .version = "0.1.0",
                       .instructions = "Query users and products of the demo database; read "
                                       "application logs by date.",
                       .worker_threads = workers,
                       .state_key = flags.state_key});
    register_demo(mcp, db, logs, *rt->stores.results, std::chrono::milliseconds(cache_ttl_ms));
    register_interactive(mcp, db);
    flags.serve(mcp, *rt);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
