// A generated seccomp.json compiled with libseccomp (enforce/seccomp_filter) and
// enforced by the kernel in a forked child.
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/atomic_file.h"
#include "enforce/seccomp_filter.h"
#include "profilegen/bundle.h"
#include "tests/profilegen/sample.h"
#include "tests/support/privileged.h"

namespace profile {
namespace {

// What the child does after loading the filter, one errno (0 = success) each.
struct Outcomes {
  int getpid = -1, getppid = -1, clone3 = -1, unknown = -1, inet = -1, inet6 = -1, i386 = -1, load = -1;
};

constexpr long kUnknownNr = 461;  // lsm_list_modules: in Linux 6.8+, unknown to libseccomp 2.5.4

int errno_of(long rc) {
  return rc < 0 ? errno : 0;
}

// int $0x80 getpid (i386 number 20) from a 64-bit process: a compat-arch syscall.
long i386_getpid() {
  long ret = 20;
  __asm__ volatile("int $0x80" : "+a"(ret)::"memory", "rbx", "rcx", "rdx", "rsi", "rdi");
  return ret;
}

Outcomes run_child(const PreparedSeccomp* prepared) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    Outcomes o;
    o.load = prepared != nullptr ? apply_seccomp_in_child(*prepared) : 0;
    o.getpid = errno_of(::syscall(SYS_getpid));
    o.getppid = errno_of(::syscall(SYS_getppid));
    o.clone3 = errno_of(::syscall(SYS_clone3, nullptr, 0));
    o.unknown = errno_of(::syscall(kUnknownNr, nullptr, nullptr, 0));
    long s4 = ::syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    o.inet = errno_of(s4);
    long s6 = ::syscall(SYS_socket, AF_INET6, SOCK_STREAM, 0);
    o.inet6 = errno_of(s6);
    long r = i386_getpid();
    o.i386 = r < 0 && r > -4096 ? static_cast<int>(-r) : 0;
    (void)::syscall(SYS_write, fds[1], &o, sizeof o);
    ::syscall(SYS_exit_group, 0);
  }
  ::close(fds[1]);
  Outcomes o;
  EXPECT_EQ(::read(fds[0], &o, sizeof o), static_cast<ssize_t>(sizeof o));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return o;
}

Recording observed() {
  Recording r;
  RunInfo run;
  run.command = {"child"};
  run.tracer = "ptrace";
  r.runs.push_back(run);
  for (const char* s : {"getpid", "socket", "write", "exit_group", "close"}) r.add_syscall("x86_64", s);
  r.args["x86_64"]["socket"] = ArgValues{{0, 1, 2}, {~uint64_t{0}, 0xf, ~uint64_t{0}}, {{AF_INET, SOCK_STREAM, 0}}};
  return r;
}

TEST(SeccompLive, GeneratedProfileIsEnforced) {
  PROFILE_REQUIRE(::access("/proc/self/status", R_OK) == 0, "procfs");
  auto files = render_bundle(observed(), testing::no_selinux(), "", nullptr);
  ASSERT_TRUE(files) << files.error().message;
  auto prepared = compile_seccomp_json(files->at("seccomp.json"), "seccomp.json");
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_TRUE(prepared->warnings.empty());

  Outcomes free = run_child(nullptr);
  ASSERT_EQ(free.getppid, 0);
  ASSERT_NE(free.clone3, ENOSYS) << "this kernel must have clone3 for the test to mean anything";
  ASSERT_NE(free.unknown, ENOSYS) << "this kernel must know syscall " << kUnknownNr;
  bool have_ia32 = free.i386 == 0;

  Outcomes o = run_child(&*prepared);
  EXPECT_EQ(o.load, 0);
  EXPECT_EQ(o.getpid, 0) << "observed";
  EXPECT_EQ(o.getppid, EPERM) << "known but not observed";
  EXPECT_EQ(o.clone3, ENOSYS) << "clone3 not observed: libc must fall back to clone";
  EXPECT_EQ(o.unknown, ENOSYS) << "newer than the profile";
  EXPECT_EQ(o.inet, 0) << "AF_INET stream socket was observed (SOCK_CLOEXEC masked off)";
  EXPECT_NE(o.inet6, 0) << "AF_INET6 was not observed";
  if (have_ia32) {
    EXPECT_EQ(o.i386, EPERM) << "i386 was not observed";
  }
}

TEST(SeccompLive, KillModeKillsOnUnobservedSyscall) {
  GenerateOptions opt = testing::no_selinux();
  opt.default_action = "kill";
  auto files = render_bundle(observed(), opt, "", nullptr);
  ASSERT_TRUE(files);
  auto prepared = compile_seccomp_json(files->at("seccomp.json"), "seccomp.json");
  ASSERT_TRUE(prepared) << prepared.error().message;
  pid_t pid = ::fork();
  if (pid == 0) {
    if (apply_seccomp_in_child(*prepared) != 0) ::_exit(3);
    ::syscall(SYS_getppid);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGSYS);
}

TEST(SeccompLive, DockersDefaultProfileCompilesAndDenies) {
  auto prepared = compile_seccomp_file(std::string(PROFILE_SHARED_DIR) + "/reference/docker-default-seccomp.json");
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_GT(prepared->rules, 280u);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (apply_seccomp_in_child(*prepared) != 0) ::_exit(3);
    if (::syscall(SYS_getpid) <= 0) ::_exit(4);
    // kexec_load needs CAP_SYS_BOOT in Docker's profile: denied with EPERM.
    if (::syscall(SYS_kexec_load, 0, 0, nullptr, 0) != -1 || errno != EPERM) ::_exit(5);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SeccompLive, BadProfilesAreClearErrors) {
  auto r = compile_seccomp_json("{", "p.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("p.json: not valid JSON"), std::string::npos);
  r = compile_seccomp_json(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["frobnicate"],
      "action":"SCMP_ACT_ERRNO"}]})",
                           "p.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown syscall name \"frobnicate\" in a rule that denies it"), std::string::npos)
      << r.error().message;
  r = compile_seccomp_json(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["frobnicate","read"],
      "action":"SCMP_ACT_ALLOW"}]})",
                           "p.json");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("frobnicate"), std::string::npos);
  r = compile_seccomp_json(R"({"defaultAction":"SCMP_ACT_MAYBE"})", "p.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown action"), std::string::npos);
}

}  // namespace
}  // namespace profile
