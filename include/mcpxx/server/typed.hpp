// Typed tool registration: a handler's parameter and return types become the tool's
// inputSchema, argument validation and outputSchema.
//
//   struct query_users_args { int limit = 10; };
//   BOOST_DESCRIBE_STRUCT(query_users_args, (), (limit))
//   MCPXX_DEFAULTS(query_users_args, limit)
//   mcp.tool("query_users", "Query users", [&](const query_users_args& a) { ... });
//
// Accepted handler shapes: f(), f(const Args&), f(context&), f(const Args&, context&),
// where Args is a described struct or boost::json::object (raw JSON, no validation).
// Returns: tool_result (as is), std::string (one text block), a described struct or a
// boost::json value (structuredContent plus its JSON as text), or
// boost::asio::awaitable<any of these> (then the handler runs as a coroutine on the
// I/O thread, so it must not block).
#pragma once

#include <mcpxx/schema/schema.hpp>
#include <mcpxx/server/content.hpp>
#include <mcpxx/server/definitions.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <tuple>
#include <type_traits>

namespace mcpxx {

struct tool_options {
  std::string name;
  std::string title;
  std::string description;
  boost::json::object annotations;
  boost::json::array icons;
  boost::json::object meta;
  boost::json::object required_client_capabilities;
  bool run_inline = false;  // cheap, non-blocking handler: skip the worker pool hop
};

namespace detail {

template <class T>
struct callable_traits : callable_traits<decltype(&T::operator())> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) const> {
  using result = R;
  using args = std::tuple<std::remove_cvref_t<A>...>;
};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...)> : callable_traits<R (C::*)(A...) const> {};
template <class R, class... A>
struct callable_traits<R (*)(A...)> {
  using result = R;
  using args = std::tuple<std::remove_cvref_t<A>...>;
};

template <class T>
struct is_awaitable : std::false_type {};
template <class T>
struct is_awaitable<boost::asio::awaitable<T>> : std::true_type {
  using value_type = T;
};

template <class T>
constexpr bool is_json_v =
    std::is_same_v<T, boost::json::value> || std::is_same_v<T, boost::json::object> ||
    std::is_same_v<T, boost::json::array>;

// The value a handler returned, as a CallToolResult.
template <class R>
tool_result to_tool_result(R&& r) {
  using T = std::remove_cvref_t<R>;
  if constexpr (std::is_same_v<T, tool_result>) {
    return std::forward<R>(r);
  } else if constexpr (std::is_convertible_v<T, std::string_view>) {
    return tool_result::text(std::string_view(r));
  } else if constexpr (is_json_v<T>) {
    return tool_result::structured(boost::json::value(std::forward<R>(r)));
  } else {
    static_assert(schema::is_described_struct<T>::value,
                  "a tool returns tool_result, a string, JSON, or a BOOST_DESCRIBE_STRUCT type");
    return tool_result::structured(schema::encode(r));
  }
}

template <class R>
std::optional<boost::json::object> output_schema_for() {
  using T = std::remove_cvref_t<R>;
  if constexpr (schema::is_described_struct<T>::value)
    return schema::schema_of<T>();
  else
    return std::nullopt;
}

// Decodes the arguments for a handler parameter of type A; on failure fills `error`
// with the result the client gets (isError, naming the field by JSON pointer).
template <class A>
std::optional<A> decode_arguments(const boost::json::object& args, tool_result& error) {
  if constexpr (std::is_same_v<A, boost::json::object>) {
    return args;
  } else {
    auto d = schema::decode<A>(boost::json::value(args));
    if (d.error) {
      std::string where = d.error->pointer.empty() ? "/" : d.error->pointer;
      error = tool_result::error("Invalid arguments: " + where + ": " + d.error->message);
      return std::nullopt;
    }
    return std::move(*d.value);
  }
}

template <class Args>
boost::json::object input_schema_for() {
  if constexpr (std::is_same_v<Args, void> || std::is_same_v<Args, boost::json::object>) {
    return {{"type", "object"}};
  } else {
    return schema::schema_of<Args>();
  }
}

// Which parameter (if any) carries the arguments.
template <class Tuple>
struct args_of {
  using type = void;
};
template <class A>
struct args_of<std::tuple<A>> {
  using type = std::conditional_t<std::is_same_v<A, context>, void, A>;
};
template <class A>
struct args_of<std::tuple<A, context>> {
  using type = A;
};

template <class F, class Args>
decltype(auto) invoke_handler(const F& fn, context& ctx, Args* args) {
  using params = typename callable_traits<F>::args;
  if constexpr (std::tuple_size_v<params> == 0)
    return fn();
  else if constexpr (std::tuple_size_v<params> == 2)
    return fn(*args, ctx);
  else if constexpr (std::is_same_v<std::tuple_element_t<0, params>, context>)
    return fn(ctx);
  else
    return fn(*args);
}

}  // namespace detail

template <class F>
tool_definition make_tool(tool_options opts, F fn) {
  using traits = detail::callable_traits<std::decay_t<F>>;
  using R = typename traits::result;
  using Args = typename detail::args_of<typename traits::args>::type;

  tool_definition def;
  def.name = std::move(opts.name);
  def.title = std::move(opts.title);
  def.description = std::move(opts.description);
  def.annotations = std::move(opts.annotations);
  def.icons = std::move(opts.icons);
  def.meta = std::move(opts.meta);
  def.required_client_capabilities = std::move(opts.required_client_capabilities);
  def.run_inline = opts.run_inline;
  def.input_schema = detail::input_schema_for<Args>();

  if constexpr (detail::is_awaitable<R>::value) {
    using V = typename detail::is_awaitable<R>::value_type;
    def.output_schema = detail::output_schema_for<V>();
    def.async_handler = [fn = std::move(fn)](
                            context& ctx,
                            const boost::json::object& raw) -> boost::asio::awaitable<tool_result> {
      // `fn` lives in the tool_definition, which the dispatching request keeps alive.
      const auto& f = fn;
      if constexpr (std::is_same_v<Args, void>) {
        co_return detail::to_tool_result(co_await detail::invoke_handler(f, ctx, (int*)nullptr));
      } else {
        tool_result error;
        auto args = detail::decode_arguments<Args>(raw, error);
        if (!args) co_return error;
        co_return detail::to_tool_result(co_await detail::invoke_handler(f, ctx, &*args));
      }
    };
  } else {
    def.output_schema = detail::output_schema_for<R>();
    def.handler = [fn = std::move(fn)](context& ctx, const boost::json::object& raw) {
      if constexpr (std::is_same_v<Args, void>) {
        return detail::to_tool_result(detail::invoke_handler(fn, ctx, (int*)nullptr));
      } else {
        tool_result error;
        auto args = detail::decode_arguments<Args>(raw, error);
        if (!args) return error;
        return detail::to_tool_result(detail::invoke_handler(fn, ctx, &*args));
      }
    };
  }
  return def;
}

template <class F>
void server::tool(std::string name, std::string description, F&& fn) {
  tool_options opts;
  opts.name = std::move(name);
  opts.description = std::move(description);
  add_tool(make_tool(std::move(opts), std::forward<F>(fn)));
}

}  // namespace mcpxx
