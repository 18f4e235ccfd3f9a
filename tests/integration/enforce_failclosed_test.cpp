// `profile enforce` fails closed: a bundle that would run without a mechanism,
// or with a limit that means something else than it says, is refused in one
// sentence, unless the bundle says so explicitly (and then it is said on stderr).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "tests/support/privileged.h"
#include "tests/support/run.h"
#include "tests/support/workdir.h"

namespace profile {
namespace {
using testing::run;
// Not under /tmp: enforce gives the workload a private /tmp.
struct WorkDir : testing::WorkDir {
  WorkDir() : testing::WorkDir("enforce-failclosed") {}
};
using testing::slurp;

const std::string kProfile = PROFILE_BINARY;

void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

testing::RunResult sh_in(const WorkDir& w, const std::string& cmd) {
  return run({"/bin/sh", "-c", "cd '" + w.path() + "' && " + cmd});
}

testing::RunResult enforce(const WorkDir& w, const std::vector<std::string>& args) {
  std::string cmd = "exec '" + kProfile + "' enforce bundle";
  for (const auto& a : args) cmd += " '" + a + "'";
  return sh_in(w, cmd);
}

// A bundle of `cat in.txt > out.txt`, learned here.
void learn_cat(const WorkDir& w) {
  spit(w.file("in.txt"), "payload\n");
  auto r = sh_in(w, "exec '" + kProfile + "' -q learn --tracer ptrace -o bundle -- /bin/sh -c 'cat in.txt > out.txt'");
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(::unlink(w.file("out.txt").c_str()), 0);
}

// Replaces `key = ...` in profile.toml's [artifacts] and appends `extra` to it.
void set_artifact(const WorkDir& w, const std::string& key, const std::string& value, const std::string& extra = "") {
  std::string toml = slurp(w.file("bundle/profile.toml"));
  toml = std::regex_replace(toml, std::regex("\n" + key + " = [^\n]*"), "\n" + key + " = " + value);
  spit(w.file("bundle/profile.toml"), toml + extra);
}

bool ran(const WorkDir& w) {
  struct stat st {};
  bool r = ::stat(w.file("out.txt").c_str(), &st) == 0;
  ::unlink(w.file("out.txt").c_str());
  return r;
}

TEST(EnforceFailClosed, EmptySeccompIsRefusedUnlessDeclaredUnconfined) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  learn_cat(w);
  set_artifact(w, "seccomp", "''");
  auto refused = enforce(w, {});
  EXPECT_EQ(refused.status, 2) << refused.err;
  EXPECT_NE(refused.err.find("[artifacts] seccomp is empty: refusing to run the workload without seccomp"),
            std::string::npos)
      << refused.err;
  EXPECT_FALSE(ran(w)) << "the workload ran without seccomp";

  set_artifact(w, "selinux_required", "false", "unconfined = ['seccomp']\n");
  auto declared = enforce(w, {});
  EXPECT_EQ(declared.status, 0) << declared.err;
  EXPECT_TRUE(ran(w));
  EXPECT_NE(declared.err.find("running without seccomp"), std::string::npos) << "not said on stderr: " << declared.err;
}

TEST(EnforceFailClosed, EmptyLandlockIsRefusedUnlessDeclaredUnconfined) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  learn_cat(w);
  std::string landlock = slurp(w.file("bundle/landlock.json"));
  std::string manifest = slurp(w.file("bundle/profile.toml"));
  // Both ways of running without Landlock: no file, and a file that handles nothing.
  set_artifact(w, "landlock", "''");
  auto no_file = enforce(w, {});
  EXPECT_EQ(no_file.status, 2) << no_file.err;
  EXPECT_NE(no_file.err.find("[artifacts] landlock is empty: refusing"), std::string::npos) << no_file.err;
  EXPECT_FALSE(ran(w));

  set_artifact(w, "landlock", "'landlock.json'");
  spit(w.file("bundle/landlock.json"), "{\"format\": \"profile-landlock/1\", \"min_abi\": 1}\n");
  auto empty = enforce(w, {});
  EXPECT_EQ(empty.status, 2) << empty.err;
  EXPECT_NE(empty.err.find("landlock.json handles no access (an empty ruleset): refusing"), std::string::npos)
      << empty.err;
  EXPECT_FALSE(ran(w));

  spit(w.file("bundle/profile.toml"), manifest + "unconfined = ['landlock']\n");
  auto declared = enforce(w, {});
  EXPECT_EQ(declared.status, 0) << declared.err;
  EXPECT_TRUE(ran(w));
  EXPECT_NE(declared.err.find("running without landlock"), std::string::npos) << declared.err;

  spit(w.file("bundle/landlock.json"), landlock);
  spit(w.file("bundle/profile.toml"), manifest + "unconfined = ['apparmor']\n");
  auto bad = enforce(w, {});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("unknown mechanism \"apparmor\""), std::string::npos) << bad.err;
}

TEST(EnforceFailClosed, MemorySizesThatDoNotMeanWhatTheySayAreRefused) {
  WorkDir w;
  for (const char* size : {"0.4", "0.9B", "1e300", "20000000000G"}) {
    auto r = run({kProfile, "enforce", w.path(), "--memory", size});
    EXPECT_EQ(r.status, 2) << size;
    EXPECT_NE(r.err.find("--memory"), std::string::npos) << size << ": " << r.err;
  }
}

}  // namespace
}  // namespace profile

namespace profile {
namespace {

int kernel_landlock_abi() {
  long v = ::syscall(444 /* landlock_create_ruleset */, nullptr, 0, 1U /* LANDLOCK_CREATE_RULESET_VERSION */);
  return v < 0 ? 0 : static_cast<int>(v);
}

// A bundle learned from `script` in its own work dir, enforced with the
// launcher's Landlock ABI capped (PROFILE_TEST_LANDLOCK_ABI_CAP) as on an older
// kernel: refused below `needs` (naming `feature`), run from it on.
void expect_runs_from_abi(const std::string& script, int needs, const std::string& feature) {
  WorkDir w;
  spit(w.file("in.txt"), "payload\n");
  // --net loopback: with the host's network, any unix socket (glibc's nscd probe,
  // made by python's getpwuid when HOME is unset as under CI) rightly requires
  // the scope feature; this test is about the file and TCP features.
  auto learned = sh_in(
      w, "exec '" + kProfile + "' -q learn --tracer ptrace --net loopback -o bundle -- /bin/sh -c '" + script + "'");
  ASSERT_EQ(learned.status, 0) << script << ": " << learned.err;
  std::string manifest = slurp(w.file("bundle/profile.toml"));
  // show says which mechanism covers each feature, and which one is required.
  auto show = sh_in(w, "exec '" + kProfile + "' show bundle");
  ASSERT_EQ(show.status, 0) << show.err;
  std::regex required_line("\n  " + feature + " +ABI [0-9] +required:");
  EXPECT_TRUE(std::regex_search(show.out, required_line)) << show.out;
  if (feature != "net_tcp") {
    EXPECT_NE(show.out.find("not needed:  seccomp: no TCP socket was seen"), std::string::npos) << show.out;
  }
  EXPECT_NE(show.out.find("signals: the container's pid namespace"), std::string::npos) << show.out;
  for (int abi : {0, 1, 2, 3, 4, 6}) {
    ::unlink(w.file("out.txt").c_str());
    auto r =
        sh_in(w, "PROFILE_TEST_LANDLOCK_ABI_CAP=" + std::to_string(abi) + " exec '" + kProfile + "' enforce bundle");
    if (abi < needs) {
      EXPECT_NE(r.status, 0) << script << " ran at ABI " << abi;
      EXPECT_FALSE(ran(w)) << script << " ran at ABI " << abi;
      // Every missing required feature is named: fs alone at ABI 0 would hide the next refusal.
      EXPECT_NE(r.err.find("requires the Landlock feature"), std::string::npos) << r.err;
      for (const std::string& f : {abi == 0 ? std::string("fs") : feature, feature})
        EXPECT_NE(r.err.find("\"" + f + "\""), std::string::npos) << script << " at ABI " << abi << ": " << r.err;
    } else {
      EXPECT_EQ(r.status, 0) << script << " at ABI " << abi << ": " << r.err << manifest;
      EXPECT_TRUE(ran(w)) << script << " at ABI " << abi;
      EXPECT_NE(r.err.find("using Landlock ABI " + std::to_string(abi)), std::string::npos) << r.err;
    }
  }
}

// Landlock features are required only where the recording shows a use that no
// other mechanism confines: a plain file workload runs on ABI 1 (seccomp refuses
// TCP sockets and truncate(2); the pid and network namespaces scope signals and
// abstract sockets), and each observed use raises the ABI to its feature's.
// --allow-missing-landlock accepts each feature landlock_required may name:
// a bundle requiring refer, truncate or ioctl_dev is refused on a kernel just
// below the feature's ABI, naming it, and runs once the user lets it go.
TEST(EnforceLandlockAbi, AllowMissingLandlockAcceptsReferTruncateAndIoctlDev) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  PROFILE_REQUIRE(kernel_landlock_abi() >= 5, "the cap is tested below ABI 5");
  WorkDir w;
  spit(w.file("in.txt"), "payload\n");
  auto learned =
      sh_in(w, "exec '" + kProfile +
                   "' -q learn --tracer ptrace --net loopback -o bundle -- /bin/sh -c 'cat in.txt > out.txt'");
  ASSERT_EQ(learned.status, 0) << learned.err;
  const std::string manifest = slurp(w.file("bundle/profile.toml"));
  const std::regex required_line("landlock_required = \\[[^\\]]*\\]");
  ASSERT_TRUE(std::regex_search(manifest, required_line)) << manifest;
  for (const auto& [feature, abi] :
       std::vector<std::pair<std::string, int>>{{"refer", 1}, {"truncate", 2}, {"ioctl_dev", 4}}) {
    spit(w.file("bundle/profile.toml"),
         std::regex_replace(manifest, required_line, "landlock_required = [ 'fs', '" + feature + "' ]"));
    std::string capped =
        "PROFILE_TEST_LANDLOCK_ABI_CAP=" + std::to_string(abi) + " exec '" + kProfile + "' enforce bundle";
    ::unlink(w.file("out.txt").c_str());
    auto refused = sh_in(w, capped);
    EXPECT_NE(refused.status, 0) << feature << ": " << refused.err;
    EXPECT_NE(refused.err.find("requires the Landlock feature \"" + feature + "\""), std::string::npos)
        << feature << ": " << refused.err;
    EXPECT_FALSE(ran(w)) << feature;
    auto allowed = sh_in(w, capped + " --allow-missing-landlock " + feature);
    EXPECT_EQ(allowed.status, 0) << feature << ": " << allowed.err;
    EXPECT_TRUE(ran(w)) << feature;
  }
}

TEST(EnforceLandlockAbi, FilesOnlyRunFromAbi1) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  PROFILE_REQUIRE(kernel_landlock_abi() >= 6, "the cap is tested below ABI 6");
  expect_runs_from_abi("cat in.txt > out.txt", 1, "fs");
}

TEST(EnforceLandlockAbi, RenameNeedsRefer) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  PROFILE_REQUIRE(kernel_landlock_abi() >= 6, "the cap is tested below ABI 6");
  expect_runs_from_abi("mkdir -p a b; cat in.txt > a/x; mv a/x b/x; cat b/x > out.txt", 2, "refer");
}

TEST(EnforceLandlockAbi, TruncateByPathNeedsTruncate) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  PROFILE_REQUIRE(kernel_landlock_abi() >= 6, "the cap is tested below ABI 6");
  expect_runs_from_abi("cat in.txt > out.txt; python3 -c \"import os; os.truncate(\\\"out.txt\\\", 3)\"", 3,
                       "truncate");
}

TEST(EnforceLandlockAbi, TcpNeedsNetTcp) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  PROFILE_REQUIRE(kernel_landlock_abi() >= 6, "the cap is tested below ABI 6");
  expect_runs_from_abi(
      "python3 -c \"import socket; s = socket.socket(); s.bind((\\\"127.0.0.1\\\", 0))\"; cat in.txt > out.txt", 4,
      "net_tcp");
}

}  // namespace
}  // namespace profile
