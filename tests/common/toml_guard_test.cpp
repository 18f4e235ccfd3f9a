// toml_parse_checked refuses, before toml++ 3.3 sees them, the non-ASCII
// characters it cannot classify outside strings (found by fuzz/fuzz_manifest:
// UBSan "execution reached an unreachable program point" in
// is_non_ascii_horizontal_whitespace; the gcc-built library instead took the
// character for whitespace and accepted a malformed profile.toml).
#include "common/toml_guard.h"

#include <gtest/gtest.h>

namespace profile {
namespace {

std::string refusal(const std::string& text) {
  try {
    (void)toml_parse_checked(text, "f.toml");
  } catch (const toml::parse_error& e) {
    return std::to_string(e.source().begin.line) + ":" + std::to_string(e.source().begin.column) + " " +
           std::string(e.description());
  }
  return "";
}

TEST(TomlGuard, NonAsciiOutsideStringsIsRefusedWithItsPlace) {
  EXPECT_EQ(refusal("a = 1\xcc\xaa\n"), "1:6 a character that is not ASCII outside a string or comment");  // #295
  EXPECT_EQ(refusal("a = 1\nb = \xc2\xa7\n"), "2:5 a character that is not ASCII outside a string or comment");
  EXPECT_EQ(refusal("\xe2\xbc\x80"), "1:1 a character that is not ASCII outside a string or comment");
  EXPECT_EQ(refusal("s = \"\"\"\\\n\xc2\xa7\"\"\"\n"), "2:1 a character that is not ASCII outside a string or comment");
  EXPECT_EQ(refusal("s = \"\"\"x\\  \r\n  \xcf\x80\"\"\"\n"),
            "2:3 a character that is not ASCII outside a string or comment");
  // Found by fuzz/fuzz_manifest: U+FEDF right after a backslash.
  EXPECT_EQ(refusal("p0 =\"\"\"o\\\\\\\\\\\xef\xbb\x9f\"\"\"\n"),
            "1:14 a character that is not ASCII outside a string or comment");
  // toml++ reads a bare value up to whitespace or a delimiter, quotes included
  // (found by fuzz/fuzz_manifest: omand =0"/`\xc3\xa9").
  EXPECT_EQ(refusal("a = 0\"\xc3\xa9\"\n"), "1:7 a character that is not ASCII outside a string or comment");
  EXPECT_EQ(refusal("omand =0[\"/`\xc3\xa9\"\n"), "1:13 a character that is not ASCII outside a string or comment");
  EXPECT_EQ(refusal("nd =0a/K=\"\xc3\xa9\"\n"), "1:11 a character that is not ASCII outside a string or comment");
  EXPECT_EQ(refusal("a = [1, 2\"\xc3\xa9\"]\n"), "1:11 a character that is not ASCII outside a string or comment");
  EXPECT_EQ(refusal("a = true\"\xc3\xa9\"\n"), "1:10 a character that is not ASCII outside a string or comment");
  EXPECT_EQ(refusal("a = 0{\"\xc3\xa9\"\n"), "1:8 a character that is not ASCII outside a string or comment");
  EXPECT_EQ(refusal("a = 1.\"\xc3\xa9\"\n"), "1:8 a character that is not ASCII outside a string or comment");
  EXPECT_EQ(refusal("a = \"x\" \"\xc3\xa9\"\n"), "1:10 a character that is not ASCII outside a string or comment");
  // Found by fuzz/fuzz_manifest (U+03C0 after a string toml++ cut short).
  EXPECT_EQ(refusal("[workload]\nname = \"a\"\ncommand = [\"x\"]\xcf\x80\n"),
            "3:16 a character that is not ASCII outside a string or comment");
}

TEST(TomlGuard, NonAsciiInStringsAndCommentsIsKept) {
  auto t = toml_parse_checked(
      "# caf\xc3\xa9\n\"\xc3\xa9\" = \"\xc2\xa7 \xcf\x80\"\nb = '\xe2\xbc\x80'\nc = \"\"\"\n\xc2\xa7\"\"\"\n"
      "d = '''\xcf\x80'''''\ne = \"\\\"\xc2\xa7\"\nf = \"\"\"a\\\"\"\"\xc2\xa7\"\"\"\n",
      "f.toml");
  EXPECT_EQ(t["\xc3\xa9"].value<std::string>(), "\xc2\xa7 \xcf\x80");
  EXPECT_EQ(t["b"].value<std::string>(), "\xe2\xbc\x80");
  EXPECT_EQ(t["c"].value<std::string>(), "\xc2\xa7");
  EXPECT_EQ(t["d"].value<std::string>(), "\xcf\x80''");
  EXPECT_EQ(t["e"].value<std::string>(), "\"\xc2\xa7");
  EXPECT_EQ(t["f"].value<std::string>(), "a\"\"\"\xc2\xa7");
}

TEST(TomlGuard, StringsStartWhereTomlStartsThem) {
  auto t = toml_parse_checked(
      "[\"s\xc3\xa9\".'\xc3\xa9']\na.\"\xc3\xa9\" = [\n  \"\xc3\xa9\", # \xc3\xa9\n  {k = \"\xc3\xa9\", l.\"\xc3\xa9\" "
      "= ['\xc3\xa9']},\n]\n"
      "b = {c = [\"\xc3\xa9\"], d = \"\xc3\xa9\"}\n[[\"\xc3\xa9\"]]\n",
      "f.toml");
  const auto* arr = t["s\xc3\xa9"]["\xc3\xa9"]["a"]["\xc3\xa9"].as_array();
  ASSERT_NE(arr, nullptr);
  EXPECT_EQ(arr->size(), 2U);
  EXPECT_EQ(t["s\xc3\xa9"]["\xc3\xa9"]["b"]["d"].value<std::string>(), "\xc3\xa9");
}

TEST(TomlGuard, SyntaxErrorsStillComeFromToml) {
  EXPECT_NE(refusal("a = [1,\n"), "");
  EXPECT_EQ(refusal("a = [1]\n"), "");
}

}  // namespace
}  // namespace profile
