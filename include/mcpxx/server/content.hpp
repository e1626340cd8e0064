// Content blocks for tool results and prompt messages (text, image, audio, embedded
// resources, resource links), as the JSON objects the protocol sends.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace mcpxx::content {

boost::json::object text(std::string_view text);
// `base64_data` is already base64-encoded.
boost::json::object image(std::string_view base64_data, std::string_view mime_type);
boost::json::object audio(std::string_view base64_data, std::string_view mime_type);
boost::json::object embedded_text(std::string_view uri, std::string_view text,
                                  std::string_view mime_type = "text/plain");
boost::json::object embedded_blob(std::string_view uri, std::string_view base64_blob,
                                  std::string_view mime_type);
boost::json::object resource_link(std::string_view uri, std::string_view name,
                                  std::string_view mime_type = {},
                                  std::string_view description = {});

// Entries of a resources/read result.
boost::json::object text_contents(std::string_view uri, std::string_view text,
                                  std::string_view mime_type = "text/plain");
boost::json::object blob_contents(std::string_view uri, std::string_view base64_blob,
                                  std::string_view mime_type);

std::string base64_encode(std::string_view bytes);
// nullopt on characters outside the standard alphabet or bad padding.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mcpxx::content
