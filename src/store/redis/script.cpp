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
  evalsha[0] = "EVAL";
  evalsha[1] = std::string(script.text);
  co_return co_await c.exec1(key, std::move(evalsha));
}

asio::awaitable<reply> run_script(client& c, const lua_script& script, std::string_view key,
                                  std::vector<std::string> args) {
  command cmd{"EVALSHA", script.sha, "1", std::string(key)};
  cmd.insert(cmd.end(), args.begin(), args.end());
  auto r = co_await c.exec1(key, cmd);
  if (is_noscript(r)) r = co_await eval_instead(c, std::move(cmd), script, key);
  co_return r;
}

}  // namespace mcpxx::store::redis
