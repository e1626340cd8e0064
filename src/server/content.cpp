#include <mcpxx/server/content.hpp>

#include <openssl/evp.h>

namespace mcpxx::content {

namespace json = boost::json;

json::object text(std::string_view t) {
  return {{"type", "text"}, {"text", t}};
}

json::object image(std::string_view data, std::string_view mime) {
  return {{"type", "image"}, {"data", data}, {"mimeType", mime}};
}

json::object audio(std::string_view data, std::string_view mime) {
  return {{"type", "audio"}, {"data", data}, {"mimeType", mime}};
}

json::object embedded_text(std::string_view uri, std::string_view t, std::string_view mime) {
  return {{"type", "resource"}, {"resource", text_contents(uri, t, mime)}};
}

json::object embedded_blob(std::string_view uri, std::string_view blob, std::string_view mime) {
  return {{"type", "resource"}, {"resource", blob_contents(uri, blob, mime)}};
}

json::object resource_link(std::string_view uri, std::string_view name, std::string_view mime,
                           std::string_view description) {
  json::object o{{"type", "resource_link"}, {"uri", uri}, {"name", name}};
  if (!mime.empty()) o["mimeType"] = mime;
  if (!description.empty()) o["description"] = description;
  return o;
}

json::object text_contents(std::string_view uri, std::string_view t, std::string_view mime) {
  json::object o{{"uri", uri}, {"text", t}};
  if (!mime.empty()) o["mimeType"] = mime;
  return o;
}

json::object blob_contents(std::string_view uri, std::string_view blob, std::string_view mime) {
  json::object o{{"uri", uri}, {"blob", blob}};
  if (!mime.empty()) o["mimeType"] = mime;
  return o;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/';
    bool pad = c == '=' && i >= in.size() - 2 && (i == in.size() - 1 || in.back() == '=');
    if (!alpha && !pad) return std::nullopt;
  }
  std::string out(3 * in.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t len = static_cast<std::size_t>(n);
  if (!in.empty() && in.back() == '=') --len;
  if (in.size() >= 2 && in[in.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

}  // namespace mcpxx::content
