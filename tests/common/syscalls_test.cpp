#include "common/syscalls.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <sys/syscall.h>

#include "common/policy.h"

namespace profile {
namespace {

TEST(Syscalls, NamesAndNumbersComeFromLibseccomp) {
  EXPECT_EQ(syscall_name("x86_64", SYS_openat), "openat");
  EXPECT_EQ(syscall_name("x86", 20), "getpid");
  EXPECT_EQ(*syscall_number("x86_64", "read"), 0);
  EXPECT_EQ(*syscall_number("x32", "read"), 0x40000000);
  EXPECT_FALSE(syscall_number("x86_64", "no_such_call").has_value());
}

TEST(Syscalls, UnknownNumbersAreNamedByTheirNumber) {
  EXPECT_EQ(syscall_name("x86_64", 999), "999");
  EXPECT_TRUE(is_numeric_syscall("999"));
  EXPECT_FALSE(is_numeric_syscall("read"));
  EXPECT_EQ(*syscall_number("x86_64", "999"), 999);
}

TEST(Syscalls, AuditArchMapsToRecordingArch) {
  EXPECT_EQ(arch_from_audit(AUDIT_ARCH_X86_64, 1), "x86_64");
  EXPECT_EQ(arch_from_audit(AUDIT_ARCH_X86_64, 0x40000001), "x32");
  EXPECT_EQ(arch_from_audit(AUDIT_ARCH_I386, 20), "x86");
  EXPECT_EQ(scmp_arch_name("x86"), "SCMP_ARCH_X86");
  EXPECT_EQ(arch_from_scmp_name("SCMP_ARCH_X32"), "x32");
}

TEST(Policy, BuiltinPoliciesParse) {
  EXPECT_NE(builtin_arg_policy().find("socket"), nullptr);
  EXPECT_EQ(builtin_arg_policy().find("socket")->masks[1], 0xfu);
  ASSERT_NE(builtin_dangerous_list().find("io_uring_setup"), nullptr);
  EXPECT_EQ(builtin_dangerous_list().find("io_uring_setup")->note, "file and network access not mediated by seccomp");
}

TEST(Policy, UnknownSyscallNameIsRejectedWithItsLine) {
  auto r = parse_arg_policy("[socket]\nargs=[{index=0}]\n\n[sockett]\nargs=[{index=0}]\n", "my.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("my.toml:4"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("sockett"), std::string::npos);
}

TEST(Policy, MalformedTomlNamesFileLineAndColumn) {
  auto r = parse_dangerous_list("[ptrace]\nreason = \"x\n", "d.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("d.toml:2:", 0), 0u) << r.error().message;
}

TEST(Policy, BadIndexIsRejected) {
  auto r = parse_arg_policy("[socket]\nargs=[{index=9}]\n", "a.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("0 to 5"), std::string::npos);
}

}  // namespace
}  // namespace profile
