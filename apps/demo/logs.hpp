// Application logs served as logs://application/{date}: one file per day,
// <log dir>/<YYYY-MM-DD>.log.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace demo {

class log_files {
 public:
  explicit log_files(std::filesystem::path dir);

  // True for a real calendar date written YYYY-MM-DD, the only names we open: a
  // client-supplied date can never name another path.
  static bool valid_date(std::string_view date) noexcept;
  // The day's log, nullopt when there is none. Precondition: valid_date(date).
  std::optional<std::string> read(std::string_view date) const;
  // Writes a few lines for today when its file does not exist, so the demo has
  // something to show on first start.
  void seed_today() const;
  static std::string today();

 private:
  std::filesystem::path dir_;
};

}  // namespace demo
