// The ptrace tracer on helper programs (tests/progs/ptrace_*.c): threads,
// processes, exec from a thread, stops and signals, other ABIs, paths.
#include "tracer/ptrace/ptrace_tracer.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "tests/support/privileged.h"
#include "tests/tracer/trace_harness.h"
#include "tracer/ptrace/seccomp_trace_filter.h"

namespace profile::testing {
namespace {

namespace fs = std::filesystem;

TEST(PtraceTracer, FollowsTwoHundredThreads) {
  auto t = trace_command({prog("ptrace_threads")});
  ASSERT_TRUE(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0) << t.status;
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(file_count(t.rec, "/nonexistent-ptrace-thread/" + std::to_string(i), Access::Read, "ENOENT"), 1u)
        << "thread " << i;
  EXPECT_GE(syscall_count(t.rec, "x86_64", "clone3") + syscall_count(t.rec, "x86_64", "clone"), 200u);
  EXPECT_EQ(t.lost, 0u);
  EXPECT_GT(t.live_syscalls, 400u);
}

TEST(PtraceTracer, FollowsForkVforkAndClone3) {
  auto t = trace_command({prog("ptrace_fork")});
  ASSERT_TRUE(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0) << t.status;
  for (const char* child : {"fork", "vfork", "clone3"})
    EXPECT_EQ(file_count(t.rec, std::string("/nonexistent-ptrace/") + child + "-child", Access::Stat, "ENOENT"), 1u)
        << child;
  EXPECT_GE(syscall_count(t.rec, "x86_64", "vfork"), 1u);
  EXPECT_GE(syscall_count(t.rec, "x86_64", "clone3"), 1u);
  // clone3's flags come from struct clone_args in the tracee's memory: a plain
  // fork-like clone3 has none of the masked (namespace) flags.
  auto& args = t.rec.args["x86_64"]["clone3"];
  EXPECT_EQ(args.indices, std::vector<unsigned>{0});
  EXPECT_TRUE(args.tuples.count(std::vector<uint64_t>{0})) << args.tuples.size();
}

// ptrace cannot follow a child made with CLONE_UNTRACED (the kernel does not
// auto-attach it): the recording must not look complete without it.
TEST(PtraceTracer, AnUntracedChildMakesTheRecordingIncomplete) {
  auto t = trace_command({prog("ptrace_untraced")});
  ASSERT_TRUE(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0) << t.status;
  EXPECT_EQ(t.lost, 2u) << "one per untraced child (clone and clone3)";
  // Control: an ordinary fork loses nothing.
  auto fork = trace_command({prog("ptrace_fork")});
  EXPECT_EQ(fork.lost, 0u);
}

TEST(PtraceTracer, FollowsExecFromANonLeaderThread) {
  auto t = trace_command({prog("ptrace_exec_thread")});
  ASSERT_TRUE(WIFEXITED(t.status)) << t.status;
  EXPECT_EQ(WEXITSTATUS(t.status), 7);
  EXPECT_EQ(file_count(t.rec, "/nonexistent-ptrace/after-exec", Access::Stat, "ENOENT"), 1u);
  EXPECT_EQ(t.rec.executables[fs::canonical(prog("ptrace_exec_thread")).string()], 2u);
}

TEST(PtraceTracer, KeepsGroupStopsVisibleToTheParent) {
  auto t = trace_command({prog("ptrace_sigstop")});
  ASSERT_TRUE(WIFEXITED(t.status)) << t.status;
  EXPECT_EQ(WEXITSTATUS(t.status), 0) << "3: the parent did not see the stop; 4: the child did not finish";
  EXPECT_EQ(file_count(t.rec, "/nonexistent-ptrace/after-sigcont", Access::Stat, "ENOENT"), 1u);
}

TEST(PtraceTracer, DeliversSignalsAndSeesHandlerSyscallsAndSigkill) {
  auto t = trace_command({prog("ptrace_signals")});
  ASSERT_TRUE(WIFEXITED(t.status)) << t.status;
  EXPECT_EQ(WEXITSTATUS(t.status), 0);
  EXPECT_EQ(file_count(t.rec, "/nonexistent-ptrace/in-handler", Access::Stat, "ENOENT"), 1u);
  EXPECT_GE(syscall_count(t.rec, "x86_64", "rt_sigreturn"), 1u);
  EXPECT_GE(syscall_count(t.rec, "x86_64", "kill"), 1u);
}

TEST(PtraceTracer, ReportsATraceeKilledBySigkill) {
  auto t = trace_command({prog("ptrace_signals"), "self-kill"});
  ASSERT_TRUE(WIFSIGNALED(t.status)) << t.status;
  EXPECT_EQ(WTERMSIG(t.status), SIGKILL);
}

TEST(PtraceTracer, RecordsI386AndX32UnderTheirOwnArchitectures) {
  auto t = trace_command({prog("ptrace_compat")});
  ASSERT_TRUE(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0) << t.status;
  EXPECT_EQ(syscall_count(t.rec, "x86", "getpid"), 1u);
  // Recorded whether or not this kernel has CONFIG_X86_X32_ABI (ENOSYS otherwise):
  // the attempt is what a profile must decide on.
  EXPECT_EQ(syscall_count(t.rec, "x32", "getpid"), 1u);
  EXPECT_EQ(t.lost, 0u);
}

// i386 socketcall and ipc are filtered by call number (policies/args.toml), so
// the recording must hold the call numbers, the version half of ipc masked off.
TEST(PtraceTracer, RecordsI386SocketcallAndIpcCallNumbers) {
  auto t = trace_command({prog("ptrace_i386_mux"), "mux"});
  ASSERT_TRUE(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0) << t.status;
  if (syscall_count(t.rec, "x86", "socketcall") == 0) GTEST_SKIP() << "no i386 entry (kernel without IA32 emulation)";
  ASSERT_EQ(syscall_count(t.rec, "x86", "ipc"), 1u);
  const auto& args = t.rec.args.at("x86");
  ASSERT_TRUE(args.count("socketcall"));
  EXPECT_EQ(args.at("socketcall").tuples, (std::set<std::vector<uint64_t>>{{1}})) << "SYS_SOCKET";
  ASSERT_TRUE(args.count("ipc"));
  EXPECT_EQ(args.at("ipc").tuples, (std::set<std::vector<uint64_t>>{{3}})) << "SEMCTL, version bits masked";
  EXPECT_EQ(args.at("ipc").masks, std::vector<uint64_t>{0xffff});
  EXPECT_EQ(t.lost, 0u);
}

// syscall(-1) carries the x32 bit; it used to add x32 to the recording. The
// kernel runs nothing for -1, and a number with the x32 bit outside the x32
// table is an x86_64 number that fails: no architecture may come of them.
TEST(PtraceTracer, BogusNumbersAddNoArchitecture) {
  auto t = trace_command({prog("ptrace_i386_mux"), "bogus"});
  ASSERT_TRUE(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0) << t.status;
  for (const auto& [arch, calls] : t.rec.syscalls)
    EXPECT_TRUE(arch == "x86_64" || calls.empty()) << arch << " added by a bogus number";
  EXPECT_EQ(t.rec.syscalls.count("x32"), 0u);
  EXPECT_EQ(syscall_count(t.rec, "x86_64", "18446744073709551615"), 0u) << "-1 is not recorded";
  EXPECT_EQ(syscall_count(t.rec, "x86_64", "4294967295"), 0u);
  EXPECT_EQ(t.lost, 0u);
}

TEST(PtraceTracer, ResolvesPathsAsTheKernelDoes) {
  char tmpl[] = "/tmp/ptrace-paths-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = fs::canonical(tmpl).string();
  std::ofstream(dir + "/f") << "x";
  fs::create_directory(dir + "/d");
  std::ofstream(dir + "/d/inner") << "y";
  fs::create_symlink("d/inner", dir + "/link");

  auto t = trace_command({prog("ptrace_paths"), dir});
  ASSERT_TRUE(WIFEXITED(t.status)) << t.status;
  ASSERT_EQ(WEXITSTATUS(t.status), 0);
  const auto& r = t.rec;
  EXPECT_EQ(file_count(r, dir, Access::Stat, kOk), 1u);  // chdir
  EXPECT_EQ(file_count(r, dir + "/f", Access::Read, kOk), 1u);
  EXPECT_EQ(file_type(r, dir + "/f"), "file");
  EXPECT_EQ(file_count(r, dir + "/d", Access::Read, kOk), 1u);
  EXPECT_EQ(file_type(r, dir + "/d"), "dir");
  // openat(dirfd, "inner") and open("link") both land on d/inner.
  EXPECT_EQ(file_count(r, dir + "/d/inner", Access::Read, kOk), 2u);
  EXPECT_EQ(file_count(r, dir + "/missing", Access::Read, "ENOENT"), 1u);
  EXPECT_EQ(file_type(r, dir + "/missing"), "");
  EXPECT_EQ(file_count(r, dir + "/created", Access::Create, kOk), 1u);
  EXPECT_EQ(file_count(r, dir + "/created", Access::Write, kOk), 2u);  // open(O_TRUNC), ftruncate
  EXPECT_EQ(file_count(r, dir + "/created", Access::Chmod, kOk), 1u);  // fchmod
  EXPECT_EQ(file_count(r, dir + "/d", Access::Stat, kOk), 1u);         // fchdir
  EXPECT_EQ(file_type(r, dir + "/created"), "file");
  EXPECT_EQ(file_count(r, dir + "/link", Access::Stat, kOk), 1u);  // lstat: the link itself
  EXPECT_EQ(file_type(r, dir + "/link"), "symlink");
  EXPECT_EQ(file_count(r, dir + "/link", Access::Read, kOk), 0u);
  EXPECT_EQ(file_count(r, dir + "/created", Access::Rename, kOk), 1u);
  EXPECT_EQ(file_count(r, dir + "/renamed", Access::Rename, kOk), 1u);
  EXPECT_EQ(file_count(r, dir + "/renamed", Access::Delete, kOk), 1u);
  EXPECT_EQ(file_count(r, dir + "/newdir", Access::Create, kOk), 1u);
  EXPECT_EQ(file_type(r, dir + "/newdir"), "dir");
  EXPECT_EQ(file_count(r, dir + "/d/inner", Access::Stat, kOk), 1u);  // access() after fchdir
  EXPECT_EQ(file_count(r, "/proc/self/exe", Access::Stat, kOk), 1u);
  EXPECT_EQ(file_type(r, "/proc/self/exe"), "symlink");
  EXPECT_GE(r.executables.count(fs::canonical(prog("ptrace_paths")).string()), 1u);
  fs::remove_all(dir);
}

TEST(PtraceTracer, RecordsSocketArgumentsAndEndpoints) {
  // python3 binds and connects a loopback TCP socket and a unix socket.
  char tmpl[] = "/tmp/ptrace-net-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string sock = std::string(tmpl) + "/s.sock";
  std::string code =
      "import socket\n"
      "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(1); port=s.getsockname()[1]\n"
      "c=socket.create_connection(('127.0.0.1',port)); a,_=s.accept()\n"
      "u=socket.socket(socket.AF_UNIX); u.bind('" +
      sock +
      "')\n"
      "v=socket.socket(socket.AF_UNIX)\n"
      "try: v.connect('" +
      sock +
      "')\nexcept OSError: pass\n"
      "print(port)\n";
  auto t = trace_command({"/usr/bin/python3", "-c", code});
  ASSERT_TRUE(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0) << t.status;
  bool bound = false, connected = false, listened = false, accepted = false, unix_bound = false, unix_refused = false;
  for (const auto& [ep, n] : t.rec.network) {
    if (ep.family == "AF_INET" && ep.op == "bind" && ep.address == "127.0.0.1" && ep.port == 0) bound = true;
    if (ep.family == "AF_INET" && ep.op == "connect" && ep.port != 0 && ep.type == "SOCK_STREAM") connected = true;
    if (ep.family == "AF_INET" && ep.op == "listen" && ep.port != 0) listened = true;
    if (ep.family == "AF_INET" && ep.op == "accept" && ep.port != 0) accepted = true;
    if (ep.family == "AF_UNIX" && ep.op == "bind" && ep.path == sock && ep.result == kOk) unix_bound = true;
    if (ep.family == "AF_UNIX" && ep.op == "connect" && ep.path == sock && ep.result == "ECONNREFUSED")
      unix_refused = true;
  }
  EXPECT_TRUE(bound && connected && listened && accepted && unix_bound && unix_refused)
      << bound << connected << listened << accepted << unix_bound << unix_refused;
  EXPECT_EQ(file_count(t.rec, sock, Access::Create, kOk), 1u);
  EXPECT_EQ(file_type(t.rec, sock), "sock");
  auto& socket_args = t.rec.args["x86_64"]["socket"];
  using T = std::vector<uint64_t>;
  EXPECT_TRUE(socket_args.tuples.count(T{AF_INET, SOCK_STREAM, 0}) ||
              socket_args.tuples.count(T{AF_INET, SOCK_STREAM, 6}));
  EXPECT_TRUE(socket_args.tuples.count(T{AF_UNIX, SOCK_STREAM, 0}));
  fs::remove_all(tmpl);
}

TEST(PtraceTracer, ReportsAttachFailureClearly) {
  ptrace::PtraceTracer tracer;
  TracerOptions options;
  options.args = &builtin_arg_policy();
  ASSERT_TRUE(tracer.prepare(options).ok());
  TraceTarget target;
  target.top_pid = 999999999;
  auto st = tracer.attach_from_parent(target);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("PTRACE_SEIZE"), std::string::npos) << st.error().message;
  EXPECT_EQ(st.error().errno_value, ESRCH);
}

}  // namespace
}  // namespace profile::testing

namespace profile::testing {
namespace {

struct PredictDir {
  std::string dir;
  PredictDir() {
    char tmpl[] = "/tmp/ptrace-predict-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return;
    dir = std::filesystem::canonical(tmpl).string();
    std::ofstream(dir + "/f") << "secret";
    ::chmod((dir + "/f").c_str(), 0600);
    std::filesystem::create_symlink("f", dir + "/l");
    ::chmod(dir.c_str(), 0755);
  }
  ~PredictDir() { std::filesystem::remove_all(dir); }
};

TEST(PtracePrediction, OutcomesDecidedByTheLookupMatchTheKernel) {
  PredictDir d;
  auto t = trace_command({prog("ptrace_predict"), d.dir});
  ASSERT_TRUE(WIFEXITED(t.status)) << t.status;
  ASSERT_EQ(WEXITSTATUS(t.status), 0) << "bit mask of the probes the kernel answered otherwise";
  EXPECT_EQ(file_count(t.rec, d.dir + "/f", Access::Stat, "EINVAL"), 1u);   // readlink
  EXPECT_EQ(file_count(t.rec, d.dir + "/f", Access::Read, "ENOTDIR"), 1u);  // O_DIRECTORY
  EXPECT_EQ(file_count(t.rec, d.dir + "/l", Access::Read, "ELOOP"), 1u);    // O_NOFOLLOW
  EXPECT_EQ(file_count(t.rec, d.dir + "/f/x", Access::Stat, "ENOTDIR"), 1u);
  EXPECT_EQ(file_count(t.rec, d.dir + "/f", Access::Stat, kOk), 1u);  // stat(l) lands on f
}

TEST(PtracePrediction, SeesAFileAppearThatSomethingOutsideTheWorkloadCreates) {
  PredictDir d;
  std::string flag = d.dir + "/ready";
  std::thread creator([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ofstream(flag) << "1";
  });
  auto t = trace_command({prog("ptrace_poll"), flag});
  creator.join();
  ASSERT_TRUE(WIFEXITED(t.status)) << t.status;
  ASSERT_EQ(WEXITSTATUS(t.status), 0) << "the workload never saw the file";
  EXPECT_GE(file_count(t.rec, flag, Access::Stat, "ENOENT"), 1u);
  EXPECT_EQ(file_count(t.rec, flag, Access::Stat, kOk), 1u);  // the last probe, as the kernel answered it
}

TEST(PtracePrediction, NotUsedOnceTheWorkloadConfinesItself) {
  // (A workload's own seccomp filter that fails a syscall with an errno takes
  // precedence over SECCOMP_RET_TRACE: such calls never reach the tracer and are
  // not recorded; they need no rule either. Landlock changes outcomes the
  // tracer does see.)
  PROFILE_REQUIRE(::syscall(SYS_landlock_create_ruleset, nullptr, 0, 1) >= 1, "Landlock is not enabled");
  PredictDir d;
  auto t = trace_command({prog("ptrace_predict"), d.dir, "confine"});
  ASSERT_TRUE(WIFEXITED(t.status)) << t.status;
  ASSERT_EQ(WEXITSTATUS(t.status), 0);
  EXPECT_EQ(file_count(t.rec, d.dir + "/f", Access::Read, "EACCES"), 1u);
  EXPECT_EQ(file_count(t.rec, d.dir + "/f", Access::Read, kOk), 0u);
}

TEST(PtracePrediction, NotUsedForAnUnprivilegedTracee) {
  PROFILE_REQUIRE(is_root(), "needs root to drop to another user");
  PredictDir d;
  auto t = trace_command({prog("ptrace_predict"), d.dir, "drop"});
  ASSERT_TRUE(WIFEXITED(t.status)) << t.status;
  ASSERT_EQ(WEXITSTATUS(t.status), 0);
  EXPECT_EQ(file_count(t.rec, d.dir + "/f", Access::Read, "EACCES"), 1u);
  EXPECT_EQ(file_count(t.rec, d.dir + "/f", Access::Read, kOk), 0u);
}

}  // namespace
}  // namespace profile::testing
