// Asking the client for input while a request runs: elicitation, sampling, roots.
//
// A handler asks with context::ask(key, request). On the legacy wire that is a
// server-to-client JSON-RPC request on the request's SSE stream, answered by a POST.
// On the 2026-07-28 wire (multi round-trip requests) the round ends with an
// `input_required` result; the client retries with the answers, and the handler runs
// again from the top: asks already answered return at once, so the handler goes on
// from where it asked. Keep what a handler must carry between rounds in
// context::state(); it travels signed inside `requestState`.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpxx {

struct input_request {
  std::string method;  // elicitation/create, sampling/createMessage or roots/list
  boost::json::object params;
};

namespace input {

// Form-mode elicitation: `requested_schema` is a flat object schema of primitives.
input_request elicit(std::string_view message, boost::json::object requested_schema);
// URL-mode elicitation (2025-11-25+), for interactions that must not pass through the
// client (credentials, payments).
input_request elicit_url(std::string_view message, std::string_view url);
input_request sample(boost::json::array messages, int max_tokens, boost::json::object extra = {});
// One user message with `text`.
input_request sample_text(std::string_view text, int max_tokens);
input_request list_roots();

// The client capability an input request needs (e.g. "elicitation").
std::string_view required_capability(const input_request& r) noexcept;

// True when `answer` has the shape of an answer to `method` (an ElicitResult with a
// known action, a CreateMessageResult, a ListRootsResult).
bool plausible_answer(std::string_view method, const boost::json::value& answer) noexcept;

}  // namespace input

namespace detail {

// Thrown by context::ask on the 2026-07-28 wire when an answer is missing; dispatch
// turns it into an `input_required` result. Never reaches user code that rethrows.
struct input_needed {
  std::vector<std::pair<std::string, input_request>> requests;
};

}  // namespace detail

// A legacy client answered a server-to-client request with a JSON-RPC error, or never
// answered in time.
class input_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mcpxx
