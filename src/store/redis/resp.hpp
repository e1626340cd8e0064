// RESP2 on the wire: reply parsing comes from hiredis (redisReader, building our values
// through its reply-object callbacks), command formatting is ours (a RESP array of bulk
// strings; hiredis's formatter was measured too slow, resp.cpp). Nothing above this file
// names a hiredis type.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpxx::store::redis {

using command = std::vector<std::string>;

struct reply {
  enum class kind : std::uint8_t { nil, string, status, integer, array, error };
  kind type = kind::nil;
  std::string str;  // string, status and error
  long long integer = 0;
  std::vector<reply> elements;

  bool is_error() const noexcept { return type == kind::error; }
  bool is_nil() const noexcept { return type == kind::nil; }
};

// A reply the protocol did not allow (corrupt stream): the connection is unusable.
class protocol_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A command built in place: literals and views are copied once, std::string arguments are
// moved (a braced list of std::string copies every argument twice).
template <class... Args>
command make_command(Args&&... args) {
  command c;
  c.reserve(sizeof...(args));
  (c.emplace_back(std::forward<Args>(args)), ...);
  return c;
}

// Appends the RESP encoding of `cmd` to `out`.
void format_command(const command& cmd, std::string& out);

// Incremental reply parser: feed bytes as they arrive, take whole replies out.
class reply_reader {
 public:
  reply_reader();
  ~reply_reader();
  reply_reader(const reply_reader&) = delete;
  reply_reader& operator=(const reply_reader&) = delete;

  void feed(std::string_view bytes);
  // The next complete reply, or nullopt when more bytes are needed. Throws
  // protocol_error on malformed input.
  std::optional<reply> next();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mcpxx::store::redis
