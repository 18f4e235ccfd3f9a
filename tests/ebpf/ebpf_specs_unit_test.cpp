// The eBPF tracer's tables and decoding, without root: what the kernel side is
// told about each syscall, and how its keys become recording entries.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

#include "common/syscalls.h"
#include "tracer/ebpf/ebpf_specs.h"

namespace profile::ebpf {
namespace {

const pl_sys_spec* find(const std::vector<SpecEntry>& specs, uint32_t arch, const std::string& name) {
  auto nr = syscall_number(arch_name(arch), name);
  if (!nr) return nullptr;
  uint32_t index = arch * PL_MAX_NR + static_cast<uint32_t>(static_cast<uint64_t>(*nr) & ~PL_X32_BIT);
  for (const auto& e : specs)
    if (e.index == index) return &e.spec;
  return nullptr;
}

TEST(EbpfSpecs, OpenatTakesPathDirfdAndFlags) {
  auto specs = build_specs(builtin_arg_policy());
  const pl_sys_spec* s = find(specs, PL_ARCH_X86_64, "openat");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->what & PL_SPEC_PATH);
  EXPECT_EQ(s->path_idx[0], 1);
  EXPECT_EQ(s->dirfd_idx[0], 0);
  EXPECT_EQ(s->flags_idx, 2);
  EXPECT_EQ(s->path_idx[1], -1);
}

TEST(EbpfSpecs, RenameatHasTwoPathsEachWithItsDirfd) {
  auto specs = build_specs(builtin_arg_policy());
  const pl_sys_spec* s = find(specs, PL_ARCH_X86_64, "renameat2");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->path_idx[0], 1);
  EXPECT_EQ(s->dirfd_idx[0], 0);
  EXPECT_EQ(s->path_idx[1], 3);
  EXPECT_EQ(s->dirfd_idx[1], 2);
}

TEST(EbpfSpecs, ArgumentRulesComeFromThePolicyOnEveryArchitecture) {
  auto specs = build_specs(builtin_arg_policy());
  const pl_sys_spec* s = find(specs, PL_ARCH_X86_64, "socket");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->what & PL_SPEC_ARGS);
  EXPECT_EQ(s->nargs, 3);
  EXPECT_EQ(s->arg_idx[1], 1);
  EXPECT_EQ(s->arg_mask[1], 0xfu);
  for (uint32_t arch : {PL_ARCH_X86_64, PL_ARCH_X86, PL_ARCH_X32}) {
    const pl_sys_spec* p = find(specs, arch, "prctl");
    ASSERT_NE(p, nullptr) << arch_name(arch);
    EXPECT_TRUE(p->what & PL_SPEC_ARGS);
    EXPECT_EQ(p->arg_idx[0], 0);
  }
  const pl_sys_spec* c3 = find(specs, PL_ARCH_X86_64, "clone3");
  ASSERT_NE(c3, nullptr);
  EXPECT_EQ(c3->arg_idx[0], 0);
  EXPECT_EQ(c3->arg_src[0], PL_SRC_MEM0);  // clone_args.flags is read from memory
}

TEST(EbpfSpecs, NetAndMmapAndCountOnlySyscalls) {
  auto specs = build_specs(builtin_arg_policy());
  const pl_sys_spec* c = find(specs, PL_ARCH_X86_64, "connect");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->what & PL_SPEC_NET);
  EXPECT_EQ(c->addr_idx, 1);
  const pl_sys_spec* l = find(specs, PL_ARCH_X86_64, "listen");
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->what & PL_SPEC_LOCAL);
  const pl_sys_spec* m = find(specs, PL_ARCH_X86_64, "mmap");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->what & PL_SPEC_MMAP);
  EXPECT_EQ(find(specs, PL_ARCH_X86_64, "getppid"), nullptr);  // counted in the kernel only
}

// The calls the kernel half counts outside sys_exit, by number.
TEST(EbpfSpecs, NumbersCountedWithoutTheirExitAreTheCallsNamed) {
  auto name = [](uint32_t arch, uint64_t nr) { return syscall_name(arch_name(arch), seccomp_nr(arch, nr)); };
  EXPECT_EQ(name(PL_ARCH_X86_64, PL_NR_X86_64_EXIT), "exit");
  EXPECT_EQ(name(PL_ARCH_X86_64, PL_NR_X86_64_EXIT_GROUP), "exit_group");
  EXPECT_EQ(name(PL_ARCH_X86_64, PL_NR_X86_64_RT_SIGRETURN), "rt_sigreturn");
  EXPECT_EQ(name(PL_ARCH_X32, PL_NR_X86_64_EXIT), "exit");
  EXPECT_EQ(name(PL_ARCH_X32, PL_NR_X86_64_EXIT_GROUP), "exit_group");
  EXPECT_EQ(name(PL_ARCH_X32, PL_NR_X32_RT_SIGRETURN), "rt_sigreturn");
  EXPECT_EQ(name(PL_ARCH_X86, PL_NR_I386_EXIT), "exit");
  EXPECT_EQ(name(PL_ARCH_X86, PL_NR_I386_EXIT_GROUP), "exit_group");
  EXPECT_EQ(name(PL_ARCH_X86, PL_NR_I386_SIGRETURN), "sigreturn");
  EXPECT_EQ(name(PL_ARCH_X86, PL_NR_I386_RT_SIGRETURN), "rt_sigreturn");
  // and a new thread's return from these is not counted again
  auto specs = build_specs(builtin_arg_policy());
  for (uint32_t arch : {PL_ARCH_X86_64, PL_ARCH_X86, PL_ARCH_X32})
    for (const char* call : {"fork", "vfork", "clone", "clone3"}) {
      const pl_sys_spec* s = find(specs, arch, call);
      ASSERT_NE(s, nullptr) << arch_name(arch) << " " << call;
      EXPECT_TRUE(s->what & PL_SPEC_FORK) << arch_name(arch) << " " << call;
    }
  EXPECT_FALSE(find(specs, PL_ARCH_X86_64, "openat")->what & PL_SPEC_FORK);
}

TEST(EbpfSpecs, X32NumbersGetTheirBitBack) {
  EXPECT_EQ(seccomp_nr(PL_ARCH_X32, 2), 2 | PL_X32_BIT);
  EXPECT_EQ(seccomp_nr(PL_ARCH_X86_64, 2), 2u);
  EXPECT_EQ(syscall_name("x32", seccomp_nr(PL_ARCH_X32, 0)), "read");
}

TEST(EbpfDecode, OpenAccessKinds) {
  using V = std::vector<Access>;
  EXPECT_EQ(access_kinds("openat", 0, O_RDONLY, true), (V{Access::Read}));
  EXPECT_EQ(access_kinds("openat", 0, O_RDWR, true), (V{Access::Read, Access::Write}));
  EXPECT_EQ(access_kinds("openat", 0, O_WRONLY | O_CREAT, false), (V{Access::Write, Access::Create}));
  EXPECT_EQ(access_kinds("openat", 0, O_WRONLY | O_CREAT, true), (V{Access::Write}));
  EXPECT_EQ(access_kinds("openat", 0, O_RDONLY | O_TRUNC, true), (V{Access::Read, Access::Write}));
  EXPECT_EQ(access_kinds("open", 0, O_PATH, true), (V{Access::Stat}));
  EXPECT_EQ(access_kinds("creat", 0, 0, false), (V{Access::Write, Access::Create}));
  EXPECT_EQ(access_kinds("linkat", 1, 0, false), (V{Access::Link, Access::Create}));
  EXPECT_EQ(access_kinds("unlinkat", 0, 0, true), (V{Access::Delete}));
  EXPECT_EQ(access_kinds("mmap", 0, 0, true), (V{Access::Exec}));
}

TEST(EbpfDecode, SymlinkFollowingRules) {
  EXPECT_TRUE(follows("openat", 0, O_RDONLY));
  EXPECT_FALSE(follows("openat", 0, O_RDONLY | O_NOFOLLOW));
  EXPECT_FALSE(follows("openat", 0, O_CREAT | O_EXCL));
  EXPECT_FALSE(follows("lstat", 0, 0));
  EXPECT_TRUE(follows("newfstatat", 0, 0));
  EXPECT_FALSE(follows("newfstatat", 0, AT_SYMLINK_NOFOLLOW));
  EXPECT_FALSE(follows("linkat", 0, 0));
  EXPECT_TRUE(follows("linkat", 0, AT_SYMLINK_FOLLOW));
  EXPECT_FALSE(follows("rename", 1, 0));
}

TEST(EbpfDecode, EmptyPathsNameAFileOnlyWithAtEmptyPath) {
  EXPECT_TRUE(names_a_file("newfstatat", AT_EMPTY_PATH, true, false));
  EXPECT_FALSE(names_a_file("newfstatat", 0, true, false));
  EXPECT_FALSE(names_a_file("openat", 0, true, false));
  EXPECT_TRUE(names_a_file("utimensat", 0, false, true));
  EXPECT_FALSE(names_a_file("stat", 0, false, true));
  EXPECT_TRUE(names_a_file("stat", 0, false, false));
}

TEST(EbpfDecode, AbsolutePathJoinsAndFoldsLexically) {
  EXPECT_EQ(absolute_path("/home/u", "a/b"), "/home/u/a/b");
  EXPECT_EQ(absolute_path("/home/u", "/etc//passwd"), "/etc/passwd");
  EXPECT_EQ(absolute_path("/home/u", ""), "/home/u");
  EXPECT_EQ(absolute_path("/home/u", "./x/../y/"), "/home/u/y");
  EXPECT_EQ(absolute_path("/", ".."), "/");
  // the fast path keeps names that only start with dots, and folds the rest
  EXPECT_EQ(absolute_path("/a", ".hidden/..b/c..d"), "/a/.hidden/..b/c..d");
  EXPECT_EQ(absolute_path("/a", "b/."), "/a/b");
  EXPECT_EQ(absolute_path("/a", "b/.."), "/a");
  EXPECT_EQ(absolute_path("/a/", "b"), "/a/b");
  EXPECT_EQ(absolute_path("/a", "b//c"), "/a/b/c");
  EXPECT_EQ(absolute_path("", "/"), "/");
}

TEST(EbpfSpecs, StatBuffersWhereTheLayoutIsKnown) {
  auto specs = build_specs(builtin_arg_policy());
  const pl_sys_spec* nf = find(specs, PL_ARCH_X86_64, "newfstatat");
  ASSERT_NE(nf, nullptr);
  EXPECT_EQ(nf->stat_idx, 2);
  EXPECT_EQ(nf->stat_off, 24);  // offsetof(struct stat, st_mode) on x86_64
  const pl_sys_spec* sx = find(specs, PL_ARCH_X86, "statx");
  ASSERT_NE(sx, nullptr);
  EXPECT_EQ(sx->stat_idx, 4);
  EXPECT_EQ(sx->stat_off, 28);  // offsetof(struct statx, stx_mode)
  const pl_sys_spec* st = find(specs, PL_ARCH_X86, "stat64");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->stat_idx, -1) << "i386 stat structs are not read";
  EXPECT_EQ(find(specs, PL_ARCH_X86_64, "openat")->stat_idx, -1);
}

// policies/args.toml filters i386 socketcall and ipc by call number: the eBPF
// tracer records argument 0 of both, ipc under its 16-bit mask.
TEST(EbpfSpecs, I386MultiplexersRecordTheirCallNumber) {
  auto specs = build_specs(builtin_arg_policy());
  const pl_sys_spec* sc = find(specs, PL_ARCH_X86, "socketcall");
  ASSERT_NE(sc, nullptr);
  EXPECT_NE(sc->what & PL_SPEC_ARGS, 0u);
  EXPECT_EQ(sc->nargs, 1);
  EXPECT_EQ(sc->arg_idx[0], 0);
  const pl_sys_spec* ipc = find(specs, PL_ARCH_X86, "ipc");
  ASSERT_NE(ipc, nullptr);
  EXPECT_NE(ipc->what & PL_SPEC_ARGS, 0u);
  EXPECT_EQ(ipc->arg_idx[0], 0);
  EXPECT_EQ(ipc->arg_mask[0], 0xffffu);
}

TEST(EbpfDecode, Outcomes) {
  EXPECT_EQ(outcome_of(0), "ok");
  EXPECT_EQ(outcome_of(-2), "ENOENT");
  EXPECT_EQ(outcome_of(-111), "ECONNREFUSED");
}

TEST(EbpfDecode, Endpoints) {
  pl_net_key k{};
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(8080);
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  std::memcpy(k.addr, &sin, sizeof sin);
  k.addrlen = sizeof sin;
  k.socktype = SOCK_STREAM;
  k.err = -111;
  auto ep = endpoint_of(k, "connect");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->family, "AF_INET");
  EXPECT_EQ(ep->type, "SOCK_STREAM");
  EXPECT_EQ(ep->op, "connect");
  EXPECT_EQ(ep->address, "127.0.0.1");
  EXPECT_EQ(ep->port, 8080u);
  EXPECT_EQ(ep->result, "ECONNREFUSED");

  pl_net_key u{};
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, "\0abs", 4);
  std::memcpy(u.addr, &sun, sizeof sun);
  u.addrlen = offsetof(sockaddr_un, sun_path) + 4;
  auto uep = endpoint_of(u, "bind");
  ASSERT_TRUE(uep);
  EXPECT_EQ(uep->path, "@abs");
  EXPECT_EQ(uep->type, "");
  auto acc = endpoint_of(u, "accept4");
  ASSERT_TRUE(acc);
  EXPECT_EQ(acc->op, "accept");
}

}  // namespace
}  // namespace profile::ebpf
