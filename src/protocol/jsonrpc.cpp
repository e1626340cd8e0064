#include <mcpxx/protocol/jsonrpc.hpp>

#include <boost/json/parse.hpp>

namespace mcpxx::protocol {

namespace json = boost::json;

json::object rpc_error::to_json() const {
  json::object e;
  e["code"] = code_;
  e["message"] = what();
  if (!data_.is_null()) e["data"] = data_;
  return e;
}

namespace {

bool valid_id(const json::value& id) {
  return id.is_string() || id.is_int64() || id.is_uint64();
}

}  // namespace

parsed_message to_message(json::value v) {
  auto* obj = v.if_object();
  if (!obj) return message_error{code::invalid_request, "Invalid Request: expected a JSON object"};

  json::value id = nullptr;
  if (auto* p = obj->if_contains("id")) {
    if (valid_id(*p)) id = *p;
  }
  auto* version = obj->if_contains("jsonrpc");
  if (!version || !version->is_string() || version->get_string() != "2.0")
    return message_error{code::invalid_request, "Invalid Request: \"jsonrpc\" must be \"2.0\"", id};

  auto* method = obj->if_contains("method");
  auto* id_member = obj->if_contains("id");
  if (id_member && !valid_id(*id_member))
    return message_error{code::invalid_request,
                         "Invalid Request: \"id\" must be a string or an integer"};

  if (method) {
    if (!method->is_string())
      return message_error{code::invalid_request, "Invalid Request: \"method\" must be a string",
                           id};
    json::object params;
    if (auto* p = obj->if_contains("params")) {
      if (p->is_object())
        params = std::move(p->get_object());
      else if (!p->is_null())
        return message_error{code::invalid_request, "Invalid Request: \"params\" must be an object",
                             id};
    }
    std::string name(method->get_string());
    if (id_member) return message{request{std::move(id), std::move(name), std::move(params)}};
    return message{notification{std::move(name), std::move(params)}};
  }

  auto* result = obj->if_contains("result");
  auto* error = obj->if_contains("error");
  if (id_member && (result || error) && !(result && error)) {
    response r{std::move(id), std::nullopt, std::nullopt};
    if (result) r.result = std::move(*result);
    if (error) {
      if (!error->is_object())
        return message_error{code::invalid_request, "Invalid Request: \"error\" must be an object",
                             r.id};
      r.error = std::move(error->get_object());
    }
    return message{std::move(r)};
  }
  return message_error{code::invalid_request,
                       "Invalid Request: not a request, notification or response", id};
}

parsed_body parse_body(std::string_view bytes) {
  parsed_body out;
  json::error_code ec;
  json::value v = json::parse(bytes, ec);
  if (ec) {
    out.error = message_error{code::parse_error, "Parse error: " + ec.message()};
    return out;
  }
  if (auto* arr = v.if_array()) {
    out.is_batch = true;
    if (arr->empty()) {
      out.error = message_error{code::invalid_request, "Invalid Request: empty batch"};
      return out;
    }
    out.messages.reserve(arr->size());
    for (auto& m : *arr) out.messages.push_back(to_message(std::move(m)));
    return out;
  }
  out.messages.push_back(to_message(std::move(v)));
  return out;
}

json::object make_result(const request_id& id, json::value result) {
  json::object o;
  o.reserve(3);
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["result"] = std::move(result);
  return o;
}

json::object make_error(const request_id& id, int code, std::string_view message,
                        json::value data) {
  json::object e;
  e["code"] = code;
  e["message"] = message;
  if (!data.is_null()) e["data"] = std::move(data);
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["error"] = std::move(e);
  return o;
}

json::object make_error(const request_id& id, const rpc_error& e) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["error"] = e.to_json();
  return o;
}

json::object make_notification(std::string_view method, json::object params) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["method"] = method;
  o["params"] = std::move(params);
  return o;
}

json::object make_request(const request_id& id, std::string_view method, json::object params) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["method"] = method;
  o["params"] = std::move(params);
  return o;
}

}  // namespace mcpxx::protocol
