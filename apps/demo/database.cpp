#include "database.hpp"

#include <memory>
#include <stdexcept>

namespace demo {

namespace json = boost::json;

namespace {

struct stmt_deleter {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, stmt_deleter>;

statement prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("database error: ") + sqlite3_errmsg(db));
  return statement(s);
}

std::string text_column(sqlite3_stmt* s, int i) {
  auto* p = sqlite3_column_text(s, i);
  return p ? reinterpret_cast<const char*>(p) : "";
}

}  // namespace

database::database(const std::filesystem::path& file) : file_(file) {
  // Serialized mode: one connection shared by the worker threads.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(file.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open database " + file.string() + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec(R"(CREATE TABLE IF NOT EXISTS users (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL);
          CREATE TABLE IF NOT EXISTS products (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,
            price REAL NOT NULL);
          CREATE TABLE IF NOT EXISTS orders (
            id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
            product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL,
            created_at TEXT NOT NULL))");
  seed_if_empty();
}

database::~database() {
  sqlite3_close(db_);
}

void database::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("database error: " + msg);
  }
}

void database::seed_if_empty() {
  auto count = prepare(db_, "SELECT COUNT(*) FROM users");
  if (sqlite3_step(count.get()) == SQLITE_ROW && sqlite3_column_int(count.get(), 0) > 0) return;

  static const char* first[] = {"Alice",  "Bob",    "Carol",  "Dave",  "Erin",    "Frank",
                                "Grace",  "Heidi",  "Ivan",   "Judy",  "Mallory", "Niaj",
                                "Olivia", "Peggy",  "Rupert", "Sybil", "Trent",   "Uma",
                                "Victor", "Walter", "Xena",   "Yusuf", "Zoe",     "Quinn"};
  exec("BEGIN");
  auto add_user = prepare(db_, "INSERT INTO users(name, email, created_at) VALUES (?, ?, ?)");
  int day = 1;
  for (const char* name : first) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string email = lower + "@example.com";
    std::string created = "2026-01-" + std::string(day < 10 ? "0" : "") + std::to_string(day);
    sqlite3_bind_text(add_user.get(), 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(add_user.get(), 2, email.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(add_user.get(), 3, created.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(add_user.get());
    sqlite3_reset(add_user.get());
    ++day;
  }
  struct product {
    const char* name;
    const char* category;
    double price;
  };
  static const product products[] = {{"Laptop Pro 14", "electronics", 1899.0},
                                     {"Laptop Air 13", "electronics", 1199.0},
                                     {"Wireless Mouse", "electronics", 29.9},
                                     {"Mechanical Keyboard", "electronics", 119.0},
                                     {"4K Monitor", "electronics", 449.0},
                                     {"Standing Desk", "furniture", 599.0},
                                     {"Office Chair", "furniture", 329.0},
                                     {"Desk Lamp", "furniture", 49.5},
                                     {"C++ Primer", "books", 54.0},
                                     {"Designing Data-Intensive Applications", "books", 45.0},
                                     {"Coffee Beans 1kg", "grocery", 24.0},
                                     {"Green Tea", "grocery", 9.5}};
  auto add_product = prepare(db_, "INSERT INTO products(name, category, price) VALUES (?, ?, ?)");
  for (auto& p : products) {
    sqlite3_bind_text(add_product.get(), 1, p.name, -1, SQLITE_STATIC);
    sqlite3_bind_text(add_product.get(), 2, p.category, -1, SQLITE_STATIC);
    sqlite3_bind_double(add_product.get(), 3, p.price);
    sqlite3_step(add_product.get());
    sqlite3_reset(add_product.get());
  }
  auto add_order = prepare(
      db_, "INSERT INTO orders(user_id, product_id, quantity, created_at) VALUES (?, ?, ?, ?)");
  for (int u = 1; u <= 24; ++u) {
    for (int k = 0; k < u % 4; ++k) {
      sqlite3_bind_int(add_order.get(), 1, u);
      sqlite3_bind_int(add_order.get(), 2, 1 + (u * 7 + k * 3) % 12);
      sqlite3_bind_int(add_order.get(), 3, 1 + k);
      sqlite3_bind_text(add_order.get(), 4, "2026-02-01", -1, SQLITE_STATIC);
      sqlite3_step(add_order.get());
      sqlite3_reset(add_order.get());
    }
  }
  exec("COMMIT");
}

json::array database::users(int limit) {
  auto s = prepare(db_, "SELECT id, name, email, created_at FROM users ORDER BY id LIMIT ?");
  sqlite3_bind_int(s.get(), 1, limit);
  json::array out;
  while (sqlite3_step(s.get()) == SQLITE_ROW)
    out.push_back(json::object{{"id", sqlite3_column_int64(s.get(), 0)},
                               {"name", text_column(s.get(), 1)},
                               {"email", text_column(s.get(), 2)},
                               {"created_at", text_column(s.get(), 3)}});
  return out;
}

json::array database::search_products(const std::string& query,
                                      const std::optional<std::string>& category) {
  auto s = prepare(db_,
                   "SELECT id, name, category, price FROM products "
                   "WHERE name LIKE '%' || ? || '%' ESCAPE '\\' AND (? IS NULL OR category = ?) "
                   "ORDER BY id");
  // LIKE wildcards in the user's query are literal characters.
  std::string escaped;
  for (char c : query) {
    if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  sqlite3_bind_text(s.get(), 1, escaped.c_str(), -1, SQLITE_TRANSIENT);
  if (category) {
    sqlite3_bind_text(s.get(), 2, category->c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s.get(), 3, category->c_str(), -1, SQLITE_TRANSIENT);
  }
  json::array out;
  while (sqlite3_step(s.get()) == SQLITE_ROW)
    out.push_back(json::object{{"id", sqlite3_column_int64(s.get(), 0)},
                               {"name", text_column(s.get(), 1)},
                               {"category", text_column(s.get(), 2)},
                               {"price", sqlite3_column_double(s.get(), 3)}});
  return out;
}

std::optional<json::object> database::user(std::int64_t id) {
  auto s = prepare(db_, "SELECT id, name, email, created_at FROM users WHERE id = ?");
  sqlite3_bind_int64(s.get(), 1, id);
  if (sqlite3_step(s.get()) != SQLITE_ROW) return std::nullopt;
  return json::object{{"id", sqlite3_column_int64(s.get(), 0)},
                      {"name", text_column(s.get(), 1)},
                      {"email", text_column(s.get(), 2)},
                      {"created_at", text_column(s.get(), 3)}};
}

json::array database::orders_of(std::int64_t user_id) {
  auto s = prepare(db_,
                   "SELECT o.id, p.name, o.quantity, p.price * o.quantity, o.created_at "
                   "FROM orders o JOIN products p ON p.id = o.product_id WHERE o.user_id = ? "
                   "ORDER BY o.id");
  sqlite3_bind_int64(s.get(), 1, user_id);
  json::array out;
  while (sqlite3_step(s.get()) == SQLITE_ROW)
    out.push_back(json::object{{"id", sqlite3_column_int64(s.get(), 0)},
                               {"product", text_column(s.get(), 1)},
                               {"quantity", sqlite3_column_int64(s.get(), 2)},
                               {"total", sqlite3_column_double(s.get(), 3)},
                               {"created_at", text_column(s.get(), 4)}});
  return out;
}

std::int64_t database::add_product(const std::string& name, const std::string& category,
                                   double price) {
  auto s = prepare(db_, "INSERT INTO products(name, category, price) VALUES (?, ?, ?)");
  sqlite3_bind_text(s.get(), 1, name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.get(), 2, category.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(s.get(), 3, price);
  if (sqlite3_step(s.get()) != SQLITE_DONE)
    throw std::runtime_error(std::string("database error: ") + sqlite3_errmsg(db_));
  return sqlite3_last_insert_rowid(db_);
}

std::optional<json::object> database::product(std::int64_t id) {
  auto s = prepare(db_, "SELECT id, name, category, price FROM products WHERE id = ?");
  sqlite3_bind_int64(s.get(), 1, id);
  if (sqlite3_step(s.get()) != SQLITE_ROW) return std::nullopt;
  return json::object{{"id", sqlite3_column_int64(s.get(), 0)},
                      {"name", text_column(s.get(), 1)},
                      {"category", text_column(s.get(), 2)},
                      {"price", sqlite3_column_double(s.get(), 3)}};
}

bool database::delete_product(std::int64_t id) {
  exec("BEGIN");
  try {
    auto orders = prepare(db_, "DELETE FROM orders WHERE product_id = ?");
    sqlite3_bind_int64(orders.get(), 1, id);
    sqlite3_step(orders.get());
    auto s = prepare(db_, "DELETE FROM products WHERE id = ?");
    sqlite3_bind_int64(s.get(), 1, id);
    sqlite3_step(s.get());
    bool deleted = sqlite3_changes(db_) > 0;
    exec("COMMIT");
    return deleted;
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

json::object database::describe() {
  json::object tables;
  for (const char* t : {"users", "products", "orders"}) {
    auto s = prepare(db_, (std::string("SELECT COUNT(*) FROM ") + t).c_str());
    sqlite3_step(s.get());
    tables[t] = sqlite3_column_int64(s.get(), 0);
  }
  return json::object{{"engine", "sqlite"},
                      {"version", sqlite3_libversion()},
                      {"file", file_.filename().string()},
                      {"tables", std::move(tables)}};
}

}  // namespace demo
