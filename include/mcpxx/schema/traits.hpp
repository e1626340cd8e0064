// Type classification and per-struct metadata shared by schema_of, decode and encode.
//
// Keeping the type dispatch in one place (detail::kind_of) is what keeps the three in
// agreement: a type is either handled identically by all of them or rejected at compile
// time by all of them.
//
// Supported member types:
//   bool; signed/unsigned integers (not the character types); float, double;
//   std::string; enums described with BOOST_DESCRIBE_ENUM; std::optional<U>;
//   std::vector<U>; std::map / std::unordered_map with std::string keys;
//   structs described with BOOST_DESCRIBE_STRUCT (public and inherited members);
//   boost::json::value (anything), boost::json::object, boost::json::array.
// Self-referential structs are rejected: an inline schema for them would be infinite, and
// without $ref support there is no finite one.
//
// Per-struct metadata, written at namespace scope next to BOOST_DESCRIBE_STRUCT, in the
// same namespace as the struct (both are found by argument-dependent lookup):
//
//   MCPXX_DEFAULTS(search_args, limit, ratio)
//     These members may be omitted by the client. When absent, decode keeps the value they
//     have in a value-initialized search_args{}, and the schema advertises that value as
//     "default". Any member not listed and not a std::optional is required.
//
//   MCPXX_DESCRIPTIONS(search_args, (query, "Free-text search"), (limit, "Max results"))
//     Adds "description" to those properties. The text is what a model reads to decide how
//     to fill the argument, so it is worth writing for every non-obvious member.
//
// Member names are the C++ names (before any trailing '_' is stripped). Naming a member that
// does not exist, or exists but is not listed in BOOST_DESCRIBE_STRUCT, fails to compile.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/describe/enumerators.hpp>
#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>
#include <boost/preprocessor/seq/for_each.hpp>
#include <boost/preprocessor/stringize.hpp>
#include <boost/preprocessor/tuple/elem.hpp>
#include <boost/preprocessor/variadic/to_seq.hpp>

namespace mcpxx::schema {

// True for classes described with BOOST_DESCRIBE_STRUCT / BOOST_DESCRIBE_CLASS: the server
// layer uses it to pick a typed handler over a raw-JSON one.
template <class T>
struct is_described_struct : std::bool_constant<std::is_class_v<T> && !std::is_union_v<T> &&
                                                boost::describe::has_describe_members<T>::value> {};
template <class T>
inline constexpr bool is_described_struct_v = is_described_struct<T>::value;
template <class T>
concept described_struct = is_described_struct_v<T>;

template <class T>
concept described_enum = std::is_enum_v<T> && boost::describe::has_describe_enumerators<T>::value;

// One MCPXX_DESCRIPTIONS entry; `member` is the C++ member name.
struct member_text {
  std::string_view member;
  std::string_view text;
};

// A trailing '_' lets a member be named after a C++ keyword (class_, default_) while the
// client sees the plain word. A lone "_" is left alone so that no property name is empty.
constexpr std::string_view json_name(std::string_view cxx_name) noexcept {
  if (cxx_name.size() > 1 && cxx_name.back() == '_') cxx_name.remove_suffix(1);
  return cxx_name;
}

namespace detail {

template <class>
inline constexpr bool dependent_false = false;

template <class T>
struct optional_traits : std::false_type {};
template <class U>
struct optional_traits<std::optional<U>> : std::true_type {
  using element = U;
};

template <class T>
struct vector_traits : std::false_type {};
template <class U, class A>
struct vector_traits<std::vector<U, A>> : std::true_type {
  using element = U;
};

template <class T>
struct map_traits : std::false_type {};
template <class U, class C, class A>
struct map_traits<std::map<std::string, U, C, A>> : std::true_type {
  using element = U;
};
template <class U, class H, class E, class A>
struct map_traits<std::unordered_map<std::string, U, H, E, A>> : std::true_type {
  using element = U;
};

// Character types are integral but almost never meant as numbers; rejecting them avoids a
// `char` member silently turning into {"type":"integer"}.
template <class T>
inline constexpr bool is_character_v =
    std::is_same_v<T, char> || std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> ||
    std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t>;

enum class kind {
  boolean,
  integer,
  number,
  string,
  enumeration,
  optional,
  array,
  map,
  structure,
  any,
  json_object,
  json_array,
  unsupported,
};

template <class T>
constexpr kind kind_of() noexcept {
  if constexpr (std::is_same_v<T, bool>) {
    return kind::boolean;
  } else if constexpr (std::is_integral_v<T> && !is_character_v<T>) {
    return kind::integer;
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return kind::number;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return kind::string;
  } else if constexpr (described_enum<T>) {
    return kind::enumeration;
  } else if constexpr (optional_traits<T>::value) {
    return kind::optional;
  } else if constexpr (vector_traits<T>::value) {
    return kind::array;
  } else if constexpr (map_traits<T>::value) {
    return kind::map;
  } else if constexpr (std::is_same_v<T, boost::json::value>) {
    return kind::any;
  } else if constexpr (std::is_same_v<T, boost::json::object>) {
    return kind::json_object;
  } else if constexpr (std::is_same_v<T, boost::json::array>) {
    return kind::json_array;
  } else if constexpr (is_described_struct_v<T>) {
    return kind::structure;
  } else {
    return kind::unsupported;
  }
}

template <class T>
inline constexpr bool is_supported_v = kind_of<T>() != kind::unsupported;

template <class T>
using members_t = boost::describe::describe_members<T, boost::describe::mod_public |
                                                           boost::describe::mod_inherited>;

template <class T, class D>
using member_type_t = std::remove_cvref_t<decltype(std::declval<T&>().*D::pointer)>;

template <template <class...> class L, class... D>
constexpr auto cxx_names_of(L<D...>) noexcept {
  return std::array<std::string_view, sizeof...(D)>{std::string_view(D::name)...};
}
template <class T>
inline constexpr auto cxx_names = cxx_names_of(members_t<T>{});

template <template <class...> class L, class... D>
constexpr auto json_names_of(L<D...>) noexcept {
  return std::array<std::string_view, sizeof...(D)>{json_name(D::name)...};
}
template <class T>
inline constexpr auto json_names = json_names_of(members_t<T>{});

// The metadata hooks are free functions found by argument-dependent lookup, as Boost.Describe
// does, so the macros work in any namespace. The T** parameter prevents a derived struct
// from silently picking up its base's lists through a pointer conversion. The deleted
// declarations make the names known here so that the lookup is always a function call.
void mcpxx_schema_defaults() = delete;
void mcpxx_schema_descriptions() = delete;

template <class T>
concept has_defaults_hook = requires(T** p) {
  mcpxx_schema_defaults(p);
};
template <class T>
concept has_descriptions_hook = requires(T** p) {
  mcpxx_schema_descriptions(p);
};

template <class T>
constexpr auto defaults_list() noexcept {
  if constexpr (has_defaults_hook<T>) {
    return mcpxx_schema_defaults(static_cast<T**>(nullptr));
  } else {
    return std::array<std::string_view, 0>{};
  }
}

template <class T>
constexpr auto descriptions_list() noexcept {
  if constexpr (has_descriptions_hook<T>) {
    return mcpxx_schema_descriptions(static_cast<T**>(nullptr));
  } else {
    return std::array<member_text, 0>{};
  }
}

template <class T>
constexpr bool is_defaulted(std::string_view cxx_name) noexcept {
  for (std::string_view n : defaults_list<T>()) {
    if (n == cxx_name) return true;
  }
  return false;
}

// Empty when the member has no description.
template <class T>
constexpr std::string_view description_of(std::string_view cxx_name) noexcept {
  for (const member_text& d : descriptions_list<T>()) {
    if (d.member == cxx_name) return d.text;
  }
  return {};
}

template <class T>
constexpr bool is_described_member(std::string_view cxx_name) noexcept {
  for (std::string_view n : cxx_names<T>) {
    if (n == cxx_name) return true;
  }
  return false;
}

template <class T>
constexpr bool defaults_are_described() noexcept {
  for (std::string_view n : defaults_list<T>()) {
    if (!is_described_member<T>(n)) return false;
  }
  return true;
}

template <class T>
constexpr bool descriptions_are_described() noexcept {
  for (const member_text& d : descriptions_list<T>()) {
    if (!is_described_member<T>(d.member)) return false;
  }
  return true;
}

template <class T>
constexpr bool json_names_unique() noexcept {
  constexpr auto& names = json_names<T>;
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t j = i + 1; j < names.size(); ++j) {
      if (names[i] == names[j]) return false;
    }
  }
  return true;
}

// Self-reference detection: walk member types (through optional/vector/map) and report
// whether `Target` can be reached again. `Seen` bounds the walk on types that are
// recursive without involving Target.
template <class T>
struct leaf {
  using type = T;
};
template <class U>
struct leaf<std::optional<U>> : leaf<U> {};
template <class U, class A>
struct leaf<std::vector<U, A>> : leaf<U> {};
template <class U, class C, class A>
struct leaf<std::map<std::string, U, C, A>> : leaf<U> {};
template <class U, class H, class E, class A>
struct leaf<std::unordered_map<std::string, U, H, E, A>> : leaf<U> {};

template <class Target, class U, class Seen>
constexpr bool reaches() noexcept;

template <class Target, class S, class Seen, template <class...> class L, class... D>
constexpr bool any_member_reaches(L<D...>) noexcept {
  return (reaches<Target, member_type_t<S, D>, Seen>() || ...);
}

template <class Target, class U, class Seen>
constexpr bool reaches() noexcept {
  using L = typename leaf<U>::type;
  if constexpr (!is_described_struct_v<L>) {
    return false;
  } else if constexpr (std::is_same_v<L, Target>) {
    return true;
  } else if constexpr (boost::mp11::mp_contains<Seen, L>::value) {
    return false;
  } else {
    return any_member_reaches<Target, L, boost::mp11::mp_push_back<Seen, L>>(members_t<L>{});
  }
}

template <class T>
inline constexpr bool is_self_referential_v =
    any_member_reaches<T, T, boost::mp11::mp_list<T>>(members_t<T>{});

// Instantiated by every entry point that handles a struct, so misuse is reported once, with
// a message, at the first use.
template <class T>
constexpr bool check_struct() noexcept {
  static_assert(std::is_default_constructible_v<T>,
                "mcpxx::schema: described structs must be default-constructible");
  static_assert(json_names_unique<T>(),
                "mcpxx::schema: two members map to the same JSON name (a trailing '_' is "
                "stripped)");
  static_assert(defaults_are_described<T>(),
                "mcpxx::schema: MCPXX_DEFAULTS names a member not listed in "
                "BOOST_DESCRIBE_STRUCT");
  static_assert(descriptions_are_described<T>(),
                "mcpxx::schema: MCPXX_DESCRIPTIONS names a member not listed in "
                "BOOST_DESCRIBE_STRUCT");
  static_assert(!is_self_referential_v<T>,
                "mcpxx::schema: self-referential structs are not supported (their schema "
                "would be infinite)");
  return true;
}

}  // namespace detail
}  // namespace mcpxx::schema

// Implementation macros. Taking each member's address turns a misspelt name into a
// compile error at the macro rather than a silently ignored entry.
#define MCPXX_DETAIL_SCHEMA_CHECK_MEMBER(r, T, member) (void)&T::member;
#define MCPXX_DETAIL_SCHEMA_MEMBER_NAME(r, data, member) BOOST_PP_STRINGIZE(member),
#define MCPXX_DETAIL_SCHEMA_CHECK_TEXT(r, T, entry) (void)&T::BOOST_PP_TUPLE_ELEM(0, entry);
#define MCPXX_DETAIL_SCHEMA_TEXT(r, data, entry) \
  {BOOST_PP_STRINGIZE(BOOST_PP_TUPLE_ELEM(0, entry)), BOOST_PP_TUPLE_ELEM(1, entry)},

// MCPXX_DEFAULTS(T, member, ...): see the top of this file.
#define MCPXX_DEFAULTS(T, ...)                                                        \
  [[maybe_unused]] constexpr auto mcpxx_schema_defaults(T**) noexcept {               \
    BOOST_PP_SEQ_FOR_EACH(MCPXX_DETAIL_SCHEMA_CHECK_MEMBER, T,                        \
                          BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))                      \
    return std::to_array<std::string_view>({BOOST_PP_SEQ_FOR_EACH(                    \
        MCPXX_DETAIL_SCHEMA_MEMBER_NAME, ~, BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))}); \
  }

// MCPXX_DESCRIPTIONS(T, (member, "text"), ...): see the top of this file.
#define MCPXX_DESCRIPTIONS(T, ...)                                             \
  [[maybe_unused]] constexpr auto mcpxx_schema_descriptions(T**) noexcept {    \
    BOOST_PP_SEQ_FOR_EACH(MCPXX_DETAIL_SCHEMA_CHECK_TEXT, T,                   \
                          BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))               \
    return std::to_array<::mcpxx::schema::member_text>({BOOST_PP_SEQ_FOR_EACH( \
        MCPXX_DETAIL_SCHEMA_TEXT, ~, BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))}); \
  }
