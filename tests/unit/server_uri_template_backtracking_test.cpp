// Regression: a variable once ended at the FIRST occurrence of the next literal, with no
// backtracking, so a reserved {+var} followed by a literal that also occurs inside its
// value did not match URIs the template expands to.
#include <mcpxx/server/uri_template.hpp>

#include <gtest/gtest.h>

namespace {

TEST(server_uri_template_backtracking, reserved_variable_followed_by_slash_and_simple_variable) {
  // Expands from {dir:"src/lib", file:"main.cpp"}.
  mcpxx::uri_template t("repo://{+dir}/{file}");
  auto m = t.match("repo://src/lib/main.cpp");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at("dir"), "src/lib");
  EXPECT_EQ(m->at("file"), "main.cpp");
}

TEST(server_uri_template_backtracking, reserved_variable_containing_the_following_literal) {
  // Expands from {path:"a.txt/b"}.
  mcpxx::uri_template t("file:///{+path}.txt");
  auto m = t.match("file:///a.txt/b.txt");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->at("path"), "a.txt/b");
}

}  // namespace
