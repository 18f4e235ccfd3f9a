// The container runtime's part of the engine formats (profilegen/runtime_part.h):
// the data of policies/runtimes.toml, its selection by engine, version and NNP
// mode, the separate rule in seccomp.json, the base profile of
// seccompprofile.yaml (validated against the operator's CRD), and that the
// recording and the manifest never absorb it.
#include "profilegen/runtime_part.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "profilegen/apply.h"
#include "profilegen/bundle.h"
#include "profilegen/diff.h"
#include "profilegen/gen_policy.h"
#include "tests/profilegen/sample.h"
#include "tests/support/privileged.h"
#include "tests/support/reference.h"

namespace profile {
namespace {

using nlohmann::json;

RuntimeData builtin() {
  auto d = load_runtime_data("");
  EXPECT_TRUE(d) << d.error().message;
  return *d;
}

RuntimePart part(const std::string& sel, const std::string& nnp = "any") {
  auto p = select_runtime_part(builtin(), sel, nnp);
  EXPECT_TRUE(p) << p.error().message;
  return p ? *p : RuntimePart{};
}

SeccompModel workload_model(const Recording& r) {
  auto p = load_gen_policy_text("", "test.toml");
  EXPECT_TRUE(p);
  auto m = build_seccomp_model(r, *p, SeccompOptions{});
  EXPECT_TRUE(m) << m.error().message;
  return *m;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

const SeccompRule* runtime_rule(const SeccompModel& m) {
  for (const auto& r : m.rules)
    if (r.comment.rfind(kRuntimePartComment, 0) == 0) return &r;
  return nullptr;
}

const SeccompRule* enosys_rule(const SeccompModel& m) {
  for (const auto& r : m.rules)
    if (r.action == "SCMP_ACT_ERRNO" && r.errno_ret == ENOSYS) return &r;
  return nullptr;
}

TEST(RuntimePart, BuiltinDataIsVersionedAndMeasured) {
  RuntimeData d = builtin();
  ASSERT_FALSE(d.entries.empty());
  for (const auto& e : d.entries) {
    EXPECT_FALSE(e.min_version.empty()) << e.name;
    EXPECT_NE(e.measured.find("measure-runtime.sh"), std::string::npos) << e.name << ": say how it was measured";
    EXPECT_FALSE(has(e.syscalls, "clone3")) << e.name;
  }
  for (const char* engine : {"runc", "crun", "podman", "docker", "containerd", "cri-o", "kubernetes"})
    EXPECT_EQ(d.engines.count(engine), 1u) << engine;
}

TEST(RuntimePart, SelectionByEngineVersionAndNnp) {
  RuntimePart all = part("all");
  RuntimePart docker = part("docker");
  RuntimePart crun_on = part("crun", "on");
  // NNP off: runc drops capabilities and switches uid under the filter.
  for (const char* n : {"capset", "setuid", "setgroups", "prctl"}) EXPECT_TRUE(docker.syscalls.count(n)) << n;
  EXPECT_FALSE(docker.syscalls.count("setresuid")) << "crun's call, docker runs runc";
  EXPECT_TRUE(crun_on.syscalls.count("close"));
  EXPECT_FALSE(crun_on.syscalls.count("capset")) << "NNP on: crun drops capabilities before the filter";
  for (const auto& n : docker.syscalls) EXPECT_TRUE(all.syscalls.count(n)) << "all is the union: " << n;
  for (const auto& n : crun_on.syscalls) EXPECT_TRUE(all.syscalls.count(n)) << n;
  EXPECT_TRUE(part("podman").syscalls.count("setresuid")) << "podman may run crun";
  EXPECT_EQ(part("runc@1.1.5").syscalls, part("runc").syscalls);
  EXPECT_TRUE(part("none").empty());
  EXPECT_FALSE(docker.sources.empty());

  auto newer = select_runtime_part(builtin(), "runc@1.2.0", "any");
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("measure-runtime.sh"), std::string::npos) << newer.error().message;
  auto unknown = select_runtime_part(builtin(), "lxc", "any");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("unknown engine \"lxc\""), std::string::npos);
  EXPECT_FALSE(select_runtime_part(builtin(), "runc@x", "any"));
  EXPECT_FALSE(select_runtime_part(builtin(), "runc", "maybe"));
}

TEST(RuntimePart, BadDataIsRefusedWithTheLine) {
  auto bad = parse_runtime_data(
      "[[runtime]]\nname = \"runc\"\nnnp = false\nmeasured = \"m\"\nsyscalls = [\"nosuch\"]\n", "r.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("r.toml:1: unknown syscall name \"nosuch\""), std::string::npos)
      << bad.error().message;
  auto range = parse_runtime_data(
      "[[runtime]]\nname = \"runc\"\nnnp = false\nmeasured = \"m\"\nversions = [\"~1.1\"]\nsyscalls = []\n", "r.toml");
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().message.find("version bound"), std::string::npos);
  EXPECT_FALSE(parse_runtime_data("[[runtime]]\nname = \"runc\"\nsyscalls = []\n", "r.toml"));
  EXPECT_FALSE(parse_runtime_data("[engines]\nlxc = [\"lxc\"]\n[[runtime]]\n", "r.toml"));
}

TEST(RuntimePart, OneSeparateRuleTheWorkloadRulesStay) {
  Recording r = testing::sample_recording();
  SeccompModel w = workload_model(r);
  RuntimePart p = part("all");
  std::vector<std::string> added;
  SeccompModel e = with_runtime_part(w, p, &added);
  const SeccompRule* rr = runtime_rule(e);
  ASSERT_NE(rr, nullptr);
  EXPECT_EQ(rr->names, added);
  EXPECT_EQ(rr->action, "SCMP_ACT_ALLOW");
  EXPECT_TRUE(rr->args.empty());
  EXPECT_NE(rr->comment.find("policies/runtimes.toml"), std::string::npos);
  EXPECT_NE(rr->comment.find("runc 1.1.5"), std::string::npos) << "names the version measured";
  EXPECT_TRUE(has(rr->names, "capset"));
  EXPECT_FALSE(has(rr->names, "clone3"));
  // The workload's rules are unchanged, apart from the ENOSYS rule losing what
  // the runtime rule allows.
  EXPECT_EQ(e.rules.front().names, w.rules.front().names);
  EXPECT_EQ(e.allowed, w.allowed) << "the model's workload view does not absorb the runtime part";
  for (const auto& n : rr->names) EXPECT_FALSE(has(w.rules.front().names, n)) << n << " was allowed already";
  // faccessat2: runc copes with ENOSYS (enosys_ok), so libc's fallback stays.
  ASSERT_NE(enosys_rule(w), nullptr);
  ASSERT_TRUE(has(enosys_rule(w)->names, "faccessat2"));
  ASSERT_NE(enosys_rule(e), nullptr);
  EXPECT_TRUE(has(enosys_rule(e)->names, "faccessat2"));
  EXPECT_FALSE(has(rr->names, "faccessat2"));
  for (const auto& n : rr->names) EXPECT_FALSE(has(enosys_rule(e)->names, n)) << n << ": ERRNO beside ALLOW";
  // Order: every ALLOW rule before the ERRNO rules.
  bool seen_errno = false;
  for (const auto& x : e.rules) {
    if (x.action != "SCMP_ACT_ALLOW") seen_errno = true;
    EXPECT_FALSE(seen_errno && x.action == "SCMP_ACT_ALLOW");
  }
  // A runtime call that is one of libc's fallbacks but not enosys_ok leaves the ENOSYS rule.
  RuntimePart custom;
  custom.selection = "test";
  custom.syscalls = {"statx", "clone3", "setuid"};
  SeccompModel c = with_runtime_part(w, custom);
  ASSERT_NE(runtime_rule(c), nullptr);
  EXPECT_TRUE(has(runtime_rule(c)->names, "statx"));
  EXPECT_FALSE(has(runtime_rule(c)->names, "clone3")) << "clone3's flags cannot be checked: never added";
  EXPECT_FALSE(has(enosys_rule(c)->names, "statx"));
  EXPECT_TRUE(has(enosys_rule(c)->names, "clone3"));
  // none, and log mode, add nothing.
  EXPECT_EQ(runtime_rule(with_runtime_part(w, part("none"))), nullptr);
}

TEST(RuntimePart, ShowReadsTheRuleBack) {
  SeccompModel e = with_runtime_part(workload_model(testing::sample_recording()), part("docker"));
  auto v = runtime_rule_of(seccomp_to_docker_json(e), "seccomp.json");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->names, runtime_rule(e)->names);
  auto none = runtime_rule_of(seccomp_to_docker_json(workload_model(testing::sample_recording())), "x");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->names.empty());
  EXPECT_FALSE(runtime_rule_of("{", "bad.json"));
}

TEST(RuntimePart, BundleEngineFormatsCarryItRecordingAndManifestDoNot) {
  Recording rec = testing::sample_recording();
  GenerateOptions all = testing::no_selinux();
  GenerateOptions none = testing::no_selinux();
  none.runtime = "none";
  GenerateReport ra, rn;
  auto fa = render_bundle(rec, all, "", &ra);
  auto fn = render_bundle(rec, none, "", &rn);
  ASSERT_TRUE(fa) << fa.error().message;
  ASSERT_TRUE(fn) << fn.error().message;
  EXPECT_EQ(fa->at("recording.json"), fn->at("recording.json"));
  EXPECT_EQ(fa->at("profile.toml"), fn->at("profile.toml"));
  EXPECT_EQ(fa->at("landlock.json"), fn->at("landlock.json"));
  EXPECT_NE(fa->at("seccomp.json"), fn->at("seccomp.json"));
  EXPECT_NE(fa->at("seccomp.oci.json"), fn->at("seccomp.oci.json"));
  EXPECT_EQ(ra.allowed_per_arch, rn.allowed_per_arch) << "the report counts the workload's syscalls";
  EXPECT_FALSE(ra.runtime_syscalls.empty());
  EXPECT_TRUE(rn.runtime_syscalls.empty());
  bool noted = std::any_of(ra.notes.begin(), ra.notes.end(),
                           [](const std::string& n) { return n.find("profile enforce skips") != std::string::npos; });
  EXPECT_TRUE(noted);
  json rj = json::parse(report_to_json(ra));
  EXPECT_EQ(rj["runtime_syscalls"].get<std::vector<std::string>>(), ra.runtime_syscalls);
  json oci = json::parse(fa->at("seccomp.oci.json"));
  bool found = false;
  for (const auto& r : oci["syscalls"])
    if (std::find(r["names"].begin(), r["names"].end(), "capset") != r["names"].end()) found = true;
  EXPECT_TRUE(found) << "seccomp.oci.json carries the runtime part too";
  // Deterministic.
  auto again = render_bundle(rec, all, "", nullptr);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *fa);
  // Bad selection: one sentence, no bundle.
  GenerateOptions bad = testing::no_selinux();
  bad.runtime = "runc@9.9";
  auto b = render_bundle(rec, bad, "", nullptr);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("no measured data for runc 9.9"), std::string::npos);
}

// show --apply: the exact option per engine, with the bundle's absolute path, and
// a Pod snippet that is valid YAML naming the file the kubelet reads.
TEST(RuntimePart, ApplyPrintsTheEngineOptionWithTheAbsolutePath) {
  auto files = render_bundle(testing::sample_recording(), testing::no_selinux(), "", nullptr);
  ASSERT_TRUE(files);
  char tmpl[] = "/tmp/profilegen-apply-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  for (const char* f : {"seccomp.json", "seccomp.oci.json", "seccompprofile.yaml"})
    ASSERT_TRUE(write_file_atomic(dir + "/" + f, files->at(f)).ok());
  std::string rel = dir + "/../" + dir.substr(5) + "/.";  // printed as the canonical absolute path
  auto text = [&](const std::string& e) {
    auto t = apply_instructions(rel, e);
    EXPECT_TRUE(t) << e << ": " << t.error().message;
    return t ? *t : std::string();
  };
  EXPECT_NE(text("docker").find("docker run --security-opt seccomp=" + dir + "/seccomp.json "), std::string::npos);
  EXPECT_NE(text("podman").find("podman run --security-opt seccomp=" + dir + "/seccomp.json "), std::string::npos);
  EXPECT_NE(text("containerd").find("ctr run --seccomp --seccomp-profile " + dir + "/seccomp.json "),
            std::string::npos);
  EXPECT_NE(text("runc").find(dir + "/seccomp.oci.json '.linux.seccomp = $s[0]'"), std::string::npos);
  EXPECT_NE(text("nomad").find("security_opt = [\"seccomp=" + dir + "/seccomp.json\"]"), std::string::npos);
  EXPECT_NE(text("swarm").find("dockerd --seccomp-profile " + dir + "/seccomp.json"), std::string::npos);
  EXPECT_NE(text("mesos").find("--seccomp_config_dir=" + dir + " --seccomp_profile_name=seccomp.json"),
            std::string::npos);
  EXPECT_NE(text("docker").find("runtime's own calls (--runtime all)"), std::string::npos);
  std::string k8s = text("kubernetes");
  EXPECT_NE(k8s.find("/var/lib/kubelet/seccomp/profiles/app.json"), std::string::npos) << k8s;
  auto from = k8s.find("securityContext:");
  auto to = k8s.find("\n#", from);
  ASSERT_NE(from, std::string::npos);
  ASSERT_TRUE(write_file_atomic(dir + "/pod.yaml", k8s.substr(from, to - from) + "\n").ok());
  EXPECT_EQ(std::system(("/usr/bin/python3 -c \"import yaml,sys; d=yaml.safe_load(open(sys.argv[1]))"
                         "['securityContext']['seccompProfile']; assert d == {'type': 'Localhost', "
                         "'localhostProfile': 'profiles/app.json'}, d\" " +
                         dir + "/pod.yaml")
                            .c_str()),
            0);
  EXPECT_NE(text("cri-o").find("crio.conf"), std::string::npos);
  // Without a runtime part: a warning that the engine will not start it.
  GenerateOptions none = testing::no_selinux();
  none.runtime = "none";
  ASSERT_TRUE(write_file_atomic(dir + "/seccomp.json",
                                render_bundle(testing::sample_recording(), none, "", nullptr)->at("seccomp.json"))
                  .ok());
  EXPECT_NE(text("docker").find("WARNING: this seccomp.json has no runtime part"), std::string::npos);
  auto bad = apply_instructions(dir, "lxc");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("unknown engine \"lxc\" for --apply"), std::string::npos);
  EXPECT_FALSE(apply_instructions("/nonexistent", "docker"));
  (void)std::system(("rm -rf '" + dir + "'").c_str());
}

// diff lists the runtime part apart from the workload's syscalls.
TEST(RuntimePart, DiffListsTheRuntimePartApart) {
  Recording rec = testing::sample_recording();
  GenerateOptions none = testing::no_selinux();
  none.runtime = "none";
  auto fa = render_bundle(rec, testing::no_selinux(), "", nullptr);
  auto fn = render_bundle(rec, none, "", nullptr);
  ASSERT_TRUE(fa && fn);
  auto va = allowed_view_from_files(fa->at("seccomp.json"), "", "all");
  auto vn = allowed_view_from_files(fn->at("seccomp.json"), "", "none");
  ASSERT_TRUE(va && vn);
  EXPECT_EQ(va->syscalls, vn->syscalls) << "the workload's view is the same";
  ProfileDiff d = diff_views(*vn, *va);
  EXPECT_TRUE(d.added.syscalls.empty());
  EXPECT_TRUE(has(d.added.runtime, "capset"));
  EXPECT_NE(diff_to_text(d).find("+ runtime capset (the container runtime's part)"), std::string::npos);
  EXPECT_TRUE(diff_views(*va, *va).added.empty());
}

// seccompprofile.yaml: a base SeccompProfile with the runtime part, and the
// workload's naming it in baseProfileName; both valid against the CRD, and the
// operator's union (base names + workload names) has no ALLOW/ERRNO conflict.
TEST(RuntimePart, SpoBaseProfileIsValidAgainstTheCrd) {
  PROFILE_REFERENCE_OR_SKIP(ref);
  ASSERT_EQ(::access((ref + "/spo-crds/seccompprofile.yaml").c_str(), R_OK), 0) << ref << " lacks spo-crds/";
  SeccompModel w = workload_model(testing::sample_recording());
  std::string y = spo_yaml_with_runtime(w, part("all"), "app");
  char tmpl[] = "/tmp/profilegen-spo-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  ASSERT_TRUE(write_file_atomic(dir + "/p.yaml", y).ok());
  const std::string script =
      "import sys, yaml, jsonschema\n"
      "crd = yaml.safe_load(open(sys.argv[1]))\n"
      "docs = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]\n"
      "assert len(docs) == 2, len(docs)\n"
      "for d in docs:\n"
      "    v = [v for v in crd['spec']['versions'] if d['apiVersion'].endswith('/' + v['name'])][0]\n"
      "    jsonschema.Draft7Validator(v['schema']['openAPIV3Schema']).validate(d)\n"
      "base, own = docs\n"
      "assert own['spec']['baseProfileName'] == base['metadata']['name'] == 'app-runtime'\n"
      "assert 'baseProfileName' not in base['spec']\n"
      "allow, errno = set(), set()\n"
      "for d in docs:\n"
      "    for r in d['spec']['syscalls']:\n"
      "        (allow if r['action'] == 'SCMP_ACT_ALLOW' and not r.get('args') else errno if r['action'] == "
      "'SCMP_ACT_ERRNO' else set()).update(r['names'])\n"
      "assert not (allow & errno), allow & errno\n"
      "assert 'capset' in base['spec']['syscalls'][0]['names']\n"
      "assert 'faccessat2' in errno, 'runc copes with ENOSYS: the fallback stays'\n";
  ASSERT_TRUE(write_file_atomic(dir + "/v.py", script).ok());
  int rc = std::system(
      ("/usr/bin/python3 " + dir + "/v.py " + ref + "/spo-crds/seccompprofile.yaml " + dir + "/p.yaml").c_str());
  EXPECT_EQ(rc, 0);
  // Without a runtime part: the single workload document, as before.
  EXPECT_EQ(spo_yaml_with_runtime(w, part("none"), "app"), seccomp_to_spo_yaml(w, "app"));
  (void)std::system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace
}  // namespace profile
