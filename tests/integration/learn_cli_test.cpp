// `profile learn` and `profile show` from the outside: exit codes, errors, the
// files they write.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "common/atomic_file.h"
#include "common/recording.h"
#include "tests/support/privileged.h"
#include "tests/support/run.h"

namespace profile {
namespace {
using testing::run;
using testing::TempDir;

const std::string kProfile = PROFILE_BINARY;

TEST(LearnCli, RecordsTheWorkloadAndExitsWithItsStatus) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  TempDir dir;
  auto r =
      run({kProfile, "learn", "-o", dir.path() + "/b", "--", "/bin/sh", "-c", "cat /etc/hostname >/dev/null; exit 3"});
  EXPECT_EQ(r.status, 3) << r.err;
  auto rec = load_recording(dir.path() + "/b/recording.json");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  ASSERT_EQ(rec->runs.size(), 1u);
  EXPECT_EQ(rec->runs[0].exit.code, 3);
  EXPECT_EQ(rec->runs[0].command, (std::vector<std::string>{"/bin/sh", "-c", "cat /etc/hostname >/dev/null; exit 3"}));
  EXPECT_TRUE(rec->syscalls["x86_64"].count("execve"));
  EXPECT_TRUE(rec->executables.count("/usr/bin/cat")) << recording_to_json(*rec);
  EXPECT_TRUE(rec->files.count("/etc/hostname"));
}

TEST(LearnCli, RecordsTheStartingIdsAndTheNamesNotTheValuesOfTheEnvironment) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  TempDir dir;
  auto r = run({kProfile, "learn", "-q", "-o", dir.path(), "--net", "loopback", "--", "/bin/true"},
               {"PROFILE_TEST_SECRET=do-not-record-me"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto text = read_file(dir.path() + "/recording.json");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find("do-not-record-me"), std::string::npos);
  auto rec = recording_from_json(*text, "recording.json");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(rec->runs[0].uid, ::geteuid());
  EXPECT_EQ(rec->runs[0].gid, ::getegid());
  ASSERT_TRUE(rec->runs[0].env.has_value());
  const auto& env = *rec->runs[0].env;
  EXPECT_TRUE(std::is_sorted(env.begin(), env.end()));
  EXPECT_TRUE(std::binary_search(env.begin(), env.end(), "PROFILE_TEST_SECRET")) << *text;
  EXPECT_TRUE(std::binary_search(env.begin(), env.end(), "PATH"));
}

TEST(LearnCli, SignalDeathBecomes128PlusN) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  TempDir dir;
  auto r = run({kProfile, "learn", "-q", "-o", dir.path(), "--", "/bin/sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(r.status, 128 + 15) << r.err;
  auto rec = load_recording(dir.path() + "/recording.json");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->runs[0].exit.signal, 15);
}

TEST(LearnCli, CommandNotFoundIs127WithOneLine) {
  TempDir dir;
  auto r = run({kProfile, "learn", "-o", dir.path(), "--", "no-such-command-xyz"});
  EXPECT_EQ(r.status, 127);
  EXPECT_NE(r.err.find("no-such-command-xyz"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(LearnCli, NotExecutableIs126) {
  TempDir dir;
  std::string f = dir.path() + "/script";
  ASSERT_TRUE(write_file_atomic(f, "#!/bin/sh\n", 0644).ok());
  auto r = run({kProfile, "learn", "-o", dir.path() + "/o", "--", f});
  EXPECT_EQ(r.status, 126) << r.err;
}

// `learn -- podman run IMG` would record podman and its runtime, not the
// workload: refused before anything runs, unless --trace-engine asks for it.
TEST(LearnCli, AContainerEngineLaunchIsRefusedUnlessTheEngineIsWhatIsLearned) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  TempDir dir;
  auto r = run({kProfile, "learn", "-o", dir.path() + "/b", "--", "podman", "--root", dir.path() + "/store", "run",
                "--rm", "img", "true"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("'podman run' starts the workload in a container"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--trace-engine"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one sentence: " << r.err;
  struct stat st {};
  EXPECT_NE(::stat((dir.path() + "/b").c_str(), &st), 0) << "nothing ran, nothing was written";
  EXPECT_NE(::stat((dir.path() + "/store").c_str(), &st), 0) << "podman never ran";

  auto engine = run({kProfile, "learn", "-q", "--trace-engine", "--tracer", "ptrace", "-o", dir.path() + "/e", "--",
                     "podman", "--root", dir.path() + "/store", "--runroot", dir.path() + "/run", "run", "--help"});
  EXPECT_EQ(engine.status, 0) << engine.err;
  auto rec = load_recording(dir.path() + "/e/recording.json");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(rec->runs[0].command[0], "podman");
}

TEST(LearnCli, UnwritableOutputDirectoryIsRefusedBeforeRunning) {
  TempDir dir;
  std::string marker = dir.path() + "/ran";
  // A regular file where the output directory should be.
  ASSERT_TRUE(write_file_atomic(dir.path() + "/file", "x").ok());
  auto r = run({kProfile, "learn", "-o", dir.path() + "/file", "--", "/usr/bin/touch", marker});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("not a directory"), std::string::npos) << r.err;
  struct stat st {};
  EXPECT_NE(::stat(marker.c_str(), &st), 0) << "the workload must not run";
}

TEST(LearnCli, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(run({kProfile, "learn", "--tracer", "magic", "--", "true"}).status, 2);
  EXPECT_EQ(run({kProfile, "learn", "--net", "wifi", "--", "true"}).status, 2);
  EXPECT_EQ(run({kProfile, "learn"}).status, 2);
  EXPECT_EQ(run({kProfile, "frobnicate"}).status, 2);
}

TEST(LearnCli, AppendMergesRunsAndRefusesACorruptRecordingUntouched) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  TempDir dir;
  ASSERT_EQ(run({kProfile, "learn", "-q", "-o", dir.path(), "--", "/bin/true"}).status, 0);
  ASSERT_EQ(run({kProfile, "learn", "-q", "-o", dir.path(), "--append", "--", "/bin/ls", "/"}).status, 0);
  auto rec = load_recording(dir.path() + "/recording.json");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->runs.size(), 2u);
  EXPECT_TRUE(rec->executables.count("/usr/bin/true"));
  EXPECT_TRUE(rec->executables.count("/usr/bin/ls"));

  std::string corrupt = "{\"format\": \"something-else/3\"}";
  ASSERT_TRUE(write_file_atomic(dir.path() + "/recording.json", corrupt).ok());
  auto r = run({kProfile, "learn", "-o", dir.path(), "--append", "--", "/bin/true"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("recording.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unsupported format"), std::string::npos) << r.err;
  EXPECT_EQ(*read_file(dir.path() + "/recording.json"), corrupt);
}

TEST(LearnCli, SameWorkloadGivesTheSameObservations) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  TempDir a, b;
  ASSERT_EQ(run({kProfile, "learn", "-q", "-o", a.path(), "--", "/bin/cat", "/etc/hostname"}).status, 0);
  ASSERT_EQ(run({kProfile, "learn", "-q", "-o", b.path(), "--", "/bin/cat", "/etc/hostname"}).status, 0);
  auto ra = load_recording(a.path() + "/recording.json");
  auto rb = load_recording(b.path() + "/recording.json");
  ASSERT_TRUE(ra.ok() && rb.ok());
  // Run metadata (time, duration) differs by nature; everything observed must not.
  ra->runs.clear();
  rb->runs.clear();
  // The harness hands the workload stdout/stderr files with random names; the
  // workload looks at them (fstat), which is observed like any other access.
  for (auto* rec : {&*ra, &*rb})
    std::erase_if(rec->files, [](const auto& kv) { return kv.first.rfind("/tmp/profile-test-", 0) == 0; });
  EXPECT_EQ(ra->files, rb->files);
  EXPECT_EQ(ra->executables, rb->executables);
  std::set<std::string> names_a, names_b;
  for (const auto& [n, c] : ra->syscalls["x86_64"]) names_a.insert(n);
  for (const auto& [n, c] : rb->syscalls["x86_64"]) names_b.insert(n);
  EXPECT_EQ(names_a, names_b);
}

TEST(ShowCli, SummarisesAndMarksDangerousSyscalls) {
  TempDir dir;
  Recording rec;
  rec.runs.push_back(RunInfo{{"/bin/x"}, "/", "ptrace", "6.18", "x86_64", "", 5, {}, 0, {}});
  rec.add_syscall("x86_64", "read", 3);
  rec.add_syscall("x86_64", "io_uring_setup");
  rec.add_file("/etc/passwd", Access::Read, kOk, "file");
  rec.add_file("/etc/missing", Access::Stat, "ENOENT");
  ASSERT_TRUE(save_recording(dir.path() + "/recording.json", rec).ok());
  auto r = run({kProfile, "show", dir.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("io_uring_setup!"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("file and network access not mediated by seccomp"), std::string::npos);
  EXPECT_NE(r.out.find("passwd"), std::string::npos);
  EXPECT_NE(r.out.find("stat(ENOENT)"), std::string::npos) << r.out;
  auto j = run({kProfile, "show", "--json", dir.path() + "/recording.json"});
  ASSERT_EQ(j.status, 0);
  EXPECT_NE(j.out.find("\"dangerous\""), std::string::npos);
  auto bad = run({kProfile, "show", dir.path() + "/nope"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("ENOENT"), std::string::npos);
}

}  // namespace
}  // namespace profile
