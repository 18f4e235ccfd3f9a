// The pure half of the denial report (enforce/denials.h): which argument tells
// denials apart, how they add up, and the sentences the user reads.
#include "enforce/denials.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <csignal>

#include "common/syscalls.h"

namespace profile {
namespace {

Denial seccomp_denial(const std::string& syscall, const std::string& detail, pid_t pid, const std::string& comm) {
  Denial d;
  d.mechanism = "seccomp";
  d.arch = native_arch();
  d.syscall = syscall;
  d.detail = detail;
  d.first_pid = pid;
  d.first_comm = comm;
  d.error = EPERM;
  return d;
}

TEST(DenialDetail, TheArgumentThatMatters) {
  uint64_t write1[6] = {1, 0x1000, 5, 0, 0, 0};
  EXPECT_EQ(denial_detail("write", write1), "fd 1");
  uint64_t sock[6] = {AF_INET6, SOCK_STREAM, 0, 0, 0, 0};
  EXPECT_EQ(denial_detail("socket", sock), "AF_INET6");
  uint64_t sock99[6] = {99, 1, 0, 0, 0, 0};
  EXPECT_EQ(denial_detail("socket", sock99), "family 99");
  uint64_t tgkill[6] = {7, 7, SIGABRT, 0, 0, 0};
  EXPECT_EQ(denial_detail("tgkill", tgkill), "SIGABRT");
  // An fd is an int: the upper half of the register is not part of it.
  uint64_t ioctl[6] = {0xffffffff00000003ULL, 0xffffffff00005412ULL, 0, 0, 0, 0};
  EXPECT_EQ(denial_detail("ioctl", ioctl), "fd 3, 0x5412");
  uint64_t none[6] = {42, 0, 0, 0, 0, 0};
  EXPECT_EQ(denial_detail("getpriority", none), "");
}

TEST(DenialTally, SameCallAndArgumentAddUpAndKeepTheFirstCaller) {
  DenialTally t;
  EXPECT_TRUE(t.add(seccomp_denial("write", "fd 1", 10, "sh")));
  EXPECT_FALSE(t.add(seccomp_denial("write", "fd 1", 11, "cat")));
  EXPECT_TRUE(t.add(seccomp_denial("write", "fd 2", 12, "cat")));
  EXPECT_FALSE(t.add(seccomp_denial("write", "fd 1", 13, "cat")));
  EXPECT_TRUE(t.contains(seccomp_denial("write", "fd 2", 0, "")));
  EXPECT_FALSE(t.contains(seccomp_denial("read", "fd 2", 0, "")));
  ASSERT_EQ(t.denials().size(), 2u);
  EXPECT_EQ(t.denials()[0].count, 3u);
  EXPECT_EQ(t.denials()[0].first_pid, 10);
  EXPECT_EQ(t.denials()[0].first_comm, "sh");
  EXPECT_EQ(t.denials()[1].count, 1u);
  EXPECT_EQ(t.denials()[1].detail, "fd 2");
}

TEST(DenialLine, NamesCountCallerMechanismAndErrno) {
  Denial d = seccomp_denial("write", "fd 1", 42, "python3");
  d.count = 3;
  EXPECT_EQ(denial_line(d),
            "denied 3x: write(fd 1), first by pid 42 (python3) \u2014 seccomp: write is not in the profile (EPERM)");
  d.count = 1;
  d.args_restricted = true;
  d.syscall = "socket";
  d.detail = "AF_INET6";
  EXPECT_EQ(denial_line(d),
            "denied: socket(AF_INET6), by pid 42 (python3) \u2014 seccomp: socket is in the profile only with the "
            "arguments seen while learning (EPERM)");
}

TEST(DenialLine, AnotherArchitectureIsNamed) {
  if (native_arch() != "x86_64") GTEST_SKIP() << "x86 is a compat architecture of x86_64 only";
  Denial d = seccomp_denial("getpid", "", 5, "a.out");
  d.arch = "x86";
  EXPECT_EQ(denial_line(d),
            "denied: getpid() [x86], by pid 5 (a.out) \u2014 seccomp: getpid is not in the profile for x86 (EPERM)");
}

TEST(UnexpectedSignal, SigsysAlwaysAndCrashesOnlyAfterDenials) {
  EXPECT_NE(unexpected_signal_line(SIGSYS, true, false).find("killed by SIGSYS"), std::string::npos);
  EXPECT_NE(unexpected_signal_line(SIGSEGV, false, true).find("killed by SIGSEGV after denied calls"),
            std::string::npos);
  EXPECT_NE(unexpected_signal_line(SIGABRT, false, true).find("SIGABRT"), std::string::npos);
  EXPECT_EQ(unexpected_signal_line(SIGSEGV, false, false), "");
  EXPECT_EQ(unexpected_signal_line(SIGTERM, false, true), "");
  EXPECT_EQ(unexpected_signal_line(0, true, true), "");
}

}  // namespace
}  // namespace profile
