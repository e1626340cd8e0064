// Opaque list cursors. A cursor names an offset into the list as the server orders
// it; clients must not build or edit them, so a malformed one is -32602.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mcpxx::pagination {

std::string encode_cursor(std::size_t offset);
// nullopt for anything encode_cursor did not produce.
std::optional<std::size_t> decode_cursor(std::string_view cursor);

struct page {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::optional<std::string> next_cursor;
};
// The slice of a list of `size` items for `cursor` (nullopt = first page).
// Throws protocol::rpc_error(-32602) for an invalid cursor.
page slice(std::size_t size, std::size_t page_size, const std::optional<std::string>& cursor);

}  // namespace mcpxx::pagination
