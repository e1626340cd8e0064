// schema_of<T>: the JSON Schema (draft 2020-12) that decode<T> enforces, for a tool's
// inputSchema or outputSchema.
//
// Nested structs are written inline rather than through $defs/$ref: MCP clients pass the
// schema to a model, and a flat schema is the form models follow most reliably.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/describe/enumerators.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>

#include "mcpxx/schema/encode.hpp"
#include "mcpxx/schema/traits.hpp"

namespace mcpxx::schema {
namespace detail {

// Clients hold JSON numbers as IEEE doubles, which are exact only up to 2^53 - 1. The
// advertised range stays inside it even where the C++ type (and decode) accepts more.
inline constexpr std::int64_t max_safe_integer = (std::int64_t{1} << 53) - 1;

template <class T>
boost::json::object build_schema();

template <class I>
boost::json::object integer_schema() {
  using limits = std::numeric_limits<I>;
  std::int64_t minimum = 0;
  if constexpr (std::is_signed_v<I>) {
    minimum = std::max<std::int64_t>(limits::min(), -max_safe_integer);
  }
  const auto maximum = static_cast<std::int64_t>(
      std::min<std::uint64_t>(limits::max(), static_cast<std::uint64_t>(max_safe_integer)));
  return {{"type", "integer"}, {"minimum", minimum}, {"maximum", maximum}};
}

template <class E>
boost::json::object enum_schema() {
  boost::json::array names;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>(
      [&](auto D) { names.emplace_back(json_sv(decltype(D)::name)); });
  return {{"type", "string"}, {"enum", std::move(names)}};
}

template <class T>
boost::json::object struct_schema() {
  static_assert(check_struct<T>());
  boost::json::object properties;
  boost::json::array required;
  // The schema's "default" is the member's value in T{}, which is exactly what decode leaves
  // in place when the member is absent.
  [[maybe_unused]] const T defaults{};
  boost::mp11::mp_for_each<members_t<T>>([&](auto D) {
    using Desc = decltype(D);
    using M = member_type_t<T, Desc>;
    boost::json::object property = build_schema<M>();
    if constexpr (constexpr std::string_view text = description_of<T>(Desc::name); !text.empty()) {
      property["description"] = json_sv(text);
    }
    if constexpr (is_defaulted<T>(Desc::name)) {
      const M& value = defaults.*Desc::pointer;
      bool has_value = true;
      if constexpr (optional_traits<M>::value) has_value = value.has_value();
      if (has_value) property["default"] = encode_value(value, property.storage());
    } else if constexpr (!optional_traits<M>::value) {
      required.emplace_back(json_sv(json_name(Desc::name)));
    }
    properties.emplace(json_sv(json_name(Desc::name)), std::move(property));
  });
  boost::json::object schema{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) schema["required"] = std::move(required);
  schema["additionalProperties"] = false;
  return schema;
}

template <class T>
boost::json::object build_schema() {
  constexpr kind k = kind_of<T>();
  if constexpr (k == kind::boolean) {
    return {{"type", "boolean"}};
  } else if constexpr (k == kind::integer) {
    return integer_schema<T>();
  } else if constexpr (k == kind::number) {
    return {{"type", "number"}};
  } else if constexpr (k == kind::string) {
    return {{"type", "string"}};
  } else if constexpr (k == kind::enumeration) {
    return enum_schema<T>();
  } else if constexpr (k == kind::optional) {
    // Optionality is expressed by leaving the member out of "required", not in the type.
    return build_schema<typename optional_traits<T>::element>();
  } else if constexpr (k == kind::array) {
    return {{"type", "array"}, {"items", build_schema<typename vector_traits<T>::element>()}};
  } else if constexpr (k == kind::map) {
    return {{"type", "object"},
            {"additionalProperties", build_schema<typename map_traits<T>::element>()}};
  } else if constexpr (k == kind::any) {
    return {};
  } else if constexpr (k == kind::json_object) {
    return {{"type", "object"}};
  } else if constexpr (k == kind::json_array) {
    return {{"type", "array"}};
  } else if constexpr (k == kind::structure) {
    return struct_schema<T>();
  } else {
    static_assert(dependent_false<T>,
                  "mcpxx::schema: unsupported type; see mcpxx/schema/traits.hpp for the list");
  }
}

}  // namespace detail

// Built once per type on first use (thread-safe static initialization) and immutable after,
// so concurrent readers need no lock. Throws only std::bad_alloc.
template <class T>
const boost::json::object& cached_schema() {
  static const boost::json::object schema = detail::build_schema<std::remove_cv_t<T>>();
  return schema;
}

template <class T>
boost::json::object schema_of() {
  return cached_schema<T>();
}

}  // namespace mcpxx::schema
