#include "common/recording.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace profile {
namespace {

Recording sample() {
  Recording r;
  RunInfo run;
  run.command = {"/bin/ls", "-l"};
  run.cwd = "/tmp";
  run.tracer = "ptrace";
  run.kernel = "6.18";
  run.arch = "x86_64";
  run.started = "2026-11-29T00:00:00Z";
  run.duration_ms = 12;
  run.exit.code = 3;
  run.container = {{"net", "loopback"}};
  run.uid = 0;
  run.gid = 0;
  run.env = std::vector<std::string>{"HOME", "PATH"};
  r.runs.push_back(run);
  r.add_syscall("x86_64", "openat", 4);
  r.add_syscall("x86_64", "read");
  r.add_syscall("x86", "getpid");
  r.add_syscall("x86_64", "457");
  ArgValues socket{{0, 1, 2}, {~0ULL, 0xf, ~0ULL}, {{2, 1, 0}, {10, 2, 17}}};
  r.args["x86_64"]["socket"] = socket;
  r.add_file("/etc/passwd", Access::Read, kOk, "file", 2);
  r.add_file("/etc/nothere", Access::Stat, "ENOENT");
  r.add_exec("/bin/ls");
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", 8080, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_UNIX", "SOCK_STREAM", "connect", "", 0, "/run/x.sock", "ENOENT"});
  return r;
}

TEST(Recording, JsonRoundTripIsLossless) {
  Recording r = sample();
  auto back = recording_from_json(recording_to_json(r), "mem");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(Recording, SameObservationsGiveSameBytesWhateverTheInsertionOrder) {
  Recording a;
  a.add_file("/b", Access::Write, kOk);
  a.add_file("/a", Access::Read, kOk);
  a.add_syscall("x86_64", "write");
  a.add_syscall("x86_64", "close");
  Recording b;
  b.add_syscall("x86_64", "close");
  b.add_syscall("x86_64", "write");
  b.add_file("/a", Access::Read, kOk);
  b.add_file("/b", Access::Write, kOk);
  EXPECT_EQ(recording_to_json(a), recording_to_json(b));
}

TEST(Recording, MergeUnitesSetsAndAddsCounts) {
  Recording a = sample();
  Recording b;
  b.add_syscall("x86_64", "openat", 1);
  b.add_syscall("x86_64", "close", 2);
  b.args["x86_64"]["socket"] = ArgValues{{0, 1, 2}, {~0ULL, 0xf, ~0ULL}, {{1, 1, 0}, {2, 1, 0}}};
  b.add_file("/etc/passwd", Access::Read, "EACCES");
  b.runs.push_back(RunInfo{});
  ASSERT_TRUE(a.merge(b).ok());
  EXPECT_EQ(a.syscalls["x86_64"]["openat"], 5u);
  EXPECT_EQ(a.syscalls["x86_64"]["close"], 2u);
  EXPECT_EQ(a.args["x86_64"]["socket"].tuples.size(), 3u);
  EXPECT_EQ(a.files["/etc/passwd"].accesses[Access::Read][kOk], 2u);
  EXPECT_EQ(a.files["/etc/passwd"].accesses[Access::Read]["EACCES"], 1u);
  EXPECT_EQ(a.runs.size(), 2u);
}

TEST(Recording, RunsWithoutIdentityOrEnvironmentStillLoadAsUnknown) {
  // A recording written before runs kept uid, gid and env.
  auto r = recording_from_json(
      R"({"format":"profile-recording/1","runs":[{"command":["ls"],"tracer":"ptrace"}],"syscalls":{},"files":{}})",
      "old.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->runs.size(), 1u);
  EXPECT_FALSE(r->runs[0].uid.has_value());
  EXPECT_FALSE(r->runs[0].gid.has_value());
  EXPECT_FALSE(r->runs[0].env.has_value());
  // Written back, it stays without them (nothing is made up).
  std::string out = recording_to_json(*r);
  EXPECT_EQ(out.find("\"uid\""), std::string::npos);
  EXPECT_EQ(out.find("\"env\""), std::string::npos);
}

TEST(Recording, RunIdentityAndEnvironmentNamesRoundTripAndMergeKeepsEachRunsOwn) {
  Recording a = sample();
  std::string out = recording_to_json(a);
  EXPECT_NE(out.find("\"env\": [\n        \"HOME\",\n        \"PATH\"\n      ]"), std::string::npos) << out;
  EXPECT_NE(out.find("\"uid\": 0"), std::string::npos);
  Recording b;
  RunInfo other;
  other.tracer = "ebpf";
  other.uid = 65534;
  other.gid = 65534;
  other.env = std::vector<std::string>{"LANG"};
  b.runs.push_back(other);
  ASSERT_TRUE(a.merge(b).ok());
  ASSERT_EQ(a.runs.size(), 2u);
  EXPECT_EQ(a.runs[0].uid, 0u);
  EXPECT_EQ(*a.runs[0].env, (std::vector<std::string>{"HOME", "PATH"}));
  EXPECT_EQ(a.runs[1].uid, 65534u);
  EXPECT_EQ(*a.runs[1].env, (std::vector<std::string>{"LANG"}));
  auto back = recording_from_json(recording_to_json(a), "mem");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, a);
}

TEST(Recording, CapabilitiesRoundTripAndMergeAsAUnionOfEvidence) {
  Recording a = sample();
  EXPECT_EQ(recording_to_json(a).find("\"capabilities\""), std::string::npos) << "absent when none";
  a.capabilities["CAP_SETGID"] = {"setgroups", "setgid(33)"};
  a.capabilities["CAP_NET_BIND_SERVICE"] = {"bind AF_INET SOCK_STREAM 0.0.0.0:80: ok"};
  std::string out = recording_to_json(a);
  EXPECT_NE(
      out.find(
          "  \"capabilities\": {\n    \"CAP_NET_BIND_SERVICE\": [\n      \"bind AF_INET SOCK_STREAM "
          "0.0.0.0:80: ok\"\n    ],\n    \"CAP_SETGID\": [\n      \"setgid(33)\",\n      \"setgroups\"\n    ]\n  },"),
      std::string::npos)
      << out;
  auto back = recording_from_json(out, "mem");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, a);
  Recording b;
  b.capabilities["CAP_SETGID"] = {"setgid(33)", "setresgid(50, 50, 50)"};
  b.capabilities["CAP_CHOWN"] = {"chown(owner 33, group -1)"};
  ASSERT_TRUE(a.merge(b).ok());
  EXPECT_EQ(a.capabilities.size(), 3u);
  EXPECT_EQ(a.capabilities["CAP_SETGID"], (std::set<std::string>{"setgid(33)", "setgroups", "setresgid(50, 50, 50)"}));
  auto bad = recording_from_json(
      R"({"format":"profile-recording/1","runs":[],"syscalls":{},"files":{},"capabilities":{"setuid":["x"]}})",
      "in.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("/capabilities/setuid"), std::string::npos) << bad.error().message;
}

TEST(Recording, MergeRefusesDifferentArgumentPoliciesAndChangesNothing) {
  Recording a = sample();
  Recording before = a;
  Recording b;
  b.add_syscall("x86_64", "read", 7);
  b.args["x86_64"]["socket"] = ArgValues{{0}, {~0ULL}, {{2}}};
  auto st = a.merge(b);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("socket"), std::string::npos);
  EXPECT_EQ(a, before);
}

TEST(Recording, IncompleteWhenAnyRunLostEvents) {
  Recording r = sample();
  EXPECT_FALSE(r.incomplete());
  r.runs[0].lost_events = 1;
  EXPECT_TRUE(r.incomplete());
}

struct BadCase {
  const char* text;
  const char* expect;
};

TEST(Recording, CorruptOrForeignDocumentsGetOneClearSentence) {
  const BadCase cases[] = {
      {"{not json", "not valid JSON"},
      {"[1,2]", "expected a JSON object"},
      {R"({"name":"x"})", "not a profile recording"},
      {R"({"format":"profile-recording/9"})", "unsupported format"},
      {R"({"format":"profile-recording/1","runs":[],"syscalls":{"x86_64":{"read":-1}},"files":{}})",
       "/syscalls/x86_64/read"},
      {R"({"format":"profile-recording/1","runs":[],"syscalls":{},"files":{"rel/path":{"access":{}}}})", "absolute"},
      {R"({"format":"profile-recording/1","runs":[],"syscalls":{},"files":{"/x":{"access":{"eat":{}}}}})",
       "unknown access kind"},
      {R"({"format":"profile-recording/1","runs":[{"command":[]}],"syscalls":{},"files":{}})", "tracer"},
      {R"({"format":"profile-recording/1","runs":[{"command":[],"tracer":"ptrace","uid":-1}],"syscalls":{},"files":{}})",
       "/runs/0/uid"},
      {R"({"format":"profile-recording/1","runs":[{"command":[],"tracer":"ptrace","gid":4294967296}],"syscalls":{},"files":{}})",
       "32-bit"},
      {R"({"format":"profile-recording/1","runs":[{"command":[],"tracer":"ptrace","env":["PATH","HOME"]}],"syscalls":{},"files":{}})",
       "sorted"},
  };
  for (const auto& c : cases) {
    auto r = recording_from_json(c.text, "in.json");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message.rfind("in.json: ", 0), 0u) << r.error().message;
    EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  }
}

TEST(AtomicFile, ReplacesContentAndLeavesNoTemporaryBehind) {
  char dir[] = "/tmp/profile-atomic-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/f.json";
  ASSERT_TRUE(write_file_atomic(path, "one").ok());
  ASSERT_TRUE(write_file_atomic(path, "two").ok());
  EXPECT_EQ(*read_file(path), "two");
  auto missing = read_file(std::string(dir) + "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("ENOENT"), std::string::npos);
  std::string cmd = std::string("test $(ls -A ") + dir + " | wc -l) -eq 1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  std::system((std::string("rm -rf ") + dir).c_str());
}

}  // namespace
}  // namespace profile

namespace profile {
namespace {

// One run that saw `syscalls` and `files`.
Recording one_run(const std::vector<std::string>& syscalls, const std::vector<std::string>& files) {
  Recording r;
  RunInfo run;
  run.command = {"/usr/bin/svc"};
  run.tracer = "ptrace";
  r.runs.push_back(run);
  for (const auto& s : syscalls) r.add_syscall("x86_64", s);
  for (const auto& f : files) r.add_file(f, Access::Read, kOk, "file");
  return r;
}

TEST(RecordingCoverage, MergeCountsTheRunsThatSawEachItemAndKeepsEveryItem) {
  Recording merged;
  ASSERT_TRUE(merged.merge(one_run({"read", "openat"}, {"/srv/a"})).ok());
  EXPECT_FALSE(merged.has_partial_coverage()) << "one run: nothing to count";
  ASSERT_TRUE(merged.merge(one_run({"read", "write"}, {"/srv/a", "/srv/b"})).ok());
  ASSERT_TRUE(merged.merge(one_run({"read"}, {"/srv/a"})).ok());
  ASSERT_EQ(merged.runs.size(), 3u);
  EXPECT_TRUE(merged.has_partial_coverage());
  EXPECT_EQ(merged.runs_seeing_syscall("x86_64", "read"), 3u);
  EXPECT_EQ(merged.runs_seeing_syscall("x86_64", "openat"), 1u);
  EXPECT_EQ(merged.runs_seeing_syscall("x86_64", "write"), 1u);
  EXPECT_EQ(merged.runs_seeing_syscall("x86_64", "mmap"), 0u);
  EXPECT_EQ(merged.runs_seeing_file("/srv/a"), 3u);
  EXPECT_EQ(merged.runs_seeing_file("/srv/b"), 1u);
  // Items every run saw are not listed; the rest are, with their count.
  EXPECT_EQ(merged.coverage.syscalls["x86_64"], (std::map<std::string, uint64_t>{{"openat", 1}, {"write", 1}}));
  EXPECT_EQ(merged.coverage.files, (std::map<std::string, uint64_t>{{"/srv/b", 1}}));
  // Informational only: what one run saw stays in the recording.
  EXPECT_EQ(merged.syscalls["x86_64"].count("openat"), 1u);

  // Merging merged recordings adds their counts.
  Recording more;
  ASSERT_TRUE(more.merge(one_run({"openat"}, {"/srv/b"})).ok());
  ASSERT_TRUE(more.merge(one_run({"read", "openat"}, {})).ok());
  ASSERT_TRUE(merged.merge(more).ok());
  EXPECT_EQ(merged.runs_seeing_syscall("x86_64", "openat"), 3u);
  EXPECT_EQ(merged.runs_seeing_syscall("x86_64", "read"), 4u);
  EXPECT_EQ(merged.runs_seeing_file("/srv/b"), 2u);
  EXPECT_EQ(merged.runs_seeing_file("/srv/a"), 3u);

  auto back = recording_from_json(recording_to_json(merged), "mem");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, merged);
  EXPECT_EQ(back->runs_seeing_file("/srv/b"), 2u);
}

TEST(RecordingCoverage, UnknownWhenAnOldRecordingOfSeveralRunsIsMergedIn) {
  Recording two = one_run({"read"}, {});
  ASSERT_TRUE(two.merge(one_run({"write"}, {})).ok());
  std::string text = recording_to_json(two);
  auto cov = text.find("\"coverage\"");
  ASSERT_NE(cov, std::string::npos) << text;
  // A recording of several runs written before coverage was kept: no member.
  nlohmann::json j = nlohmann::json::parse(text);
  j.erase("coverage");
  auto old = recording_from_json(j.dump(), "old.json");
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_FALSE(old->coverage.known);
  Recording merged = *old;
  ASSERT_TRUE(merged.merge(one_run({"read"}, {})).ok());
  EXPECT_FALSE(merged.coverage.known);
  EXPECT_FALSE(merged.has_partial_coverage());
  EXPECT_EQ(recording_to_json(merged).find("\"coverage\""), std::string::npos);
}

TEST(RecordingCoverage, BadCoverageIsRejectedWithItsPlace) {
  Recording two = one_run({"read"}, {"/srv/a"});
  ASSERT_TRUE(two.merge(one_run({"write"}, {})).ok());
  nlohmann::json j = nlohmann::json::parse(recording_to_json(two));
  auto expect_bad = [&](nlohmann::json doc, const std::string& where) {
    auto r = recording_from_json(doc.dump(), "in.json");
    ASSERT_FALSE(r.ok()) << doc.dump();
    EXPECT_NE(r.error().message.find(where), std::string::npos) << r.error().message;
  };
  auto unknown_file = j;
  unknown_file["coverage"]["files"]["/srv/zzz"] = 1;
  expect_bad(unknown_file, "/coverage/files//srv/zzz");
  auto too_many = j;
  too_many["coverage"]["syscalls"]["x86_64"]["read"] = 2;
  expect_bad(too_many, "/coverage/syscalls/x86_64/read");
  auto one = recording_to_json(one_run({"read"}, {}));
  auto single = nlohmann::json::parse(one);
  single["coverage"] = nlohmann::json::object();
  expect_bad(single, "several runs");
}

}  // namespace
}  // namespace profile
