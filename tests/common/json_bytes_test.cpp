// dump_bytes: JSON output holding workload strings (paths, argv) that are not
// valid UTF-8 is written losslessly instead of throwing type_error.316.
#include "common/json_bytes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace profile {
namespace {

TEST(JsonBytes, EveryStringAndKeyIsEncodedAndMapsBack) {
  const std::string bad =
      "/tmp/in\xfe"
      "dir/bad\xffname";
  nlohmann::ordered_json j;
  j["dir"] = bad;
  j["notes"] = {"no label known for " + bad + " (x)", "plain"};
  j["files"][bad] = "read";
  j["files"]["/z"] = "write";  // order kept when a key is rebuilt
  j["nested"] = {{{"path", bad}, {"count", 3}}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);  // what dump_bytes prevents

  std::string out;
  ASSERT_NO_THROW(out = dump_bytes(j, 2));
  auto back = nlohmann::ordered_json::parse(out);
  EXPECT_EQ(json_text_to_bytes(back["dir"].get<std::string>()), bad);
  EXPECT_EQ(json_text_to_bytes(back["notes"][0].get<std::string>()), "no label known for " + bad + " (x)");
  EXPECT_EQ(back["notes"][1], "plain");
  ASSERT_EQ(back["files"].size(), 2u);
  EXPECT_EQ(json_text_to_bytes(back["files"].begin().key()), bad);
  EXPECT_EQ(back["files"].begin().value(), "read");
  EXPECT_EQ(back["files"]["/z"], "write");
  EXPECT_EQ(json_text_to_bytes(back["nested"][0]["path"].get<std::string>()), bad);
  EXPECT_EQ(back["nested"][0]["count"], 3);
}

TEST(JsonBytes, ValidUtf8IsWrittenAsNlohmannWritesIt) {
  nlohmann::json j = {{"caf\xc3\xa9", {"a\"b", "\xe4\xb8\xad", 1.5, nullptr, true}}, {"n", -1}};
  EXPECT_EQ(dump_bytes(j), j.dump());
  EXPECT_EQ(dump_bytes(j, 2), j.dump(2));
  // A literal U+10FFFF is itself written byte by byte, so it cannot be mistaken for the byte 0xFF.
  nlohmann::json r = "\xf4\x8f\xbf\xbf";
  EXPECT_EQ(json_text_to_bytes(nlohmann::json::parse(dump_bytes(r)).get<std::string>()), "\xf4\x8f\xbf\xbf");
}

}  // namespace
}  // namespace profile
