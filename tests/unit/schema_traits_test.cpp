#include "mcpxx/schema/traits.hpp"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/describe.hpp>
#include <boost/json.hpp>

namespace {

enum class plain_enum { a, b };
enum class named_enum { x, y };
BOOST_DESCRIBE_ENUM(named_enum, x, y)

struct plain_struct {
  int a = 0;
};

struct tool_args {
  std::string name;
  int count = 1;
};
BOOST_DESCRIBE_STRUCT(tool_args, (), (name, count))
MCPXX_DEFAULTS(tool_args, count)
MCPXX_DESCRIPTIONS(tool_args, (name, "Who to greet"))

struct derived_args : tool_args {
  bool loud = false;
};
BOOST_DESCRIBE_STRUCT(derived_args, (tool_args), (loud))

namespace schema = mcpxx::schema;

TEST(schema_traits, DescribedStructIsDetected) {
  static_assert(schema::is_described_struct_v<tool_args>);
  static_assert(schema::described_struct<derived_args>);
  static_assert(schema::is_described_struct<tool_args>::value);
  SUCCEED();
}

TEST(schema_traits, UndescribedTypesAreNotDescribedStructs) {
  static_assert(!schema::is_described_struct_v<plain_struct>);
  static_assert(!schema::is_described_struct_v<int>);
  static_assert(!schema::is_described_struct_v<named_enum>);
  static_assert(!schema::is_described_struct_v<boost::json::object>);
  static_assert(!schema::is_described_struct_v<std::vector<tool_args>>);
  SUCCEED();
}

TEST(schema_traits, OnlyDescribedEnumsAreDescribedEnums) {
  static_assert(schema::described_enum<named_enum>);
  static_assert(!schema::described_enum<plain_enum>);
  SUCCEED();
}

TEST(schema_traits, JsonNameStripsOneTrailingUnderscore) {
  static_assert(schema::json_name("class_") == "class");
  static_assert(schema::json_name("a__") == "a_");
  static_assert(schema::json_name("plain") == "plain");
  static_assert(schema::json_name("_") == "_");
  SUCCEED();
}

TEST(schema_traits, DefaultsAndDescriptionsAreKnownAtCompileTime) {
  static_assert(schema::detail::is_defaulted<tool_args>("count"));
  static_assert(!schema::detail::is_defaulted<tool_args>("name"));
  static_assert(schema::detail::description_of<tool_args>("name") == "Who to greet");
  static_assert(schema::detail::description_of<tool_args>("count").empty());
  SUCCEED();
}

TEST(schema_traits, DerivedStructDoesNotInheritBaseDefaults) {
  // Its own lists are the whole truth; a base's MCPXX_DEFAULTS is not found through it.
  static_assert(!schema::detail::is_defaulted<derived_args>("count"));
  SUCCEED();
}

TEST(schema_traits, SupportedKindsAreClassified) {
  using schema::detail::kind;
  using schema::detail::kind_of;
  static_assert(kind_of<bool>() == kind::boolean);
  static_assert(kind_of<unsigned char>() == kind::integer);
  static_assert(kind_of<char>() == kind::unsupported);
  static_assert(kind_of<std::optional<int>>() == kind::optional);
  static_assert(kind_of<std::vector<tool_args>>() == kind::array);
  static_assert(kind_of<plain_struct>() == kind::unsupported);
  static_assert(kind_of<plain_enum>() == kind::unsupported);
  SUCCEED();
}

}  // namespace
