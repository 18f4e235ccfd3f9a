// Properties of the SELinux generator and check beyond the five workloads:
// deterministic bytes, private types for broad labels, clear errors for bad input
// and a missing policy, the sensitive list actually biting, the SelinuxProfile
// resource valid against the security-profiles-operator CRD, `profile check` exit
// codes, and the enforce step's behaviour when SELinux is not active.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/recording.h"
#include "enforce/selinux_exec.h"
#include "profilegen/manifest.h"
#include "profilegen/selinux/gen.h"
#include "profilegen/selinux/refpolicy.h"
#include "profilegen/selinux/verify.h"
#include "tests/support/privileged.h"
#include "tests/support/reference.h"

namespace profile {
namespace {

namespace fs = std::filesystem;
const std::string kFixtures = std::string(PROFILE_SOURCE_DIR) + "/tests/selinux/fixtures/";

bool reference_policy_present() {
  return find_selinux_policy("").ok();
}

Recording fixture(const std::string& name) {
  auto r = load_recording(kFixtures + name + ".json");
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? std::move(r).value() : Recording{};
}

// A small hand-made recording touching broad labels: a file read under /var/lib, a
// file created in /tmp, a log written under /var/log, and an executable.
Recording broad_recording() {
  Recording r;
  RunInfo run;
  run.command = {"/usr/bin/cat"};
  run.tracer = "ptrace";
  r.runs.push_back(run);
  r.add_exec("/usr/bin/cat");
  r.add_file("/usr/bin/cat", Access::Exec, kOk, "file");
  r.add_file("/etc/passwd", Access::Read, kOk, "file");
  r.add_file("/var/lib/demoapp/state.db", Access::Read, kOk, "file");
  r.add_file("/var/lib/demoapp/state.db", Access::Write, kOk, "file");
  r.add_file("/tmp/demoapp-1234", Access::Create, kOk, "file");
  r.add_file("/tmp/demoapp-1234", Access::Delete, kOk, "file");
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "bind", "127.0.0.1", 8080, "", kOk});
  return r;
}

std::string tmpdir(const std::string& tag) {
  std::string t = "/tmp/profile-selinux-test-" + tag + "-XXXXXX";
  EXPECT_NE(::mkdtemp(t.data()), nullptr);
  return t;
}

int run_status(const std::string& cmd) {
  int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(SelinuxGen, SameRecordingGivesByteIdenticalFiles) {
  PROFILE_REQUIRE(reference_policy_present(), "Debian's selinux-policy-default is not installed");
  Recording rec = fixture("tar");
  auto a = generate_selinux(rec, "tar", SelinuxOptions{});
  auto b = generate_selinux(rec, "tar", SelinuxOptions{});
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(a->files.size(), b->files.size());
  for (const auto& [path, bytes] : a->files) EXPECT_TRUE(bytes == b->files.at(path)) << path << " differs";
}

TEST(SelinuxGen, BroadLabelsGetPrivateTypesNotTheSharedType) {
  PROFILE_REQUIRE(reference_policy_present(), "Debian's selinux-policy-default is not installed");
  auto g = generate_selinux(broad_recording(), "demoapp", SelinuxOptions{});
  ASSERT_TRUE(g.ok()) << g.error().message;
  const std::string& te = g->files.at("selinux/demoapp.te");
  const std::string& fc = g->files.at("selinux/demoapp.fc");
  // /var/lib/demoapp/state.db is var_lib_t in the reference policy: private type instead.
  EXPECT_NE(te.find("type demoapp_var_lib_t;"), std::string::npos) << te;
  EXPECT_NE(fc.find("/var/lib/demoapp/state\\.db\t--\tgen_context(system_u:object_r:demoapp_var_lib_t,s0)"),
            std::string::npos)
      << fc;
  EXPECT_EQ(te.find(" var_lib_t:file"), std::string::npos) << "granted the shared var_lib_t:\n" << te;
  // A file created in /tmp gets its own type through a transition, never tmp_t files.
  EXPECT_NE(te.find("type_transition demoapp_t tmp_t:file demoapp_tmp_t;"), std::string::npos) << te;
  EXPECT_EQ(te.find("allow demoapp_t tmp_t:file"), std::string::npos) << te;
  // The port's type comes from the policy's portcon (8080 is http_cache_port_t in refpolicy).
  EXPECT_NE(te.find("name_bind"), std::string::npos);
  EXPECT_NE(te.find("files_read_etc_files(demoapp_t)"), std::string::npos) << te;
}

// profile enforce always sets no_new_privs: without nnp_transition the kernel
// refuses the exec into the domain on an enforcing host.
TEST(SelinuxGen, TheDomainCanBeEnteredUnderNoNewPrivs) {
  PROFILE_REQUIRE(reference_policy_present(), "Debian's selinux-policy-default is not installed");
  auto g = generate_selinux(broad_recording(), "demoapp", SelinuxOptions{});
  ASSERT_TRUE(g.ok()) << g.error().message;
  const std::string& te = g->files.at("selinux/demoapp.te");
  EXPECT_NE(te.find("allow unconfined_t demoapp_t:process transition;"), std::string::npos) << te;
  EXPECT_NE(te.find("allow unconfined_t demoapp_t:process2 nnp_transition;"), std::string::npos) << te;
}

TEST(SelinuxGen, RealRecordingInAHomeDirectoryGetsAPrivateType) {
  PROFILE_REQUIRE(reference_policy_present(), "Debian's selinux-policy-default is not installed");
  // The sqlite3 fixture's database lives in /root/..., labelled user_home_t by the policy.
  auto g = generate_selinux(fixture("sqlite3"), "sqlite3", SelinuxOptions{});
  ASSERT_TRUE(g.ok()) << g.error().message;
  const std::string& te = g->files.at("selinux/sqlite3.te");
  EXPECT_NE(te.find("type sqlite3_home_t;"), std::string::npos) << te;
  EXPECT_EQ(te.find("user_home_t:file"), std::string::npos) << te;
  EXPECT_EQ(te.find("admin_home_t:file"), std::string::npos) << te;
  EXPECT_NE(g->files.at("selinux/sqlite3.fc").find("app\\.db"), std::string::npos);
}

TEST(SelinuxGen, BadNameAndMissingPolicyGiveClearErrors) {
  auto bad = generate_selinux(broad_recording(), "Bad-Name", SelinuxOptions{});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("cannot name SELinux types"), std::string::npos) << bad.error().message;
  SelinuxOptions o;
  o.policy_root = "/nonexistent/selinux/policy";
  auto missing = generate_selinux(broad_recording(), "demoapp", o);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no SELinux reference policy at /nonexistent/selinux/policy"),
            std::string::npos)
      << missing.error().message;
  auto malformed = recording_from_json("{\"format\": \"profile-recording/1\", \"runs\": 3}", "rec.json");
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.error().message.find("rec.json"), std::string::npos);
}

TEST(SelinuxCheck, SensitiveAccessIsReportedInPlainWords) {
  PROFILE_REQUIRE(reference_policy_present(), "Debian's selinux-policy-default is not installed");
  // A workload seen reading /etc/shadow gets the rule (it was observed), and the
  // check must then flag it: the negative list is real, not decorative.
  Recording rec = broad_recording();
  rec.add_file("/etc/shadow", Access::Read, kOk, "file");
  auto g = generate_selinux(rec, "demoapp", SelinuxOptions{});
  ASSERT_TRUE(g.ok()) << g.error().message;
  auto ref = find_selinux_policy("");
  ASSERT_TRUE(ref.ok());
  auto v = verify_selinux_module(rec, "demoapp", "demoapp.pp", g->files.at("selinux/demoapp.pp"), *ref,
                                 builtin_selinux_policy());
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_FALSE(v->passed());
  bool found = false;
  for (const auto& f : v->failures)
    found = found || f == "demoapp_t may read the password hashes in /etc/shadow (shadow_t file read is allowed)";
  EXPECT_TRUE(found) << (v->failures.empty() ? "" : v->failures[0]);

  // The same recording against the module of the clean recording: the shadow read is
  // a recorded access that is denied, reported as such.
  Recording clean = broad_recording();
  auto g2 = generate_selinux(clean, "demoapp", SelinuxOptions{});
  ASSERT_TRUE(g2.ok());
  auto v2 = verify_selinux_module(rec, "demoapp", "demoapp.cil", g2->files.at("selinux/demoapp.cil"), *ref,
                                  builtin_selinux_policy());
  ASSERT_TRUE(v2.ok()) << v2.error().message;
  ASSERT_EQ(v2->failures.size(), 1u);
  EXPECT_EQ(v2->failures[0], "demoapp_t may not read /etc/shadow: shadow_t file { getattr open read } is denied");
}

TEST(SelinuxGen, SelinuxProfileIsValidAgainstTheOperatorsCrd) {
  PROFILE_REFERENCE_OR_SKIP(reference);
  PROFILE_REQUIRE(reference_policy_present(), "Debian's selinux-policy-default is not installed");
  PROFILE_REQUIRE(fs::exists("/usr/bin/python3") && run_status("/usr/bin/python3 -c 'import jsonschema, yaml'") == 0,
                  "python3-jsonschema and python3-yaml are needed to validate against the CRD");
  auto g = generate_selinux(fixture("httpserver"), "httpserver", SelinuxOptions{});
  ASSERT_TRUE(g.ok()) << g.error().message;
  const std::string dir = tmpdir("spo");
  ASSERT_TRUE(write_file_atomic(dir + "/p.yaml", g->files.at("selinux/selinuxprofile.yaml")).ok());
  const std::string script =
      "import sys, yaml, jsonschema\n"
      "crds = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d['spec']['names']['kind'] == "
      "'SelinuxProfile']\n"
      "doc = yaml.safe_load(open(sys.argv[2]))\n"
      "assert doc['kind'] == 'SelinuxProfile'\n"
      "v = [v for v in crds[0]['spec']['versions'] if doc['apiVersion'].endswith('/' + v['name'])][0]\n"
      "jsonschema.validate(doc, v['schema']['openAPIV3Schema'])\n"
      "assert doc['spec']['allow']['@self']['tcp_socket']\n";
  ASSERT_TRUE(write_file_atomic(dir + "/v.py", script).ok());
  EXPECT_EQ(
      run_status("/usr/bin/python3 " + dir + "/v.py " + reference + "/spo-crds/selinuxpolicy.yaml " + dir + "/p.yaml"),
      0);
  fs::remove_all(dir);
}

TEST(SelinuxCheckCli, PassesOnAGoodBundleFailsOnAnUncoveredAccessAndRejectsAMissingPolicy) {
  PROFILE_REQUIRE(reference_policy_present(), "Debian's selinux-policy-default is not installed");
  Recording rec = broad_recording();
  auto g = generate_selinux(rec, "demoapp", SelinuxOptions{});
  ASSERT_TRUE(g.ok()) << g.error().message;
  const std::string dir = tmpdir("cli");
  Manifest m;
  m.name = "demoapp";
  m.command = {"/usr/bin/cat"};
  m.selinux_module = "selinux/demoapp.pp";
  ASSERT_TRUE(write_file_atomic(dir + "/profile.toml", manifest_to_toml(m)).ok());
  ASSERT_TRUE(save_recording(dir + "/recording.json", rec).ok());
  fs::create_directories(dir + "/selinux");
  // Only the .pp: one link per run keeps the test short.
  ASSERT_TRUE(write_file_atomic(dir + "/selinux/demoapp.pp", g->files.at("selinux/demoapp.pp")).ok());
  const std::string check = std::string(PROFILE_BINARY) + " -q check --selinux " + dir;
  EXPECT_EQ(run_status(check + " 2>/dev/null"), 0);
  EXPECT_EQ(run_status(check + " --selinux-policy /nonexistent 2>/dev/null"), 2);
  // The workload now also read /etc/shadow, which the module does not allow.
  rec.add_file("/etc/shadow", Access::Read, kOk, "file");
  ASSERT_TRUE(save_recording(dir + "/recording.json", rec).ok());
  EXPECT_EQ(run_status(check + " 2>" + dir + "/err"), 1);
  auto err = read_file(dir + "/err");
  ASSERT_TRUE(err.ok());
  EXPECT_NE(err->find("demoapp_t may not read /etc/shadow"), std::string::npos) << *err;
  fs::remove_all(dir);
}

TEST(SelinuxExec, InactiveSelinuxIsANoticeUnlessTheProfileDemandsIt) {
  PROFILE_REQUIRE(::access("/sys/fs/selinux/enforce", F_OK) != 0,
                  "SELinux is active here: this test is for "
                  "machines where it is not");
  auto required = prepare_selinux_exec_from_parent("demoapp", "selinux/demoapp.pp", true);
  ASSERT_FALSE(required.ok());
  EXPECT_NE(required.error().message.find("refusing to run the workload less confined than asked"), std::string::npos);
  auto first = prepare_selinux_exec_from_parent("demoapp", "selinux/demoapp.pp", false);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->context.empty());
  EXPECT_NE(first->notice.find("SELinux is not active"), std::string::npos);
  auto second = prepare_selinux_exec_from_parent("demoapp", "selinux/demoapp.pp", false);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->notice.empty()) << "the notice is said once";
  auto none = prepare_selinux_exec_from_parent("demoapp", "", false);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->context.empty());
  const char* step = "";
  EXPECT_EQ(apply_selinux_exec_in_child("", &step), 0);
}

}  // namespace
}  // namespace profile
