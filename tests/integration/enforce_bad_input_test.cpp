// `profile enforce` on a bundle whose seccomp.json or landlock.json was crafted:
// exit status 2 with one sentence naming the file, never "internal error" (70,
// an exception from the seccomp compiler's thread) and never a workload run
// under a filter that does not deny what the file says (errnoRet 65536 was cast
// to 16 bits: the denied call returned 0).
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/privileged.h"
#include "tests/support/run.h"
#include "tests/support/workdir.h"

namespace profile {
namespace {
using testing::run;

const std::string kProfile = PROFILE_BINARY;

// A bundle written by hand: /bin/sh touching a file, with the given seccomp.json
// and landlock.json ("" = none: [artifacts] unconfined names it). Its cwd is /:
// the caller's (the build tree) may lie under /tmp, which is private in there.
struct Bundle {
  testing::WorkDir dir{"enforce-bad-input"};
  testing::WorkDir out{"enforce-bad-input-out"};  // the bundle itself is read-only to the workload
  Bundle(const std::string& seccomp, const std::string& landlock) {
    std::ofstream(dir.file("profile.toml"))
        << "[workload]\nname = \"w\"\ncommand = [\"/bin/sh\", \"-c\", \"echo ran > " << out.file("ran")
        << "\"]\ncwd = \"/\"\n[container]\nbind = [{source = \"" << out.path() << "\", target = \"" << out.path()
        << "\", readonly = false}]\n[artifacts]\nseccomp = \"seccomp.json\"\nlandlock = \""
        << (landlock.empty() ? "" : "landlock.json") << "\"\n"
        << (landlock.empty() ? "unconfined = [\"landlock\"]\n" : "");
    std::ofstream(dir.file("seccomp.json")) << seccomp;
    if (!landlock.empty()) std::ofstream(dir.file("landlock.json")) << landlock;
  }
  [[nodiscard]] bool ran() const { return !testing::slurp(out.file("ran")).empty(); }
};

void expect_refused(const Bundle& b, const std::string& file, const std::string& what) {
  auto r = run({kProfile, "enforce", b.dir.path()});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(b.dir.file(file)), std::string::npos) << "the message names the file: " << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  EXPECT_FALSE(b.ran()) << "the workload must not run";
}

const std::string kAllowAll = R"({"defaultAction": "SCMP_ACT_ALLOW"})";

TEST(EnforceBadInput, CraftedSeccompJsonExitsTwoWithOneSentence) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  // The control: the same bundle with a well-formed file runs.
  {
    Bundle ok(kAllowAll, "");
    auto r = run({kProfile, "enforce", ok.dir.path()});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(ok.ran());
  }
  // A type error (nlohmann threw) and a number std::stoi threw on: exit 70 before.
  expect_refused(Bundle(R"({"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"architecture": 5}]})", ""),
                 "seccomp.json/archMap", "entries need \"architecture\"");
  expect_refused(
      Bundle(
          R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["99999999999"], "action": "SCMP_ACT_KILL"}]})",
          ""),
      "seccomp.json/syscalls/0", "syscall number 99999999999 is out of range");
  // Accepted before, as a filter whose "denied" call returned 0.
  expect_refused(
      Bundle(
          R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 65536}]})",
          ""),
      "seccomp.json/syscalls/0", "\"errnoRet\" must be an errno number from 1 to 4094");
  expect_refused(Bundle("{\"defaultAction\": ", ""), "seccomp.json", "not valid JSON");
}

TEST(EnforceBadInput, CraftedLandlockJsonExitsTwo) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  expect_refused(Bundle(kAllowAll, R"({"format": "profile-landlock/1", "handled_fs": "read_file"})"),
                 "landlock.json/handled_fs", "expected an array");
  expect_refused(Bundle(kAllowAll, R"({"format": "profile-landlock/1", "handled_fs": [[[[1]]]]})"),
                 "landlock.json/handled_fs", "unknown filesystem access an array");
}

}  // namespace
}  // namespace profile
