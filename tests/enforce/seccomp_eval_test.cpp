// The user-space BPF interpreter on programs compiled by compile_seccomp_json
// (libseccomp's real output), and on programs the kernel would refuse.
#include "enforce/seccomp_eval.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <sys/syscall.h>

#include <cerrno>

#include "enforce/seccomp_filter.h"

namespace profile {
namespace {

seccomp_data call(int nr, std::initializer_list<uint64_t> args = {}, uint32_t arch = AUDIT_ARCH_X86_64) {
  seccomp_data d{};
  d.nr = nr;
  d.arch = arch;
  size_t i = 0;
  for (uint64_t a : args) d.args[i++] = a;
  return d;
}

uint32_t eval(const PreparedSeccomp& p, const seccomp_data& d) {
  auto r = run_seccomp_bpf(p.program, d);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : 0;
}

TEST(SeccompEval, CompiledProgramGivesTheActionsOfTheJson) {
  const char* json = R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]})";
  auto p = compile_seccomp_json(json, "t.json");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(eval(*p, call(SYS_read)), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(*p, call(SYS_write, {1, 2, 3})), SECCOMP_RET_ALLOW);
  EXPECT_EQ(seccomp_ret_text(eval(*p, call(SYS_getpid))), "ERRNO(1)");
  EXPECT_EQ(eval(*p, call(SYS_socket, {2, 1, 0})), SECCOMP_RET_ALLOW);
  EXPECT_FALSE(seccomp_ret_allows(eval(*p, call(SYS_socket, {10, 1, 0}))));
  EXPECT_EQ(eval(*p, call(SYS_clone, {0x11 /* SIGCHLD-ish */})), SECCOMP_RET_ALLOW);
  EXPECT_FALSE(seccomp_ret_allows(eval(*p, call(SYS_clone, {0x10000000 /* CLONE_NEWUSER */}))));
  // 64-bit arguments: the upper half counts.
  EXPECT_FALSE(seccomp_ret_allows(eval(*p, call(SYS_socket, {(uint64_t{1} << 32) | 2}))));
  EXPECT_EQ(seccomp_ret_text(eval(*p, call(SYS_clone3))), "ERRNO(38)");
  // Another architecture gets the bad-architecture action, never ALLOW.
  EXPECT_FALSE(seccomp_ret_allows(eval(*p, call(3 /* i386 read */, {}, AUDIT_ARCH_I386))));
  // x32 calls (nr with __X32_SYSCALL_BIT) are not x86_64 ones.
  EXPECT_FALSE(seccomp_ret_allows(eval(*p, call(0x40000000 | SYS_read))));
}

// The denial report's program: the profile's "no" (its default errno and rules
// with the same errno) notifies, everything else is exactly as without it.
TEST(SeccompEval, NotifyDenialsReplacesOnlyTheProfilesErrno) {
  const char* json = R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
      {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]})";
  auto plain = compile_seccomp_json(json, "t.json");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->notify_errno, 0);
  EXPECT_NE(plain->flags & SECCOMP_FILTER_FLAG_TSYNC, 0u);
  SeccompCompileOptions o;
  o.notify_denials = true;
  auto p = compile_seccomp_json(json, "t.json", o);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->notify_errno, 1);
  EXPECT_NE(p->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER, 0u);
  EXPECT_EQ(p->flags & SECCOMP_FILTER_FLAG_TSYNC, 0u) << "TSYNC with NEW_LISTENER needs TSYNC_ESRCH";
  EXPECT_EQ(eval(*p, call(SYS_read)), SECCOMP_RET_ALLOW);
  EXPECT_EQ(eval(*p, call(SYS_socket, {2, 1, 0})), SECCOMP_RET_ALLOW);
  EXPECT_EQ(seccomp_ret_text(eval(*p, call(SYS_getpid))), seccomp_ret_text(SECCOMP_RET_USER_NOTIF));
  EXPECT_EQ(eval(*p, call(SYS_socket, {10, 1, 0})), SECCOMP_RET_USER_NOTIF);
  // Another errno, and ENOSYS (fall back; newer than libseccomp), stay in the kernel.
  EXPECT_EQ(seccomp_ret_text(eval(*p, call(SYS_ptrace))), "ERRNO(13)");
  EXPECT_EQ(seccomp_ret_text(eval(*p, call(SYS_clone3))), "ERRNO(38)");
  EXPECT_EQ(seccomp_ret_text(eval(*p, call(1000))), "ERRNO(38)");
  // The other architecture of the profile, and one outside it (EPERM: notified).
  EXPECT_EQ(eval(*p, call(20 /* i386 getpid */, {}, AUDIT_ARCH_I386)), SECCOMP_RET_USER_NOTIF);
  // A profile that kills has nothing to answer: no notifications, TSYNC kept.
  auto kill = compile_seccomp_json(R"({"defaultAction": "SCMP_ACT_KILL_PROCESS",
    "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})",
                                   "k.json", o);
  ASSERT_TRUE(kill) << kill.error().message;
  EXPECT_EQ(kill->notify_errno, 0);
  EXPECT_NE(kill->flags & SECCOMP_FILTER_FLAG_TSYNC, 0u);
  // Never loaded where its listener would be lost at execve.
  EXPECT_EQ(apply_seccomp_in_child(*p), EINVAL);
}

TEST(SeccompEval, ProgramsTheKernelWouldRefuseAreErrors) {
  std::vector<sock_filter> oob = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), BPF_STMT(BPF_RET | BPF_K, 0)};
  EXPECT_FALSE(run_seccomp_bpf(oob, call(0)));
  std::vector<sock_filter> off_end = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)};
  EXPECT_FALSE(run_seccomp_bpf(off_end, call(0)));
  std::vector<sock_filter> jump = {BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0), BPF_STMT(BPF_RET | BPF_K, 0)};
  EXPECT_FALSE(run_seccomp_bpf(jump, call(0)));
  std::vector<sock_filter> div0 = {BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_K, 0)};
  EXPECT_FALSE(run_seccomp_bpf(div0, call(0)));
  // Scratch memory, X and RET A.
  std::vector<sock_filter> mem = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
                                  BPF_STMT(BPF_ST, 3),
                                  BPF_STMT(BPF_LDX | BPF_MEM, 3),
                                  BPF_STMT(BPF_MISC | BPF_TXA, 0),
                                  BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
                                  BPF_STMT(BPF_RET | BPF_A, 0)};
  auto r = run_seccomp_bpf(mem, call(EPERM));
  ASSERT_TRUE(r);
  EXPECT_EQ(seccomp_ret_text(*r), "ERRNO(1)");
}

}  // namespace
}  // namespace profile
