// encode<T>: a C++ value as JSON, the inverse of decode<T>, used to return a struct as a
// tool's structuredContent. It follows schema_of<T>: an empty std::optional member is left
// out rather than written as null, enums are written by name, and a trailing '_' is stripped
// from member names.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/describe/enumerators.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/string_view.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>

#include "mcpxx/schema/traits.hpp"

namespace mcpxx::schema {
namespace detail {

inline boost::json::string_view json_sv(std::string_view s) noexcept {
  return {s.data(), s.size()};
}

template <class T>
boost::json::value encode_value(const T& x, const boost::json::storage_ptr& sp) {
  constexpr kind k = kind_of<T>();
  if constexpr (k == kind::boolean) {
    return boost::json::value(x, sp);
  } else if constexpr (k == kind::integer) {
    // Prefer int64 whenever the value fits so that equal numbers always have the same kind.
    if constexpr (std::is_signed_v<T>) {
      return boost::json::value(static_cast<std::int64_t>(x), sp);
    } else if (static_cast<std::uint64_t>(x) <=
               static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return boost::json::value(static_cast<std::int64_t>(x), sp);
    } else {
      return boost::json::value(static_cast<std::uint64_t>(x), sp);
    }
  } else if constexpr (k == kind::number) {
    // JSON has no NaN or infinity; null is the conventional stand-in.
    if (!std::isfinite(x)) return boost::json::value(nullptr, sp);
    return boost::json::value(static_cast<double>(x), sp);
  } else if constexpr (k == kind::string) {
    return boost::json::value(json_sv(x), sp);
  } else if constexpr (k == kind::enumeration) {
    const char* name = nullptr;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto D) {
      if (name == nullptr && decltype(D)::value == x) name = decltype(D)::name;
    });
    if (name != nullptr) return boost::json::value(json_sv(name), sp);
    // A value with no enumerator is a bug on the server side; the number at least shows
    // what was there instead of losing it.
    using U = std::underlying_type_t<T>;
    return encode_value(static_cast<U>(x), sp);
  } else if constexpr (k == kind::optional) {
    if (!x.has_value()) return boost::json::value(nullptr, sp);
    return encode_value(*x, sp);
  } else if constexpr (k == kind::array) {
    boost::json::array a(sp);
    a.reserve(x.size());
    for (const auto& item : x) a.emplace_back(encode_value(item, sp));
    return a;
  } else if constexpr (k == kind::map) {
    boost::json::object o(sp);
    o.reserve(x.size());
    for (const auto& [key, item] : x) o.emplace(json_sv(key), encode_value(item, sp));
    return o;
  } else if constexpr (k == kind::any || k == kind::json_object || k == kind::json_array) {
    return boost::json::value(x, sp);
  } else if constexpr (k == kind::structure) {
    static_assert(check_struct<T>());
    boost::json::object o(sp);
    o.reserve(cxx_names<T>.size());
    boost::mp11::mp_for_each<members_t<T>>([&](auto D) {
      using Desc = decltype(D);
      using M = member_type_t<T, Desc>;
      const M& member = x.*Desc::pointer;
      if constexpr (optional_traits<M>::value) {
        if (!member.has_value()) return;
      }
      o.emplace(json_sv(json_name(Desc::name)), encode_value(member, sp));
    });
    return o;
  } else {
    static_assert(dependent_false<T>,
                  "mcpxx::schema: unsupported type; see mcpxx/schema/traits.hpp for the list");
  }
}

}  // namespace detail

// Throws only std::bad_alloc (from the memory resource behind `sp`).
template <class T>
boost::json::value encode(const T& x, boost::json::storage_ptr sp = {}) {
  return detail::encode_value<std::remove_cv_t<T>>(x, sp);
}

}  // namespace mcpxx::schema
