// The one syscall-semantics table both tracers decode from: every name is one
// libseccomp knows on an x86 architecture, and its argument positions are
// consistent with what each kind of call takes.
#include "common/syscall_semantics.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/syscalls.h"

namespace profile {
namespace {

TEST(SyscallSemantics, EveryNameIsASyscallOfLibseccompOnX86) {
  ASSERT_GT(syscall_semantics().size(), 100u);
  std::set<std::string> seen;
  for (const auto& s : syscall_semantics()) {
    EXPECT_TRUE(seen.insert(s.name).second) << s.name << " is in the table twice";
    bool named = false;
    for (const char* arch : {"x86_64", "x86", "x32"}) named = named || syscall_number(arch, s.name).has_value();
    EXPECT_TRUE(named) << s.name << " is no syscall libseccomp knows on x86_64, x86 or x32 (a typo?)";
  }
  // The calls every x86_64 workload makes resolve there (the i386 variants
  // such as stat64 or chown32 do not, and need not).
  for (const char* n : {"openat", "execve", "newfstatat", "statx", "renameat2", "connect", "mmap", "close"}) {
    ASSERT_NE(find_syscall_semantics(n), nullptr) << n;
    EXPECT_TRUE(syscall_number("x86_64", n).has_value()) << n;
  }
}

TEST(SyscallSemantics, ArgumentPositionsFitWhatEachKindTakes) {
  auto arg = [](int8_t i) { return i >= -1 && i <= 5; };
  for (const auto& s : syscall_semantics()) {
    SCOPED_TRACE(s.name);
    for (int8_t i : {s.a.dirfd, s.a.path, s.b.dirfd, s.b.path, s.flags, s.mode, s.access_mode, s.fd, s.addr, s.addrlen})
      EXPECT_TRUE(arg(i));
    // No two meanings share one argument.
    std::set<int8_t> used;
    for (int8_t i : {s.a.dirfd, s.a.path, s.b.dirfd, s.b.path, s.flags, s.mode, s.access_mode})
      if (i >= 0) {
        EXPECT_TRUE(used.insert(i).second) << "argument " << int(i) << " has two meanings";
      }
    switch (s.effect) {
      case SyscallEffect::Open:
      case SyscallEffect::Openat2:
        EXPECT_GE(s.a.path, 0);
        EXPECT_GE(s.flags, 0);
        break;
      case SyscallEffect::Creat:
      case SyscallEffect::Exec:
      case SyscallEffect::Symlink:
        EXPECT_GE(s.a.path, 0);
        break;
      case SyscallEffect::Path:
        EXPECT_TRUE(s.a.path >= 0 || s.a.dirfd >= 0) << "a path call names no file";
        break;
      case SyscallEffect::Path2:
        EXPECT_GE(s.a.path, 0);
        EXPECT_GE(s.b.path, 0);
        break;
      case SyscallEffect::Net:
        EXPECT_EQ(s.fd, 0);
        EXPECT_NE(std::string(s.net_op), "");
        EXPECT_EQ(s.addr >= 0, s.addrlen >= 0);
        break;
      default:
        EXPECT_LT(s.a.path, 0);
    }
    // The AT_* follow rules read a flags argument; so does the inotify mask.
    if (s.follow == FollowRule::AtNofollow || s.follow == FollowRule::AtFollow || s.follow == FollowRule::Inotify) {
      EXPECT_GE(s.flags, 0);
    }
    // A dirfd goes with a path relative to it, except for calls on a descriptor's file.
    if (s.a.dirfd >= 0 && s.a.path >= 0) {
      EXPECT_NE(s.a.dirfd, s.a.path);
    }
  }
  EXPECT_EQ(find_syscall_semantics("no_such_call"), nullptr);
  const auto* linkat = find_syscall_semantics("linkat");
  ASSERT_NE(linkat, nullptr);
  EXPECT_EQ(linkat->a.dirfd, 0);
  EXPECT_EQ(linkat->a.path, 1);
  EXPECT_EQ(linkat->b.dirfd, 2);
  EXPECT_EQ(linkat->b.path, 3);
  EXPECT_EQ(linkat->flags, 4);
  EXPECT_EQ(linkat->follow, FollowRule::AtFollow);
}

}  // namespace
}  // namespace profile
