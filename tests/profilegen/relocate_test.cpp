// Relocatable bundles (issue 16): paths below the learned working directory and
// home are stored as ${WORKDIR}/... and ${HOME}/..., never a shared root, and the
// checkout path does not appear in landlock.json or profile.toml.
#include "profilegen/relocate.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/json_text.h"
#include "common/path_roots.h"
#include "profilegen/bundle.h"
#include "profilegen/diff.h"
#include "tests/profilegen/sample.h"

namespace profile {
namespace {

const GenPolicy& policy() {
  static const GenPolicy p = *load_gen_policy("");
  return p;
}

RunInfo run_in(const std::string& cwd, const std::string& home) {
  RunInfo r;
  r.command = {"/usr/bin/python3", cwd + "/serve.py", "--port=1"};
  r.cwd = cwd;
  r.home = home;
  r.tracer = "ptrace";
  r.arch = "x86_64";
  r.container = {{"net", "loopback"}};
  return r;
}

// A service learned in a CI checkout: reads its data directory, writes its
// output directory, reads a config file in the home, and the system's files.
Recording learned_in(const std::string& checkout, const std::string& home) {
  Recording rec;
  rec.runs.push_back(run_in(checkout, home));
  rec.add_syscall("x86_64", "read", 1);
  rec.add_file(checkout + "/serve.py", Access::Read, kOk, "file");
  rec.add_file(checkout + "/data/a.csv", Access::Read, kOk, "file");
  rec.add_file(checkout + "/data/b.csv", Access::Read, kOk, "file");
  rec.add_file(checkout + "/out", Access::Create, kOk, "dir");
  rec.add_file(checkout + "/out/report.txt", Access::Create, kOk, "file");
  rec.add_file(checkout + "/out/report.txt", Access::Write, kOk, "file");
  rec.add_file(home + "/.config/app/settings.ini", Access::Read, kOk, "file");
  rec.add_file("/etc/hosts", Access::Read, kOk, "file");
  rec.add_exec("/usr/bin/python3.11");
  return rec;
}

TEST(RootRefusal, NeverTheWholeFilesystemNorASharedRootNorOneReachingASensitivePath) {
  for (const char* bad : {"/",
                          "/tmp",
                          "/var/tmp",
                          "/home",
                          "/home/alice",
                          "/root",
                          "/etc",
                          "/usr",
                          "/var",
                          "/srv",
                          "/proc/1",
                          "/proc/1/root",
                          "/dev/shm/x",
                          "/sys/fs",
                          "/etc/ssh",
                          "/etc/ssh/keys",
                          "/home/alice/.ssh",
                          "relative/dir",
                          "",
                          "/a/../b",
                          "/a/./b",
                          "/a//b",
                          "/a/"})
    EXPECT_NE(root_refusal(roots::kWorkdir, bad, policy()), "") << bad;
  for (const char* good : {"/srv/app", "/home/runner/work/app", "/tmp/ci-1/app", "/var/lib/app", "/opt/app/current"})
    EXPECT_EQ(root_refusal(roots::kWorkdir, good, policy()), "") << good;
}

TEST(RootRefusal, AUsersHomeMayStandForHomeButNoSharedRoot) {
  for (const char* good : {"/root", "/home/alice", "/var/lib/postgresql", "/nonexistent"})
    EXPECT_EQ(root_refusal(roots::kHome, good, policy()), "") << good;
  for (const char* bad : {"/", "/home", "/tmp", "/var", "/etc", "/home/alice/.ssh", "/proc/self/root"})
    EXPECT_NE(root_refusal(roots::kHome, bad, policy()), "") << bad;
  EXPECT_NE(root_refusal(roots::kHome, "/", policy()).find("whole filesystem"), std::string::npos);
}

TEST(LearnedRoots, EveryRunsWorkdirAndHomeOutermostFirstAndOnlyValidOnes) {
  Recording rec;
  rec.runs = {run_in("/ci/a", "/root"), run_in("/ci/a/sub", "/root"), run_in("/", "/"), run_in("/builds/b", "/root")};
  std::vector<PathRoot> want = {{"HOME", "/root"}, {"WORKDIR", "/builds/b"}, {"WORKDIR", "/ci/a"}};
  EXPECT_EQ(learned_roots(rec, policy()), want);
  rec.runs = {run_in("/tmp", "/home")};  // neither may be a root: paths stay absolute
  EXPECT_TRUE(learned_roots(rec, policy()).empty());
}

TEST(RelocatePath, TheMostSpecificRootWinsAndHomeOnATie) {
  std::vector<PathRoot> roots = {{"HOME", "/home/runner"}, {"WORKDIR", "/home/runner/work/app"}};
  EXPECT_EQ(relocate_path("/home/runner/work/app", roots), "${WORKDIR}");
  EXPECT_EQ(relocate_path("/home/runner/work/app/data/x", roots), "${WORKDIR}/data/x");
  EXPECT_EQ(relocate_path("/home/runner/.cache/pip", roots), "${HOME}/.cache/pip");
  EXPECT_EQ(relocate_path("/home/runner/work/apple", roots), "${HOME}/work/apple") << "a prefix is not a parent";
  EXPECT_EQ(relocate_path("/etc/hosts", roots), "/etc/hosts");
  EXPECT_EQ(relocate_path("relative", roots), "relative");
  EXPECT_EQ(relocate_path("/root/x", {{"WORKDIR", "/root"}, {"HOME", "/root"}}), "${HOME}/x");
  EXPECT_EQ(relocate_text("read 2 files in /home/runner/work/app/data (named in the arguments)", roots),
            "read 2 files in ${WORKDIR}/data (named in the arguments)");
}

TEST(RootSyntax, SplitsExpandsAndWalksUpToTheFilesystemRoot) {
  EXPECT_EQ(roots::split("${WORKDIR}/a"), std::make_pair(std::string("WORKDIR"), std::string("/a")));
  EXPECT_FALSE(roots::split("${WORKDIRX}/a"));
  EXPECT_FALSE(roots::split("${FOO}/a"));
  EXPECT_FALSE(roots::split("${HOME}x"));
  EXPECT_FALSE(roots::split("/a/${HOME}"));
  EXPECT_EQ(roots::parent("${HOME}/a/b"), "${HOME}/a");
  EXPECT_EQ(roots::parent("${HOME}/a"), "${HOME}");
  EXPECT_EQ(roots::parent("${HOME}"), "/");
  EXPECT_EQ(roots::expand("${WORKDIR}/x", {{"WORKDIR", "/srv/app"}}), "/srv/app/x");
  EXPECT_EQ(roots::expand("/etc/x", {}), "/etc/x");
  EXPECT_FALSE(roots::expand("${HOME}/x", {{"WORKDIR", "/srv/app"}}));
}

// The CI checkout path appears nowhere in what enforce reads.
TEST(RelocateBundle, TheCheckoutPathDoesNotLeakIntoLandlockJsonNorProfileToml) {
  const std::string checkout = "/home/runner/work/app";
  GenerateReport report;
  auto files = render_bundle(learned_in(checkout, "/home/runner"), testing::no_selinux(), "", &report);
  ASSERT_TRUE(files) << files.error().message;
  const std::string& ll = files->at("landlock.json");
  const std::string& toml = files->at("profile.toml");
  EXPECT_EQ(ll.find("/home/runner"), std::string::npos) << ll;
  EXPECT_EQ(toml.find("/home/runner"), std::string::npos) << toml;
  EXPECT_NE(files->at("recording.json").find(checkout), std::string::npos) << "the recording stays faithful";

  auto man = parse_manifest(toml, "profile.toml");
  ASSERT_TRUE(man) << man.error().message;
  EXPECT_EQ(man->cwd, "${WORKDIR}");
  EXPECT_EQ(man->command, (std::vector<std::string>{"/usr/bin/python3", "${WORKDIR}/serve.py", "--port=1"}));
  std::map<std::string, std::set<std::string>> rules;
  const auto doc = nlohmann::json::parse(ll);
  for (const auto& f : doc["fs"])
    for (const auto& a : f["access"]) rules[f["path"].get<std::string>()].insert(a.get<std::string>());
  // Granted by the rule on the path or on a directory above it.
  auto granted = [&](std::string path, const std::string& right) {
    for (;; path = roots::parent(path)) {
      if (rules.count(path) && rules[path].count(right)) return true;
      if (path == "/") return false;
    }
  };
  EXPECT_TRUE(granted("${WORKDIR}/data/a.csv", "read_file")) << ll;
  EXPECT_TRUE(granted("${WORKDIR}/out/report.txt", "write_file")) << ll;
  EXPECT_TRUE(rules.count("${HOME}/.config/app/settings.ini")) << ll;
  EXPECT_TRUE(granted("/etc/hosts", "read_file")) << "outside every root: absolute\n" << ll;
  EXPECT_FALSE(granted("/etc/passwd", "read_file")) << ll;
  EXPECT_FALSE(granted("${HOME}/.ssh/id_rsa", "read_file")) << ll;
  bool noted = false;
  for (const auto& n : report.notes) noted |= n.find("${WORKDIR}") != std::string::npos;
  EXPECT_TRUE(noted) << "the report says what was relocated";
}

// Runs learned in two checkouts merge into one set of ${WORKDIR} rules.
TEST(RelocateBundle, RunsFromDifferentCheckoutsMergeIntoTheSameRules) {
  Recording a = learned_in("/home/runner/work/app", "/home/runner");
  Recording b = learned_in("/builds/group/app", "/root");
  ASSERT_TRUE(a.merge(b));
  auto one = render_bundle(learned_in("/srv/app", "/root"), testing::no_selinux(), "", nullptr);
  auto both = render_bundle(a, testing::no_selinux(), "", nullptr);
  ASSERT_TRUE(one && both);
  auto fs = [](const std::string& text) { return nlohmann::json::parse(text)["fs"]; };
  EXPECT_EQ(fs(both->at("landlock.json")), fs(one->at("landlock.json")));
  for (const char* leaked : {"/home/runner", "/builds/group"}) {
    EXPECT_EQ(both->at("landlock.json").find(leaked), std::string::npos) << leaked;
    EXPECT_EQ(both->at("profile.toml").find(leaked), std::string::npos) << leaked;
  }
}

TEST(RelocateBundle, AWorkingDirectoryThatMayNotBeARootKeepsAbsolutePaths) {
  auto files = render_bundle(learned_in("/", "/"), testing::no_selinux(), "", nullptr);
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(files->at("landlock.json").find("${"), std::string::npos) << files->at("landlock.json");
  auto man = parse_manifest(files->at("profile.toml"), "profile.toml");
  EXPECT_EQ(man->cwd, "/");
}

// Learned in a checkout below /tmp: its private-/tmp bind is relocated too.
TEST(RelocateBundle, PrivateTmpBindsOfTheCheckoutAreRelocated) {
  auto files = render_bundle(learned_in("/tmp/ci-7/app", "/root"), testing::no_selinux(), "", nullptr);
  ASSERT_TRUE(files) << files.error().message;
  auto man = parse_manifest(files->at("profile.toml"), "profile.toml");
  ASSERT_TRUE(man) << man.error().message;
  ASSERT_FALSE(man->bind.empty());
  for (const auto& b : man->bind) {
    EXPECT_EQ(b.source.rfind("${WORKDIR}", 0), 0u) << b.source;
    EXPECT_EQ(b.target, b.source);
  }
  EXPECT_EQ(files->at("profile.toml").find("/tmp/ci-7"), std::string::npos) << files->at("profile.toml");
}

TEST(RelocateManifest, RootsParseAndUnknownOnesAreRejected) {
  auto ok = parse_manifest(
      "[workload]\nname = \"a\"\ncommand = [\"x\"]\ncwd = \"${WORKDIR}\"\n"
      "[container]\nbind = [{source = \"${WORKDIR}/in\", target = \"${HOME}/in\"}]\n",
      "p.toml");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->bind.at(0).target, "${HOME}/in");
  auto bad_cwd = parse_manifest("[workload]\nname = \"a\"\ncommand = [\"x\"]\ncwd = \"${CHECKOUT}/x\"\n", "p.toml");
  ASSERT_FALSE(bad_cwd);
  EXPECT_NE(bad_cwd.error().message.find("unknown root"), std::string::npos) << bad_cwd.error().message;
  auto bad_bind = parse_manifest(
      "[workload]\nname = \"a\"\ncommand = [\"x\"]\n[container]\nbind = [{source = \"${X}/in\", target = \"/in\"}]\n",
      "p.toml");
  EXPECT_FALSE(bad_bind);
}

TEST(RelocateDiff, SensitivePathsBelowHomeAreStillSensitive) {
  const GatePolicy& gp = builtin_gate_policy();
  EXPECT_NE(gp.sensitive_reason("${HOME}/.ssh/id_rsa", {"read_file"}), "");
  EXPECT_NE(gp.sensitive_reason("${HOME}", {"read_file"}), "") << "the whole home reaches its keys";
  EXPECT_EQ(gp.sensitive_reason("${WORKDIR}/data", {"read_file"}), "");
  // A rule on a root is below "/" in the diff's walk, not looped on.
  AllowedView a, b;
  a.files["${WORKDIR}/data"] = {"read_file"};
  b.files["${WORKDIR}/data/x"] = {"read_file"};
  b.files["${WORKDIR}"] = {"write_file"};
  ProfileDiff d = diff_views(a, b);
  ASSERT_EQ(d.added.files.size(), 1u);
  EXPECT_EQ(d.added.files[0].first, "${WORKDIR}");
}

}  // namespace
}  // namespace profile
