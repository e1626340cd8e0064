#include "mcpxx/schema/schema.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>
#include <boost/describe.hpp>
#include <boost/json.hpp>

namespace {

namespace json = boost::json;
using mcpxx::schema::schema_of;

enum class category { books, games, tools };
BOOST_DESCRIBE_ENUM(category, books, games, tools)

struct address {
  std::string city;
  std::optional<std::string> zip;
};
BOOST_DESCRIBE_STRUCT(address, (), (city, zip))

struct search_args {
  std::string query;
  std::optional<category> category_;
  int limit = 10;
  std::vector<std::string> tags;
  address where;
  double ratio = 0.5;
  bool verbose = false;
};
BOOST_DESCRIBE_STRUCT(search_args, (), (query, category_, limit, tags, where, ratio, verbose))
MCPXX_DEFAULTS(search_args, limit, ratio, verbose)
MCPXX_DESCRIPTIONS(search_args, (query, "Free-text search"), (limit, "Max results"))

struct all_optional {
  std::optional<int> a;
  std::optional<std::string> b;
  int c = 3;
};
BOOST_DESCRIBE_STRUCT(all_optional, (), (a, b, c))
MCPXX_DEFAULTS(all_optional, c)

struct empty_args {};
BOOST_DESCRIBE_STRUCT(empty_args, (), ())

struct keywords {
  std::string class_;
  int default_ = 0;
  std::string _;
};
BOOST_DESCRIBE_STRUCT(keywords, (), (class_, default_, _))

struct integers {
  std::int8_t i8;
  std::uint8_t u8;
  std::int16_t i16;
  std::uint16_t u16;
  std::int32_t i32;
  std::uint32_t u32;
  std::int64_t i64;
  std::uint64_t u64;
};
BOOST_DESCRIBE_STRUCT(integers, (), (i8, u8, i16, u16, i32, u32, i64, u64))

struct containers {
  std::map<std::string, int> counts;
  std::unordered_map<std::string, address> places;
  std::vector<std::vector<double>> matrix;
};
BOOST_DESCRIBE_STRUCT(containers, (), (counts, places, matrix))

struct json_members {
  json::value any;
  json::object obj;
  json::array arr;
};
BOOST_DESCRIBE_STRUCT(json_members, (), (any, obj, arr))

struct defaulted_extras {
  std::optional<int> unset_default;
  std::optional<int> set_default = 7;
  address home{"Paris", "75001"};
  std::vector<category> kinds{category::games};
  float scale = 2.0F;
};
BOOST_DESCRIBE_STRUCT(defaulted_extras, (), (unset_default, set_default, home, kinds, scale))
MCPXX_DEFAULTS(defaulted_extras, unset_default, set_default, home, kinds, scale)

struct base_args {
  std::string id;
};
BOOST_DESCRIBE_STRUCT(base_args, (), (id))
struct derived_args : base_args {
  int page = 1;
};
BOOST_DESCRIBE_STRUCT(derived_args, (base_args), (page))
MCPXX_DEFAULTS(derived_args, page)

// Every member kind, with defaults on some, for the structural validity test.
struct rich {
  bool flag = true;
  std::uint8_t small = 4;
  std::int64_t big;
  float f;
  double d = -1.5;
  std::string text;
  category kind = category::tools;
  std::optional<category> maybe_kind;
  std::vector<address> addresses;
  std::map<std::string, std::vector<int>> index;
  address where;
  std::optional<address> alt;
  json::value anything;
  json::object meta;
  json::array list;
  std::string class_;
};
BOOST_DESCRIBE_STRUCT(rich, (),
                      (flag, small, big, f, d, text, kind, maybe_kind, addresses, index, where, alt,
                       anything, meta, list, class_))
MCPXX_DEFAULTS(rich, flag, small, d, kind, index)
MCPXX_DESCRIPTIONS(rich, (flag, "A switch"), (class_, "Keyword-named member"))

const json::object& property(const json::object& schema, std::string_view name) {
  return schema.at("properties").as_object().at(name).as_object();
}

TEST(schema_of, StructIsClosedObjectWithRequiredMembersInDeclarationOrder) {
  const json::object s = schema_of<search_args>();
  EXPECT_EQ(s.at("type"), "object");
  EXPECT_EQ(s.at("additionalProperties"), false);
  EXPECT_EQ(s.at("required"), (json::array{"query", "tags", "where"}));
  std::vector<std::string> names;
  for (const auto& kv : s.at("properties").as_object()) names.emplace_back(kv.key());
  EXPECT_EQ(names, (std::vector<std::string>{"query", "category", "limit", "tags", "where", "ratio",
                                             "verbose"}));
}

TEST(schema_of, DefaultedMembersCarryTheirValueInitializedValue) {
  const json::object s = schema_of<search_args>();
  EXPECT_EQ(property(s, "limit").at("default"), 10);
  EXPECT_EQ(property(s, "ratio").at("default"), 0.5);
  EXPECT_EQ(property(s, "verbose").at("default"), false);
  EXPECT_FALSE(property(s, "query").contains("default"));
}

TEST(schema_of, OptionalMemberIsNotRequiredAndUsesInnerSchema) {
  const json::object s = schema_of<search_args>();
  EXPECT_EQ(property(s, "category"),
            (json::object{{"type", "string"}, {"enum", {"books", "games", "tools"}}}));
  const json::object a = schema_of<address>();
  EXPECT_EQ(property(a, "zip"), (json::object{{"type", "string"}}));
  EXPECT_EQ(a.at("required"), (json::array{"city"}));
}

TEST(schema_of, DescribedEnumIsStringWithEnumeratorNames) {
  EXPECT_EQ(schema_of<category>(),
            (json::object{{"type", "string"}, {"enum", {"books", "games", "tools"}}}));
}

TEST(schema_of, NestedStructIsInlined) {
  EXPECT_EQ(property(schema_of<search_args>(), "where"), schema_of<address>());
}

TEST(schema_of, VectorIsArrayWithItemSchema) {
  EXPECT_EQ(property(schema_of<search_args>(), "tags"),
            (json::object{{"type", "array"}, {"items", {{"type", "string"}}}}));
  EXPECT_EQ(property(schema_of<containers>(), "matrix"),
            (json::object{{"type", "array"},
                          {"items", {{"type", "array"}, {"items", {{"type", "number"}}}}}}));
}

TEST(schema_of, StringKeyedMapsAreObjectsWithAdditionalPropertiesSchema) {
  const json::object s = schema_of<containers>();
  EXPECT_EQ(
      property(s, "counts"),
      (json::object{{"type", "object"}, {"additionalProperties", schema_of<std::int32_t>()}}));
  EXPECT_EQ(property(s, "places"),
            (json::object{{"type", "object"}, {"additionalProperties", schema_of<address>()}}));
}

TEST(schema_of, IntegerRangeFollowsCppType) {
  const json::object s = schema_of<integers>();
  auto range = [&](std::string_view name) {
    const json::object& p = property(s, name);
    EXPECT_EQ(p.at("type"), "integer");
    return std::pair{p.at("minimum").as_int64(), p.at("maximum").as_int64()};
  };
  EXPECT_EQ(range("i8"), (std::pair<std::int64_t, std::int64_t>{-128, 127}));
  EXPECT_EQ(range("u8"), (std::pair<std::int64_t, std::int64_t>{0, 255}));
  EXPECT_EQ(range("i16"), (std::pair<std::int64_t, std::int64_t>{-32768, 32767}));
  EXPECT_EQ(range("u16"), (std::pair<std::int64_t, std::int64_t>{0, 65535}));
  EXPECT_EQ(range("i32"), (std::pair<std::int64_t, std::int64_t>{-2147483648LL, 2147483647}));
  EXPECT_EQ(range("u32"), (std::pair<std::int64_t, std::int64_t>{0, 4294967295LL}));
}

TEST(schema_of, SixtyFourBitIntegerRangeIsClampedToJsonSafeIntegers) {
  const json::object s = schema_of<integers>();
  constexpr std::int64_t safe = 9007199254740991;  // 2^53 - 1
  EXPECT_EQ(property(s, "i64").at("minimum"), -safe);
  EXPECT_EQ(property(s, "i64").at("maximum"), safe);
  EXPECT_EQ(property(s, "u64").at("minimum"), 0);
  EXPECT_EQ(property(s, "u64").at("maximum"), safe);
}

TEST(schema_of, ScalarKinds) {
  EXPECT_EQ(schema_of<bool>(), (json::object{{"type", "boolean"}}));
  EXPECT_EQ(schema_of<float>(), (json::object{{"type", "number"}}));
  EXPECT_EQ(schema_of<double>(), (json::object{{"type", "number"}}));
  EXPECT_EQ(schema_of<std::string>(), (json::object{{"type", "string"}}));
}

TEST(schema_of, JsonMembersAreAnyObjectAndArray) {
  const json::object s = schema_of<json_members>();
  EXPECT_EQ(property(s, "any"), json::object{});
  EXPECT_EQ(property(s, "obj"), (json::object{{"type", "object"}}));
  EXPECT_EQ(property(s, "arr"), (json::object{{"type", "array"}}));
}

TEST(schema_of, DescriptionTraitAddsDescriptionToListedMembersOnly) {
  const json::object s = schema_of<search_args>();
  EXPECT_EQ(property(s, "query").at("description"), "Free-text search");
  EXPECT_EQ(property(s, "limit").at("description"), "Max results");
  EXPECT_FALSE(property(s, "tags").contains("description"));
}

TEST(schema_of, TrailingUnderscoreIsStrippedFromPropertyName) {
  const json::object s = schema_of<keywords>();
  const json::object& props = s.at("properties").as_object();
  EXPECT_TRUE(props.contains("class"));
  EXPECT_TRUE(props.contains("default"));
  EXPECT_FALSE(props.contains("class_"));
  EXPECT_TRUE(props.contains("_"));  // a lone underscore would otherwise become ""
  EXPECT_EQ(s.at("required"), (json::array{"class", "default", "_"}));
}

TEST(schema_of, RequiredIsOmittedWhenNoMemberIsRequired) {
  const json::object s = schema_of<all_optional>();
  EXPECT_FALSE(s.contains("required"));
  EXPECT_EQ(s.at("additionalProperties"), false);
}

TEST(schema_of, EmptyStructIsClosedObjectWithNoProperties) {
  EXPECT_EQ(schema_of<empty_args>(), (json::object{{"type", "object"},
                                                   {"properties", json::object{}},
                                                   {"additionalProperties", false}}));
}

TEST(schema_of, DefaultsOfCompoundMembersAreEncoded) {
  const json::object s = schema_of<defaulted_extras>();
  EXPECT_FALSE(property(s, "unset_default").contains("default"));
  EXPECT_EQ(property(s, "set_default").at("default"), 7);
  EXPECT_EQ(property(s, "home").at("default"), (json::object{{"city", "Paris"}, {"zip", "75001"}}));
  EXPECT_EQ(property(s, "kinds").at("default"), (json::array{"games"}));
  EXPECT_EQ(property(s, "scale").at("default"), 2.0);
  EXPECT_FALSE(s.contains("required"));
}

TEST(schema_of, InheritedMembersAreIncluded) {
  const json::object s = schema_of<derived_args>();
  EXPECT_EQ(s.at("required"), (json::array{"id"}));
  EXPECT_EQ(property(s, "page").at("default"), 1);
}

TEST(schema_of, CachedSchemaIsBuiltOnceAndSharedAcrossThreads) {
  std::vector<const json::object*> seen(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] { seen[i] = &mcpxx::schema::cached_schema<rich>(); });
  }
  for (auto& t : threads) t.join();
  for (const json::object* p : seen) {
    EXPECT_EQ(p, seen.front());
  }
  EXPECT_EQ(schema_of<rich>(), *seen.front());
}

// --- Structural validation against the 2020-12 rules for the keywords schema_of emits. ---

bool is_integer(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() && std::trunc(v.get_double()) == v.get_double();
}

// Instance validation for the same keyword subset; used to check "default" values.
bool instance_valid(const json::value& instance, const json::object& schema) {
  if (const json::value* type = schema.if_contains("type")) {
    const json::string& t = type->as_string();
    const bool ok =
        (t == "object" && instance.is_object()) || (t == "array" && instance.is_array()) ||
        (t == "string" && instance.is_string()) || (t == "boolean" && instance.is_bool()) ||
        (t == "null" && instance.is_null()) || (t == "number" && instance.is_number()) ||
        (t == "integer" && is_integer(instance));
    if (!ok) return false;
  }
  if (const json::value* e = schema.if_contains("enum")) {
    bool found = false;
    for (const json::value& candidate : e->as_array()) found = found || candidate == instance;
    if (!found) return false;
  }
  if (instance.is_number()) {
    const double x = instance.to_number<double>();
    if (schema.contains("minimum") && x < schema.at("minimum").to_number<double>()) return false;
    if (schema.contains("maximum") && x > schema.at("maximum").to_number<double>()) return false;
  }
  if (const json::array* arr = instance.if_array(); arr && schema.contains("items")) {
    for (const json::value& item : *arr) {
      if (!instance_valid(item, schema.at("items").as_object())) return false;
    }
  }
  if (const json::object* obj = instance.if_object()) {
    const json::object empty;
    const json::object& props =
        schema.contains("properties") ? schema.at("properties").as_object() : empty;
    if (const json::value* req = schema.if_contains("required")) {
      for (const json::value& name : req->as_array()) {
        if (!obj->contains(name.as_string())) return false;
      }
    }
    for (const auto& kv : *obj) {
      if (const json::value* p = props.if_contains(kv.key())) {
        if (!instance_valid(kv.value(), p->as_object())) return false;
      } else if (const json::value* extra = schema.if_contains("additionalProperties")) {
        if (extra->is_bool() && !extra->get_bool()) return false;
        if (extra->is_object() && !instance_valid(kv.value(), extra->as_object())) return false;
      }
    }
  }
  return true;
}

void expect_valid_schema(const json::value& node, const std::string& at) {
  SCOPED_TRACE(at);
  ASSERT_TRUE(node.is_object()) << "a subschema must be an object";
  const json::object& s = node.as_object();
  static const std::set<std::string, std::less<>> keywords{
      "type",    "properties", "required", "additionalProperties", "items", "enum",
      "minimum", "maximum",    "default",  "description"};
  static const std::set<std::string, std::less<>> types{"null",   "boolean", "object", "array",
                                                        "number", "string",  "integer"};
  for (const auto& kv : s) {
    EXPECT_TRUE(keywords.contains(kv.key())) << kv.key();
  }
  if (const json::value* t = s.if_contains("type")) {
    ASSERT_TRUE(t->is_string());
    EXPECT_TRUE(types.contains(t->get_string()));
  }
  if (const json::value* props = s.if_contains("properties")) {
    ASSERT_TRUE(props->is_object());
    for (const auto& kv : props->get_object()) {
      EXPECT_FALSE(kv.key().empty());
      expect_valid_schema(kv.value(), at + "/properties/" + std::string(kv.key()));
    }
  }
  if (const json::value* req = s.if_contains("required")) {
    ASSERT_TRUE(req->is_array());
    EXPECT_FALSE(req->get_array().empty()) << "empty required should be omitted";
    std::set<std::string> unique;
    for (const json::value& name : req->get_array()) {
      ASSERT_TRUE(name.is_string());
      EXPECT_TRUE(unique.insert(std::string(name.get_string())).second);
      ASSERT_TRUE(s.contains("properties"));
      EXPECT_TRUE(s.at("properties").as_object().contains(name.get_string()));
    }
  }
  if (const json::value* extra = s.if_contains("additionalProperties");
      extra && !extra->is_bool()) {
    expect_valid_schema(*extra, at + "/additionalProperties");
  }
  if (const json::value* items = s.if_contains("items")) expect_valid_schema(*items, at + "/items");
  if (const json::value* e = s.if_contains("enum")) {
    ASSERT_TRUE(e->is_array());
    EXPECT_FALSE(e->get_array().empty());
  }
  if (s.contains("minimum") || s.contains("maximum")) {
    ASSERT_TRUE(s.at("minimum").is_number());
    ASSERT_TRUE(s.at("maximum").is_number());
    EXPECT_LE(s.at("minimum").to_number<double>(), s.at("maximum").to_number<double>());
  }
  if (const json::value* d = s.if_contains("description")) {
    EXPECT_TRUE(d->is_string());
  }
  if (const json::value* d = s.if_contains("default")) {
    EXPECT_TRUE(instance_valid(*d, s)) << "default does not satisfy its own schema";
  }
}

TEST(schema_of, RichStructIsStructurallyValid2020_12ToolSchema) {
  const json::object s = schema_of<rich>();
  ASSERT_EQ(s.at("type"), "object") << "MCP requires inputSchema to be an object schema";
  expect_valid_schema(s, "");
  // Round trip through text, as a client would receive it.
  EXPECT_EQ(json::parse(json::serialize(s)), s);
}

TEST(schema_of, EncodedStructSatisfiesItsOwnSchema) {
  rich r{};
  r.text = "hello";
  r.addresses = {{"Oslo", std::nullopt}, {"Rome", "00100"}};
  r.alt = address{"Lima", std::nullopt};
  r.anything = {1, "two"};
  EXPECT_TRUE(instance_valid(mcpxx::schema::encode(r), schema_of<rich>()));
}

}  // namespace
