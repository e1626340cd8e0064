// RESP2 on the wire: reply parsing comes from hiredis (redisReader, building our values
// through its reply-object callbacks), command formatting is ours (a RESP array of bulk
// strings; hiredis's formatter was measured too slow, resp.cpp). Nothing above this file
// names a hiredis type.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace mcpxx::store::redis {

// One command, held as its RESP encoding from the start: each argument is copied once,
// straight into the bytes that go on the wire (a vector of std::string cost an allocation
// per argument, and a copy again when formatted). Built from a braced list of strings, or
// by make_command() from strings and integers.
class command {
 public:
  command() = default;
  command(std::initializer_list<std::string_view> args) {
    std::size_t bytes = 0;
    for (auto a : args) bytes += a.size();
    reserve(args.size(), bytes);
    for (auto a : args) append(a);
  }

  command& append(std::string_view arg);
  command& append(long long n);                  // as decimal text
  command& append_encoded(const command& more);  // more's arguments after ours
  // Room for `arguments` arguments of `bytes` bytes in all: appending them allocates once.
  void reserve(std::size_t arguments, std::size_t bytes) { args_.reserve(arguments * 16 + bytes); }

  std::size_t size() const noexcept { return argc_; }
  bool empty() const noexcept { return argc_ == 0; }
  // The first argument: the command's name.
  std::string_view name() const noexcept;
  // Every argument, decoded (tests, diagnostics).
  std::vector<std::string_view> args() const;
  // This command with its first n arguments replaced by `head` (EVALSHA sha -> EVAL text).
  command with_head(std::size_t n, std::initializer_list<std::string_view> head) const;
  // "$<len>\r\n<arg>\r\n" for each argument: the array's body.
  const std::string& encoded_args() const noexcept { return args_; }

 private:
  std::string args_;
  std::size_t argc_ = 0;
};

namespace resp_args {
inline void add_argument(command& c, std::string_view arg) {
  c.append(arg);
}
template <class Int>
requires std::is_integral_v<Int>
void add_argument(command& c, Int n) {
  c.append(static_cast<long long>(n));
}
inline std::size_t size_of(std::string_view arg) {
  return arg.size();
}
template <class Int>
requires std::is_integral_v<Int> std::size_t size_of(Int) {
  return 20;
}
}  // namespace resp_args

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

// A command from strings (anything a std::string_view takes) and integers.
template <class... Args>
command make_command(const Args&... args) {
  command c;
  c.reserve(sizeof...(args), (resp_args::size_of(args) + ... + 0));
  (resp_args::add_argument(c, args), ...);
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
