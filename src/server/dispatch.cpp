// Method tables of both eras. Each method reads its params, calls the registry and
// returns the result object; rpc_error carries every protocol-level failure.
#include "server/catalog.hpp"
#include "server/shaping.hpp"

#include <mcpxx/protocol/envelope.hpp>
#include <mcpxx/protocol/version.hpp>
#include <mcpxx/server/pagination.hpp>
#include <mcpxx/server/request_state.hpp>
#include <mcpxx/server/server.hpp>
#include <mcpxx/store/unavailable.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

namespace mcpxx {

namespace json = boost::json;
namespace asio = boost::asio;
using protocol::rpc_error;
namespace code = protocol::code;

namespace {

using snapshot = std::shared_ptr<const server::catalog>;

std::optional<std::string> cursor_of(const json::object& params) {
  auto* c = params.if_contains("cursor");
  if (!c || c->is_null()) return std::nullopt;
  if (!c->is_string()) throw rpc_error(code::invalid_params, "Invalid cursor: expected a string");
  return std::string(c->get_string());
}

std::string_view required_string(const json::object& params, std::string_view key) {
  auto* v = params.if_contains(key);
  if (!v || !v->is_string())
    throw rpc_error(code::invalid_params,
                    "Invalid params: \"" + std::string(key) + "\" must be a string");
  return v->get_string();
}

json::value progress_token_of(const json::object& params) {
  auto* meta = params.if_contains("_meta");
  if (!meta || !meta->is_object()) return nullptr;
  auto* token = meta->get_object().if_contains(protocol::meta_key::progress_token);
  if (!token || !(token->is_string() || token->is_int64() || token->is_uint64())) return nullptr;
  return *token;
}

// Capabilities `needed` lacks in `declared` (top-level keys), as a ClientCapabilities
// object; empty when nothing is missing.
json::object missing_capabilities(const json::object& needed, const json::object& declared) {
  json::object missing;
  for (auto& [key, value] : needed)
    if (!declared.contains(key)) missing[key] = value;
  return missing;
}

template <class Range, class ToJson>
json::object list_page(const Range& items, std::string_view key, std::size_t page_size,
                       const json::object& params, ToJson&& to_json) {
  auto page = pagination::slice(items.size(), page_size, cursor_of(params));
  json::array out;
  out.reserve(page.end - page.begin);
  auto it = items.begin();
  std::advance(it, page.begin);
  for (std::size_t i = page.begin; i < page.end; ++i, ++it) out.push_back(to_json(*it));
  json::object result{{key, std::move(out)}};
  if (page.next_cursor) result["nextCursor"] = *page.next_cursor;
  return result;
}

void put_common(json::object& o, std::string_view title, std::string_view description,
                const json::array& icons, const json::object& meta, std::string_view version) {
  if (!title.empty() && version >= "2025-06-18") o["title"] = title;
  if (!description.empty()) o["description"] = description;
  if (!icons.empty() && version >= "2025-11-25") o["icons"] = icons;
  if (!meta.empty() && version >= "2025-06-18") o["_meta"] = meta;
}

class dispatcher {
 public:
  dispatcher(server& s, snapshot cat, const protocol::request& req, const request_scope& scope,
             legacy_session* session)
      : s_(s), cat_(std::move(cat)), req_(req), scope_(scope), session_(session) {}

  asio::awaitable<json::object> run() {
    const std::string& m = req_.method;
    const bool modern = scope_.era == protocol::era::modern;
    if (m == "tools/call") co_return co_await call_tool();
    if (m == "tools/list") co_return list_tools();
    if (m == "resources/read") co_return co_await read_resource();
    if (m == "resources/list") co_return list_resources();
    if (m == "resources/templates/list") co_return list_templates();
    if (m == "prompts/list") co_return list_prompts();
    if (m == "prompts/get") co_return co_await get_prompt();
    if (m == "completion/complete") co_return co_await complete();
    if (modern) {
      if (m == "server/discover") co_return discover();
    } else {
      if (m == "initialize") co_return initialize();
      if (m == "ping") co_return json::object{};
      if (m == "logging/setLevel") co_return co_await set_level();
      if (m == "resources/subscribe") co_return co_await subscribe(true);
      if (m == "resources/unsubscribe") co_return co_await subscribe(false);
    }
    throw rpc_error(code::method_not_found, "Method not found: " + m);
  }

 private:
  const json::object& params() const { return req_.params; }
  std::string_view version() const { return scope_.protocol_version; }
  const server_options& opts() const { return s_.options(); }

  void cache_hints(json::object& result, std::chrono::milliseconds ttl, std::string_view scope) {
    if (scope_.era != protocol::era::modern) return;
    result["ttlMs"] = static_cast<std::int64_t>(ttl.count());
    result["cacheScope"] = scope;
  }

  // Runs blocking user code on the worker pool; the I/O thread keeps serving.
  template <class F>
  asio::awaitable<std::invoke_result_t<F>> on_workers(F fn) {
    co_return co_await asio::co_spawn(
        s_.workers(), [&]() -> asio::awaitable<std::invoke_result_t<F>> { co_return fn(); },
        asio::use_awaitable);
  }

  // 2026-07-28 requests that may ask for input: restores the answers and state of
  // earlier rounds, runs `body`, and turns a missing answer into an input_required
  // result whose requestState carries everything gathered so far.
  template <class Body>
  asio::awaitable<json::object> with_input(context& ctx, Body body, bool single_use = false) {
    if (scope_.era != protocol::era::modern) co_return co_await body();
    input_round round;
    // The binding digests the arguments: computed only when a state is opened or sealed,
    // not on every call.
    std::string binding;
    if (auto* rs = params().if_contains("requestState"); rs && !rs->is_null()) {
      if (!rs->is_string())
        throw rpc_error(code::invalid_params, "Invalid requestState: expected a string");
      binding = request_binding(req_.method, params());
      auto opened = s_.state_codec().open(rs->get_string(), scope_.principal, binding);
      if (single_use && !co_await s_.nonces().consume(opened.nonce, s_.options().state_lifetime))
        throw rpc_error(code::invalid_params, "Invalid requestState: already used");
      round.answers = std::move(opened.answers);
      round.state = std::move(opened.state);
    }
    if (auto* ir = params().if_contains("inputResponses"); ir && !ir->is_null()) {
      if (!ir->is_object())
        throw rpc_error(code::invalid_params, "Invalid inputResponses: expected an object");
      for (auto& [key, answer] : ir->get_object()) round.answers[key] = answer;
    }
    ctx.set_input_round(&round);
    std::optional<detail::input_needed> needed;
    try {
      co_return co_await body();
    } catch (detail::input_needed& n) {
      needed = std::move(n);
    }
    json::object requests;
    for (auto& [key, r] : needed->requests)
      requests[key] = json::object{{"method", r.method}, {"params", r.params}};
    if (binding.empty()) binding = request_binding(req_.method, params());
    co_return json::object{
        {"resultType", "input_required"},
        {"inputRequests", std::move(requests)},
        {"requestState", s_.state_codec().seal({std::move(round.answers), std::move(round.state)},
                                               scope_.principal, binding)}};
  }

  json::object discover() {
    json::array versions;
    for (auto v : protocol::modern_versions) versions.emplace_back(v);
    json::object r{{"supportedVersions", std::move(versions)}, {"capabilities", s_.capabilities()}};
    if (!opts().instructions.empty()) r["instructions"] = opts().instructions;
    cache_hints(r, opts().list_ttl, opts().list_cache_scope);
    return r;
  }

  json::object initialize() {
    std::string_view requested = required_string(params(), "protocolVersion");
    json::object r{{"protocolVersion", protocol::negotiate_legacy(requested)},
                   {"capabilities", s_.capabilities()},
                   {"serverInfo", s_.server_info()}};
    if (!opts().instructions.empty()) r["instructions"] = opts().instructions;
    return r;
  }

  asio::awaitable<json::object> set_level() {
    std::string_view level = required_string(params(), "level");
    if (protocol::log_level_rank(level) < 0)
      throw rpc_error(code::invalid_params, "Invalid log level: " + std::string(level));
    if (!session_) throw rpc_error(code::internal_error, "No session for logging/setLevel");
    co_await session_->set_log_level(std::string(level));
    co_return json::object{};
  }

  asio::awaitable<json::object> subscribe(bool on) {
    std::string uri(required_string(params(), "uri"));
    if (!session_) throw rpc_error(code::internal_error, "No session for resources/subscribe");
    co_await session_->set_subscribed(std::move(uri), on);
    co_return json::object{};
  }

  json::object list_tools() {
    auto r = list_page(cat_->tools, "tools", opts().page_size, params(),
                       [&](auto& entry) { return shaping::tool_json(*entry.second, version()); });
    cache_hints(r, opts().list_ttl, opts().list_cache_scope);
    return r;
  }

  asio::awaitable<json::object> call_tool() {
    std::string_view name = required_string(params(), "name");
    auto it = cat_->tools.find(name);
    if (it == cat_->tools.end())
      throw rpc_error(code::invalid_params, "Unknown tool: " + std::string(name));
    const tool_definition& tool = *it->second;

    if (scope_.era == protocol::era::modern && !tool.required_client_capabilities.empty()) {
      auto missing =
          missing_capabilities(tool.required_client_capabilities, scope_.client_capabilities);
      if (!missing.empty())
        throw rpc_error(code::missing_client_capability,
                        "Tool " + tool.name + " requires client capabilities the request lacks",
                        json::object{{"requiredCapabilities", std::move(missing)}});
    }

    json::object args;
    if (auto* a = params().if_contains("arguments"); a && !a->is_null()) {
      if (!a->is_object())
        throw rpc_error(code::invalid_params, "Invalid params: \"arguments\" must be an object");
      args = a->get_object();
    }

    // Opt-in result cache: same tool, canonical arguments and revision (results are
    // shaped per revision), and the same principal unless the results are public.
    std::string cache_key;
    if (tool.cache_ttl.count() > 0) {
      cache_key =
          "tool-result:" + std::string(version()) + ":" + request_binding("tools/call", params());
      if (tool.cache_scope != "public") cache_key.append(":").append(scope_.principal);
      if (auto hit = co_await cached_result(cache_key)) co_return std::move(*hit);
    }

    context ctx(scope_, req_.id, progress_token_of(params()));
    auto result = co_await with_input(
        ctx,
        [&]() -> asio::awaitable<json::object> {
          tool_result result;
          try {
            if (tool.async_handler)
              result = co_await tool.async_handler(ctx, args);
            else if (tool.run_inline)
              result = tool.handler(ctx, args);
            else
              result = co_await on_workers([&] { return tool.handler(ctx, args); });
          } catch (const rpc_error&) {
            throw;
          } catch (const std::exception& e) {
            // A failing tool is information for the model, not a protocol failure.
            result = tool_result::error(e.what());
          }
          ctx.flush_progress();
          co_return shaping::tool_result_json(std::move(result), version(), &tool);
        },
        tool.single_use_state);
    const bool complete = !result.contains("resultType");  // not input_required
    const auto* is_error = result.if_contains("isError");
    if (!cache_key.empty() && complete &&
        !(is_error && is_error->is_bool() && is_error->get_bool()))
      co_await remember_result(cache_key, json::serialize(result), tool.cache_ttl);
    co_return result;
  }

  // The result cache is best effort: when it fails, the tool just runs.
  asio::awaitable<std::optional<json::object>> cached_result(const std::string& key) {
    std::optional<std::string> hit;
    try {
      hit = co_await s_.result_cache().get(key);
    } catch (const std::exception& e) {
      spdlog::warn("result cache: {}", e.what());
    }
    if (!hit) co_return std::nullopt;
    boost::system::error_code ec;
    auto cached = json::parse(*hit, ec);
    if (ec || !cached.is_object()) co_return std::nullopt;
    co_return std::move(cached.as_object());
  }

  asio::awaitable<void> remember_result(std::string key, std::string value,
                                        std::chrono::milliseconds ttl) {
    try {
      co_await s_.result_cache().put(std::move(key), std::move(value), ttl);
    } catch (const std::exception& e) {
      spdlog::warn("result cache: {}", e.what());
    }
  }

  json::object list_resources() {
    auto r = list_page(cat_->resources, "resources", opts().page_size, params(), [&](auto& res) {
      json::object o{{"uri", res->uri}, {"name", res->name}};
      put_common(o, res->title, res->description, res->icons, res->meta, version());
      if (!res->mime_type.empty()) o["mimeType"] = res->mime_type;
      if (res->size) o["size"] = *res->size;
      if (!res->annotations.empty()) o["annotations"] = res->annotations;
      return o;
    });
    cache_hints(r, opts().list_ttl, opts().list_cache_scope);
    return r;
  }

  json::object list_templates() {
    auto r = list_page(cat_->templates, "resourceTemplates", opts().page_size, params(),
                       [&](auto& entry) {
                         auto& t = *entry.definition;
                         json::object o{{"uriTemplate", t.uri_template}, {"name", t.name}};
                         put_common(o, t.title, t.description, t.icons, t.meta, version());
                         if (!t.mime_type.empty()) o["mimeType"] = t.mime_type;
                         if (!t.annotations.empty()) o["annotations"] = t.annotations;
                         return o;
                       });
    cache_hints(r, opts().list_ttl, opts().list_cache_scope);
    return r;
  }

  rpc_error not_found(const std::string& uri) const {
    if (scope_.era == protocol::era::modern)
      return rpc_error(code::invalid_params, "Resource not found: " + uri,
                       json::object{{"uri", uri}});
    return rpc_error(code::resource_not_found_legacy, "Resource not found: " + uri,
                     json::object{{"uri", uri}});
  }

  asio::awaitable<json::object> read_resource() {
    std::string uri(required_string(params(), "uri"));
    context ctx(scope_, req_.id, progress_token_of(params()));
    co_return co_await with_input(ctx, [&]() -> asio::awaitable<json::object> {
      co_return co_await read_resource_round(ctx, uri);
    });
  }

  asio::awaitable<json::object> read_resource_round(context& ctx, const std::string& uri) {
    resource_contents contents;
    try {
      bool found = false;
      for (auto& res : cat_->resources) {
        if (res->uri != uri) continue;
        contents = co_await on_workers([&] { return res->read(ctx, uri); });
        found = true;
        break;
      }
      if (!found) {
        for (auto& t : cat_->templates) {
          auto vars = t.matcher.match(uri);
          if (!vars) continue;
          contents = co_await on_workers([&] { return t.definition->read(ctx, uri, *vars); });
          found = true;
          break;
        }
      }
      if (!found) throw not_found(uri);
    } catch (const resource_not_found& e) {
      throw not_found(e.uri());
    } catch (const invalid_params& e) {
      throw rpc_error(code::invalid_params, e.what(), json::object{{"uri", uri}});
    }
    if (contents.empty()) throw not_found(uri);
    json::object r{{"contents", std::move(contents)}};
    cache_hints(r, opts().read_ttl, opts().read_cache_scope);
    co_return r;
  }

  json::object list_prompts() {
    auto r = list_page(cat_->prompts, "prompts", opts().page_size, params(), [&](auto& entry) {
      auto& p = *entry.second;
      json::object o{{"name", p.name}};
      put_common(o, p.title, p.description, p.icons, p.meta, version());
      if (!p.arguments.empty()) {
        json::array args;
        for (auto& a : p.arguments) {
          json::object ao{{"name", a.name}};
          if (!a.title.empty() && version() >= "2025-06-18") ao["title"] = a.title;
          if (!a.description.empty()) ao["description"] = a.description;
          if (a.required) ao["required"] = true;
          args.push_back(std::move(ao));
        }
        o["arguments"] = std::move(args);
      }
      return o;
    });
    cache_hints(r, opts().list_ttl, opts().list_cache_scope);
    return r;
  }

  asio::awaitable<json::object> get_prompt() {
    std::string_view name = required_string(params(), "name");
    auto it = cat_->prompts.find(name);
    if (it == cat_->prompts.end())
      throw rpc_error(code::invalid_params, "Unknown prompt: " + std::string(name));
    const prompt_definition& p = *it->second;
    prompt_arguments args;
    if (auto* a = params().if_contains("arguments"); a && !a->is_null()) {
      if (!a->is_object())
        throw rpc_error(code::invalid_params, "Invalid params: \"arguments\" must be an object");
      for (auto& [k, v] : a->get_object()) {
        if (!v.is_string())
          throw rpc_error(code::invalid_params, "Invalid params: prompt argument \"" +
                                                    std::string(k) + "\" must be a string");
        args.emplace(std::string(k), std::string(v.get_string()));
      }
    }
    for (auto& arg : p.arguments)
      if (arg.required && !args.contains(arg.name))
        throw rpc_error(code::invalid_params, "Missing required prompt argument: " + arg.name);

    context ctx(scope_, req_.id, progress_token_of(params()));
    prompt_result result;
    json::object r = co_await with_input(ctx, [&]() -> asio::awaitable<json::object> {
      try {
        result = co_await on_workers([&] { return p.get(ctx, args); });
      } catch (const invalid_params& e) {
        throw rpc_error(code::invalid_params, e.what());
      }
      co_return json::object{};
    });
    if (r.contains("resultType")) co_return r;  // input_required
    for (auto& m : result.messages) {
      if (auto* mo = m.if_object())
        if (auto* c = mo->if_contains("content"); c && c->is_object()) {
          json::array one{*c};
          shaping::downgrade_content(one, version());
          *c = one[0];
        }
    }
    r["messages"] = std::move(result.messages);
    if (!result.description.empty()) r["description"] = result.description;
    co_return r;
  }

  asio::awaitable<json::object> complete() {
    auto* ref = params().if_contains("ref");
    auto* argument = params().if_contains("argument");
    if (!ref || !ref->is_object() || !argument || !argument->is_object())
      throw rpc_error(code::invalid_params,
                      "Invalid params: \"ref\" and \"argument\" are required");
    std::string_view type = required_string(ref->get_object(), "type");
    std::string_view ref_name = type == "ref/resource" ? required_string(ref->get_object(), "uri")
                                                       : required_string(ref->get_object(), "name");
    std::string_view arg_name = required_string(argument->get_object(), "name");
    std::string_view value = required_string(argument->get_object(), "value");
    json::object others;
    if (auto* c = params().if_contains("context"); c && c->is_object())
      if (auto* a = c->get_object().if_contains("arguments"); a && a->is_object())
        others = a->get_object();

    completion_result result;
    for (auto& c : cat_->completions) {
      if (c->ref_type != type || c->ref_name != ref_name || c->argument != arg_name) continue;
      context ctx(scope_, req_.id, nullptr);
      result = co_await on_workers([&] { return c->complete(ctx, value, others); });
      break;
    }
    json::array values;
    for (std::size_t i = 0; i < result.values.size() && i < 100; ++i)
      values.emplace_back(result.values[i]);
    json::object completion{{"values", std::move(values)}};
    if (result.total) completion["total"] = *result.total;
    completion["hasMore"] = result.has_more || result.values.size() > 100;
    co_return json::object{{"completion", std::move(completion)}};
  }

  server& s_;
  snapshot cat_;
  const protocol::request& req_;
  const request_scope& scope_;
  legacy_session* session_;
};

}  // namespace

asio::awaitable<json::object> server::handle(const protocol::request& request,
                                             const request_scope& scope, legacy_session* session) {
  json::object result;
  try {
    dispatcher d(*this, catalog_.load(), request, scope, session);
    result = co_await d.run();
  } catch (const rpc_error& e) {
    co_return protocol::make_error(request.id, e);
  } catch (const store::unavailable&) {
    throw;  // the transport's to answer: HTTP 503 with Retry-After while it still can
  } catch (const std::exception& e) {
    spdlog::error("{} failed: {}", request.method, e.what());
    co_return protocol::make_error(request.id, code::internal_error,
                                   std::string("Internal error: ") + e.what());
  }
  if (scope.era == protocol::era::modern) {
    if (!result.contains("resultType")) result["resultType"] = "complete";
    auto& meta = result["_meta"];
    if (!meta.is_object()) meta = json::object{};
    meta.get_object()[protocol::meta_key::server_info] = server_info();
  }
  co_return protocol::make_result(request.id, std::move(result));
}

}  // namespace mcpxx
