// The argument decoder speaks the kernel headers' names, keeps the number where
// it helps, and never loses a bit it has no name for.
#include "common/arg_names.h"

#include <gtest/gtest.h>

#include "common/names.h"

namespace profile {
namespace {

TEST(ArgNames, SocketFamilyTypeAndProtocol) {
  EXPECT_EQ(arg_value_name("socket", 0, 10), "AF_INET6");
  EXPECT_EQ(arg_value_name("socket", 0, 1), "AF_UNIX");
  EXPECT_EQ(arg_value_name("socket", 0, 16), "AF_NETLINK");
  EXPECT_EQ(arg_value_name("socket", 0, 250), "AF_250");
  EXPECT_EQ(arg_value_name("socket", 1, 1), "SOCK_STREAM");
  EXPECT_EQ(arg_value_name("socket", 1, 1 | 02000000 | 04000), "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC");
  EXPECT_EQ(arg_value_name("socket", 2, 6, ~0ULL, 2), "IPPROTO_TCP");
  EXPECT_EQ(arg_value_name("socket", 2, 0, ~0ULL, 16), "NETLINK_ROUTE");
  EXPECT_EQ(arg_value_name("socket", 2, 0x300, ~0ULL, 17), "ETH_P_ALL");
  EXPECT_EQ(arg_tuple_text("socket", {0, 1, 2}, {~0ULL, 0xf, ~0ULL}, {10, 1, 6}),
            "AF_INET6 (10), SOCK_STREAM (1), IPPROTO_TCP (6)");
  // The recording's spelling stays what it was.
  EXPECT_EQ(socket_family_name(2), "AF_INET");
  EXPECT_EQ(socket_type_name(2 | 02000000), "SOCK_DGRAM");
  EXPECT_EQ(socket_type_name(0), "");
}

TEST(ArgNames, IoctlRequests) {
  EXPECT_EQ(arg_value_name("ioctl", 1, 0x5413), "TIOCGWINSZ");
  EXPECT_EQ(arg_value_name("ioctl", 1, 0x541b), "FIONREAD");
  EXPECT_EQ(arg_value_name("ioctl", 1, 0x5401), "TCGETS");
  EXPECT_EQ(arg_value_name("ioctl", 1, 0x5412), "TIOCSTI");
  EXPECT_EQ(arg_value_text("ioctl", 1, 0x5413, 0xffffffff), "TIOCGWINSZ (0x5413)");
  // Unnamed: the _IOC fields, so that the driver ('V' = video4linux) shows.
  EXPECT_EQ(arg_value_name("ioctl", 1, 0x80685600), "_IOC(_IOC_READ, 'V', 0x0, 104)");
}

TEST(ArgNames, CloneAndUnshareFlags) {
  EXPECT_EQ(arg_value_name("clone", 0, 0x00020000 | 0x10000000), "CLONE_NEWNS|CLONE_NEWUSER");
  EXPECT_EQ(arg_value_name("unshare", 0, 0x80), "CLONE_NEWTIME");
  EXPECT_EQ(arg_value_name("clone3", 0, 0x40000000), "CLONE_NEWNET");
  EXPECT_EQ(arg_value_name("clone", 0, 0, 0x7e020000), "no namespace flags");
  EXPECT_EQ(arg_value_text("unshare", 0, 0x20000000, 0x7e020080), "CLONE_NEWPID (0x20000000)");
  // A bit without a name is kept as a number.
  EXPECT_EQ(arg_value_name("clone", 0, 0x00020000 | (1ULL << 40)), "CLONE_NEWNS|0x10000000000");
}

TEST(ArgNames, MemoryProtection) {
  EXPECT_EQ(arg_value_name("mmap", 2, 4, 4), "PROT_EXEC");
  EXPECT_EQ(arg_value_name("mprotect", 2, 0, 4), "no PROT_EXEC");
  EXPECT_EQ(arg_value_name("mprotect", 2, 0), "PROT_NONE");
  EXPECT_EQ(arg_value_name("mmap", 2, 7), "PROT_READ|PROT_WRITE|PROT_EXEC");
}

TEST(ArgNames, FcntlPrctlPersonality) {
  EXPECT_EQ(arg_value_name("fcntl", 1, 3), "F_GETFL");
  EXPECT_EQ(arg_value_name("fcntl", 1, 1030), "F_DUPFD_CLOEXEC");
  EXPECT_EQ(arg_value_name("fcntl", 1, 9999), "F_9999");
  EXPECT_EQ(arg_value_name("prctl", 0, 15), "PR_SET_NAME");
  EXPECT_EQ(arg_value_name("prctl", 0, 22), "PR_SET_SECCOMP");
  EXPECT_EQ(arg_value_text("prctl", 0, 38), "PR_SET_NO_NEW_PRIVS (38)");
  EXPECT_EQ(arg_value_name("personality", 0, 0), "PER_LINUX");
  EXPECT_EQ(arg_value_name("personality", 0, 0x0040000), "PER_LINUX|ADDR_NO_RANDOMIZE");
  EXPECT_EQ(arg_value_name("personality", 0, 0xffffffff), "query");
}

TEST(ArgNames, I386Multiplexers) {
  EXPECT_EQ(arg_value_name("socketcall", 0, 1), "SYS_SOCKET");
  EXPECT_EQ(arg_value_name("socketcall", 0, 3), "SYS_CONNECT");
  EXPECT_EQ(arg_value_name("ipc", 0, 21), "SHMAT");
}

TEST(ArgNames, NumbersStayNumbers) {
  EXPECT_EQ(arg_value_name("setuid", 0, 33), "");
  EXPECT_EQ(arg_value_text("setuid", 0, 33), "33");
  EXPECT_EQ(arg_value_text("setresuid", 0, 0xffffffff, 0xffffffff), "-1");
  EXPECT_EQ(arg_value_name("read", 0, 3), "");
}

}  // namespace
}  // namespace profile
