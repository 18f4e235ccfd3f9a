// profile generate / merge / diff as a user runs them: exit codes, messages, files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/recording.h"
#include "tests/profilegen/sample.h"

namespace profile {
namespace {

struct CmdResult {
  int status = -1;
  std::string out;  // stdout and stderr
};

CmdResult profile_cmd(const std::string& args) {
  CmdResult r;
  FILE* p = ::popen((std::string(PROFILE_BINARY) + " " + args + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int rc = ::pclose(p);
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
  return r;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/profilegen-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    d_ = tmpl;
    ASSERT_EQ(::mkdir((d_ + "/a").c_str(), 0755), 0);
    ASSERT_TRUE(save_recording(d_ + "/a/recording.json", testing::sample_recording()));
  }
  void TearDown() override { (void)std::system(("rm -rf '" + d_ + "'").c_str()); }
  std::string d_;
};

TEST_F(Cli, GenerateWritesTheBundleAndReports) {
  CmdResult r = profile_cmd("generate " + d_ + "/a");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("DANGEROUS allowed: ptrace"), std::string::npos) << r.out;
  EXPECT_TRUE(read_file(d_ + "/a/seccomp.oci.json"));
  CmdResult j = profile_cmd("-q generate --json --default-action kill " + d_ + "/a");
  ASSERT_EQ(j.status, 0) << j.out;
  EXPECT_EQ(j.out.rfind("{\"dir\":", 0), 0u) << j.out;
  EXPECT_NE(read_file(d_ + "/a/seccomp.json")->find("SCMP_ACT_KILL_PROCESS"), std::string::npos);
}

TEST_F(Cli, BadInputIsOneLineAndExitTwo) {
  std::ofstream(d_ + "/a/recording.json") << "{\"format\": \"profile-recording/1\", \"syscalls\": [";
  CmdResult r = profile_cmd("generate " + d_ + "/a");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("recording.json"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;

  ASSERT_TRUE(save_recording(d_ + "/a/recording.json", testing::sample_recording()));
  std::ofstream(d_ + "/p.toml") << "[deny.not_a_call]\nreason = \"x\"\n";
  r = profile_cmd("generate --policy " + d_ + "/p.toml " + d_ + "/a");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find(d_ + "/p.toml:1: unknown syscall name \"not_a_call\""), std::string::npos) << r.out;

  std::ofstream(d_ + "/a/profile.toml") << "[workload\n";
  r = profile_cmd("generate " + d_ + "/a");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("profile.toml:1"), std::string::npos) << r.out;
}

TEST_F(Cli, MergeThenDiffShowsWhatWasAdded) {
  ASSERT_EQ(profile_cmd("-q generate " + d_ + "/a").status, 0);
  Recording more;
  RunInfo run;
  run.command = {"/usr/bin/app", "--admin"};
  run.tracer = "ptrace";
  more.runs.push_back(run);
  more.add_syscall("x86_64", "mount");
  ASSERT_TRUE(save_recording(d_ + "/more.json", more));
  CmdResult m = profile_cmd("-q merge " + d_ + "/a " + d_ + "/more.json -o " + d_ + "/c");
  ASSERT_EQ(m.status, 0) << m.out;
  auto merged = load_recording(d_ + "/c/recording.json");
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->runs.size(), 2u);
  EXPECT_EQ(read_file(d_ + "/c/profile.toml")->find("--admin"), std::string::npos)
      << "the manifest comes from the first input bundle";

  CmdResult same = profile_cmd("diff " + d_ + "/a " + d_ + "/a");
  EXPECT_EQ(same.status, 0) << same.out;
  CmdResult d = profile_cmd("diff " + d_ + "/a " + d_ + "/c");
  EXPECT_EQ(d.status, 1) << d.out;
  EXPECT_NE(d.out.find("+ syscall mount   [DANGEROUS"), std::string::npos) << d.out;
  CmdResult back = profile_cmd("diff --json " + d_ + "/c " + d_ + "/a");
  EXPECT_EQ(back.status, 0) << back.out;
  EXPECT_NE(back.out.find("\"more_permissive\":false"), std::string::npos) << back.out;
  EXPECT_EQ(profile_cmd("diff " + d_ + "/a " + d_ + "/nothing").status, 2);
}

// Several CI jobs learned the same service: merge counts which runs saw what,
// show marks it, and the rule one job needed stays in the profile.
TEST_F(Cli, MergeCountsCoverageAndShowMarksWhatOnlySomeRunsSaw) {
  auto job = [&](const std::string& name, const std::vector<std::string>& calls, const std::string& file) {
    Recording r;
    RunInfo run;
    run.command = {"/usr/bin/app"};
    run.tracer = "ptrace";
    r.runs.push_back(run);
    for (const auto& c : calls) r.add_syscall("x86_64", c);
    r.add_file(file, Access::Read, kOk, "file");
    ASSERT_TRUE(save_recording(d_ + "/" + name + ".json", r));
  };
  job("j1", {"read", "write"}, "/srv/app/common.conf");
  job("j2", {"read", "write"}, "/srv/app/common.conf");
  job("j3", {"read", "write", "fsync"}, "/srv/app/only-in-j3.db");
  CmdResult m = profile_cmd("merge " + d_ + "/j1.json " + d_ + "/j2.json " + d_ + "/j3.json -o " + d_ + "/m");
  ASSERT_EQ(m.status, 0) << m.out;
  EXPECT_NE(m.out.find("coverage: of 3 runs, every run saw 2 of 3 syscalls and 0 of 2 files"), std::string::npos)
      << m.out;
  CmdResult show = profile_cmd("show " + d_ + "/m");
  ASSERT_EQ(show.status, 0) << show.out;
  EXPECT_NE(show.out.find("Coverage: seen in every run: 2 of 3 syscalls, 0 of 2 files"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("fsync [1/3]"), std::string::npos) << show.out;
  auto sys_at = show.out.find("Syscalls (");
  ASSERT_NE(sys_at, std::string::npos) << show.out;
  std::string syscalls = show.out.substr(sys_at, show.out.find("\n\n", sys_at) - sys_at);
  EXPECT_NE(syscalls.find(" read "), std::string::npos) << "every run read: no mark\n" << syscalls;
  EXPECT_NE(show.out.find("common.conf"), std::string::npos);
  EXPECT_NE(show.out.find("read [2/3]"), std::string::npos) << "common.conf: 2 of 3 runs\n" << show.out;
  CmdResult j = profile_cmd("-q show --json " + d_ + "/m");
  ASSERT_EQ(j.status, 0) << j.out;
  EXPECT_NE(j.out.find("\"runs_seen\": 1"), std::string::npos) << j.out;
  // Informational only: what one run needed is still allowed.
  auto seccomp = read_file(d_ + "/m/seccomp.json");
  ASSERT_TRUE(seccomp);
  EXPECT_NE(seccomp->find("\"fsync\""), std::string::npos);
  // A second merge of the merged bundle with another job adds the counts.
  job("j4", {"read", "write", "fsync"}, "/srv/app/common.conf");
  CmdResult again = profile_cmd("merge " + d_ + "/m " + d_ + "/j4.json -o " + d_ + "/m2");
  ASSERT_EQ(again.status, 0) << again.out;
  auto rec = load_recording(d_ + "/m2/recording.json");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->runs_seeing_syscall("x86_64", "fsync"), 2u);
  EXPECT_EQ(rec->runs_seeing_file("/srv/app/common.conf"), 3u);
  EXPECT_EQ(rec->runs_seeing_syscall("x86_64", "read"), 4u);
}

// A capability, a read-write bind of / and the host network added to
// profile.toml were once reported as "no differences", exit 0.
TEST_F(Cli, DiffSeesWhatTheManifestGrants) {
  ASSERT_EQ(profile_cmd("-q generate " + d_ + "/a").status, 0);
  ASSERT_EQ(std::system(("cp -r " + d_ + "/a " + d_ + "/b").c_str()), 0);
  std::string toml = *read_file(d_ + "/b/profile.toml");
  auto set = [&](const std::string& key, const std::string& value) {
    auto at = toml.find("\n" + key + " = ");
    ASSERT_NE(at, std::string::npos) << key;
    toml.replace(at + 1, toml.find('\n', at + 1) - at - 1, key + " = " + value);
  };
  set("capabilities", "[ \"CAP_SYS_ADMIN\" ]");
  set("bind", "[ { source = \"/\", target = \"/host\", readonly = false } ]");
  set("net", "\"host\"");
  std::ofstream(d_ + "/b/profile.toml") << toml;
  CmdResult d = profile_cmd("diff " + d_ + "/a " + d_ + "/b");
  EXPECT_EQ(d.status, 1) << d.out;
  EXPECT_NE(d.out.find("+ cap     CAP_SYS_ADMIN\n      high: "), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("+ bind    /host"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("-> host)\n      high: network widening"), std::string::npos) << d.out;
  CmdResult j = profile_cmd("diff --json " + d_ + "/a " + d_ + "/b");
  EXPECT_EQ(j.status, 1);
  EXPECT_NE(j.out.find("\"highest_risk\":\"high\""), std::string::npos) << j.out;
}

// The gate: a high-risk change fails (1) unless an allowlist entry with a reason
// accepts it; an entry without a reason is bad input (2).
TEST_F(Cli, CheckAgainstFailsOnHighRiskUnlessAllowedWithAReason) {
  ASSERT_EQ(profile_cmd("-q generate " + d_ + "/a").status, 0);
  ASSERT_EQ(std::system(("cp -r " + d_ + "/a " + d_ + "/b").c_str()), 0);
  std::string toml = *read_file(d_ + "/b/profile.toml");
  auto at = toml.find("\ncapabilities = ");
  ASSERT_NE(at, std::string::npos);
  toml.replace(at + 1, toml.find('\n', at + 1) - at - 1, "capabilities = [ \"CAP_SYS_PTRACE\" ]");
  std::ofstream(d_ + "/b/profile.toml") << toml;
  EXPECT_EQ(profile_cmd("check " + d_ + "/a --against " + d_ + "/a").status, 0);
  CmdResult r = profile_cmd("check " + d_ + "/b --against " + d_ + "/a");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("check gate failed: [high] capability CAP_SYS_PTRACE"), std::string::npos) << r.out;
  EXPECT_EQ(profile_cmd("check " + d_ + "/b --against " + d_ + "/a --fail-on none").status, 0);
  EXPECT_EQ(profile_cmd("check " + d_ + "/b --against " + d_ + "/a --fail-on sometimes").status, 2);
  std::ofstream(d_ + "/allow.toml") << "[[allow]]\nclass = \"capability\"\nsubject = \"CAP_SYS_PTRACE\"\n";
  CmdResult no_reason = profile_cmd("check " + d_ + "/b --against " + d_ + "/a --allow " + d_ + "/allow.toml");
  EXPECT_EQ(no_reason.status, 2) << no_reason.out;
  EXPECT_NE(no_reason.out.find("has no \"reason\""), std::string::npos) << no_reason.out;
  std::ofstream(d_ + "/allow.toml") << "[[allow]]\nclass = \"capability\"\nsubject = \"CAP_SYS_PTRACE\"\n"
                                       "reason = \"the service is a debugger\"\n";
  CmdResult ok = profile_cmd("check --json " + d_ + "/b --against " + d_ + "/a --allow " + d_ + "/allow.toml");
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("\"allowed_because\": \"the service is a debugger\""), std::string::npos) << ok.out;
}

// The offline proofs: the compiled seccomp program (run in user space) allows every
// recorded call and denies the sensitive ones; the Landlock rules allow every
// recorded path right and deny the sensitive paths. Tampered artifacts fail.
TEST_F(Cli, CheckProvesSeccompAndLandlockOnTheRecording) {
  ASSERT_EQ(profile_cmd("-q generate " + d_ + "/a").status, 0);
  CmdResult ok = profile_cmd("check --seccomp --landlock --json " + d_ + "/a");
  ASSERT_EQ(ok.status, 0) << ok.out;
  auto j = nlohmann::json::parse(ok.out.substr(ok.out.find('{'), ok.out.rfind('}') - ok.out.find('{') + 1));
  EXPECT_GT(j["checks"][0]["detail"]["calls_checked"].get<int>(), 15) << ok.out;
  EXPECT_GT(j["checks"][1]["detail"]["accesses_checked"].get<int>(), 5) << ok.out;

  ASSERT_EQ(std::system(("cp -r " + d_ + "/a " + d_ + "/t").c_str()), 0);
  auto sc = nlohmann::json::parse(*read_file(d_ + "/t/seccomp.json"));
  for (auto& r : sc["syscalls"]) {
    auto& names = r["names"];
    auto it = std::find(names.begin(), names.end(), "read");
    if (it != names.end()) names.erase(it);
  }
  sc["syscalls"].push_back({{"names", {"unshare", "kexec_load"}}, {"action", "SCMP_ACT_ALLOW"}});
  std::ofstream(d_ + "/t/seccomp.json") << sc.dump();
  CmdResult bad = profile_cmd("check --seccomp " + d_ + "/t");
  EXPECT_EQ(bad.status, 1) << bad.out;
  EXPECT_NE(bad.out.find("the recorded call x86_64 read() gets ERRNO(1)"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("x86_64 unshare(268435456) is allowed"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("x86_64 kexec_load() is allowed"), std::string::npos) << bad.out;

  auto ll = nlohmann::json::parse(*read_file(d_ + "/a/landlock.json"));
  for (auto& f : ll["fs"])
    if (f["path"] == "/etc/hosts") f["path"] = "/etc/hostname";  // the recorded read of /etc/hosts is lost
  ll["fs"].push_back({{"path", "/etc"}, {"access", {"read_dir"}}});
  ll["fs"].push_back({{"path", "/run"}, {"access", {"write_file"}}});
  std::ofstream(d_ + "/t/landlock.json") << ll.dump();
  CmdResult badl = profile_cmd("check --landlock " + d_ + "/t");
  EXPECT_EQ(badl.status, 1) << badl.out;
  EXPECT_NE(badl.out.find("the recorded access read_file on /etc/hosts is denied"), std::string::npos) << badl.out;
  EXPECT_NE(badl.out.find("write_file on /run/docker.sock (the Docker engine socket"), std::string::npos) << badl.out;
  EXPECT_EQ(badl.out.find("/etc/shadow"), std::string::npos) << "read_dir is no read of a file: " << badl.out;
}

// Reports for CI: SARIF 2.1.0 (checked structurally by python3: no SARIF schema in
// Debian), JUnit XML (parsed by python3's XML parser), markdown under 64 kB even
// with thousands of changes.
TEST_F(Cli, CheckReportsSarifJunitAndMarkdown) {
  ASSERT_EQ(profile_cmd("-q generate " + d_ + "/a").status, 0);
  ASSERT_EQ(std::system(("cp -r " + d_ + "/a " + d_ + "/b").c_str()), 0);
  std::string toml = *read_file(d_ + "/b/profile.toml");
  auto at = toml.find("\ncapabilities = ");
  ASSERT_NE(at, std::string::npos);
  toml.replace(at + 1, toml.find('\n', at + 1) - at - 1, "capabilities = [ \"CAP_SYS_ADMIN\" ]");
  std::ofstream(d_ + "/b/profile.toml") << toml;
  auto ll = nlohmann::json::parse(*read_file(d_ + "/b/landlock.json"));
  for (int i = 0; i < 3000; ++i)
    ll["fs"].push_back(
        {{"path", "/opt/many/file-with-a-long-name-" + std::to_string(i) + ".txt"}, {"access", {"read_file"}}});
  std::ofstream(d_ + "/b/landlock.json") << ll.dump();
  const std::string gate = "-q check " + d_ + "/b --against " + d_ + "/a --format ";
  // Reports go to stdout alone; messages stay on stderr.
  auto report = [&](const std::string& format, const std::string& file) {
    int rc = std::system((std::string(PROFILE_BINARY) + " " + gate + format + " >" + file + " 2>/dev/null").c_str());
    return CmdResult{WIFEXITED(rc) ? WEXITSTATUS(rc) : 128, *read_file(file)};
  };
  CmdResult sarif = report("sarif", d_ + "/r.sarif");
  EXPECT_EQ(sarif.status, 1);
  const std::string py_sarif = R"(
import json, sys
s = json.load(open(sys.argv[1]))
assert s["version"] == "2.1.0" and s["$schema"].endswith("sarif-2.1.0.json")
run, = s["runs"]
d = run["tool"]["driver"]
assert d["name"] == "profile" and isinstance(d["rules"], list)
ids = [r["id"] for r in d["rules"]]
assert ids == sorted(set(ids)), ids
assert "profile/capability" in ids and "profile/file" in ids, ids
res = run["results"]
assert 0 < len(res) < 5000, len(res)
for r in res:
    assert r["ruleId"] in ids and r["level"] in ("error", "warning", "note")
    assert isinstance(r["message"]["text"], str) and r["message"]["text"]
    loc = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert loc.endswith((".json", ".toml")), loc
errors = [r for r in res if r["level"] == "error"]
assert len(errors) == 1 and errors[0]["ruleId"] == "profile/capability", errors
assert errors[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("/profile.toml")
)";
  std::ofstream(d_ + "/sarif.py") << py_sarif;
  EXPECT_EQ(std::system(("python3 " + d_ + "/sarif.py " + d_ + "/r.sarif").c_str()), 0) << sarif.out;

  CmdResult junit = report("junit", d_ + "/r.xml");
  EXPECT_EQ(junit.status, 1);
  std::ofstream(d_ + "/junit.py") << R"(
import sys, xml.etree.ElementTree as E
t = E.parse(sys.argv[1]).getroot()
assert t.tag == "testsuites" and int(t.get("failures")) == 1, t.attrib
names = [s.get("name") for s in t.findall("testsuite")]
assert names == ["profile check seccomp", "profile check landlock", "profile check gate"], names
f = t.findall(".//failure")
assert len(f) == 1 and "CAP_SYS_ADMIN" in f[0].text, [x.text for x in f]
)";
  EXPECT_EQ(std::system(("python3 " + d_ + "/junit.py " + d_ + "/r.xml").c_str()), 0) << junit.out;

  CmdResult md = report("markdown", d_ + "/r.md");
  EXPECT_EQ(md.status, 1);
  EXPECT_LT(md.out.size(), 64u * 1024u);
  EXPECT_NE(md.out.find("capability CAP\\_SYS\\_ADMIN"), std::string::npos) << md.out.substr(0, 2000);
  EXPECT_NE(md.out.find("more lines left out to stay under 64 kB"), std::string::npos) << md.out.size();
}

// SARIF locations are the committed profile's files in the repository: relative
// to the checkout (%SRCROOT%), at the line of the new file that names the change.
TEST_F(Cli, CheckSarifPointsAtTheCommittedProfileInTheRepository) {
  ASSERT_EQ(profile_cmd("-q generate " + d_ + "/a").status, 0);
  ASSERT_EQ(std::system(("mkdir -p '" + d_ + "/repo/my profiles' && cp -r " + d_ + "/a '" + d_ +
                         "/repo/my profiles/web' && cp -r " + d_ + "/a " + d_ + "/new")
                            .c_str()),
            0);
  std::string toml = *read_file(d_ + "/new/profile.toml");
  auto at = toml.find("\ncapabilities = ");
  ASSERT_NE(at, std::string::npos);
  toml.replace(at + 1, toml.find('\n', at + 1) - at - 1, "capabilities = [ \"CAP_SYS_ADMIN\" ]");
  std::ofstream(d_ + "/new/profile.toml") << toml;
  const size_t cap_line = 2 + static_cast<size_t>(std::count(toml.begin(), toml.begin() + static_cast<long>(at), '\n'));
  auto sarif = [&](const std::string& cd, const std::string& args) {
    std::string out = d_ + "/out.sarif";
    int rc = std::system(
        ("cd '" + cd + "' && " + PROFILE_BINARY + " -q check " + args + " --format sarif >" + out + " 2>/dev/null")
            .c_str());
    EXPECT_EQ(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, 1) << args;
    return nlohmann::json::parse(*read_file(out));
  };
  auto error_location = [](const nlohmann::json& s) {
    for (const auto& r : s["runs"][0]["results"])
      if (r["level"] == "error") return r["locations"][0]["physicalLocation"];
    return nlohmann::json();
  };
  char real[PATH_MAX];
  ASSERT_NE(::realpath((d_ + "/repo").c_str(), real), nullptr);
  // From the checkout, as a CI job runs it: the committed path as typed, relative.
  auto s = sarif(d_ + "/repo", "'" + d_ + "/new' --against 'my profiles/web'");
  auto loc = error_location(s);
  EXPECT_EQ(loc["artifactLocation"]["uri"], "my%20profiles/web/profile.toml") << s.dump(2);
  EXPECT_EQ(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
  EXPECT_EQ(loc["region"]["startLine"], cap_line) << toml;
  EXPECT_EQ(s["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file://" + std::string(real) + "/");
  EXPECT_TRUE(s["runs"][0]["results"][0]["partialFingerprints"].is_object());
  // From elsewhere with --repo-root and an absolute committed path: the same uri.
  auto s2 = sarif(d_, "new --against '" + d_ + "/repo/my profiles/web' --repo-root repo");
  EXPECT_EQ(error_location(s2)["artifactLocation"], loc["artifactLocation"]) << s2.dump(2);
  // A committed bundle outside the root: an absolute file URI with no base.
  auto s3 = sarif(d_, "new --against a --repo-root repo");
  auto l3 = error_location(s3)["artifactLocation"];
  EXPECT_EQ(l3["uri"], "file://" + std::string(real).substr(0, std::string(real).rfind('/')) + "/a/profile.toml")
      << s3.dump(2);
  EXPECT_FALSE(l3.contains("uriBaseId"));
  EXPECT_FALSE(s3["runs"][0].contains("originalUriBaseIds"));
}

// A bundle of the sample recording plus calls through i386's int 0x80.
std::string compat_bundle(const std::string& d) {
  Recording rec = testing::sample_recording();
  rec.add_syscall("x86", "socketcall", 2);
  rec.add_syscall("x86", "exit", 1);
  rec.args["x86"]["socketcall"] = ArgValues{{0}, {~uint64_t{0}}, {{1}, {3}}};
  EXPECT_TRUE(::mkdir((d + "/c").c_str(), 0755) == 0);
  EXPECT_TRUE(save_recording(d + "/c/recording.json", rec));
  return d + "/c";
}

size_t lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST_F(Cli, ShowSummaryIsAFewLinesWithTheCounts) {
  std::string dir = compat_bundle(d_);
  ASSERT_EQ(profile_cmd("-q generate " + dir).status, 0);
  Recording rec = testing::sample_recording();
  CmdResult full = profile_cmd("show " + dir);
  CmdResult r = profile_cmd("show --summary " + dir);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_LE(lines(r.out), 12u) << r.out;
  EXPECT_LT(lines(r.out) * 3, lines(full.out)) << "the summary must be much shorter than the full listing";
  EXPECT_NE(r.out.find("syscalls      " + std::to_string(rec.syscalls["x86_64"].size()) + " x86_64, 2 i386"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("unnamed: x86_64:461"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dangerous     "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ptrace"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("files         " + std::to_string(rec.files.size()) + " in "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("network       4 endpoints"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("executables   1: /usr/bin/app"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("landlock      "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("capabilities  "), std::string::npos) << r.out;

  CmdResult j = profile_cmd("-q show --summary --json " + dir);
  ASSERT_EQ(j.status, 0) << j.out;
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["syscalls"]["x86_64"], rec.syscalls["x86_64"].size());
  EXPECT_EQ(doc["syscalls"]["i386"], 2);
  EXPECT_EQ(doc["files"]["paths"], rec.files.size());
  EXPECT_EQ(doc["dangerous"], nlohmann::json::array({"io_uring_setup", "ptrace"}));
  EXPECT_EQ(profile_cmd("show --summary --only files " + dir).status, 2);
}

TEST_F(Cli, ShowNamesArgumentValuesArchitecturesAndFiltersByKind) {
  std::string dir = compat_bundle(d_);
  CmdResult r = profile_cmd("show --only syscalls " + dir);
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* want :
       {"AF_INET (2), SOCK_STREAM (1)", "AF_UNIX (1), SOCK_STREAM (1)", "TCGETS (0x5401)", "FIONREAD (0x541b)",
        "PROT_EXEC (0x4)", "no PROT_EXEC", "no namespace flags", "Syscalls (i386, compat): 2 distinct",
        "Argument values (i386, compat)", "SYS_SOCKET (1); SYS_CONNECT (3)", "#461", "ptrace!"})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  EXPECT_EQ(r.out.find("Files:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Network:"), std::string::npos) << r.out;

  CmdResult net = profile_cmd("show --only network,exec " + dir);
  ASSERT_EQ(net.status, 0) << net.out;
  EXPECT_NE(net.out.find("Network: 4 endpoints"), std::string::npos) << net.out;
  EXPECT_NE(net.out.find("Executables: 1"), std::string::npos) << net.out;
  EXPECT_EQ(net.out.find("Syscalls"), std::string::npos) << net.out;

  CmdResult j = profile_cmd("-q show --json --only syscalls " + dir);
  ASSERT_EQ(j.status, 0) << j.out;
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_FALSE(doc.contains("files"));
  EXPECT_TRUE(doc.contains("runs"));
  EXPECT_EQ(doc["args"]["x86_64"]["ioctl"]["tuples"][0]["values"], nlohmann::json::array({0x5401}));
  EXPECT_EQ(doc["args"]["x86_64"]["ioctl"]["tuples"][0]["decoded"], nlohmann::json::array({"TCGETS (0x5401)"}));
  EXPECT_EQ(profile_cmd("show --only sockets " + dir).status, 2);
}

}  // namespace
}  // namespace profile
