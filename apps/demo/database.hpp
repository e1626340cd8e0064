// The demo's SQLite database: users, products and orders, created and seeded on
// first start.
#pragma once

#include <sqlite3.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace demo {

class database {
 public:
  explicit database(const std::filesystem::path& file);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  boost::json::array users(int limit);
  boost::json::array search_products(const std::string& query,
                                     const std::optional<std::string>& category);
  std::optional<boost::json::object> user(std::int64_t id);
  boost::json::array orders_of(std::int64_t user_id);
  // Inserts one product; returns its id.
  std::int64_t add_product(const std::string& name, const std::string& category, double price);
  std::optional<boost::json::object> product(std::int64_t id);
  // Deletes a product and its orders; false when there was none.
  bool delete_product(std::int64_t id);
  // Table names and row counts: what config://database shows besides the engine.
  boost::json::object describe();
  const std::filesystem::path& file() const noexcept { return file_; }

 private:
  void exec(const char* sql);
  void seed_if_empty();

  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
};

}  // namespace demo
