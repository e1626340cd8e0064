// What a server offers: tools, resources, resource templates, prompts, completions.
// Handlers are plain functions (run on the worker pool unless marked inline) or
// coroutines (run on the I/O thread, so they must not block).
#pragma once

#include <mcpxx/server/context.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcpxx {

struct tool_result {
  boost::json::array content;
  std::optional<boost::json::value> structured_content;
  bool is_error = false;
  boost::json::object meta;

  static tool_result text(std::string_view text);
  static tool_result error(std::string_view message);
  // structuredContent plus its JSON as a text block (for clients that read only text).
  static tool_result structured(boost::json::value value);
};

// Thrown by a resource reader for a URI it does not have: answered with the era's
// resource-not-found error (-32002 legacy, -32602 with data.uri in 2026-07-28).
class resource_not_found : public std::runtime_error {
 public:
  explicit resource_not_found(std::string uri)
      : std::runtime_error("Resource not found: " + uri), uri_(std::move(uri)) {}
  const std::string& uri() const noexcept { return uri_; }

 private:
  std::string uri_;
};

// Thrown by a resource reader or prompt for bad input it detects itself: answered as
// -32602. From a tool it becomes an isError result, like any exception: the spec wants
// input-validation errors of tools reported to the model.
class invalid_params : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using sync_tool_handler = std::function<tool_result(context&, const boost::json::object& args)>;
using async_tool_handler =
    std::function<boost::asio::awaitable<tool_result>(context&, const boost::json::object& args)>;

struct tool_definition {
  std::string name;
  std::string title;
  std::string description;
  boost::json::object input_schema{{"type", "object"}};
  std::optional<boost::json::object> output_schema;
  boost::json::object annotations;  // readOnlyHint, destructiveHint, ...
  boost::json::array icons;
  boost::json::object meta;
  // Client capabilities the tool cannot work without (e.g. {"sampling":{}}): a modern
  // request lacking one is refused with -32021 before the handler runs.
  boost::json::object required_client_capabilities;
  // A cheap, non-blocking sync handler may run on the I/O thread instead of the pool.
  bool run_inline = false;
  // 2026-07-28: each requestState this tool issues is accepted once (replays of an
  // earlier round are refused), enforced through the server's nonce store.
  bool single_use_state = false;
  // Opt-in result cache: a successful result is kept in the server's result cache for
  // cache_ttl (0 = never cached) and served again to calls with the same arguments
  // (compared canonically) and protocol version; with cache_scope "private" only to the
  // same principal, with "public" to anyone. For tools whose answer depends only on
  // their arguments (and on who asks), such as lookups.
  std::chrono::milliseconds cache_ttl{0};
  std::string cache_scope = "private";
  sync_tool_handler handler;
  async_tool_handler async_handler;  // used when set
};

// resources/read results: text_contents / blob_contents entries (content.hpp).
using resource_contents = boost::json::array;
using uri_params = std::map<std::string, std::string, std::less<>>;

struct resource_definition {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  std::optional<std::int64_t> size;
  boost::json::object annotations;
  boost::json::array icons;
  boost::json::object meta;
  std::function<resource_contents(context&, const std::string& uri)> read;
};

struct resource_template_definition {
  std::string uri_template;  // RFC 6570, e.g. logs://application/{date}
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  boost::json::object annotations;
  boost::json::array icons;
  boost::json::object meta;
  std::function<resource_contents(context&, const std::string& uri, const uri_params&)> read;
};

struct prompt_argument {
  std::string name;
  std::string title;
  std::string description;
  bool required = false;
};

struct prompt_result {
  std::string description;
  boost::json::array messages;  // {role, content}
};

using prompt_arguments = std::map<std::string, std::string, std::less<>>;

struct prompt_definition {
  std::string name;
  std::string title;
  std::string description;
  std::vector<prompt_argument> arguments;
  boost::json::array icons;
  boost::json::object meta;
  std::function<prompt_result(context&, const prompt_arguments&)> get;
};

// Helper for prompt messages.
boost::json::object prompt_message(std::string_view role, boost::json::object content);

struct completion_result {
  std::vector<std::string> values;  // at most 100 are sent
  std::optional<std::int64_t> total;
  bool has_more = false;
};

// completion/complete for one argument of a prompt ("ref/prompt") or of a resource
// template ("ref/resource").
struct completion_definition {
  std::string ref_type;  // "ref/prompt" or "ref/resource"
  std::string ref_name;  // prompt name or URI template
  std::string argument;
  std::function<completion_result(context&, std::string_view value,
                                  const boost::json::object& other_arguments)>
      complete;
};

}  // namespace mcpxx
