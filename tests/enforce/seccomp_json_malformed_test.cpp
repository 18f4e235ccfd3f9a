// compile_seccomp_json on seccomp.json files a user (or an attacker who can
// write a bundle) crafts: every refusal is one sentence of kind BadInput
// (`profile enforce` exits 2) naming the place, never an exception through the
// Result API (which made enforce print "internal error" and exit 70).
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <sys/syscall.h>

#include "enforce/seccomp_eval.h"
#include "enforce/seccomp_filter.h"

namespace profile {
namespace {

// A profile whose one rule is `rule` (a JSON object's members after "names": ["getpid"]).
std::string with_rule(const std::string& rule) {
  return R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], )" + rule + "}]}";
}

void expect_refused(const std::string& json, const std::string& place) {
  Result<PreparedSeccomp> p = [&] {
    try {
      return compile_seccomp_json(json, "b/seccomp.json");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "an exception escaped: " << e.what() << "\n" << json;
      return Result<PreparedSeccomp>(make_error("threw"));
    }
  }();
  ASSERT_FALSE(p) << "accepted: " << json.substr(0, 300);
  EXPECT_EQ(p.error().kind, ErrorKind::BadInput) << p.error().message;
  EXPECT_NE(p.error().message.find(place), std::string::npos)
      << "expected \"" << place << "\" in: " << p.error().message;
  EXPECT_EQ(p.error().message.find('\n'), std::string::npos) << "one line: " << p.error().message;
}

uint32_t getpid_action(const PreparedSeccomp& p) {
  seccomp_data d{};
  d.nr = SYS_getpid;
  d.arch = AUDIT_ARCH_X86_64;
  auto r = run_seccomp_bpf(p.program, d);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : 0;
}

TEST(SeccompJsonMalformed, WrongTypesAreRefusedWithThePlace) {
  expect_refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": 5}]})",
                 "b/seccomp.json/archMap: entries need \"architecture\"");
  expect_refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": null}]})",
                 "b/seccomp.json/archMap");
  expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": 7}])"),
                 "b/seccomp.json/syscalls/0/args: entries need \"index\" and \"op\"");
  expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": ["SCMP_CMP_EQ"]}])"),
                 "b/seccomp.json/syscalls/0/args");
  expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "args": [{"index": "0", "op": "SCMP_CMP_EQ"}])"),
                 "b/seccomp.json/syscalls/0/args: \"index\" must be a number");
  expect_refused(with_rule(R"("action": 1)"), "b/seccomp.json/syscalls/0: missing \"action\"");
  expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "errnoRet": "1")"),
                 "b/seccomp.json/syscalls/0: \"errnoRet\"");
  expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "errnoRet": 1.5)"), "\"errnoRet\" must be an errno number");
  expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "errnoRet": [1])"), "\"errnoRet\" must be an errno number");
  expect_refused(R"({"defaultAction": ["SCMP_ACT_ERRNO"]})", "b/seccomp.json: missing \"defaultAction\"");
  expect_refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {"names": ["read"]}})",
                 "\"syscalls\" must be an array");
  expect_refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": [1]})", "\"architectures\" must hold strings");
  expect_refused(R"([{"defaultAction": "SCMP_ACT_ERRNO"}])", "b/seccomp.json: expected a JSON object");
}

// The kernel keeps 16 bits of errnoRet and reads only 1..4095 as an error
// number: 65536 was cast to 0, so the denied call returned 0 (success). 0
// and 4095 libseccomp refuses (as the default action seccomp_init failed: exit 125).
TEST(SeccompJsonMalformed, ErrnoRetOutsideTheKernelsErrnoRangeIsRefused) {
  for (const char* v : {"65536", "65537", "4096", "4095", "0", "-1", "-65536", "18446744073709551615", "1e3"})
    expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "errnoRet": )" + std::string(v)),
                   "b/seccomp.json/syscalls/0: \"errnoRet\" must be an errno number from 1 to 4094");
  expect_refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 0})", "\"defaultErrnoRet\" must be");
  expect_refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 65536})",
                 "b/seccomp.json/defaultAction: \"defaultErrnoRet\" must be an errno number from 1 to 4094, not 65536");
  expect_refused(with_rule(R"("action": "SCMP_ACT_TRACE", "errnoRet": 70000)"), "\"errnoRet\" must be an errno number");

  // The bounds themselves compile, to the errno asked for.
  for (int e : {1, 38, 4094}) {
    auto p = compile_seccomp_json(with_rule(R"("action": "SCMP_ACT_ERRNO", "errnoRet": )" + std::to_string(e)),
                                  "b/seccomp.json");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(getpid_action(*p), SECCOMP_RET_ERRNO | static_cast<uint32_t>(e)) << e;
  }
}

TEST(SeccompJsonMalformed, HugeNumbersAreRefusedNotWrapped) {
  // std::stoi threw std::out_of_range through the Result API here.
  expect_refused(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["99999999999"], "action": "SCMP_ACT_ALLOW"}]})",
      "b/seccomp.json/syscalls/0: syscall number 99999999999 is out of range");
  expect_refused(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "2147483648"], "action": "SCMP_ACT_ALLOW"}]})",
      "syscall number 2147483648 is out of range");
  // 2^32 + 1 was cast to index 1 before the range check.
  expect_refused(
      with_rule(R"("action": "SCMP_ACT_ERRNO", "args": [{"index": 4294967297, "value": 1, "op": "SCMP_CMP_EQ"}])"),
      "b/seccomp.json/syscalls/0/args: \"index\" must be 0 to 5");
  expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "args": [{"index": -1, "value": 1, "op": "SCMP_CMP_EQ"}])"),
                 "\"index\" must be 0 to 5");
  // A minKernel too large for sscanf's %u is a kernel this one is older than, not garbage.
  auto p = compile_seccomp_json(
      with_rule(R"("action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "99999999999999999999.1"})"), "b/seccomp.json",
      SeccompCompileOptions{{}, "6.1.0"});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(getpid_action(*p), SECCOMP_RET_ALLOW) << "the rule must not apply";
}

// Found by fuzz/fuzz_seccomp_json: nlohmann reports a number beyond a double as
// out_of_range.406, not parse_error, and only parse_error was caught.
TEST(SeccompJsonMalformed, NumberBeyondADoubleIsNotValidJson) {
  expect_refused(R"({"defhultAction":444e44444)>g CT_KKLL"}]})", "b/seccomp.json: not valid JSON");
  expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "errnoRet": 1e400)"), "b/seccomp.json: not valid JSON");
  expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "errnoRet": -1e400)"), "number overflow");
}

TEST(SeccompJsonMalformed, NotJsonDeepNestingAndInvalidUtf8) {
  expect_refused("{\"defaultAction\": ", "b/seccomp.json: not valid JSON");
  expect_refused("", "b/seccomp.json: not valid JSON");
  expect_refused("{\"defaultAction\": \"SCMP_ACT_\xff\"}", "b/seccomp.json: not valid JSON");
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  expect_refused(deep, "b/seccomp.json: expected a JSON object");
  expect_refused(with_rule(R"("action": "SCMP_ACT_ERRNO", "errnoRet": )" + deep),
                 "\"errnoRet\" must be an errno number");
  expect_refused(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": )" + deep + R"(, "action": "SCMP_ACT_ALLOW"}]})",
      "b/seccomp.json/syscalls/0: \"names\" must hold strings only");
}

}  // namespace
}  // namespace profile
