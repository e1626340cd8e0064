#include "transport/http/header_rules.hpp"

#include <mcpxx/server/content.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace mcpxx::http_rules {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "host", "host:port", "[v6]:port" -> host part; "" when what follows is not a port.
std::string_view host_part(std::string_view h) noexcept {
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    if (close == std::string_view::npos) return {};
    std::string_view rest = h.substr(close + 1);
    if (!rest.empty() && !(rest.front() == ':' && all_digits(rest.substr(1)))) return {};
    return h.substr(0, close + 1);
  }
  auto colon = h.find(':');
  if (colon == std::string_view::npos) return h;
  if (!all_digits(h.substr(colon + 1))) return {};
  return h.substr(0, colon);
}

bool is_loopback_name(std::string_view host) noexcept {
  return iequals(host, "localhost") || host == "127.0.0.1" || host == "[::1]";
}

bool listed(std::string_view value, const std::vector<std::string>& allowed) {
  for (auto& a : allowed)
    if (a == "*" || iequals(a, value) || iequals(a, host_part(value))) return true;
  return false;
}

// True when the parameters (";a=b;q=0") carry q=0: "not acceptable" (RFC 9110 12.4.2).
bool zero_quality(std::string_view params) {
  while (!params.empty()) {
    params.remove_prefix(1);  // ';'
    auto next = params.find(';');
    std::string_view p = trim(params.substr(0, next));
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      std::string value(trim(p.substr(2)));
      char* end = nullptr;
      double q = std::strtod(value.c_str(), &end);
      return end != value.c_str() && q == 0.0;
    }
    if (next == std::string_view::npos) break;
    params.remove_prefix(next);
  }
  return false;
}

// Media ranges of an Accept header, without parameters, lower-cased.
std::vector<std::string> media_ranges(std::string_view accept) {
  std::vector<std::string> out;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    auto params = item.find(';');
    bool refused = params != std::string_view::npos && zero_quality(item.substr(params));
    item = trim(item.substr(0, params));
    if (refused) {
      if (comma == std::string_view::npos) break;
      accept.remove_prefix(comma + 1);
      continue;
    }
    std::string lower(item);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!lower.empty()) out.push_back(std::move(lower));
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return out;
}

bool accepts(const std::vector<std::string>& ranges, std::string_view type) {
  auto slash = type.find('/');
  std::string family = std::string(type.substr(0, slash)) + "/*";
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](auto& r) { return r == type || r == "*/*" || r == family; });
}

}  // namespace

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_loopback_address(std::string_view bind_host) noexcept {
  return bind_host == "127.0.0.1" || bind_host == "::1" || bind_host == "localhost" ||
         bind_host.starts_with("127.");
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allowed,
                  bool bound_to_loopback) {
  host = trim(host);
  if (!allowed.empty()) return listed(host, allowed);
  if (!bound_to_loopback) return true;
  return is_loopback_name(host_part(host));
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed) {
  origin = trim(origin);
  if (origin.empty()) return true;
  if (!allowed.empty()) {
    for (auto& a : allowed)
      if (a == "*" || iequals(a, origin)) return true;
    return false;
  }
  // Default: loopback origins only (a page on another site must not reach a local server).
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = origin.substr(0, scheme_end);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return false;
  std::string_view rest = origin.substr(scheme_end + 3);
  if (rest.find('/') != std::string_view::npos) return false;
  return is_loopback_name(host_part(rest));
}

bool accepts_json_and_sse(std::string_view accept) noexcept {
  auto ranges = media_ranges(accept);
  return accepts(ranges, "application/json") && accepts(ranges, "text/event-stream");
}

bool accepts_sse(std::string_view accept) noexcept {
  return accepts(media_ranges(accept), "text/event-stream");
}

bool is_json_content_type(std::string_view ct) noexcept {
  ct = trim(ct.substr(0, ct.find(';')));
  return iequals(ct, "application/json");
}

std::optional<std::string> decode_header_value(std::string_view raw) {
  raw = trim(raw);
  constexpr std::string_view open = "=?base64?", close = "?=";
  if (raw.size() >= open.size() + close.size() && raw.starts_with(open) && raw.ends_with(close)) {
    return content::base64_decode(raw.substr(open.size(), raw.size() - open.size() - close.size()));
  }
  return std::string(raw);
}

std::optional<std::string> expected_mcp_name(std::string_view method,
                                             const boost::json::object& params) {
  const char* key = nullptr;
  if (method == "tools/call" || method == "prompts/get")
    key = "name";
  else if (method == "resources/read")
    key = "uri";
  else if (method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel")
    key = "taskId";
  if (!key) return std::nullopt;
  auto* v = params.if_contains(key);
  if (!v || !v->is_string()) return std::string();
  return std::string(v->get_string());
}

namespace {

// The header form of an argument value; nullopt when the type cannot be mirrored.
std::optional<std::string> header_form(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  if (v.is_double()) {
    double d = v.get_double();
    if (d == static_cast<double>(static_cast<std::int64_t>(d)))
      return std::to_string(static_cast<std::int64_t>(d));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_param_headers(
    const boost::json::object& input_schema, const boost::json::object& arguments,
    const std::function<std::optional<std::string_view>(std::string_view)>& header) {
  auto* props = input_schema.if_contains("properties");
  if (!props || !props->is_object()) return std::nullopt;
  for (auto& [key, schema] : props->get_object()) {
    auto* s = schema.if_object();
    if (!s) continue;
    auto* name = s->if_contains("x-mcp-header");
    if (!name || !name->is_string()) continue;
    std::string header_name = "Mcp-Param-" + std::string(name->get_string());
    auto raw = header(header_name);
    auto* arg = arguments.if_contains(key);
    bool has_value = arg && !arg->is_null();
    if (!raw) {
      if (has_value)
        return "Missing " + header_name + " header for argument \"" + std::string(key) + "\"";
      continue;
    }
    auto decoded = decode_header_value(*raw);
    if (!decoded) return header_name + " header has an invalid base64 sentinel value";
    if (!has_value) return header_name + " header names a value the body does not carry";
    auto expected = header_form(*arg);
    if (!expected || *expected != *decoded)
      return header_name + " header does not match argument \"" + std::string(key) + "\"";
  }
  return std::nullopt;
}

std::string new_session_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(32, '\0');
  for (std::size_t i = 0; i < 16; ++i) {
    id[2 * i] = hex[bytes[i] >> 4];
    id[2 * i + 1] = hex[bytes[i] & 0xf];
  }
  return id;
}

}  // namespace mcpxx::http_rules
