// The denial report of `profile enforce`: a bundle learned from a workload, then
// enforced on a run that makes a call the profile lacks. The report names the
// call, its count, the first caller and the mechanism, while the workload still
// sees EPERM (not ENOSYS) and its allowed calls work.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <memory>
#include <regex>

#include "tests/support/privileged.h"
#include "tests/support/run.h"
#include "tests/support/workdir.h"

namespace profile {
namespace {
using testing::run;
using testing::slurp;

const std::string kProfile = PROFILE_BINARY;
const std::string kProbe = std::string(PROFILE_PROGS_DIR) + "/enforce_probe";

// One bundle of `enforce_probe fds` (which never calls getpriority), learned once.
class EnforceDenials : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!profile::testing::is_root()) return;
    dir_ = std::make_unique<testing::WorkDir>("enforce-denials");
    auto r = run({"/bin/sh", "-c",
                  "cd '" + dir_->path() + "' && exec '" + kProfile + "' -q learn --tracer ptrace -o bundle -- '" +
                      kProbe + "' fds"});
    learned_ = r.status == 0;
    if (!learned_) learn_error_ = r.err;
  }
  static void TearDownTestSuite() { dir_.reset(); }
  void SetUp() override {
    PROFILE_REQUIRE(profile::testing::is_root(), "the container needs root or user namespaces");
    ASSERT_TRUE(learned_) << learn_error_;
  }

  static testing::RunResult enforce(const std::vector<std::string>& before, const std::vector<std::string>& probe,
                                    const std::string& env = "") {
    std::string cmd = "cd '" + dir_->path() + "' && exec " + env + " '" + kProfile + "'";
    for (const auto& a : before) cmd += " '" + a + "'";
    cmd += " -- '" + kProbe + "'";
    for (const auto& a : probe) cmd += " '" + a + "'";
    return run({"/bin/sh", "-c", cmd});
  }

  static inline std::unique_ptr<testing::WorkDir> dir_;
  static inline bool learned_ = false;
  static inline std::string learn_error_;
};

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST_F(EnforceDenials, DeniedCallIsReportedAndTheWorkloadStillSeesEperm) {
  auto r = enforce({"enforce", "bundle"}, {"getpriority", "3"});
  // The errno is the profile's, as without the report: not ENOSYS, which a
  // listener that nobody holds would give.
  EXPECT_EQ(r.out, "getpriority EPERM\n") << r.err;
  EXPECT_EQ(r.status, 1) << r.err;
  std::regex line(
      "profile: denied 3x: getpriority\\(\\), first by pid [0-9]+ \\(enforce_probe\\) \u2014 seccomp: "
      "getpriority is not in the profile \\(EPERM\\)\n");
  EXPECT_TRUE(std::regex_search(r.err, line)) << r.err;
  EXPECT_NE(r.err.find("profile: to see all the workload needs outside the profile: profile enforce --complain "
                       "bundle; to add it to the profile: profile enforce --complain --update bundle"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Landlock are not observable here"), std::string::npos) << r.err;
}

TEST_F(EnforceDenials, AllowedCallsWorkAndACleanRunSaysNothing) {
  auto r = enforce({"enforce", "bundle"}, {"fds"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n") << "the workload must see stdio only, not the listener: " << r.out;
  EXPECT_EQ(r.err.find("denied"), std::string::npos) << r.err;
  auto j = enforce({"enforce", "bundle", "--json"}, {"fds"});
  EXPECT_EQ(j.status, 0) << j.err;
  EXPECT_NE(j.out.find("\"denials\": []"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"denials_observed\": {\n    \"seccomp\": true"), std::string::npos)
      << "the report watched seccomp and saw nothing: " << j.out;
}

TEST_F(EnforceDenials, EnosysAnswersStayInTheKernelUnreported) {
  // clone3 gets ENOSYS (so that glibc falls back to clone): not a denial.
  auto r = enforce({"enforce", "bundle"}, {"clone3"});
  EXPECT_EQ(r.out, "clone3 ENOSYS\n") << r.err;
  EXPECT_EQ(r.err.find("profile: denied"), std::string::npos) << r.err;
  // The report was on (the probe failed), and watched seccomp.
  EXPECT_NE(r.err.find("profile: the workload exited with status 1 and seccomp denied it nothing"), std::string::npos)
      << r.err;
}

TEST_F(EnforceDenials, JsonReportCarriesTheDenials) {
  auto r = enforce({"enforce", "bundle", "--json"}, {"getpriority", "2"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out.rfind("getpriority EPERM\n{", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\"denials\": ["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"mechanism\": \"seccomp\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"syscall\": \"getpriority\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"count\": 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"first_command\": \"enforce_probe\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"errno\": \"EPERM\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"seccomp\": true"), std::string::npos) << r.out;
}

TEST_F(EnforceDenials, VerboseSaysEachNewDenialAsItHappens) {
  auto r = enforce({"-v", "enforce", "bundle"}, {"getpriority", "3"});
  EXPECT_EQ(r.out, "getpriority EPERM\n") << r.err;
  // Once live (the first, so count 1), once in the report at the end.
  EXPECT_EQ(count_of(r.err, "profile: denied: getpriority(), by pid"), 1u) << r.err;
  EXPECT_EQ(count_of(r.err, "profile: denied 3x: getpriority()"), 1u) << r.err;
  EXPECT_LT(r.err.find("denied: getpriority()"), r.err.find("denied 3x: getpriority()")) << r.err;
}

TEST_F(EnforceDenials, NoDenialsGivesTodaysBehaviour) {
  auto r = enforce({"enforce", "bundle", "--no-denials", "--json"}, {"getpriority", "3"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out.rfind("getpriority EPERM\n{", 0), 0u) << r.out;
  EXPECT_EQ(r.err.find("denied"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("\"denials\""), std::string::npos) << r.out;
}

TEST_F(EnforceDenials, KernelWithoutUserNotificationFallsBackAndSaysSo) {
  auto r = enforce({"enforce", "bundle", "--json"}, {"getpriority", "2"}, "env PROFILE_TEST_NO_USER_NOTIF=1");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out.rfind("getpriority EPERM\n{", 0), 0u) << r.out;
  EXPECT_EQ(count_of(r.err, "seccomp denials cannot be reported on this kernel"), 1u) << r.err;
  EXPECT_EQ(r.err.find("profile: denied"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("\"seccomp\": false"), std::string::npos) << r.out;
}

// An execve that fails (here refused by Landlock) is reported over the channel
// by the workload, under its filter. With a profile that denies that send, the
// denial must find the launcher already listening, or the launch would hang.
TEST_F(EnforceDenials, FailedExecveWhoseReportIsDeniedDoesNotHang) {
  std::string copy = dir_->path() + "/nosend";
  auto cp = run({"/bin/sh", "-c",
                 "cp -a '" + dir_->path() + "/bundle' '" + copy + "' && python3 -c 'import json,sys; p=sys.argv[1]; " +
                     "j=json.load(open(p)); [r.update(names=[n for n in r[\"names\"] if n != \"sendto\"]) " +
                     "for r in j[\"syscalls\"]]; json.dump(j, open(p, \"w\"))' '" + copy + "/seccomp.json'"});
  ASSERT_EQ(cp.status, 0) << cp.err;
  ASSERT_EQ(slurp(copy + "/seccomp.json").find("\"sendto\""), std::string::npos);
  auto r = run({"/bin/sh", "-c",
                "cd '" + dir_->path() + "' && exec timeout 60 '" + kProfile + "' enforce nosend -- /usr/bin/true"});
  EXPECT_EQ(r.status, 126) << "124 is a hang: " << r.err;
  EXPECT_NE(r.err.find("execve: EACCES"), std::string::npos) << r.err;
}

TEST_F(EnforceDenials, AbortAfterADenialIsCalledOut) {
  auto r = enforce({"enforce", "bundle"}, {"abort-after-denial"});
  EXPECT_EQ(r.out, "getpriority EPERM\n") << r.err;
  // abort() raises SIGABRT; where the profile denies that raise (tgkill),
  // glibc ends in SIGSEGV instead. Either way the report connects the two.
  EXPECT_TRUE(r.status == 128 + SIGSEGV || r.status == 128 + SIGABRT) << r.status << "\n" << r.err;
  EXPECT_NE(r.err.find("profile: denied: getpriority()"), std::string::npos) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("profile: the workload was killed by SIG(SEGV|ABRT) after denied "
                                                  "calls")))
      << r.err;
}

TEST_F(EnforceDenials, SigsysFromAKillingProfileIsCalledOut) {
  // The same bundle, with a profile that kills instead of answering EPERM.
  std::string path = dir_->path() + "/bundle/seccomp.json";
  std::string original = slurp(path);
  std::string killing = std::regex_replace(original, std::regex("\"defaultAction\": \"SCMP_ACT_ERRNO\""),
                                           "\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\"");
  killing = std::regex_replace(killing, std::regex("\"defaultErrnoRet\": [0-9]+,?"), "");
  ASSERT_NE(killing, original);
  std::ofstream(path, std::ios::trunc) << killing;
  auto r = enforce({"enforce", "bundle"}, {"getpriority"});
  std::ofstream(path, std::ios::trunc) << original;
  EXPECT_EQ(r.status, 128 + SIGSYS) << r.err;
  EXPECT_NE(r.err.find("profile: the workload was killed by SIGSYS: the seccomp profile kills a process that makes a "
                       "call outside it"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("profile enforce --complain bundle"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace profile
