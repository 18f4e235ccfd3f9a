#include "profilegen/bundle.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/json_text.h"
#include "profilegen/gen_policy.h"
#include "profilegen/landlock_gen.h"
#include "profilegen/private_tmp.h"
#include "tests/profilegen/sample.h"

namespace profile {
namespace {

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/profilegen-bundle-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { (void)std::system(("rm -rf '" + root_ + "'").c_str()); }
  std::string root_;
};

// A bundle directory, argv, cwd and file paths that are not UTF-8: the manifest
// keeps the bytes (enforce runs the same command) and the --json report (whose
// dir and notes hold paths) is valid JSON that maps back to them.
TEST_F(BundleTest, BytesThatAreNotUtf8SurviveTheManifestAndTheJsonReport) {
  const std::string dir = root_ + "/b\xfd";
  const std::string cwd = root_ +
                          "/in\xfe"
                          "dir";
  Recording rec = testing::sample_recording();
  rec.runs[0].command = {"/usr/bin/app", "--file=" + cwd + "/bad\xffname"};
  rec.runs[0].cwd = cwd;
  rec.add_file(cwd + "/bad\xffname", Access::Create, kOk, "file");
  GenerateReport r;
  auto files = render_bundle(rec, testing::no_selinux(), "", &r);
  ASSERT_TRUE(files) << files.error().message;
  auto man = parse_manifest(files->at("profile.toml"), "profile.toml");
  ASSERT_TRUE(man) << man.error().message;
  EXPECT_EQ(man->command, rec.runs[0].command);
  EXPECT_EQ(man->cwd, "${WORKDIR}") << "relocatable: the learned directory is the root";

  auto gen = generate_bundle(dir, rec, testing::no_selinux());
  ASSERT_TRUE(gen) << gen.error().message;
  gen->notes.push_back("a note naming " + cwd);
  std::string out;
  ASSERT_NO_THROW(out = report_to_json(*gen));
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(json_text_to_bytes(j["dir"].get<std::string>()), dir);
  EXPECT_EQ(json_text_to_bytes(j["notes"].back().get<std::string>()), "a note naming " + cwd);
}

TEST_F(BundleTest, WritesEveryArtifactAndReports) {
  std::string dir = root_ + "/b";
  auto r = generate_bundle(dir, testing::sample_recording(), testing::no_selinux());
  ASSERT_TRUE(r) << r.error().message;
  for (const char* f :
       {"profile.toml", "recording.json", "seccomp.json", "seccomp.oci.json", "seccompprofile.yaml", "landlock.json"})
    EXPECT_TRUE(read_file(dir + "/" + f)) << f;
  EXPECT_GT(r->allowed_per_arch.at("x86_64"), r->observed_per_arch.at("x86_64") - 2);
  bool io_uring_note = false;
  for (const auto& n : r->notes)
    if (n.find("file and network access not mediated by seccomp") != std::string::npos) io_uring_note = true;
  EXPECT_TRUE(io_uring_note);
  std::set<std::string> dangerous;
  for (const auto& d : r->dangerous) dangerous.insert(d.syscall);
  EXPECT_EQ(dangerous, (std::set<std::string>{"io_uring_setup", "ptrace"}));
  auto text = report_to_text(*r);
  EXPECT_NE(text.find("DANGEROUS allowed: ptrace"), std::string::npos) << text;
  EXPECT_NE(report_to_json(*r).find("\"dangerous\""), std::string::npos);
  auto man = parse_manifest(*read_file(dir + "/profile.toml"), "profile.toml");
  ASSERT_TRUE(man) << man.error().message;
  EXPECT_EQ(man->name, "app");
  EXPECT_EQ(man->net, "loopback");
  EXPECT_EQ(man->command, (std::vector<std::string>{"/usr/bin/app", "--serve"}));
}

TEST_F(BundleTest, RegenerationIsByteIdenticalAndKeepsForeignFiles) {
  std::string dir = root_ + "/b";
  ASSERT_TRUE(generate_bundle(dir, testing::sample_recording(), testing::no_selinux()));
  std::string first = *read_file(dir + "/seccomp.json") + *read_file(dir + "/landlock.json");
  ASSERT_EQ(::mkdir((dir + "/extra").c_str(), 0755), 0);
  std::ofstream(dir + "/extra/app.te") << "policy_module(app, 1.0)\n";
  std::ofstream(dir + "/NOTES") << "mine\n";
  // A user's edit of the manifest survives regeneration.
  auto man = parse_manifest(*read_file(dir + "/profile.toml"), "p");
  man->pids_max = 77;
  std::ofstream(dir + "/profile.toml") << manifest_to_toml(*man);
  ASSERT_TRUE(generate_bundle(dir, testing::sample_recording(), testing::no_selinux()));
  EXPECT_EQ(*read_file(dir + "/seccomp.json") + *read_file(dir + "/landlock.json"), first);
  EXPECT_EQ(*read_file(dir + "/extra/app.te"), "policy_module(app, 1.0)\n");
  EXPECT_EQ(*read_file(dir + "/NOTES"), "mine\n");
  EXPECT_EQ(parse_manifest(*read_file(dir + "/profile.toml"), "p")->pids_max, 77u);
  // No staging directory is left behind.
  EXPECT_EQ(std::system(("test -z \"$(ls -A '" + root_ + "' | grep -v '^b$')\"").c_str()), 0);
}

TEST_F(BundleTest, FailureLeavesTheOldBundleUntouched) {
  std::string dir = root_ + "/b";
  ASSERT_TRUE(generate_bundle(dir, testing::sample_recording(), testing::no_selinux()));
  std::string before = *read_file(dir + "/seccomp.json");
  GenerateOptions bad = testing::no_selinux();
  bad.default_action = "explode";
  EXPECT_FALSE(generate_bundle(dir, testing::sample_recording(), bad));
  Recording incomplete = testing::sample_recording();
  incomplete.runs[0].lost_events = 3;
  auto r = generate_bundle(dir, incomplete, testing::no_selinux());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--allow-incomplete"), std::string::npos);
  EXPECT_EQ(*read_file(dir + "/seccomp.json"), before);
  GenerateOptions ok = testing::no_selinux();
  ok.allow_incomplete = true;
  EXPECT_TRUE(generate_bundle(dir, incomplete, ok));
}

TEST_F(BundleTest, BadPolicyFileAndBadManifestAreClearErrors) {
  std::string policy = root_ + "/policy.toml";
  std::ofstream(policy) << "[allow.frobnicate]\nreason = \"x\"\n";
  GenerateOptions o = testing::no_selinux();
  o.policy_file = policy;
  auto r = generate_bundle(root_ + "/b", testing::sample_recording(), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, policy + ":1: unknown syscall name \"frobnicate\"");

  std::ofstream(policy) << "[allow.read\n";
  r = generate_bundle(root_ + "/b", testing::sample_recording(), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind(policy + ":1:", 0), 0u) << r.error().message;

  ASSERT_EQ(::mkdir((root_ + "/c").c_str(), 0755), 0);
  std::ofstream(root_ + "/c/profile.toml") << "[workload]\nname = 3\n";
  r = generate_bundle(root_ + "/c", testing::sample_recording(), testing::no_selinux());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("profile.toml"), std::string::npos);
}

TEST_F(BundleTest, SelinuxModuleIsPartOfTheBundle) {
  std::string dir = root_ + "/b";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((dir + "/selinux").c_str(), 0755), 0);
  std::ofstream(dir + "/selinux/stale.te") << "old\n";
  auto r = generate_bundle(dir, testing::sample_recording(), {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(read_file(dir + "/selinux/stale.te")) << "selinux/ is regenerated, not carried over";
  auto man = parse_manifest(*read_file(dir + "/profile.toml"), "p");
  ASSERT_TRUE(man);
  if (man->selinux_module.empty()) {
    bool said = false;
    for (const auto& n : r->notes) said = said || n.find("no SELinux module was generated") != std::string::npos;
    EXPECT_TRUE(said) << "a missing module is explained";
  } else {
    EXPECT_EQ(man->selinux_module, "selinux/app.pp");
    EXPECT_TRUE(read_file(dir + "/selinux/app.pp"));
  }
}

TEST_F(BundleTest, CorruptRecordingIsRejectedWithItsPlace) {
  auto r = recording_from_json("{\"format\": \"profile-recording/1\", \"syscalls\": 3}", "rec.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("rec.json"), std::string::npos);
  EXPECT_FALSE(recording_from_json("{not json", "rec.json"));
}

TEST_F(BundleTest, PathThatIsAFileIsRefused) {
  std::ofstream(root_ + "/f") << "x";
  auto r = generate_bundle(root_ + "/f", testing::sample_recording(), testing::no_selinux());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a directory"), std::string::npos);
}

}  // namespace
}  // namespace profile

namespace profile {
namespace {

// The derived manifest always gives a private /tmp; what the workload used
// there without creating it is bound in from the host, nothing else.
Manifest derived_manifest(const std::string& dir, const Recording& rec, const std::string& existing = "") {
  if (!existing.empty()) {
    ::mkdir(dir.c_str(), 0755);
    std::ofstream(dir + "/profile.toml") << existing;
  }
  auto r = generate_bundle(dir, rec, testing::no_selinux());
  EXPECT_TRUE(r) << r.error().message;
  auto m = parse_manifest(*read_file(dir + "/profile.toml"), "profile.toml");
  EXPECT_TRUE(m) << m.error().message;
  return *m;
}

TEST_F(BundleTest, CapabilitiesComeFromTheRecordingAndAHandEditedManifestKeepsItsOwn) {
  Recording rec = testing::sample_recording();
  rec.runs.front().uid = 0;
  rec.capabilities["CAP_NET_BIND_SERVICE"] = {"bind AF_INET SOCK_STREAM 0.0.0.0:80: ok"};
  rec.capabilities["CAP_SETUID"] = {"setuid(33)"};
  GenerateReport r;
  auto files = render_bundle(rec, testing::no_selinux(), "", &r);
  ASSERT_TRUE(files) << files.error().message;
  auto m = parse_manifest(files->at("profile.toml"), "profile.toml");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->capabilities, (std::vector<std::string>{"CAP_NET_BIND_SERVICE", "CAP_SETUID"}));
  EXPECT_TRUE(m->ambient_capabilities.empty());

  // Regenerating over a manifest from which CAP_SETUID was removed by hand: it
  // stays removed, and the report says what the recording shows.
  Manifest edited = *m;
  edited.capabilities = {"CAP_NET_BIND_SERVICE"};
  files = render_bundle(rec, testing::no_selinux(), manifest_to_toml(edited), &r);
  ASSERT_TRUE(files) << files.error().message;
  m = parse_manifest(files->at("profile.toml"), "profile.toml");
  EXPECT_EQ(m->capabilities, std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
  bool noted = false;
  for (const auto& n : r.notes) noted |= n.find("CAP_SETUID (setuid(33))") != std::string::npos;
  EXPECT_TRUE(noted) << report_to_text(r);

  // A hand-written recording may name a capability without evidence.
  rec.capabilities["CAP_KILL"];
  files = render_bundle(rec, testing::no_selinux(), manifest_to_toml(edited), &r);
  ASSERT_TRUE(files) << files.error().message;
  rec.capabilities.erase("CAP_KILL");

  // A learning run (learn into the bundle, complain --update) adds what it showed.
  GenerateOptions grant = testing::no_selinux();
  Recording run;
  run.runs = rec.runs;
  run.capabilities["CAP_SETUID"] = {"setuid(33)"};
  grant.grant_capabilities_of = &run;
  files = render_bundle(rec, grant, manifest_to_toml(edited), &r);
  ASSERT_TRUE(files) << files.error().message;
  m = parse_manifest(files->at("profile.toml"), "profile.toml");
  EXPECT_EQ(m->capabilities, (std::vector<std::string>{"CAP_NET_BIND_SERVICE", "CAP_SETUID"}));
}

TEST_F(BundleTest, PrivateTmpBindsExactlyWhatTheWorkloadUsedThere) {
  Recording rec = testing::sample_recording();
  rec.runs.front().cwd = "/tmp/checkout";
  rec.add_file("/tmp/checkout/Makefile", Access::Read, kOk, "file");
  rec.add_file("/tmp/shared/config.ini", Access::Read, kOk, "file");
  rec.add_file("/tmp/job/in1", Access::Read, kOk, "file");
  rec.add_file("/tmp/job/in2", Access::Read, kOk, "file");
  rec.add_file("/tmp/job/out", Access::Create, kOk, "file");
  rec.add_file("/tmp/job/out", Access::Write, kOk, "file");
  rec.add_file("/tmp/own", Access::Create, kOk, "dir");  // made by the workload: nothing to bind
  rec.add_file("/tmp/own/x", Access::Create, kOk, "file");
  rec.add_file("/var/tmp/cache.db", Access::Read, kOk, "file");
  rec.add_file("/tmp/probe", Access::Stat, "ENOENT");
  Manifest m = derived_manifest(root_ + "/a", rec);
  EXPECT_TRUE(m.private_tmp) << "never the host's /tmp";
  // The working directory is bound as the root it is stored as (relocatable).
  std::vector<BindMount> want = {{"${WORKDIR}", "${WORKDIR}", true, true},
                                 {"/tmp/job", "/tmp/job", false, true},
                                 {"/tmp/shared/config.ini", "/tmp/shared/config.ini", true, true},
                                 {"/var/tmp/cache.db", "/var/tmp/cache.db", true, true}};
  EXPECT_EQ(m.bind, want);
  auto ll = nlohmann::json::parse(*read_file(root_ + "/a/landlock.json"));
  EXPECT_TRUE(ll["assumes_private_tmp"].get<bool>()) << "files created directly in /tmp: a rule on the private one";
}

// Many scattered paths are bound by their directory (the launcher takes 64
// binds); the Landlock rules still name each file.
TEST_F(BundleTest, ManyScatteredTmpPathsAreBoundByTheirDirectory) {
  Recording rec;
  for (int i = 0; i < 60; ++i) rec.add_file("/tmp/job/part" + std::to_string(i) + "/input", Access::Read, kOk, "file");
  auto policy = load_gen_policy("");
  ASSERT_TRUE(policy);
  LandlockModel lm = build_landlock_model(rec, *policy);
  EXPECT_EQ(lm.fs.size(), 60u) << "one file in each directory: no generalisation";
  auto binds = private_tmp_binds(rec, lm);
  ASSERT_EQ(binds.size(), 1u);
  EXPECT_EQ(binds[0], (BindMount{"/tmp/job", "/tmp/job", true, true}));
  Recording few;
  few.add_file("/tmp/job/part1/input", Access::Read, kOk, "file");
  EXPECT_EQ(private_tmp_binds(few, build_landlock_model(few, *policy)),
            (std::vector<BindMount>{{"/tmp/job/part1/input", "/tmp/job/part1/input", true, true}}));
}

// Regeneration keeps profile.toml, and still adds the binds the recording needs.
TEST_F(BundleTest, RegenerationAddsTheBindsAKeptManifestLacks) {
  std::string existing =
      "[workload]\nname = \"app\"\ncommand = [\"/usr/bin/app\"]\n"
      "[container]\nbind = [{ source = \"/srv/extra\", target = \"/mnt\", readonly = true }]\n";
  Recording rec = testing::sample_recording();
  rec.add_file("/tmp/shared/config.ini", Access::Read, kOk, "file");
  Manifest m = derived_manifest(root_ + "/b", rec, existing);
  std::vector<BindMount> want = {{"/srv/extra", "/mnt", true, false},
                                 {"/tmp/shared/config.ini", "/tmp/shared/config.ini", true, true}};
  EXPECT_EQ(m.bind, want) << "the hand-written bind stays, the needed one is added once";
  EXPECT_EQ(m.command, std::vector<std::string>{"/usr/bin/app"});
  m = derived_manifest(root_ + "/b", rec);  // again: nothing added twice
  EXPECT_EQ(m.bind, want);
  // A manifest that chose the host's /tmp gets no binds, and no rule grants the
  // host's /tmp as a whole.
  Manifest host = derived_manifest(root_ + "/c", rec, existing + "private_tmp = false\n");
  EXPECT_EQ(host.bind.size(), 1u);
  auto ll = nlohmann::json::parse(*read_file(root_ + "/c/landlock.json"));
  EXPECT_FALSE(ll["assumes_private_tmp"].get<bool>());
  for (const auto& r : ll["fs"]) EXPECT_NE(r["path"], "/tmp");
}

}  // namespace
}  // namespace profile
