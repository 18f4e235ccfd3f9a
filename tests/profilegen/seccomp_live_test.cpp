// A generated seccomp.json compiled with libseccomp (enforce/seccomp_filter) and
// enforced by the kernel in a forked child.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "common/atomic_file.h"
#include "enforce/seccomp_filter.h"
#include "profilegen/bundle.h"
#include "tests/profilegen/sample.h"
#include "tests/support/privileged.h"
#include "tests/support/reference.h"

namespace profile {
namespace {

// What the child does after loading the filter, one errno (0 = success) each.
struct Outcomes {
  int getpid = -1, getppid = -1, clone3 = -1, unknown = -1, inet = -1, inet6 = -1, i386 = -1, load = -1;
  int faccessat2 = -1, clone3_ns = -1, unshare_user = -1, clone_user = -1, thread = -1;
  int i386_unknown = -1, i386_getppid = -1;
};

constexpr long kUnknownNr = 461;  // lsm_list_modules: in Linux 6.8+, unknown to libseccomp 2.5.4

int errno_of(long rc) {
  return rc < 0 ? errno : 0;
}

// int $0x80 from a 64-bit process: a compat-arch (i386) syscall without arguments.
long i386_call(long nr) {
  long ret = nr;
  __asm__ volatile("int $0x80" : "+a"(ret)::"memory", "rbx", "rcx", "rdx", "rsi", "rdi");
  return ret;
}
int i386_errno(long r) {
  return r < 0 && r > -4096 ? static_cast<int>(-r) : 0;
}
long i386_getpid() {
  return i386_call(20);
}

void* thread_body(void*) {
  return nullptr;
}

// A raw clone-family call that may succeed: the new process leaves at once.
int errno_of_fork(long rc) {
  if (rc == 0) ::syscall(SYS_exit, 0);
  if (rc > 0) ::waitpid(static_cast<pid_t>(rc), nullptr, __WALL);
  return rc < 0 ? errno : 0;
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
    o.i386 = i386_errno(i386_getpid());
    o.i386_unknown = i386_errno(i386_call(kUnknownNr));
    o.i386_getppid = i386_errno(i386_call(64));
    o.faccessat2 = errno_of(::syscall(SYS_faccessat2, AT_FDCWD, "/", R_OK, AT_EACCESS));
    if (prepared != nullptr) {  // unconfined, these would create namespaces
      clone_args ca{};
      ca.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET;
      ca.exit_signal = SIGCHLD;
      o.clone3_ns = errno_of_fork(::syscall(SYS_clone3, &ca, sizeof ca));
      o.unshare_user = errno_of(::syscall(SYS_unshare, CLONE_NEWUSER));
      o.clone_user = errno_of_fork(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0));
    }
    pthread_t t{};
    o.thread = ::pthread_create(&t, nullptr, thread_body, nullptr);
    if (o.thread == 0) ::pthread_join(t, nullptr);
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
  EXPECT_EQ(o.inet6, EPERM) << "AF_INET6 was not observed: a value outside the learned ones gets EPERM";
  EXPECT_EQ(o.faccessat2, ENOSYS) << "an unobserved fallback syscall: glibc retries with faccessat";
  if (have_ia32) {
    EXPECT_EQ(o.i386, EPERM) << "i386 was not observed";
  }
}

// What a threaded glibc program records: clone3 for its threads. Under the
// profile clone3 gets ENOSYS whatever its flags (seccomp cannot read them), and
// glibc's fallback clone is allowed with the flags clone3 was seen with only.
Recording threaded() {
  Recording r = observed();
  for (const char* s : {"clone3", "mmap", "mprotect", "munmap", "madvise", "rt_sigprocmask", "set_robust_list", "rseq",
                        "futex", "exit", "brk", "gettid", "unshare"})
    r.add_syscall("x86_64", s);
  r.args["x86_64"]["clone3"] = ArgValues{{0}, {0x7e020080}, {{0}}};   // threads: no namespace flags
  r.args["x86_64"]["unshare"] = ArgValues{{0}, {0x7e020080}, {{0}}};  // unshare(CLONE_FILES)-like: none
  r.add_syscall("x86", "getpid");
  return r;
}

TEST(SeccompLive, Clone3GetsEnosysAndThreadsFallBackToClone) {
  auto files = render_bundle(threaded(), testing::no_selinux(), "", nullptr);
  ASSERT_TRUE(files) << files.error().message;
  auto prepared = compile_seccomp_json(files->at("seccomp.json"), "seccomp.json");
  ASSERT_TRUE(prepared) << prepared.error().message;
  Outcomes free = run_child(nullptr);
  ASSERT_EQ(free.thread, 0);
  ASSERT_EQ(free.faccessat2, 0) << "this kernel must have faccessat2 for the test to mean anything";
  bool have_ia32 = free.i386 == 0;

  Outcomes o = run_child(&*prepared);
  EXPECT_EQ(o.load, 0);
  EXPECT_EQ(o.clone3_ns, ENOSYS) << "clone3 was observed, but its namespace flags cannot be checked";
  EXPECT_EQ(o.thread, 0) << "pthread_create must fall back from clone3 to clone";
  EXPECT_EQ(o.unshare_user, EPERM) << "unshare was learned without namespace flags";
  EXPECT_EQ(o.clone_user, EPERM) << "clone is allowed with the flags clone3 was seen with only";
  EXPECT_EQ(o.getppid, EPERM) << "an ordinary unobserved syscall";
  EXPECT_EQ(o.faccessat2, ENOSYS);
  EXPECT_EQ(o.unknown, ENOSYS) << "a number libseccomp cannot name (x86_64)";
  if (have_ia32) {
    EXPECT_EQ(o.i386, 0) << "i386 getpid was observed";
    EXPECT_EQ(o.i386_getppid, EPERM) << "i386 getppid was not";
    EXPECT_EQ(o.i386_unknown, ENOSYS) << "a number libseccomp cannot name (i386)";
  }

  // --clone3 allow: clone3 is allowed again, namespace flags and all (that is
  // what the flag in the report warns about).
  GenerateOptions allow = testing::no_selinux();
  allow.clone3 = "allow";
  GenerateReport report;
  auto af = render_bundle(threaded(), allow, "", &report);
  ASSERT_TRUE(af) << af.error().message;
  bool flagged = false;
  for (const auto& d : report.dangerous) flagged |= d.syscall == "clone3";
  EXPECT_TRUE(flagged);
  auto ap = compile_seccomp_json(af->at("seccomp.json"), "seccomp.json");
  ASSERT_TRUE(ap) << ap.error().message;
  Outcomes a = run_child(&*ap);
  EXPECT_EQ(a.clone3_ns, 0) << "allowed clone3 is not argument-checked";
  EXPECT_EQ(a.thread, 0);
}

// The ENOSYS range for numbers libseccomp cannot name comes before
// libseccomp's program; a profile that allows by default needs none, and a
// number the profile names itself is left to its rule.
TEST(SeccompLive, UnnamedNumbersGetEnosysUnlessNamed) {
  auto allow_all = compile_seccomp_json(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]})", "p.json");
  ASSERT_TRUE(allow_all) << allow_all.error().message;
  auto plain = compile_seccomp_json(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
      {"names":["getpid","write","exit_group","socket","faccessat2","mmap","mprotect","munmap","madvise",
      "rt_sigprocmask","clone","clone3","set_robust_list","rseq","futex","exit","brk","gettid","getppid"],
      "action":"SCMP_ACT_ALLOW"},{"names":["461"],"action":"SCMP_ACT_ALLOW"}]})",
                                    "p.json");
  ASSERT_TRUE(plain) << plain.error().message;
  Outcomes o = run_child(&*plain);
  EXPECT_EQ(o.load, 0);
  EXPECT_EQ(o.getpid, 0);
  EXPECT_NE(o.unknown, EPERM) << "461 is allowed by number: the ENOSYS range must not shadow it";
  EXPECT_NE(o.unknown, ENOSYS);
  auto without = compile_seccomp_json(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
      {"names":["getpid","write","exit_group"],"action":"SCMP_ACT_ALLOW"}]})",
                                      "p.json");
  ASSERT_TRUE(without);
  Outcomes w = run_child(&*without);
  EXPECT_EQ(w.unknown, ENOSYS);
  EXPECT_EQ(w.getppid, EPERM) << "named syscalls keep the default";
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
  PROFILE_REFERENCE_OR_SKIP(reference);
  auto prepared = compile_seccomp_file(reference + "/docker-default-seccomp.json");
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

namespace profile {
namespace {

// The engine formats carry the container runtime's calls (getppid is runc's,
// policies/runtimes.toml) in a separate rule; `profile enforce` loads its filter
// right before execve and skips that rule, so the workload gets none of them.
TEST(SeccompLive, EnforceSkipsTheRuntimePart) {
  auto files = render_bundle(observed(), testing::no_selinux(), "", nullptr);
  ASSERT_TRUE(files) << files.error().message;
  const std::string& sj = files->at("seccomp.json");
  auto at = sj.find("\"comment\": \"runtime part");
  ASSERT_NE(at, std::string::npos) << "the default --runtime all adds the rule";
  auto rule_start = sj.rfind("\"names\"", at);
  ASSERT_NE(sj.substr(rule_start, at - rule_start).find("\"getppid\""), std::string::npos);
  auto prepared = compile_seccomp_json(sj, "seccomp.json");
  ASSERT_TRUE(prepared) << prepared.error().message;
  Outcomes o = run_child(&*prepared);
  EXPECT_EQ(o.load, 0);
  EXPECT_EQ(o.getpid, 0);
  EXPECT_EQ(o.getppid, EPERM) << "the runtime's call is not the workload's";
  EXPECT_EQ(o.faccessat2, ENOSYS) << "runc copes with ENOSYS: libc's fallback stays for the workload";
  // The same file as an engine reads it (the rule kept): getppid allowed.
  std::string kept = sj;
  kept.replace(at, std::string("\"comment\": \"runtime part").size(), "\"comment\": \"kept for the test");
  auto engine = compile_seccomp_json(kept, "seccomp.json");
  ASSERT_TRUE(engine) << engine.error().message;
  EXPECT_EQ(run_child(&*engine).getppid, 0);
}

}  // namespace
}  // namespace profile
