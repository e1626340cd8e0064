#include "script.hpp"

#include <openssl/sha.h>

#include <cstdio>

namespace mcpxx::store::redis {

namespace asio = boost::asio;

namespace {

std::string sha1_hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex(2 * SHA_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i)
    std::snprintf(hex.data() + 2 * i, 3, "%02x", digest[i]);
  return hex;
}

}  // namespace

lua_script::lua_script(std::string_view t) : text(t), sha(sha1_hex(t)) {}

bool is_noscript(const reply& r) noexcept {
  return r.is_error() && r.str.rfind("NOSCRIPT", 0) == 0;
}

asio::awaitable<reply> eval_instead(client& c, command evalsha, const lua_script& script,
                                    std::string_view key) {
  auto eval = evalsha.with_head(2, {"EVAL", script.text});
  co_return co_await c.exec1(key, std::move(eval));
}

asio::awaitable<reply> run_script(client& c, const lua_script& script, std::string_view key,
                                  command args) {
  // Built again on NOSCRIPT rather than copied for every call (event appends carry their
  // payload here), like the session store's commands.
  auto evalsha = [&] {
    auto cmd = make_command("EVALSHA", script.sha, "1", key);
    cmd.append_encoded(args);
    return cmd;
  };
  auto first = evalsha();
  auto r = co_await c.exec1(key, std::move(first));
  if (is_noscript(r)) {
    auto again = evalsha();
    r = co_await eval_instead(c, std::move(again), script, key);
  }
  co_return r;
}

}  // namespace mcpxx::store::redis
