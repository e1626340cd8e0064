// Shared by the store backends; private to src/store.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mcpxx::store::detail {

// Lets maps keyed by std::string be searched with a string_view, without a copy.
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

template <class T>
using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

}  // namespace mcpxx::store::detail
