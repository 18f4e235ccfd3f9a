// The ptrace tracer driven by learn(): in the learning container (the supervisor
// is pid 1 and is never recorded; recording starts at the workload's execve) and
// with --no-container; and what happens when the tracer itself is killed.
#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "session/learn.h"
#include "tests/support/privileged.h"
#include "tests/tracer/trace_harness.h"

namespace profile::testing {
namespace {

namespace fs = std::filesystem;

Result<LearnResult> learn_prog(const std::vector<std::string>& argv, bool container) {
  LearnOptions o;
  o.spec.argv = argv;
  o.spec.container = container;
  o.spec.net = NetMode::Loopback;
  o.tracer = TracerKind::Ptrace;
  return learn(o);
}

class PtraceLearn : public ::testing::TestWithParam<bool> {};

TEST_P(PtraceLearn, RecordsTheWorkloadFromItsExecAndNotTheSupervisor) {
  PROFILE_REQUIRE(!GetParam() || is_root(), "the learning container needs root here");
  auto r = learn_prog({prog("ptrace_fork")}, GetParam());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit.code, 0);
  EXPECT_EQ(r->tracer, "ptrace");
  const Recording& rec = r->recording;
  for (const char* child : {"fork", "vfork", "clone3"})
    EXPECT_EQ(file_count(rec, std::string("/nonexistent-ptrace/") + child + "-child", Access::Stat, "ENOENT"), 1u)
        << child;
  // Only the workload's own binary was executed: the supervisor is not traced
  // and the launcher's execve is the first recorded syscall.
  ASSERT_EQ(rec.executables.size(), 1u);
  EXPECT_EQ(rec.executables.begin()->first, fs::canonical(prog("ptrace_fork")).string());
  EXPECT_EQ(syscall_count(rec, "x86_64", "execve"), 1u);
  ASSERT_EQ(rec.runs.size(), 1u);
  EXPECT_EQ(rec.runs[0].tracer, "ptrace");
  EXPECT_EQ(rec.runs[0].lost_events, 0u);
}

TEST_P(PtraceLearn, KeepsCtrlZSemanticsForTheWorkload) {
  PROFILE_REQUIRE(!GetParam() || is_root(), "the learning container needs root here");
  auto r = learn_prog({prog("ptrace_sigstop")}, GetParam());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit.code, 0) << "3: the parent did not see the stop; 4: the child did not finish";
}

TEST_P(PtraceLearn, PropagatesAKillBySignal) {
  PROFILE_REQUIRE(!GetParam() || is_root(), "the learning container needs root here");
  auto r = learn_prog({prog("ptrace_signals"), "self-kill"}, GetParam());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit.signal, SIGKILL);
  EXPECT_EQ(r->exit.status(), 128 + SIGKILL);
}

// The content of a /proc file, "" when the process is gone. Not through
// std::ifstream: libstdc++'s filebuf throws when read(2) fails with ESRCH, which
// it does for a process that exits between open and read.
std::string read_proc(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return n < 0 ? "" : out;
}

std::vector<pid_t> pids_with_marker(const std::string& marker) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::string cmdline = read_proc("/proc/" + std::to_string(pid) + "/cmdline");
    if (cmdline.find(marker) != std::string::npos) out.push_back(pid);
  }
  ::closedir(d);
  return out;
}

bool alive(pid_t pid) {
  std::string stat = read_proc("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

TEST_P(PtraceLearn, KillingTheTracerKillsEveryTracee) {
  PROFILE_REQUIRE(!GetParam() || is_root(), "the learning container needs root here");
  // Orphans of the killed learner are re-parented to us and reaped here.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  std::string marker = "ptrace-kill-marker-" + std::to_string(::getpid()) + (GetParam() ? "-c" : "-n");
  pid_t learner = ::fork();
  if (learner == 0) {
    auto r = learn_prog({prog("ptrace_sleeper"), marker}, GetParam());
    ::_exit(r.ok() ? 0 : 1);
  }
  ASSERT_GT(learner, 0);
  std::vector<pid_t> workload;
  for (int i = 0; i < 200 && workload.size() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    workload = pids_with_marker(marker);
  }
  ASSERT_EQ(workload.size(), 4u) << "the workload did not start";
  ::kill(learner, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(learner, &status, 0), learner);
  bool any_alive = true;
  for (int i = 0; i < 200 && any_alive; ++i) {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    any_alive = false;
    for (pid_t p : workload) any_alive = any_alive || alive(p);
    if (any_alive) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  std::string survivors;
  for (pid_t p : workload)
    if (alive(p)) survivors += " " + std::to_string(p);
  EXPECT_EQ(survivors, "") << "workload processes survived the tracer";
  for (pid_t p : workload) ::kill(p, SIGKILL);  // only ours, by pid, should any remain
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST(PtraceLearnCli, LearnsAsAnUnprivilegedUserWithExactOutcomes) {
  PROFILE_REQUIRE(is_root() && ::access("/usr/bin/setpriv", X_OK) == 0, "needs root and setpriv to become nobody");
  char tmpl[] = "/tmp/ptrace-unpriv-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  ASSERT_EQ(::chmod(tmpl, 0777), 0);
  std::string out = std::string(tmpl) + "/out";
  // As nobody: no CAP_SYS_PTRACE, PR_SET_NO_NEW_PRIVS needed for the filter, and
  // no outcome may be predicted (a lookup by the tracer is no proof of access).
  std::string cmd = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups " + std::string(PROFILE_BINARY) +
                    " -q learn --tracer ptrace --no-generate --no-container -o " + out +
                    " -- /bin/sh -c 'cat /etc/hostname; ls /root' >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc)) << cmd;
  EXPECT_NE(WEXITSTATUS(rc), 0) << "ls /root must fail as nobody";
  auto rec = load_recording(out + "/recording.json");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_GE(file_count(*rec, "/root", Access::Read, "EACCES"), 1u);
  EXPECT_GE(file_count(*rec, "/etc/hostname", Access::Read, kOk), 1u);
  EXPECT_EQ(rec->runs.at(0).lost_events, 0u);
  fs::remove_all(tmpl);
}

INSTANTIATE_TEST_SUITE_P(Modes, PtraceLearn, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "Container" : "NoContainer"; });

}  // namespace
}  // namespace profile::testing
