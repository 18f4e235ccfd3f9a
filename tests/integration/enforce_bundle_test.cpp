// The bundle is out of the workload's and other users' reach: a confined run
// cannot rewrite the profile of the next one (the bundle is read-only in the
// container), and `profile enforce` refuses a bundle that another user owns or
// may write (StrictModes).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "tests/support/privileged.h"
#include "tests/support/run.h"
#include "tests/support/workdir.h"

namespace profile {
namespace {
using testing::run;
struct WorkDir : testing::WorkDir {
  explicit WorkDir(const std::string& parent) : testing::WorkDir("enforce-bundle", parent) {}
};
using testing::slurp;

const std::string kProfile = PROFILE_BINARY;

testing::RunResult sh_in(const std::string& dir, const std::string& cmd) {
  return run({"/bin/sh", "-c", "cd '" + dir + "' && " + cmd});
}

testing::RunResult enforce(const WorkDir& w, const std::vector<std::string>& args) {
  std::string cmd = "exec '" + kProfile + "' enforce bundle";
  for (const auto& a : args) cmd += " '" + a + "'";
  return sh_in(w.path(), cmd);
}

// Learns a shell that writes into its working directory, then widens the
// bundle's Landlock rules to the whole working directory, as a profile of a
// service that writes its data there has: the bundle in it is then writable
// as far as Landlock goes, and only the read-only bind mount protects it.
void learn_writer(const WorkDir& w) {
  std::ofstream(w.file("in.txt")) << "payload\n";
  auto r = sh_in(w.path(), "exec '" + kProfile +
                               "' -q learn --tracer ptrace -o bundle -- /bin/sh -c "
                               "'cat in.txt > out.txt; printf x > out2.txt; cat out2.txt; rm out2.txt'");
  ASSERT_EQ(r.status, 0) << r.err;
  std::string py =
      "import json,sys\n"
      "p=sys.argv[1]+'/bundle/landlock.json'\n"
      "d=json.load(open(p))\n"
      "d['fs'].append({'path': sys.argv[1], 'access': d['handled_fs']})\n"
      "open(p,'w').write(json.dumps(d))\n";
  auto patch = run({"/usr/bin/python3", "-c", py, w.path()});
  ASSERT_EQ(patch.status, 0) << patch.err;
}

void expect_bundle_survives_its_workload(const WorkDir& w) {
  std::string seccomp = slurp(w.file("bundle/seccomp.json"));
  std::string landlock = slurp(w.file("bundle/landlock.json"));
  std::string manifest = slurp(w.file("bundle/profile.toml"));
  ASSERT_NE(seccomp.find("SCMP_ACT_ERRNO"), std::string::npos);

  // Control: with these rules the workload may write its working directory.
  auto ok = enforce(w, {"--", "/bin/sh", "-c", "cat in.txt > out.txt; printf x > out2.txt; cat out2.txt; rm out2.txt"});
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(slurp(w.file("out.txt")), "payload\n");

  // The attack: the same shell replaces its profile with an allow-all one.
  auto attack = enforce(w, {"--", "/bin/sh", "-c",
                            "printf x > out2.txt; cat out2.txt; rm out2.txt; "
                            "printf '{\"defaultAction\":\"SCMP_ACT_ALLOW\"}' > bundle/seccomp.json; "
                            "printf x > bundle/landlock.json; printf x > bundle/profile.toml; cat in.txt > out.txt"});
  EXPECT_NE(attack.err.find("Read-only file system"), std::string::npos) << attack.err;
  EXPECT_EQ(slurp(w.file("bundle/seccomp.json")), seccomp);
  EXPECT_EQ(slurp(w.file("bundle/landlock.json")), landlock);
  EXPECT_EQ(slurp(w.file("bundle/profile.toml")), manifest);

  // The next run is as confined as ever: what seccomp denied, it still denies.
  auto next = enforce(w, {"--", "/bin/sh", "-c", "unshare -U true"});
  EXPECT_NE(next.status, 0) << "unshare ran after the attack: " << next.err;
}

TEST(EnforceBundle, WorkloadCannotRewriteABundleInItsWorkingDirectory) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w("/var/tmp");
  learn_writer(w);
  expect_bundle_survives_its_workload(w);
}

TEST(EnforceBundle, WorkloadCannotRewriteABundleUnderTmp) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w("/tmp");
  learn_writer(w);
  expect_bundle_survives_its_workload(w);
}

TEST(EnforceBundle, LandlockWritesBelowTheBundleAreNotGranted) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w("/var/tmp");
  learn_writer(w);
  std::string py =
      "import json,sys\n"
      "p=sys.argv[1]+'/bundle/landlock.json'\n"
      "d=json.load(open(p))\n"
      "d['fs']=[r for r in d['fs'] if r['path']!=sys.argv[1]]\n"
      "d['fs'].append({'path': sys.argv[1]+'/bundle', 'access': d['handled_fs']})\n"
      "open(p,'w').write(json.dumps(d))\n";
  ASSERT_EQ(run({"/usr/bin/python3", "-c", py, w.path()}).status, 0);
  auto r = enforce(w, {"--json", "--", "/bin/sh", "-c", "cat in.txt > out.txt"});
  EXPECT_NE(r.out.find("Landlock: not granting " + w.path() + "/bundle (write_file"), std::string::npos) << r.out;
}

// StrictModes: each of these makes `enforce` refuse before anything runs.
TEST(EnforceBundle, BundleOthersCanChangeIsRefused) {
  PROFILE_REQUIRE(testing::is_root(), "chown to another uid needs root");
  WorkDir w("/var/tmp");
  std::ofstream(w.file("in.txt")) << "payload\n";
  ASSERT_EQ(sh_in(w.path(), "exec '" + kProfile + "' -q learn -o bundle -- /bin/sh -c 'cat in.txt > out.txt'").status,
            0);
  struct Case {
    std::string setup, undo, expect;
  };
  std::vector<Case> cases = {
      {"chmod g+w bundle", "chmod g-w bundle", "bundle is writable by its group (mode 0775)"},
      {"chmod o+w bundle/seccomp.json", "chmod o-w bundle/seccomp.json", "bundle/seccomp.json is writable by other"},
      {"chmod g+w bundle/profile.toml", "chmod g-w bundle/profile.toml",
       "bundle/profile.toml is writable by its group"},
      {"chown 4242 bundle/landlock.json", "chown 0 bundle/landlock.json",
       "bundle/landlock.json is owned by uid 4242, neither you (uid 0) nor root"},
      {"chown 4242 bundle", "chown 0 bundle", "bundle is owned by uid 4242"},
      {"mv bundle/seccomp.json bundle/real.json && ln -s real.json bundle/seccomp.json",
       "rm bundle/seccomp.json && mv bundle/real.json bundle/seccomp.json", "bundle/seccomp.json is a symbolic link"},
  };
  ASSERT_EQ(enforce(w, {}).status, 0) << "control: the bundle as written is accepted";
  for (const auto& c : cases) {
    ASSERT_EQ(sh_in(w.path(), c.setup).status, 0) << c.setup;
    ::unlink(w.file("out.txt").c_str());
    auto r = enforce(w, {});
    EXPECT_EQ(r.status, 2) << c.setup << ": " << r.err;
    EXPECT_NE(r.err.find("refusing the bundle bundle: " + c.expect), std::string::npos) << c.setup << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    struct stat st {};
    EXPECT_NE(::stat(w.file("out.txt").c_str(), &st), 0) << c.setup << ": the workload ran";
    ASSERT_EQ(sh_in(w.path(), c.undo).status, 0) << c.undo;
  }
  EXPECT_EQ(enforce(w, {}).status, 0);
}

// A command Landlock will not execute is "cannot execute" (126), as a shell
// says it, not a launcher failure (125); one that does not exist is 127.
TEST(EnforceBundle, ExitCodesOfACommandThatCannotRun) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w("/var/tmp");
  std::ofstream(w.file("in.txt")) << "payload\n";
  ASSERT_EQ(sh_in(w.path(), "exec '" + kProfile + "' -q learn -o bundle -- /bin/sh -c 'cat in.txt > out.txt'").status,
            0);
  auto refused = enforce(w, {"--", "/usr/bin/python3", "-c", "pass"});
  EXPECT_EQ(refused.status, 126) << refused.err;
  EXPECT_NE(refused.err.find("execve: EACCES"), std::string::npos) << refused.err;
  auto missing = enforce(w, {"--", "/no/such/program"});
  EXPECT_EQ(missing.status, 127) << missing.err;
}

}  // namespace
}  // namespace profile
