#include "mcpxx/schema/schema.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>
#include <boost/describe.hpp>
#include <boost/json.hpp>

namespace {

namespace json = boost::json;
using mcpxx::schema::decode;
using mcpxx::schema::encode;

enum class color { red, green, blue };
BOOST_DESCRIBE_ENUM(color, red, green, blue)

struct point {
  double x = 0;
  double y = 0;
  friend bool operator==(const point&, const point&) = default;
};
BOOST_DESCRIBE_STRUCT(point, (), (x, y))
MCPXX_DEFAULTS(point, y)

struct every_kind {
  bool flag = false;
  std::int8_t i8 = 0;
  std::uint8_t u8 = 0;
  std::int16_t i16 = 0;
  std::uint16_t u16 = 0;
  std::int32_t i32 = 0;
  std::uint32_t u32 = 0;
  std::int64_t i64 = 0;
  std::uint64_t u64 = 0;
  float f = 0;
  double d = 0;
  std::string text;
  color colour = color::red;
  std::optional<int> maybe;
  std::optional<point> maybe_point;
  std::vector<int> numbers;
  std::vector<point> points;
  std::vector<std::optional<std::string>> sparse;
  std::vector<bool> bits;
  std::map<std::string, int> counts;
  std::unordered_map<std::string, point> named;
  point origin;
  json::value anything;
  json::object meta;
  json::array list;
  std::string class_;
  friend bool operator==(const every_kind&, const every_kind&) = default;
};
BOOST_DESCRIBE_STRUCT(every_kind, (),
                      (flag, i8, u8, i16, u16, i32, u32, i64, u64, f, d, text, colour, maybe,
                       maybe_point, numbers, points, sparse, bits, counts, named, origin, anything,
                       meta, list, class_))

every_kind sample() {
  every_kind k;
  k.flag = true;
  k.i8 = std::numeric_limits<std::int8_t>::min();
  k.u8 = std::numeric_limits<std::uint8_t>::max();
  k.i16 = -1234;
  k.u16 = 65535;
  k.i32 = std::numeric_limits<std::int32_t>::min();
  k.u32 = std::numeric_limits<std::uint32_t>::max();
  k.i64 = std::numeric_limits<std::int64_t>::min();
  k.u64 = std::numeric_limits<std::uint64_t>::max();
  k.f = 0.1F;
  k.d = 1.0 / 3.0;
  k.text = "line\n\"quoted\" \xE2\x9C\x93";
  k.colour = color::blue;
  k.maybe = 42;
  k.maybe_point = point{1.5, -2.5};
  k.numbers = {1, -2, 3};
  k.points = {{0, 0}, {3.25, 4}};
  k.sparse = {"a", std::nullopt, "c"};
  k.bits = {true, false, true};
  k.counts = {{"a/b", 1}, {"~", 2}};
  k.named = {{"home", {5, 6}}};
  k.origin = {7, 8};
  k.anything = json::parse(R"({"nested":[1,null,"x"]})");
  k.meta = {{"k", "v"}};
  k.list = {1, "two", nullptr};
  k.class_ = "keyword";
  return k;
}

TEST(schema_encode, NulloptMemberIsOmitted) {
  const json::object o = encode(every_kind{}).as_object();
  EXPECT_FALSE(o.contains("maybe"));
  EXPECT_FALSE(o.contains("maybe_point"));
}

TEST(schema_encode, EngagedOptionalMemberIsWrittenAsItsValue) {
  const json::object o = encode(sample()).as_object();
  EXPECT_EQ(o.at("maybe"), 42);
  EXPECT_EQ(o.at("maybe_point"), (json::object{{"x", 1.5}, {"y", -2.5}}));
}

TEST(schema_encode, EnumIsWrittenByName) {
  EXPECT_EQ(encode(color::green), "green");
  EXPECT_EQ(encode(sample()).as_object().at("colour"), "blue");
}

TEST(schema_encode, EnumValueWithoutEnumeratorIsWrittenAsItsNumber) {
  EXPECT_EQ(encode(static_cast<color>(42)), 42);
}

TEST(schema_encode, TrailingUnderscoreIsStrippedFromMemberName) {
  const json::object o = encode(sample()).as_object();
  EXPECT_EQ(o.at("class"), "keyword");
  EXPECT_FALSE(o.contains("class_"));
}

TEST(schema_encode, MembersAppearInDeclarationOrder) {
  EXPECT_EQ(json::serialize(encode(point{1, 2})), R"({"x":1E0,"y":2E0})");
}

TEST(schema_encode, EmptyOptionalInsideContainerIsNull) {
  EXPECT_EQ(encode(std::vector<std::optional<int>>{1, std::nullopt}), (json::array{1, nullptr}));
}

TEST(schema_encode, IntegersKeepExactValues) {
  const json::object o = encode(sample()).as_object();
  EXPECT_EQ(o.at("i64").as_int64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(o.at("u64").as_uint64(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_TRUE(o.at("u32").is_int64()) << "unsigned values that fit are written as int64";
}

TEST(schema_encode, NonFiniteNumberIsWrittenAsNull) {
  EXPECT_TRUE(encode(std::numeric_limits<double>::quiet_NaN()).is_null());
  EXPECT_TRUE(encode(std::numeric_limits<float>::infinity()).is_null());
}

TEST(schema_encode, MapsBecomeObjects) {
  EXPECT_EQ(encode(std::map<std::string, int>{{"a", 1}}), (json::object{{"a", 1}}));
}

TEST(schema_encode, UsesTheGivenMemoryResource) {
  json::monotonic_resource mr;
  json::storage_ptr sp(&mr);
  const json::value v = encode(sample(), sp);
  EXPECT_EQ(v.storage().get(), sp.get());
  EXPECT_EQ(v.as_object().at("points").storage().get(), sp.get());
}

TEST(schema_encode, DecodeOfEncodeRoundTripsEveryKind) {
  const every_kind original = sample();
  const auto back = decode<every_kind>(encode(original));
  ASSERT_TRUE(back.ok()) << to_string(*back.error);
  EXPECT_EQ(*back.value, original);
}

TEST(schema_encode, RoundTripThroughSerializedTextIsExact) {
  const every_kind original = sample();
  const auto back = decode<every_kind>(json::parse(json::serialize(encode(original))));
  ASSERT_TRUE(back.ok()) << to_string(*back.error);
  EXPECT_EQ(*back.value, original);
}

TEST(schema_encode, RoundTripOfValueInitializedStruct) {
  const auto back = decode<every_kind>(encode(every_kind{}));
  ASSERT_TRUE(back.ok()) << to_string(*back.error);
  EXPECT_EQ(*back.value, every_kind{});
}

}  // namespace
