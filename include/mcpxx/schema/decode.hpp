// decode<T>: JSON arguments into a C++ value, enforcing exactly what schema_of<T> advertises
// and saying where the input is wrong.
//
// boost::json::value_to is not used because it rejects absent optional and defaulted
// members, accepts unknown keys, and reports no location. Here the first error wins and is
// returned with an RFC 6901 pointer, because the reader is often a model that retries the
// call and needs to know which argument to fix.
//
// decode never throws except std::bad_alloc: every input, however malformed, yields either
// a value or a decode_error. Recursion depth is bounded by the nesting of T, not by the
// input, since self-referential types are rejected at compile time.
//
// Integers are accepted over the full range of the C++ type (the schema advertises a narrower
// JSON-safe range). A JSON number with an integral value such as 5.0 is an integer; 5.5 is
// not. JSON null is accepted only for std::optional, where it means "absent".
#pragma once

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/describe/enumerators.hpp>
#include <boost/json/array.hpp>
#include <boost/json/kind.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>

#include "mcpxx/schema/traits.hpp"

namespace mcpxx::schema {

struct decode_error {
  std::string pointer;  // RFC 6901 JSON pointer to the offending value; "" is the root
  std::string message;  // e.g. "expected integer, got string"

  friend bool operator==(const decode_error&, const decode_error&) = default;
};

// One line for a tool error result: "/where/city: required property is missing".
inline std::string to_string(const decode_error& e) {
  if (e.pointer.empty()) return e.message;
  return e.pointer + ": " + e.message;
}

// Exactly one of `value` and `error` is set.
template <class T>
struct decoded {
  std::optional<T> value;
  std::optional<decode_error> error;

  bool ok() const noexcept { return value.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
};

namespace detail {

// Errors are built leaf-first: the failing leaf sets the message, and each enclosing level
// prepends its own pointer segment on the way out. Success paths pay nothing for paths.
inline void prepend_key(decode_error& err, std::string_view key) {
  std::string segment = "/";
  segment.reserve(key.size() + 1);
  for (char c : key) {
    if (c == '~') {
      segment += "~0";
    } else if (c == '/') {
      segment += "~1";
    } else {
      segment += c;
    }
  }
  err.pointer.insert(0, segment);
}

inline void prepend_index(decode_error& err, std::size_t index) {
  err.pointer.insert(0, "/" + std::to_string(index));
}

inline std::string_view kind_name(boost::json::kind k) noexcept {
  switch (k) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "integer";
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "unknown";
}

inline bool type_mismatch(std::string_view expected, const boost::json::value& v,
                          decode_error& err) {
  err.message = "expected ";
  err.message += expected;
  err.message += ", got ";
  err.message += kind_name(v.kind());
  return false;
}

inline std::string_view view(boost::json::string_view s) noexcept {
  return {s.data(), s.size()};
}

template <class I>
std::string integer_type_name() {
  return (std::is_signed_v<I> ? "int" : "uint") + std::to_string(sizeof(I) * 8);
}

template <class I>
bool out_of_range(decode_error& err) {
  using limits = std::numeric_limits<I>;
  err.message = "out of range for " + integer_type_name<I>() + " (" +
                std::to_string(limits::min()) + ".." + std::to_string(limits::max()) + ")";
  return false;
}

constexpr double power_of_two(int exponent) noexcept {
  double result = 1.0;
  for (int i = 0; i < exponent; ++i) result *= 2.0;
  return result;
}

template <class I>
bool decode_integer(const boost::json::value& v, I& out, decode_error& err) {
  switch (v.kind()) {
    case boost::json::kind::int64: {
      const std::int64_t x = v.get_int64();
      if (!std::in_range<I>(x)) return out_of_range<I>(err);
      out = static_cast<I>(x);
      return true;
    }
    case boost::json::kind::uint64: {
      const std::uint64_t x = v.get_uint64();
      if (!std::in_range<I>(x)) return out_of_range<I>(err);
      out = static_cast<I>(x);
      return true;
    }
    case boost::json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d) || std::trunc(d) != d) {
        err.message = "expected integer, got non-integral number";
        return false;
      }
      // Bounds as powers of two are exact in a double, unlike the type's maximum itself
      // (2^63 - 1 rounds up to 2^63), so this comparison has no rounding holes.
      constexpr double upper = power_of_two(std::numeric_limits<I>::digits);
      constexpr double lower = std::is_signed_v<I> ? -upper : 0.0;
      if (d < lower || d >= upper) return out_of_range<I>(err);
      out = static_cast<I>(d);
      return true;
    }
    default:
      return type_mismatch("integer", v, err);
  }
}

template <class F>
bool decode_number(const boost::json::value& v, F& out, decode_error& err) {
  double d = 0;
  switch (v.kind()) {
    case boost::json::kind::int64:
      d = static_cast<double>(v.get_int64());
      break;
    case boost::json::kind::uint64:
      d = static_cast<double>(v.get_uint64());
      break;
    case boost::json::kind::double_:
      d = v.get_double();
      break;
    default:
      return type_mismatch("number", v, err);
  }
  // Parsed JSON cannot hold these, but a value built in code can.
  if (!std::isfinite(d)) {
    err.message = "expected a finite number";
    return false;
  }
  if constexpr (std::is_same_v<F, float>) {
    if (std::fabs(d) > FLT_MAX) {
      err.message = "out of range for float";
      return false;
    }
  }
  out = static_cast<F>(d);
  return true;
}

template <class E>
bool decode_enum(const boost::json::value& v, E& out, decode_error& err) {
  const boost::json::string* s = v.if_string();
  if (s == nullptr) return type_mismatch("string", v, err);
  const std::string_view text(s->data(), s->size());
  bool found = false;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto D) {
    if (!found && text == decltype(D)::name) {
      out = decltype(D)::value;
      found = true;
    }
  });
  if (found) return true;
  err.message = "must be one of:";
  const char* separator = " ";
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto D) {
    err.message += separator;
    err.message += decltype(D)::name;
    separator = ", ";
  });
  return false;
}

template <class T>
bool decode_into(const boost::json::value& v, T& out, decode_error& err);

template <class T>
bool decode_struct(const boost::json::value& v, T& out, decode_error& err) {
  static_assert(check_struct<T>());
  const boost::json::object* obj = v.if_object();
  if (obj == nullptr) return type_mismatch("object", v, err);
  // Start from T{} even when `out` held something else, so that absent members get the
  // values schema_of<T> advertises as defaults.
  out = T{};
  bool ok = true;
  std::size_t matched = 0;
  boost::mp11::mp_for_each<members_t<T>>([&](auto D) {
    using Desc = decltype(D);
    using M = member_type_t<T, Desc>;
    constexpr std::string_view name = json_name(Desc::name);
    if (!ok) return;
    if (const boost::json::value* member = obj->if_contains(name)) {
      ++matched;
      if (!decode_into(*member, out.*Desc::pointer, err)) {
        prepend_key(err, name);
        ok = false;
      }
    } else if constexpr (!optional_traits<M>::value && !is_defaulted<T>(Desc::name)) {
      err.message = "required property is missing";
      prepend_key(err, name);
      ok = false;
    }
  });
  if (!ok) return false;
  // Member names are unique, so each match consumed a distinct key; any key left over is
  // one the schema forbids through additionalProperties:false.
  if (matched == obj->size()) return true;
  for (const boost::json::key_value_pair& kv : *obj) {
    const std::string_view key = view(kv.key());
    bool known = false;
    for (std::string_view name : json_names<T>) known = known || name == key;
    if (known) continue;
    err.message = "unknown property";
    const char* separator = "; allowed: ";
    for (std::string_view name : json_names<T>) {
      err.message += separator;
      err.message += name;
      separator = ", ";
    }
    prepend_key(err, key);
    return false;
  }
  return true;
}

template <class T>
bool decode_into(const boost::json::value& v, T& out, decode_error& err) {
  constexpr kind k = kind_of<T>();
  if constexpr (k == kind::boolean) {
    if (!v.is_bool()) return type_mismatch("boolean", v, err);
    out = v.get_bool();
    return true;
  } else if constexpr (k == kind::integer) {
    return decode_integer(v, out, err);
  } else if constexpr (k == kind::number) {
    return decode_number(v, out, err);
  } else if constexpr (k == kind::string) {
    const boost::json::string* s = v.if_string();
    if (s == nullptr) return type_mismatch("string", v, err);
    out.assign(s->data(), s->size());
    return true;
  } else if constexpr (k == kind::enumeration) {
    return decode_enum(v, out, err);
  } else if constexpr (k == kind::optional) {
    if (v.is_null()) {
      out.reset();
      return true;
    }
    return decode_into(v, out.emplace(), err);
  } else if constexpr (k == kind::array) {
    const boost::json::array* a = v.if_array();
    if (a == nullptr) return type_mismatch("array", v, err);
    out.clear();
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
      // Through a local rather than out.back(): std::vector<bool> has no bool& to bind.
      typename vector_traits<T>::element item{};
      if (!decode_into((*a)[i], item, err)) {
        prepend_index(err, i);
        return false;
      }
      out.push_back(std::move(item));
    }
    return true;
  } else if constexpr (k == kind::map) {
    const boost::json::object* o = v.if_object();
    if (o == nullptr) return type_mismatch("object", v, err);
    out.clear();
    for (const boost::json::key_value_pair& kv : *o) {
      typename map_traits<T>::element item{};
      if (!decode_into(kv.value(), item, err)) {
        prepend_key(err, view(kv.key()));
        return false;
      }
      out.emplace(std::string(view(kv.key())), std::move(item));
    }
    return true;
  } else if constexpr (k == kind::any) {
    out = v;
    return true;
  } else if constexpr (k == kind::json_object) {
    const boost::json::object* o = v.if_object();
    if (o == nullptr) return type_mismatch("object", v, err);
    out = *o;
    return true;
  } else if constexpr (k == kind::json_array) {
    const boost::json::array* a = v.if_array();
    if (a == nullptr) return type_mismatch("array", v, err);
    out = *a;
    return true;
  } else if constexpr (k == kind::structure) {
    return decode_struct(v, out, err);
  } else {
    static_assert(dependent_false<T>,
                  "mcpxx::schema: unsupported type; see mcpxx/schema/traits.hpp for the list");
  }
}

}  // namespace detail

// Decodes any supported T, typically a described struct from a tool's "arguments". An absent
// "arguments" should be passed as an empty object; null is reported as a type error.
template <class T>
decoded<T> decode(const boost::json::value& v) {
  decoded<T> result;
  T value{};
  decode_error err;
  if (detail::decode_into(v, value, err)) {
    result.value.emplace(std::move(value));
  } else {
    result.error.emplace(std::move(err));
  }
  return result;
}

}  // namespace mcpxx::schema
