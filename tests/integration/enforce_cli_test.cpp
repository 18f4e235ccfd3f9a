// `profile enforce` from the outside: learn a workload, enforce it, and check
// that the same workload still works while an attack injected into it is denied.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "tests/support/privileged.h"
#include "tests/support/run.h"
#include "tests/support/workdir.h"

namespace profile {
namespace {
using testing::run;
// Not under /tmp: enforce gives the workload a private /tmp.
struct WorkDir : testing::WorkDir {
  WorkDir() : testing::WorkDir("enforce-cli") {}
};
using testing::slurp;

const std::string kProfile = PROFILE_BINARY;

// Learns `script` (run by /bin/sh -c) into DIR/bundle, from the work dir.
void learn(const WorkDir& w, const std::string& script) {
  auto r = run({"/bin/sh", "-c",
                "cd '" + w.path() + "' && exec '" + kProfile + "' -q learn --tracer ptrace -o bundle -- /bin/sh -c '" +
                    script + "'"});
  ASSERT_EQ(r.status, 0) << r.err;
}

testing::RunResult enforce(const WorkDir& w, const std::vector<std::string>& args) {
  std::string cmd = "cd '" + w.path() + "' && exec '" + kProfile + "' enforce bundle";
  for (const auto& a : args) cmd += " '" + a + "'";
  return run({"/bin/sh", "-c", cmd});
}

TEST(EnforceCli, LearnedWorkloadRunsAndInjectedAttacksAreDenied) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  std::ofstream(w.file("in.txt")) << "payload\n";
  learn(w, "cat in.txt > out.txt");
  ASSERT_EQ(::unlink(w.file("out.txt").c_str()), 0);

  auto ok = enforce(w, {});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(slurp(w.file("out.txt")), "payload\n") << "the learned workload must still work";

  // Attacks through the same workload (its shell): read a secret, write
  // outside its files, mount, ptrace, unshare.
  auto shadow = enforce(w, {"--", "/bin/sh", "-c", "cat /etc/shadow"});
  EXPECT_NE(shadow.status, 0);
  EXPECT_EQ(shadow.out.find("root:"), std::string::npos) << shadow.out;
  auto write = enforce(w, {"--", "/bin/sh", "-c", "cat in.txt > /etc/enforce-cli-pwned"});
  EXPECT_NE(write.status, 0);
  struct stat st {};
  EXPECT_NE(::stat("/etc/enforce-cli-pwned", &st), 0);
  for (const char* attack : {"unshare -U true", "mount -t tmpfs none /mnt", "strace -o /dev/null true"}) {
    auto r = enforce(w, {"--", "/bin/sh", "-c", attack});
    EXPECT_NE(r.status, 0) << attack << " was not denied";
  }
}

TEST(EnforceCli, TimeoutKillsTheWholeContainer) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  learn(w, "sleep 0.1");
  auto t0 = std::chrono::steady_clock::now();
  // The same shape as learned (sh execs sleep), only longer.
  auto r = enforce(w, {"--timeout", "1", "--", "/bin/sh", "-c", "sleep 30"});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.status, 124) << r.err;
  EXPECT_LT(secs, 15.0);
  EXPECT_NE(r.err.find("--timeout"), std::string::npos) << r.err;
}

TEST(EnforceCli, ExitStatusAndSignalsPropagate) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  learn(w, "kill -0 $$");  // the profile allows kill(2)
  EXPECT_EQ(enforce(w, {"--", "/bin/sh", "-c", "exit 3"}).status, 3);
  EXPECT_EQ(enforce(w, {"--", "/bin/sh", "-c", "kill -TERM $$"}).status, 128 + 15);
  auto json = enforce(w, {"--json", "--", "/bin/sh", "-c", "exit 3"});
  EXPECT_NE(json.out.find("\"status\": 3"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"seccomp\""), std::string::npos) << json.out;
}

TEST(EnforceCli, MemoryFlagOomKills) {
  PROFILE_REQUIRE(testing::is_root(), "cgroup limits need root or delegation");
  WorkDir w;
  learn(w, "/usr/bin/python3 -c \"b = bytearray(8 << 20)\"");
  EXPECT_EQ(enforce(w, {"--memory", "64M"}).status, 0) << "control: 8 MiB under 64 MiB";
  auto r = enforce(w, {"--memory", "64M", "--", "/bin/sh", "-c", "/usr/bin/python3 -c \"b = bytearray(512 << 20)\""});
  EXPECT_NE(r.status, 0) << r.err;
}

TEST(EnforceCli, ComplainReportsAccessesOutsideTheProfile) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  learn(w, "cat /etc/hostname");
  auto r = enforce(w, {"--complain", "--json", "--", "/bin/sh", "-c", "cat /etc/hostname /etc/passwd"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\"outside_profile\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"/etc/passwd\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"/etc/hostname\""), std::string::npos) << "learned, so not outside:\n" << r.out;
}

TEST(EnforceCli, ComplainHonoursTheTimeout) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  learn(w, "sleep 0.1");
  auto t0 = std::chrono::steady_clock::now();
  auto r = enforce(w, {"--complain", "--timeout", "1", "--", "/bin/sh", "-c", "sleep 30"});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.status, 124) << r.err;
  EXPECT_LT(secs, 15.0);
  EXPECT_NE(r.err.find("--timeout"), std::string::npos) << r.err;
}

TEST(EnforceCli, ComplainUpdateWidensTheProfileToWhatItSaw) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w, elsewhere;
  std::ofstream(w.file("a.txt")) << "a\n";
  // Not below the working directory (which becomes a data directory once a
  // file in it is read): another directory of the host's /tmp, which the
  // private /tmp hides until --update binds it in.
  const std::string b = elsewhere.file("b.txt");
  std::ofstream(b) << "b\n";
  learn(w, "cat a.txt");
  // Control: b.txt is outside the profile, so the wider run is denied.
  auto denied = enforce(w, {"--", "/bin/sh", "-c", "cat a.txt " + b});
  EXPECT_NE(denied.status, 0) << "b.txt was not learned, yet reading it worked";
  std::string before = slurp(w.file("bundle/landlock.json"));

  auto upd = enforce(w, {"--complain", "--update", "--", "/bin/sh", "-c", "cat a.txt " + b});
  ASSERT_EQ(upd.status, 0) << upd.err;
  EXPECT_NE(upd.err.find("b.txt"), std::string::npos) << "complain must name what was outside:\n" << upd.err;
  EXPECT_NE(slurp(w.file("bundle/landlock.json")), before) << "--update must regenerate the bundle";
  EXPECT_NE(slurp(w.file("bundle/recording.json")).find("b.txt"), std::string::npos);

  auto ok = enforce(w, {"--", "/bin/sh", "-c", "cat a.txt " + b});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, "a\nb\n");
  // Still confined: what neither run did stays denied.
  EXPECT_NE(enforce(w, {"--", "/bin/sh", "-c", "cat /etc/shadow"}).status, 0);
}

TEST(EnforceCli, UnprivilegedUserEnforcesInAUserNamespace) {
  PROFILE_REQUIRE(testing::is_root(), "needs root to switch to uid 65534 for the test");
  PROFILE_REQUIRE(::access("/usr/bin/setpriv", X_OK) == 0, "setpriv (util-linux) is needed");
  WorkDir w;
  ::chmod(w.path().c_str(), 0755);
  learn(w, "cat /etc/hostname");
  ASSERT_EQ(std::system(("chmod -R a+rX '" + w.path() + "'").c_str()), 0);
  auto as_nobody = [&](const std::string& args) {
    return run({"/bin/sh", "-c",
                "cd '" + w.path() + "' && exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups '" +
                    kProfile + "' enforce bundle " + args});
  };
  auto ok = as_nobody("");
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, slurp("/etc/hostname"));
  auto denied = as_nobody("-- /bin/sh -c 'cat /etc/passwd'");
  EXPECT_NE(denied.status, 0);
  EXPECT_EQ(denied.out.find("root:"), std::string::npos) << denied.out;
}

TEST(EnforceCli, BadInputIsAUsageError) {
  WorkDir w;
  EXPECT_EQ(run({kProfile, "enforce", w.file("no-bundle")}).status, 2);
  EXPECT_EQ(run({kProfile, "enforce", w.path(), "--memory", "lots"}).status, 2);
  EXPECT_EQ(run({kProfile, "enforce", w.path(), "--update"}).status, 2);
  EXPECT_EQ(run({kProfile, "enforce", w.path(), "--allow-missing-landlock", "teleport"}).status, 2);
}

// --complain says what the run did outside the profile in the headers' words,
// with the raw condition, and tags a dangerous syscall with the reason.
TEST(EnforceCli, ComplainDecodesArgumentsAndTagsDangerousCalls) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  auto learned = run({"/bin/sh", "-c",
                      "cd '" + w.path() + "' && exec '" + kProfile +
                          "' -q learn --tracer ptrace --net loopback -o bundle -- python3 -c "
                          "'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM)'"});
  ASSERT_EQ(learned.status, 0) << learned.err;
  auto r = enforce(w, {"--complain", "--", "python3", "-c",
                       "import socket, ctypes; socket.socket(socket.AF_INET6, socket.SOCK_STREAM); "
                       "ctypes.CDLL(None).unshare(0x10000000)"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("argument socket: family AF_INET6 (10), type SOCK_STREAM (1)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("a0 == 0xa"), std::string::npos) << "the raw condition is kept\n" << r.err;
  EXPECT_NE(r.err.find("syscall  unshare  [DANGEROUS: "), std::string::npos) << r.err;
}

// As root, --user runs the workload as another uid and gid, and a manifest's
// [workload] user (a bundle learned as that user) does the same; --user wins.
TEST(EnforceCli, UserRunsTheWorkloadAsAnotherUser) {
  PROFILE_REQUIRE(testing::is_root(), "needs root to switch users");
  PROFILE_REQUIRE(::access("/usr/bin/setpriv", X_OK) == 0, "setpriv (util-linux) is needed");
  WorkDir w;
  ::chmod(w.path().c_str(), 0755);
  learn(w, "id -u; id -g");
  auto as_root = enforce(w, {});
  EXPECT_EQ(as_root.status, 0) << as_root.err;
  EXPECT_EQ(as_root.out, "0\n0\n");

  auto nobody = enforce(w, {"--user", "65534:65534", "--", "id", "-u"});
  EXPECT_EQ(nobody.status, 0) << nobody.err;
  EXPECT_EQ(nobody.out, "65534\n");
  auto groups = enforce(w, {"--user", "65534:65534", "--", "id", "-g"});
  EXPECT_EQ(groups.out, "65534\n") << groups.err;

  std::string manifest = slurp(w.file("bundle/profile.toml"));
  EXPECT_EQ(manifest.find("user = "), std::string::npos) << "learned as root: no [workload] user\n" << manifest;
  auto at = manifest.find("[workload]\n");
  ASSERT_NE(at, std::string::npos);
  manifest.insert(at + 11, "user = \"65534:65534\"\n");
  std::ofstream(w.file("bundle/profile.toml"), std::ios::trunc) << manifest;
  auto as_manifest = enforce(w, {});
  EXPECT_EQ(as_manifest.status, 0) << as_manifest.err;
  EXPECT_EQ(as_manifest.out, "65534\n65534\n");
  auto overridden = enforce(w, {"--user", "0:0"});
  EXPECT_EQ(overridden.out, "0\n0\n") << overridden.err;

  // Not root: refused in one sentence, before anything runs.
  ASSERT_EQ(std::system(("chmod -R a+rX '" + w.path() + "'").c_str()), 0);
  auto refused = run({"/bin/sh", "-c",
                      "cd '" + w.path() + "' && exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups '" +
                          kProfile + "' enforce bundle --user 0:0"});
  EXPECT_EQ(refused.status, 2) << refused.err;
  EXPECT_NE(refused.err.find("--user needs root"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.out, "");
}

// A workload learned as a non-root user gets [workload] user, so that root
// enforcing the bundle runs it as that user, not as root.
TEST(EnforceCli, BundleLearnedAsAUserRunsAsThatUser) {
  PROFILE_REQUIRE(testing::is_root(), "needs root to learn as another user and to switch back to it");
  PROFILE_REQUIRE(::access("/usr/bin/setpriv", X_OK) == 0, "setpriv (util-linux) is needed");
  WorkDir w;
  ASSERT_EQ(std::system(("chmod 0777 '" + w.path() + "'").c_str()), 0);
  auto learned = run({"/bin/sh", "-c",
                      "cd '" + w.path() + "' && exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups '" +
                          kProfile + "' -q learn --tracer ptrace -o bundle -- /bin/sh -c 'id -u'"});
  if (learned.status != 0 && learned.err.find("user namespace") != std::string::npos)
    GTEST_SKIP() << "unprivileged user namespaces are off here: " << learned.err;
  ASSERT_EQ(learned.status, 0) << learned.err;
  EXPECT_EQ(learned.out, "65534\n");
  EXPECT_NE(slurp(w.file("bundle/profile.toml")).find("user = \"65534:65534\""), std::string::npos)
      << slurp(w.file("bundle/profile.toml"));
  // The bundle belongs to 65534, which enforce refuses for root; hand it over.
  ASSERT_EQ(std::system(("chown -R 0:0 '" + w.file("bundle") + "'").c_str()), 0);
  auto r = enforce(w, {});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "65534\n");
}

}  // namespace
}  // namespace profile
