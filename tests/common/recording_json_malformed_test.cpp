// recording_from_json on crafted recording.json files: one sentence of kind
// BadInput naming the JSON place, never an exception or a silently wrapped value.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "common/recording.h"

namespace profile {
namespace {

const std::string kRun = R"({"command": ["/bin/true"], "tracer": "ptrace"})";

// A recording with `member` added to an otherwise valid document.
std::string doc(const std::string& member, const std::string& run = kRun) {
  return R"({"format": "profile-recording/1", "runs": [)" + run + R"(], "syscalls": {}, "files": {})" +
         (member.empty() ? "" : ", " + member) + "}";
}

// An input a fuzz target found, kept in fuzz/corpus/ (its seeds).
std::string fuzz_input(const std::string& name) {
  std::ifstream in(std::string(PROFILE_SOURCE_DIR) + "/fuzz/corpus/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_refused(const std::string& json, const std::string& place) {
  auto r = recording_from_json(json, "r.json");
  ASSERT_FALSE(r) << "accepted: " << json.substr(0, 300);
  EXPECT_EQ(r.error().kind, ErrorKind::BadInput) << r.error().message;
  EXPECT_NE(r.error().message.find(place), std::string::npos)
      << "expected \"" << place << "\" in: " << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line: " << r.error().message;
}

TEST(RecordingJsonMalformed, AValidDocumentParses) {
  auto r = recording_from_json(doc(""), "r.json");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->runs.size(), 1U);
}

TEST(RecordingJsonMalformed, WrongTypesAndMissingFieldsNameThePlace) {
  expect_refused(R"({"format": "profile-recording/1", "syscalls": {}, "files": {}})", "r.json: missing \"runs\"");
  expect_refused(R"({"format": 1})", "r.json: no \"format\" field");
  expect_refused(doc(R"("network": [{"family": 1, "op": "connect"}])"), "at /network/0/family: expected string");
  expect_refused(doc(R"("executables": {"/bin/x": "1"})"), "at /executables//bin/x: expected a non-negative integer");
  expect_refused(doc(R"("args": {"x86_64": {"read": {"indices": [0], "masks": [1], "values": [[1, 2]]}}})"),
                 "at /args/x86_64/read/values: each value must be an array with one number per index");
  expect_refused(doc(R"("args": {"x86_64": []})"), "r.json");
  expect_refused(doc(R"("capabilities": {"CAP_X": "why"})"), "at /capabilities/CAP_X: expected an array of strings");
  expect_refused(doc("", R"({"command": "/bin/true", "tracer": "ptrace"})"), "at /runs/0/command: expected array");
  expect_refused(doc("", R"({"command": [], "tracer": "ptrace", "exit": {}})"),
                 "at /runs/0/exit: expected \"code\" or \"signal\"");
}

TEST(RecordingJsonMalformed, HugeNumbersAreRefusedNotWrapped) {
  // 2^32 + 1 was cast to int: exit code 1.
  expect_refused(doc("", R"({"command": [], "tracer": "ptrace", "exit": {"code": 4294967297}})"),
                 "at /runs/0/exit/code: expected a number from 0 to 255");
  expect_refused(doc("", R"({"command": [], "tracer": "ptrace", "exit": {"signal": 256}})"),
                 "at /runs/0/exit/signal: expected a number from 0 to 255");
  expect_refused(doc("", R"({"command": [], "tracer": "ptrace", "uid": 4294967296})"),
                 "at /runs/0/uid: expected a 32-bit id");
  expect_refused(doc(R"("network": [{"family": "inet", "op": "connect", "port": 65536}])"),
                 "at /network/0/port: port must be 0..65535");
  expect_refused(doc(R"("args": {"x86_64": {"read": {"indices": [6], "masks": [1], "values": []}}})"),
                 "argument index must be 0..5");
  expect_refused(doc(R"("executables": {"/bin/x": 18446744073709551616})"), "expected a non-negative integer");
  expect_refused(doc(R"("executables": {"/bin/x": -1})"), "expected a non-negative integer");
}

// Found by fuzz/fuzz_recording_json: nlohmann reports a number beyond a double
// (here 1844674407370955e1615) as out_of_range.406, which escaped the parser.
TEST(RecordingJsonMalformed, NumberBeyondADoubleIsNotValidJson) {
  expect_refused(doc(R"("executables": {"/bin/x": 1844674407370955e1615})"), "r.json: not valid JSON");
  expect_refused(doc(R"("network": [{"family": "inet", "op": "connect", "port": -1e400}])"), "number overflow");
  std::string found = fuzz_input("recording_json/regress-number-overflow.json");
  ASSERT_FALSE(found.empty());
  expect_refused(found, "r.json: not valid JSON");
}

TEST(RecordingJsonMalformed, DeepNestingAndInvalidUtf8) {
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  expect_refused(deep, "r.json: expected a JSON object at the top");
  expect_refused(doc(R"("executables": {"/bin/x": )" + deep + "}"), "expected a non-negative integer");
  expect_refused(doc(R"("network": )" + deep), "at /network/0: expected an object");
  expect_refused(doc(R"("files": {"/x": {"access": {"read": {"ok": 1}}, "type": "\xff"}})"), "r.json: not valid JSON");
  expect_refused(std::string("{\"format\": \"profile-recording/1\"") + '\0' + "}", "r.json: not valid JSON");
}

}  // namespace
}  // namespace profile
