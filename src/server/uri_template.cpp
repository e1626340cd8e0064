#include <mcpxx/server/uri_template.hpp>

#include <stdexcept>

namespace mcpxx {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Invalid escapes stay as they are: a template variable is data, not a URI to re-parse.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

uri_template::uri_template(std::string_view text) : text_(text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto open = text.find('{', i);
    if (open == std::string_view::npos) {
      parts_.push_back({std::string(text.substr(i)), {}, false});
      break;
    }
    if (open > i) parts_.push_back({std::string(text.substr(i, open - i)), {}, false});
    auto close = text.find('}', open);
    if (close == std::string_view::npos)
      throw std::invalid_argument("unbalanced '{' in URI template");
    std::string_view expr = text.substr(open + 1, close - open - 1);
    bool reserved = !expr.empty() && expr.front() == '+';
    if (reserved) expr.remove_prefix(1);
    if (expr.empty()) throw std::invalid_argument("empty expression in URI template");
    parts_.push_back({{}, std::string(expr), reserved});
    i = close + 1;
  }
}

std::optional<uri_params> uri_template::match(std::string_view uri) const {
  uri_params out;
  if (!match_from(0, uri, 0, out)) return std::nullopt;
  return out;
}

// Variables may end at any later occurrence of the literal that follows them, so the
// search backtracks: {+dir}/{file} must split "src/lib/main.cpp" after "lib".
bool uri_template::match_from(std::size_t k, std::string_view uri, std::size_t pos,
                              uri_params& out) const {
  if (k == parts_.size()) return pos == uri.size();
  const part& p = parts_[k];
  if (p.name.empty()) {
    if (uri.substr(pos, p.literal.size()) != p.literal) return false;
    return match_from(k + 1, uri, pos + p.literal.size(), out);
  }
  const bool last = k + 1 == parts_.size();
  const std::string* next_literal =
      !last && parts_[k + 1].name.empty() ? &parts_[k + 1].literal : nullptr;
  for (std::size_t end = pos + 1; end <= uri.size(); ++end) {
    if (last && end != uri.size()) continue;
    if (next_literal && uri.substr(end, next_literal->size()) != *next_literal) continue;
    std::string_view value = uri.substr(pos, end - pos);
    // A simple variable is one path segment; growing it further cannot help.
    if (!p.reserved && value.find_first_of("/?#") != std::string_view::npos) return false;
    if (match_from(k + 1, uri, end, out)) {
      out.emplace(p.name, percent_decode(value));
      return true;
    }
  }
  return false;
}

}  // namespace mcpxx
