// Both tracers decode from common/syscall_semantics.h: the ptrace tracer's
// per-number table and the specs the eBPF tracer hands the kernel carry, for
// every call of the shared table on every x86 architecture that has it, the
// argument positions the table gives.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/policy.h"
#include "common/syscall_semantics.h"
#include "common/syscalls.h"
#include "tracer/ebpf/ebpf_specs.h"
#include "tracer/ptrace/syscall_decoder.h"

namespace profile {
namespace {

struct ArchCase {
  const char* name;
  ptrace::Arch ptrace_arch;
  uint32_t ebpf_arch;
};
const ArchCase kArches[] = {{"x86_64", ptrace::Arch::X86_64, PL_ARCH_X86_64},
                            {"x86", ptrace::Arch::X86, PL_ARCH_X86},
                            {"x32", ptrace::Arch::X32, PL_ARCH_X32}};

TEST(SyscallSemanticsTracers, PtraceDecodesEveryCallOfTheTable) {
  ArgPolicy none;
  ptrace::SyscallTable table;
  table.build(none);
  size_t checked = 0;
  for (const auto& arch : kArches) {
    for (const auto& s : syscall_semantics()) {
      auto nr = syscall_number(arch.name, s.name);
      if (!nr) continue;
      SCOPED_TRACE(std::string(arch.name) + " " + s.name);
      const auto& e = table.lookup(arch.ptrace_arch, static_cast<uint64_t>(*nr));
      ASSERT_NE(e.spec, nullptr);
      EXPECT_STREQ(e.spec->name, s.name);
      EXPECT_EQ(e.spec->a.dirfd, s.a.dirfd);
      EXPECT_EQ(e.spec->a.path, s.a.path);
      EXPECT_EQ(e.spec->b.dirfd, s.b.dirfd);
      EXPECT_EQ(e.spec->b.path, s.b.path);
      EXPECT_EQ(e.spec->flags, s.flags);
      EXPECT_EQ(e.spec->follow, s.follow);
      EXPECT_EQ(e.spec->mode, s.mode);
      EXPECT_EQ(e.spec->kind, s.kind);
      EXPECT_EQ(e.spec->predictable, s.probe);
      ++checked;
    }
  }
  EXPECT_GT(checked, 200u);
}

TEST(SyscallSemanticsTracers, EbpfHandsTheKernelTheTablesPositions) {
  ArgPolicy none;
  std::map<uint32_t, pl_sys_spec> specs;
  for (const auto& e : ebpf::build_specs(none)) specs[e.index] = e.spec;
  size_t paths = 0, nets = 0;
  for (const auto& arch : kArches) {
    for (const auto& s : syscall_semantics()) {
      auto nr = syscall_number(arch.name, s.name);
      if (!nr) continue;
      SCOPED_TRACE(std::string(arch.name) + " " + s.name);
      uint32_t index = arch.ebpf_arch * PL_MAX_NR + static_cast<uint32_t>(static_cast<uint64_t>(*nr) & ~0x40000000ULL);
      auto it = specs.find(index);
      bool reads_path = s.a.path >= 0 && s.effect != SyscallEffect::Net;
      if (reads_path) {
        ASSERT_NE(it, specs.end());
        EXPECT_TRUE(it->second.what & PL_SPEC_PATH);
        EXPECT_EQ(it->second.path_idx[0], s.a.path);
        EXPECT_EQ(it->second.dirfd_idx[0], s.a.dirfd);
        EXPECT_EQ(it->second.path_idx[1], s.b.path);
        EXPECT_EQ(it->second.dirfd_idx[1], s.b.dirfd);
        EXPECT_EQ(it->second.flags_idx & 0x0f, s.flags & 0x0f);
        // With no flags set, every rule but "never" and "only with AT_SYMLINK_FOLLOW" follows.
        EXPECT_EQ(ebpf::follows(s.name, 0, 0), s.follow != FollowRule::No && s.follow != FollowRule::AtFollow);
        ++paths;
      } else if (s.effect == SyscallEffect::Net) {
        ASSERT_NE(it, specs.end());
        EXPECT_TRUE(it->second.what & (PL_SPEC_NET | PL_SPEC_LOCAL));
        EXPECT_EQ(it->second.fd_idx, s.fd);
        EXPECT_EQ(it->second.addr_idx, s.addr);
        EXPECT_EQ(it->second.addrlen_idx, s.addrlen);
        ++nets;
      } else if (s.effect == SyscallEffect::Mmap) {
        ASSERT_NE(it, specs.end());
        EXPECT_TRUE(it->second.what & PL_SPEC_MMAP);
      } else if (it != specs.end()) {
        // Calls on a descriptor's file and the cache invalidations are the
        // ptrace tracer's own: the BPF side reads no path for them.
        EXPECT_FALSE(it->second.what & PL_SPEC_PATH);
      }
    }
  }
  EXPECT_GT(paths, 100u);
  EXPECT_GE(nets, 12u);
}

}  // namespace
}  // namespace profile
