// parse_landlock_json on crafted landlock.json files: one sentence of kind
// BadInput (`profile enforce` exits 2) naming the place; never an exception, and
// no error message that dumps (recursively) a deeply nested value.
#include <gtest/gtest.h>

#include "enforce/landlock.h"

namespace profile {
namespace {

const std::string kHead = R"({"format": "profile-landlock/1", )";

void expect_refused(const std::string& json, const std::string& place) {
  auto p = parse_landlock_json(json, "b/landlock.json");
  ASSERT_FALSE(p) << "accepted: " << json.substr(0, 300);
  EXPECT_EQ(p.error().kind, ErrorKind::BadInput) << p.error().message;
  EXPECT_NE(p.error().message.find(place), std::string::npos)
      << "expected \"" << place << "\" in: " << p.error().message;
  EXPECT_EQ(p.error().message.find('\n'), std::string::npos) << "one line: " << p.error().message;
}

TEST(LandlockJsonMalformed, WrongTypesAreRefusedWithThePlace) {
  expect_refused(R"({"format": 1})", "b/landlock.json: not a landlock.json document");
  expect_refused(R"(["profile-landlock/1"])", "b/landlock.json: not a landlock.json document");
  expect_refused(kHead + R"("handled_fs": "read_file"})", "b/landlock.json/handled_fs: expected an array");
  expect_refused(kHead + R"("handled_fs": [1]})", "b/landlock.json/handled_fs: unknown filesystem access 1");
  expect_refused(kHead + R"("fs": {"path": "/"}})", "b/landlock.json/fs: expected an array");
  expect_refused(kHead + R"("fs": [{"path": 1}]})", "b/landlock.json/fs/0: expected {\"path\"");
  expect_refused(kHead + R"("handled_fs": ["read_file"], "fs": [{"path": "/", "access": "read_file"}]})",
                 "b/landlock.json/fs/0/access: expected an array");
  // A string or number where an array belongs was iterated as a one-element array.
  expect_refused(kHead + R"("handled_net": "bind_tcp"})", "b/landlock.json/handled_net: expected an array");
  expect_refused(kHead + R"("handled_net": ["bind_tcp"], "net": {"bind_tcp": 80}})",
                 "b/landlock.json/net/bind_tcp: expected an array");
  expect_refused(kHead + R"("scoped": {"signal": true}})", "b/landlock.json/scoped: expected an array");
  expect_refused(kHead + R"("net": []})", "b/landlock.json/net: expected an object");
  expect_refused(kHead + R"("net": {"connect_tcp_ephemeral": 1}})", "connect_tcp_ephemeral: expected true or false");
  expect_refused(kHead + R"("min_abi": "4"})", "b/landlock.json/min_abi: expected an integer");
}

TEST(LandlockJsonMalformed, HugeNumbersAreRefused) {
  expect_refused(kHead + R"("net": {"bind_tcp": [65536]}})", "ports must be integers from 0 to 65535");
  expect_refused(kHead + R"("net": {"connect_tcp": [18446744073709551616]}})", "ports must be integers");
  expect_refused(kHead + R"("net": {"connect_tcp": [-1]}})", "ports must be integers");
}

// As fuzz/fuzz_seccomp_json found for seccomp.json: out_of_range.406 escaped the parser.
TEST(LandlockJsonMalformed, NumberBeyondADoubleIsNotValidJson) {
  expect_refused(kHead + R"("net": {"bind_tcp": [1e400]}})", "b/landlock.json: not valid JSON");
  expect_refused(kHead + R"("min_abi": 4e99999})", "number overflow");
}

TEST(LandlockJsonMalformed, DeepNestingAndInvalidUtf8) {
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  // These messages used to dump the value: a recursion as deep as the nesting.
  expect_refused(kHead + R"("handled_fs": [)" + deep + "]}",
                 "b/landlock.json/handled_fs: unknown filesystem access an array");
  expect_refused(kHead + R"("handled_net": [)" + deep + "]}", "unknown network access an array");
  expect_refused(kHead + R"("scoped": [{"a": )" + deep + "}]}", "unknown scope an object");
  expect_refused(deep, "b/landlock.json: not a landlock.json document");
  expect_refused(kHead + "\"fs\": [{\"path\": \"/\xc3\x28\"}]}", "b/landlock.json: not valid JSON");
  expect_refused(kHead.substr(0, 10), "b/landlock.json: not valid JSON");
}

TEST(LandlockJsonMalformed, AWellFormedFileStillParses) {
  auto p =
      parse_landlock_json(kHead + R"("handled_fs": ["read_file"], "fs": [{"path": "/usr", "access": ["read_file"]}],
      "handled_net": ["connect_tcp"], "net": {"connect_tcp": [443]}, "scoped": ["signal"]})",
                          "b/landlock.json");
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->fs.size(), 1U);
  EXPECT_EQ(p->fs[0].path, "/usr");
  EXPECT_EQ(p->connect_tcp, std::vector<uint16_t>{443});
  EXPECT_NE(p->scoped, 0U);
}

}  // namespace
}  // namespace profile
