#include <mcpxx/protocol/error.hpp>
#include <mcpxx/server/content.hpp>
#include <mcpxx/server/pagination.hpp>

#include <charconv>

namespace mcpxx::pagination {

namespace {
constexpr std::string_view prefix = "mcpxx-page:";
}

std::string encode_cursor(std::size_t offset) {
  return content::base64_encode(std::string(prefix) + std::to_string(offset));
}

std::optional<std::size_t> decode_cursor(std::string_view cursor) {
  auto raw = content::base64_decode(cursor);
  if (!raw || raw->size() <= prefix.size() || raw->compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  std::size_t offset = 0;
  const char* first = raw->data() + prefix.size();
  const char* last = raw->data() + raw->size();
  auto [ptr, ec] = std::from_chars(first, last, offset);
  if (ec != std::errc{} || ptr != last) return std::nullopt;
  return offset;
}

page slice(std::size_t size, std::size_t page_size, const std::optional<std::string>& cursor) {
  page p;
  if (cursor) {
    auto offset = decode_cursor(*cursor);
    if (!offset || *offset > size)
      throw protocol::rpc_error(protocol::code::invalid_params, "Invalid cursor");
    p.begin = *offset;
  }
  p.end = std::min(size, p.begin + (page_size == 0 ? size : page_size));
  if (p.end < size) p.next_cursor = encode_cursor(p.end);
  return p;
}

}  // namespace mcpxx::pagination
