#include "logs.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

namespace demo {

log_files::log_files(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
}

bool log_files::valid_date(std::string_view d) noexcept {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (d[i] - '0');
    return v;
  };
  using namespace std::chrono;
  year_month_day ymd{year{num(0, 4)}, month{static_cast<unsigned>(num(5, 2))},
                     day{static_cast<unsigned>(num(8, 2))}};
  return ymd.ok();
}

std::optional<std::string> log_files::read(std::string_view date) const {
  std::ifstream in(dir_ / (std::string(date) + ".log"), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string log_files::today() {
  using namespace std::chrono;
  year_month_day ymd{floor<days>(system_clock::now())};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

void log_files::seed_today() const {
  auto file = dir_ / (today() + ".log");
  if (std::filesystem::exists(file)) return;
  std::ofstream out(file);
  out << today() << "T08:00:00Z INFO  database opened\n"
      << today() << "T08:00:01Z INFO  seeded users, products and orders\n"
      << today() << "T09:12:44Z WARN  slow query: search_products took 120 ms\n"
      << today() << "T10:30:02Z ERROR payment gateway timeout for order 17\n";
}

}  // namespace demo
