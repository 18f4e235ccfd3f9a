#include "tracer/ptrace/syscall_decoder.h"

#include <fcntl.h>
#include <linux/audit.h>

#include "common/syscalls.h"

namespace profile::ptrace {
namespace {

constexpr PathArg at(int8_t dirfd, int8_t path) {
  return PathArg{dirfd, path};
}
constexpr PathArg p(int8_t path) {
  return PathArg{-1, path};
}

SyscallSpec path(const char* name, Access kind, PathArg a, Follow follow = Follow::Yes, int8_t flags = -1) {
  SyscallSpec s{name};
  s.op = Op::Path;
  s.kind = kind;
  s.a = a;
  s.follow = follow;
  s.flags = flags;
  return s;
}

SyscallSpec created(SyscallSpec s, const char* type, int8_t mode = -1) {
  s.created_type = type;
  s.mode = mode;
  return s;
}

SyscallSpec path2(const char* name, Access k1, PathArg a, Access k2, PathArg b, Follow follow = Follow::No,
                  int8_t flags = -1) {
  SyscallSpec s{name};
  s.op = Op::Path2;
  s.kind = k1;
  s.kind2 = k2;
  s.a = a;
  s.b = b;
  s.follow = follow;
  s.flags = flags;
  return s;
}

SyscallSpec simple(const char* name, Op op) {
  SyscallSpec s{name};
  s.op = op;
  return s;
}

// Every path-taking syscall the recording covers, under all the names the three
// x86 architectures use (names absent on one architecture simply do not resolve).
const std::vector<SyscallSpec>& specs() {
  static const std::vector<SyscallSpec> all = [] {
    std::vector<SyscallSpec> v;
    auto open = [&](const char* name, PathArg a, int8_t flags, Op op) {
      SyscallSpec s{name};
      s.op = op;
      s.a = a;
      s.flags = flags;
      v.push_back(s);
    };
    open("open", p(0), 1, Op::Open);
    open("openat", at(0, 1), 2, Op::Open);
    open("openat2", at(0, 1), 2, Op::Openat2);
    open("creat", p(0), -1, Op::Creat);
    {
      SyscallSpec s{"execve"};
      s.op = Op::Exec;
      s.kind = Access::Exec;
      s.a = p(0);
      v.push_back(s);
      s.name = "execveat";
      s.a = at(0, 1);
      s.flags = 4;
      s.follow = Follow::AtNofollow;
      v.push_back(s);
    }
    auto probe = [](SyscallSpec s, int8_t mode = -1) {
      s.predictable = true;
      s.access_mode = mode;
      return s;
    };
    for (const char* n : {"stat", "stat64", "oldstat", "statfs", "statfs64"})
      v.push_back(probe(path(n, Access::Stat, p(0))));
    for (const char* n : {"getxattr", "listxattr"}) v.push_back(path(n, Access::Stat, p(0)));
    v.push_back(probe(path("access", Access::Stat, p(0)), 1));
    for (const char* n : {"lstat", "lstat64", "oldlstat", "readlink"})
      v.push_back(probe(path(n, Access::Stat, p(0), Follow::No)));
    for (const char* n : {"lgetxattr", "llistxattr"}) v.push_back(path(n, Access::Stat, p(0), Follow::No));
    v.push_back(probe(path("newfstatat", Access::Stat, at(0, 1), Follow::AtNofollow, 3)));
    v.push_back(probe(path("fstatat64", Access::Stat, at(0, 1), Follow::AtNofollow, 3)));
    v.push_back(probe(path("statx", Access::Stat, at(0, 1), Follow::AtNofollow, 2)));
    v.push_back(probe(path("faccessat", Access::Stat, at(0, 1)), 2));
    v.push_back(probe(path("faccessat2", Access::Stat, at(0, 1), Follow::AtNofollow, 3), 2));
    v.push_back(probe(path("readlinkat", Access::Stat, at(0, 1), Follow::No)));
    v.push_back(path("name_to_handle_at", Access::Stat, at(0, 1), Follow::AtFollow, 4));
    v.push_back(probe(path("chdir", Access::Stat, p(0))));
    {
      SyscallSpec s = path("chroot", Access::Stat, p(0));
      v.push_back(s);
    }
    v.push_back(path("inotify_add_watch", Access::Stat, at(-1, 1), Follow::Inotify, 2));
    v.push_back(created(path("mkdir", Access::Create, p(0), Follow::No), "dir"));
    v.push_back(created(path("mkdirat", Access::Create, at(0, 1), Follow::No), "dir"));
    v.push_back(created(path("mknod", Access::Create, p(0), Follow::No), "file", 1));
    v.push_back(created(path("mknodat", Access::Create, at(0, 1), Follow::No), "file", 2));
    for (const char* n : {"unlink", "rmdir"}) v.push_back(path(n, Access::Delete, p(0), Follow::No));
    v.push_back(path("unlinkat", Access::Delete, at(0, 1), Follow::No));
    v.push_back(path2("rename", Access::Rename, p(0), Access::Rename, p(1)));
    v.push_back(path2("renameat", Access::Rename, at(0, 1), Access::Rename, at(2, 3)));
    v.push_back(path2("renameat2", Access::Rename, at(0, 1), Access::Rename, at(2, 3)));
    v.push_back(path2("link", Access::Link, p(0), Access::Link, p(1)));
    v.push_back(path2("linkat", Access::Link, at(0, 1), Access::Link, at(2, 3), Follow::AtFollow, 4));
    {
      SyscallSpec s{"symlink"};
      s.op = Op::Symlink;
      s.kind = Access::Create;
      s.a = p(1);
      s.follow = Follow::No;
      s.created_type = "symlink";
      v.push_back(s);
      s.name = "symlinkat";
      s.a = at(1, 2);
      v.push_back(s);
    }
    for (const char* n : {"chmod", "chown", "chown32", "utime", "utimes", "setxattr", "removexattr"})
      v.push_back(path(n, Access::Chmod, p(0)));
    for (const char* n : {"lchown", "lchown32", "lsetxattr", "lremovexattr"})
      v.push_back(path(n, Access::Chmod, p(0), Follow::No));
    v.push_back(path("fchmodat", Access::Chmod, at(0, 1)));
    v.push_back(path("fchmodat2", Access::Chmod, at(0, 1), Follow::AtNofollow, 3));
    v.push_back(path("fchownat", Access::Chmod, at(0, 1), Follow::AtNofollow, 4));
    v.push_back(path("futimesat", Access::Chmod, at(0, 1)));
    for (const char* n : {"utimensat", "utimensat_time64"}) {
      SyscallSpec s = path(n, Access::Chmod, at(0, 1), Follow::AtNofollow, 3);
      s.null_path_is_fd = true;
      v.push_back(s);
    }
    for (const char* n : {"truncate", "truncate64"}) v.push_back(path(n, Access::Write, p(0)));
    for (const char* n : {"bind", "connect", "listen", "accept", "accept4", "sendto"}) v.push_back(simple(n, Op::Net));
    for (const char* n : {"mmap", "mmap2"}) v.push_back(simple(n, Op::Mmap));
    for (const char* n : {"pivot_root", "setns", "unshare", "mount", "umount2", "move_mount"})
      v.push_back(simple(n, Op::FsChange));
    for (const char* n : {"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
                          "setgroups", "capset", "setuid32", "setgid32", "setreuid32", "setregid32", "setresuid32",
                          "setresgid32", "setfsuid32", "setfsgid32", "setgroups32"})
      v.push_back(simple(n, Op::Creds));
    for (const char* n : {"seccomp", "landlock_restrict_self", "prctl"}) v.push_back(simple(n, Op::Confine));
    for (const char* n : {"close", "dup2", "dup3", "close_range", "io_uring_enter"}) {
      SyscallSpec s = simple(n, Op::Invalidate);
      s.stale = kStaleFds;
      std::string name = n;
      if (name == "close") s.fd_arg = 0;
      if (name == "dup2" || name == "dup3") s.fd_arg = 1;
      v.push_back(s);
    }
    // Descriptor-based changes of a file: recorded on the descriptor's path.
    for (const char* n : {"fchmod", "fchown", "fchown32", "fsetxattr", "fremovexattr"})
      v.push_back(path(n, Access::Chmod, at(0, -1)));
    for (const char* n : {"ftruncate", "ftruncate64"}) v.push_back(path(n, Access::Write, at(0, -1)));
    {
      SyscallSpec s = path("fchdir", Access::Stat, at(0, -1));
      s.stale = kStaleCwd;
      v.push_back(s);
    }
    // Whatever can turn a directory into something else, or move mounts.
    for (auto& s : v) {
      std::string n = s.name;
      if (n == "chdir") s.stale |= kStaleCwd;
      if (n == "chroot" || s.op == Op::FsChange) s.stale |= kStaleCwd | kStaleDirs;
      if (n.rfind("rename", 0) == 0 || n == "rmdir" || n == "unlinkat" || n.rfind("symlink", 0) == 0)
        s.stale |= kStaleDirs;
    }
    return v;
  }();
  return all;
}

}  // namespace

const char* arch_name(Arch a) {
  switch (a) {
    case Arch::X86_64:
      return "x86_64";
    case Arch::X86:
      return "x86";
    case Arch::X32:
      return "x32";
  }
  return "?";
}

bool arch_from_info(uint32_t audit_arch, uint64_t nr, Arch& out) {
  if (audit_arch == AUDIT_ARCH_X86_64) {
    out = nr >= kX32Bit && nr < kX32Bit + kMaxNr ? Arch::X32 : Arch::X86_64;
    return true;
  }
  if (audit_arch == AUDIT_ARCH_I386) {
    out = Arch::X86;
    return true;
  }
  return false;
}

void SyscallTable::build(const ArgPolicy& policy) {
  for (size_t a = 0; a < kArchCount; ++a) {
    auto arch = static_cast<Arch>(a);
    auto& table = tables_[a];
    table.assign(kMaxNr, SyscallEntry{});
    auto index = [&](const std::string& name) -> int64_t {
      auto nr = syscall_number(arch_name(arch), name);
      if (!nr) return -1;
      auto i = static_cast<int64_t>(static_cast<uint64_t>(*nr) & ~kX32Bit);
      return i < static_cast<int64_t>(kMaxNr) ? i : -1;
    };
    for (const auto& spec : specs()) {
      int64_t i = index(spec.name);
      if (i >= 0) table[static_cast<size_t>(i)].spec = &spec;
    }
    for (const auto& [name, rule] : policy.rules) {
      int64_t i = index(name);
      if (i >= 0) table[static_cast<size_t>(i)].rule = &rule;
    }
  }
}

int open_accesses(uint64_t flags, bool existed, Access out[3]) {
  int n = 0;
  if ((flags & O_PATH) == O_PATH) {
    out[n++] = Access::Stat;
    return n;
  }
  uint64_t mode = flags & O_ACCMODE;
  if (mode == O_RDONLY || mode == O_RDWR) out[n++] = Access::Read;
  if (mode == O_WRONLY || mode == O_RDWR || (flags & O_TRUNC) != 0) out[n++] = Access::Write;
  if ((flags & O_CREAT) != 0 && !existed) out[n++] = Access::Create;
  return n;
}

bool open_follows(uint64_t flags) {
  if ((flags & O_NOFOLLOW) != 0) return false;
  // O_CREAT|O_EXCL fails on any existing name, a symlink included.
  return (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
}

}  // namespace profile::ptrace
