#include "mcpxx/schema/schema.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>
#include <boost/describe.hpp>
#include <boost/json.hpp>

namespace {

namespace json = boost::json;
using mcpxx::schema::decode;
using mcpxx::schema::decode_error;

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

struct numbers {
  std::int8_t i8 = 0;
  std::uint32_t u32 = 0;
  std::int32_t i32 = 0;
  std::int64_t i64 = 0;
  std::uint64_t u64 = 0;
  float f = 0;
  double d = 0;
};
BOOST_DESCRIBE_STRUCT(numbers, (), (i8, u32, i32, i64, u64, f, d))
MCPXX_DEFAULTS(numbers, i8, u32, i32, i64, u64, f, d)

struct collections {
  std::map<std::string, int> counts;
  std::unordered_map<std::string, address> places;
  std::vector<std::optional<int>> sparse;
  std::vector<bool> bits;
};
BOOST_DESCRIBE_STRUCT(collections, (), (counts, places, sparse, bits))
MCPXX_DEFAULTS(collections, counts, places, sparse, bits)

struct json_members {
  json::value any;
  json::object obj;
  json::array arr;
};
BOOST_DESCRIBE_STRUCT(json_members, (), (any, obj, arr))
MCPXX_DEFAULTS(json_members, any, obj, arr)

struct keywords {
  std::string class_;
};
BOOST_DESCRIBE_STRUCT(keywords, (), (class_))

struct options {
  int depth = 3;
  std::string mode = "fast";
};
BOOST_DESCRIBE_STRUCT(options, (), (depth, mode))
MCPXX_DEFAULTS(options, depth, mode)

// The parent's initializer differs from options{}; a present "opts" object is decoded on
// its own terms, so its absent members must take options{} values, as its schema says.
struct with_options {
  options opts{7, "slow"};
};
BOOST_DESCRIBE_STRUCT(with_options, (), (opts))
MCPXX_DEFAULTS(with_options, opts)

template <class T>
decode_error error_of(std::string_view text) {
  auto result = decode<T>(json::parse(text));
  EXPECT_FALSE(result.ok()) << text;
  EXPECT_FALSE(result.value.has_value());
  if (!result.error) return {"<no error>", "<no error>"};
  return *result.error;
}

template <class T>
T value_of(std::string_view text) {
  auto result = decode<T>(json::parse(text));
  EXPECT_TRUE(result.ok()) << text << " -> " << (result.error ? to_string(*result.error) : "");
  EXPECT_FALSE(result.error.has_value());
  return result.value.value_or(T{});
}

constexpr std::string_view minimal = R"({"query":"q","tags":[],"where":{"city":"Oslo"}})";

TEST(schema_decode, DecodesEveryMemberWhenPresent) {
  const auto a = value_of<search_args>(
      R"({"query":"dune","category":"books","limit":5,"tags":["a","b"],
          "where":{"city":"Oslo","zip":"0150"},"ratio":0.25,"verbose":true})");
  EXPECT_EQ(a.query, "dune");
  EXPECT_EQ(a.category_, category::books);
  EXPECT_EQ(a.limit, 5);
  EXPECT_EQ(a.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(a.where.city, "Oslo");
  EXPECT_EQ(a.where.zip, "0150");
  EXPECT_EQ(a.ratio, 0.25);
  EXPECT_TRUE(a.verbose);
}

TEST(schema_decode, AbsentDefaultedMembersKeepValueInitializedValues) {
  const auto a = value_of<search_args>(minimal);
  EXPECT_EQ(a.limit, 10);
  EXPECT_EQ(a.ratio, 0.5);
  EXPECT_FALSE(a.verbose);
}

TEST(schema_decode, AbsentOptionalMemberIsNullopt) {
  const auto a = value_of<search_args>(minimal);
  EXPECT_FALSE(a.category_.has_value());
  EXPECT_FALSE(a.where.zip.has_value());
}

TEST(schema_decode, NullForOptionalMemberIsNullopt) {
  const auto a = value_of<search_args>(
      R"({"query":"q","category":null,"tags":[],"where":{"city":"Oslo","zip":null}})");
  EXPECT_FALSE(a.category_.has_value());
  EXPECT_FALSE(a.where.zip.has_value());
}

TEST(schema_decode, NestedStructAbsentMembersTakeTheNestedTypesDefaults) {
  EXPECT_EQ(value_of<with_options>("{}").opts.depth, 7);
  const auto w = value_of<with_options>(R"({"opts":{"mode":"x"}})");
  EXPECT_EQ(w.opts.depth, 3);
  EXPECT_EQ(w.opts.mode, "x");
}

TEST(schema_decode, MissingRequiredMemberIsReportedAtItsPointer) {
  const auto e = error_of<search_args>(R"({"tags":[],"where":{"city":"Oslo"}})");
  EXPECT_EQ(e.pointer, "/query");
  EXPECT_EQ(e.message, "required property is missing");
}

TEST(schema_decode, MissingNestedRequiredMemberIsReportedAtNestedPointer) {
  const auto e = error_of<search_args>(R"({"query":"q","tags":[],"where":{}})");
  EXPECT_EQ(e.pointer, "/where/city");
  EXPECT_EQ(e.message, "required property is missing");
}

TEST(schema_decode, UnknownPropertyIsRejectedAtItsPointer) {
  const auto e =
      error_of<search_args>(R"({"query":"q","tags":[],"where":{"city":"Oslo"},"colour":"red"})");
  EXPECT_EQ(e.pointer, "/colour");
  EXPECT_NE(e.message.find("unknown property"), std::string::npos);
  EXPECT_NE(e.message.find("query, category, limit"), std::string::npos) << e.message;
}

TEST(schema_decode, UnknownPropertyInNestedStructIsRejected) {
  const auto e =
      error_of<search_args>(R"({"query":"q","tags":[],"where":{"city":"Oslo","country":"NO"}})");
  EXPECT_EQ(e.pointer, "/where/country");
  EXPECT_NE(e.message.find("unknown property"), std::string::npos);
}

TEST(schema_decode, WrongTypeNamesExpectedAndActualKinds) {
  const auto e =
      error_of<search_args>(R"({"query":"q","limit":"ten","tags":[],"where":{"city":"Oslo"}})");
  EXPECT_EQ(e.pointer, "/limit");
  EXPECT_EQ(e.message, "expected integer, got string");
  EXPECT_EQ(error_of<search_args>(R"({"query":7})").message, "expected string, got integer");
  EXPECT_EQ(error_of<search_args>(R"({"query":"q","tags":{}})").message,
            "expected array, got object");
  EXPECT_EQ(error_of<search_args>(R"({"query":"q","tags":[],"where":[]})").message,
            "expected object, got array");
}

TEST(schema_decode, NullForRequiredMemberIsATypeError) {
  const auto e = error_of<search_args>(R"({"query":null,"tags":[],"where":{"city":"Oslo"}})");
  EXPECT_EQ(e.pointer, "/query");
  EXPECT_EQ(e.message, "expected string, got null");
}

TEST(schema_decode, NullRootForStructIsAnErrorAtTheRoot) {
  const auto e = error_of<search_args>("null");
  EXPECT_EQ(e.pointer, "");
  EXPECT_EQ(e.message, "expected object, got null");
}

TEST(schema_decode, NonObjectRootForStructIsAnErrorAtTheRoot) {
  const auto e = error_of<search_args>("[1,2]");
  EXPECT_EQ(e.pointer, "");
  EXPECT_EQ(e.message, "expected object, got array");
}

TEST(schema_decode, EmptyObjectSatisfiesStructWithoutRequiredMembers) {
  const auto o = value_of<options>("{}");
  EXPECT_EQ(o.depth, 3);
  EXPECT_EQ(o.mode, "fast");
}

TEST(schema_decode, IntegerOutOfRangeNamesTheCppTypeRange) {
  auto e = error_of<numbers>(R"({"i32":2147483648})");
  EXPECT_EQ(e.pointer, "/i32");
  EXPECT_EQ(e.message, "out of range for int32 (-2147483648..2147483647)");
  e = error_of<numbers>(R"({"i8":-129})");
  EXPECT_EQ(e.message, "out of range for int8 (-128..127)");
  EXPECT_EQ(value_of<numbers>(R"({"i8":-128})").i8, -128);
}

TEST(schema_decode, IntegralDoubleIsAcceptedAsInteger) {
  EXPECT_EQ(
      value_of<search_args>(R"({"query":"q","limit":5.0,"tags":[],"where":{"city":"Oslo"}})").limit,
      5);
  EXPECT_EQ(value_of<numbers>(R"({"u32":-0.0})").u32, 0U);
}

TEST(schema_decode, FractionalDoubleIsRejectedForInteger) {
  const auto e =
      error_of<search_args>(R"({"query":"q","limit":5.5,"tags":[],"where":{"city":"Oslo"}})");
  EXPECT_EQ(e.pointer, "/limit");
  EXPECT_NE(e.message.find("expected integer"), std::string::npos);
}

TEST(schema_decode, DoubleBeyondIntegerRangeIsRejected) {
  EXPECT_EQ(error_of<numbers>(R"({"i64":9.3e18})").message,
            "out of range for int64 (-9223372036854775808..9223372036854775807)");
  EXPECT_EQ(error_of<numbers>(R"({"u64":1.8446744073709552e19})").pointer, "/u64");
  EXPECT_EQ(value_of<numbers>(R"({"i64":-9.223372036854775808e18})").i64,
            std::numeric_limits<std::int64_t>::min());
}

TEST(schema_decode, NegativeValueIsRejectedForUnsigned) {
  const auto e = error_of<numbers>(R"({"u32":-1})");
  EXPECT_EQ(e.pointer, "/u32");
  EXPECT_EQ(e.message, "out of range for uint32 (0..4294967295)");
  EXPECT_EQ(error_of<numbers>(R"({"u64":-1.0})").message,
            "out of range for uint64 (0..18446744073709551615)");
}

TEST(schema_decode, FullSixtyFourBitRangeIsAccepted) {
  const auto n = value_of<numbers>(R"({"i64":-9223372036854775808,"u64":18446744073709551615})");
  EXPECT_EQ(n.i64, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(n.u64, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(error_of<numbers>(R"({"i64":9223372036854775808})").pointer, "/i64");
}

TEST(schema_decode, NumberMemberAcceptsIntegers) {
  const auto n = value_of<numbers>(R"({"d":2,"f":3})");
  EXPECT_EQ(n.d, 2.0);
  EXPECT_EQ(n.f, 3.0F);
  EXPECT_EQ(error_of<numbers>(R"({"d":"2"})").message, "expected number, got string");
}

TEST(schema_decode, FloatOutOfRangeIsRejected) {
  const auto e = error_of<numbers>(R"({"f":1e39})");
  EXPECT_EQ(e.pointer, "/f");
  EXPECT_EQ(e.message, "out of range for float");
}

TEST(schema_decode, BooleanIsStrict) {
  const auto e =
      error_of<search_args>(R"({"query":"q","tags":[],"where":{"city":"Oslo"},"verbose":1})");
  EXPECT_EQ(e.pointer, "/verbose");
  EXPECT_EQ(e.message, "expected boolean, got integer");
}

TEST(schema_decode, EnumAcceptsEnumeratorName) {
  EXPECT_EQ(value_of<category>(R"("tools")"), category::tools);
}

TEST(schema_decode, EnumRejectsUnknownNameListingTheAllowedNames) {
  const auto e = error_of<search_args>(
      R"({"query":"q","category":"movies","tags":[],"where":{"city":"Oslo"}})");
  EXPECT_EQ(e.pointer, "/category");
  EXPECT_EQ(e.message, "must be one of: books, games, tools");
}

TEST(schema_decode, EnumNameWithEmbeddedNulIsRejected) {
  json::value v = json::string(std::string_view("books\0x", 7));
  EXPECT_FALSE(decode<category>(v).ok());
}

TEST(schema_decode, EnumRejectsNonString) {
  EXPECT_EQ(error_of<category>("1").message, "expected string, got integer");
}

TEST(schema_decode, ArrayElementErrorIsReportedAtItsIndex) {
  const auto e =
      error_of<search_args>(R"({"query":"q","tags":["a","b",3],"where":{"city":"Oslo"}})");
  EXPECT_EQ(e.pointer, "/tags/2");
  EXPECT_EQ(e.message, "expected string, got integer");
}

TEST(schema_decode, NestedContainerErrorsComposePointers) {
  const auto e = error_of<collections>(R"({"places":{"home":{"city":1}}})");
  EXPECT_EQ(e.pointer, "/places/home/city");
}

TEST(schema_decode, MapValueErrorIsReportedAtItsKey) {
  const auto e = error_of<collections>(R"({"counts":{"a":1,"b":"two"}})");
  EXPECT_EQ(e.pointer, "/counts/b");
  EXPECT_EQ(e.message, "expected integer, got string");
}

TEST(schema_decode, PointerEscapesTildeAndSlashInKeys) {
  EXPECT_EQ(error_of<collections>(R"({"counts":{"a/b~c":null}})").pointer, "/counts/a~1b~0c");
  EXPECT_EQ(error_of<options>(R"({"x/y":1})").pointer, "/x~1y");
  EXPECT_EQ(error_of<options>(R"({"~":1})").pointer, "/~0");
}

TEST(schema_decode, MapsVectorsOfOptionalAndVectorBoolDecode) {
  const auto c = value_of<collections>(
      R"({"counts":{"a":1,"b":2},"places":{"w":{"city":"Bergen"}},
          "sparse":[1,null,3],"bits":[true,false]})");
  EXPECT_EQ(c.counts, (std::map<std::string, int>{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(c.places.at("w").city, "Bergen");
  EXPECT_EQ(c.sparse, (std::vector<std::optional<int>>{1, std::nullopt, 3}));
  EXPECT_EQ(c.bits, (std::vector<bool>{true, false}));
}

TEST(schema_decode, TrailingUnderscoreMemberIsReadFromStrippedName) {
  EXPECT_EQ(value_of<keywords>(R"({"class":"x"})").class_, "x");
  EXPECT_EQ(error_of<keywords>(R"({"class":"x","class_":"y"})").pointer, "/class_");
}

TEST(schema_decode, JsonMembersAcceptTheirKinds) {
  const auto j = value_of<json_members>(R"({"any":[1,{"a":null}],"obj":{"k":1},"arr":[true]})");
  EXPECT_EQ(j.any, json::parse(R"([1,{"a":null}])"));
  EXPECT_EQ(j.obj, (json::object{{"k", 1}}));
  EXPECT_EQ(j.arr, (json::array{true}));
  EXPECT_EQ(error_of<json_members>(R"({"obj":[]})").message, "expected object, got array");
  EXPECT_EQ(error_of<json_members>(R"({"arr":{}})").message, "expected array, got object");
}

TEST(schema_decode, NonStructTypesDecodeAtTheRoot) {
  EXPECT_EQ(value_of<std::vector<int>>("[1,2,3]"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(error_of<std::vector<int>>("[1,true]").pointer, "/1");
  EXPECT_EQ(value_of<std::optional<int>>("null"), std::nullopt);
}

TEST(schema_decode, ProgrammaticNonFiniteNumberIsRejected) {
  json::object o;
  o["d"] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(decode<numbers>(o).error->message, "expected a finite number");
}

TEST(schema_decode, ErrorToStringPrefixesPointer) {
  EXPECT_EQ(to_string(decode_error{"/where/city", "required property is missing"}),
            "/where/city: required property is missing");
  EXPECT_EQ(to_string(decode_error{"", "expected object, got null"}), "expected object, got null");
}

TEST(schema_decode, NeverThrowsAndSetsExactlyOneResultOnAnyInput) {
  const std::vector<std::string_view> inputs = {
      "null",
      "true",
      "0",
      "-1",
      "1.5",
      "1e300",
      "18446744073709551615",
      "\"\"",
      "[]",
      "{}",
      R"({"query":[],"tags":null})",
      R"({"query":"q","tags":[[]],"where":{"city":{}}})",
      R"({"":1})",
      R"({"query":"q","tags":[],"where":{"city":"c","zip":5}})",
  };
  for (std::string_view text : inputs) {
    const json::value v = json::parse(text);
    EXPECT_NO_THROW({
      const auto a = decode<search_args>(v);
      EXPECT_NE(a.value.has_value(), a.error.has_value()) << text;
      const auto n = decode<numbers>(v);
      EXPECT_NE(n.value.has_value(), n.error.has_value()) << text;
      const auto c = decode<collections>(v);
      EXPECT_NE(c.value.has_value(), c.error.has_value()) << text;
    }) << text;
  }
}

}  // namespace
