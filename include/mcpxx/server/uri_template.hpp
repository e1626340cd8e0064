// RFC 6570 URI templates, the subset resource templates use: simple `{var}` (one
// path segment, percent-decoded) and reserved `{+var}` (may span '/') expansions.
#pragma once

#include <mcpxx/server/definitions.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpxx {

class uri_template {
 public:
  // Throws std::invalid_argument for an unbalanced or empty expression.
  explicit uri_template(std::string_view text);

  // The variables when `uri` matches the whole template, nullopt otherwise.
  std::optional<uri_params> match(std::string_view uri) const;
  const std::string& text() const noexcept { return text_; }

 private:
  bool match_from(std::size_t k, std::string_view uri, std::size_t pos, uri_params& out) const;

  struct part {
    std::string literal;  // when name is empty
    std::string name;
    bool reserved = false;
  };
  std::string text_;
  std::vector<part> parts_;
};

}  // namespace mcpxx
