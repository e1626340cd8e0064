#include <mcpxx/protocol/error.hpp>
#include <mcpxx/server/content.hpp>
#include <mcpxx/server/request_state.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace mcpxx {

namespace json = boost::json;
using protocol::rpc_error;

namespace {

std::string to_base64url(std::string_view bytes) {
  std::string s = content::base64_encode(bytes);
  for (auto& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::optional<std::string> from_base64url(std::string_view s) {
  std::string b64(s);
  for (auto& c : b64) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/' || c == '=')
      return std::nullopt;
  }
  while (b64.size() % 4) b64.push_back('=');
  return content::base64_decode(b64);
}

void write_canonical(const json::value& v, std::string& out) {
  if (auto* o = v.if_object()) {
    std::vector<std::pair<std::string_view, const json::value*>> members;
    members.reserve(o->size());
    for (auto& [k, val] : *o) members.emplace_back(std::string_view(k), &val);
    std::sort(members.begin(), members.end(), [](auto& a, auto& b) { return a.first < b.first; });
    out.push_back('{');
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i) out.push_back(',');
      out += json::serialize(json::string(members[i].first));
      out.push_back(':');
      write_canonical(*members[i].second, out);
    }
    out.push_back('}');
  } else if (auto* a = v.if_array()) {
    out.push_back('[');
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (i) out.push_back(',');
      write_canonical((*a)[i], out);
    }
    out.push_back(']');
  } else {
    out += json::serialize(v);
  }
}

rpc_error invalid(std::string_view why) {
  return rpc_error(protocol::code::invalid_params, "Invalid requestState: " + std::string(why));
}

}  // namespace

std::string canonical_json(const json::value& v) {
  std::string out;
  write_canonical(v, out);
  return out;
}

std::string request_binding(std::string_view method, const json::object& params) {
  json::object id{{"method", method}};
  for (auto key : {"name", "uri", "arguments"})
    if (auto* v = params.if_contains(key)) id[key] = *v;
  std::string canonical = canonical_json(id);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest);
  return to_base64url(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

request_state_codec::request_state_codec(std::string key, std::chrono::seconds lifetime)
    : key_(std::move(key)), lifetime_(lifetime) {
  if (key_.empty()) {
    key_.resize(32);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), 32) != 1)
      throw std::runtime_error("RAND_bytes failed");
  }
}

std::string request_state_codec::mac(std::string_view data) const {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return to_base64url(std::string_view(reinterpret_cast<char*>(out), len));
}

std::string request_state_codec::seal(const sealed_state& contents, std::string_view principal,
                                      std::string_view binding, clock::time_point now) const {
  unsigned char nonce[12];
  RAND_bytes(nonce, sizeof nonce);
  auto expires =
      std::chrono::duration_cast<std::chrono::milliseconds>((now + lifetime_).time_since_epoch())
          .count();
  json::object payload{{"v", 1},
                       {"exp", expires},
                       {"p", principal},
                       {"b", binding},
                       {"n", to_base64url(std::string_view(reinterpret_cast<char*>(nonce), 12))},
                       {"a", contents.answers},
                       {"s", contents.state}};
  std::string body = to_base64url(json::serialize(payload));
  return body + "." + mac(body);
}

sealed_state request_state_codec::open(std::string_view token, std::string_view principal,
                                       std::string_view binding, clock::time_point now) const {
  auto dot = token.find('.');
  if (dot == std::string_view::npos) throw invalid("malformed");
  std::string_view body = token.substr(0, dot);
  std::string expected = mac(body);
  std::string_view given = token.substr(dot + 1);
  if (given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0)
    throw invalid("signature mismatch (tampered or from another server)");

  auto raw = from_base64url(body);
  if (!raw) throw invalid("malformed");
  json::error_code ec;
  json::value v = json::parse(*raw, ec);
  auto* p = ec ? nullptr : v.if_object();
  if (!p) throw invalid("malformed");
  auto* exp = p->if_contains("exp");
  auto* who = p->if_contains("p");
  auto* bound = p->if_contains("b");
  auto* answers = p->if_contains("a");
  auto* state = p->if_contains("s");
  auto* nonce = p->if_contains("n");
  if (!nonce || !nonce->is_string() || !exp || !exp->is_int64() || !who || !who->is_string() ||
      !bound || !bound->is_string() || !answers || !answers->is_object() || !state ||
      !state->is_object())
    throw invalid("malformed");
  auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  if (exp->get_int64() < now_ms) throw invalid("expired");
  if (who->get_string() != principal) throw invalid("issued to another principal");
  if (bound->get_string() != binding) throw invalid("issued for another request");
  return {std::move(answers->get_object()), std::move(state->get_object()),
          std::string(nonce->get_string())};
}

}  // namespace mcpxx
