#include "common/syscall_semantics.h"

#include <string>
#include <unordered_map>

namespace profile {
namespace {

using E = SyscallEffect;
using F = FollowRule;

constexpr SyscallPathArg at(int8_t dirfd, int8_t path) {
  return SyscallPathArg{dirfd, path};
}
constexpr SyscallPathArg p(int8_t path) {
  return SyscallPathArg{-1, path};
}

SyscallSemantics path(const char* name, Access kind, SyscallPathArg a, FollowRule follow = F::Yes, int8_t flags = -1) {
  SyscallSemantics s;
  s.name = name;
  s.effect = E::Path;
  s.kind = kind;
  s.a = a;
  s.follow = follow;
  s.flags = flags;
  return s;
}

SyscallSemantics probe(SyscallSemantics s, int8_t access_mode = -1) {
  s.probe = true;
  s.access_mode = access_mode;
  return s;
}

SyscallSemantics created(SyscallSemantics s, const char* type, int8_t mode = -1) {
  s.created_type = type;
  s.mode = mode;
  return s;
}

SyscallSemantics path2(const char* name, Access kind, SyscallPathArg a, SyscallPathArg b, FollowRule follow = F::No,
                       int8_t flags = -1) {
  SyscallSemantics s;
  s.name = name;
  s.effect = E::Path2;
  s.kind = s.kind2 = kind;
  s.a = a;
  s.b = b;
  s.follow = follow;
  s.flags = flags;
  return s;
}

SyscallSemantics simple(const char* name, SyscallEffect effect) {
  SyscallSemantics s;
  s.name = name;
  s.effect = effect;
  return s;
}

SyscallSemantics net(const char* name, const char* op, int8_t fd, int8_t addr, int8_t addrlen) {
  SyscallSemantics s = simple(name, E::Net);
  s.net_op = op;
  s.fd = fd;
  s.addr = addr;
  s.addrlen = addrlen;
  return s;
}

std::vector<SyscallSemantics> build() {
  std::vector<SyscallSemantics> v;
  auto open = [&](const char* name, SyscallPathArg a, int8_t flags, SyscallEffect effect) {
    SyscallSemantics s = simple(name, effect);
    s.a = a;
    s.flags = flags;
    v.push_back(s);
  };
  open("open", p(0), 1, E::Open);
  open("openat", at(0, 1), 2, E::Open);
  open("openat2", at(0, 1), 2, E::Openat2);
  open("creat", p(0), -1, E::Creat);
  v.back().created_type = "file";
  {
    SyscallSemantics s = simple("execve", E::Exec);
    s.kind = Access::Exec;
    s.a = p(0);
    v.push_back(s);
    s.name = "execveat";
    s.a = at(0, 1);
    s.flags = 4;
    s.follow = F::AtNofollow;
    v.push_back(s);
  }
  for (const char* n : {"stat", "stat64", "oldstat", "statfs", "statfs64"})
    v.push_back(probe(path(n, Access::Stat, p(0))));
  for (const char* n : {"getxattr", "listxattr"}) v.push_back(path(n, Access::Stat, p(0)));
  v.push_back(probe(path("access", Access::Stat, p(0)), 1));
  for (const char* n : {"lstat", "lstat64", "oldlstat", "readlink"})
    v.push_back(probe(path(n, Access::Stat, p(0), F::No)));
  for (const char* n : {"lgetxattr", "llistxattr"}) v.push_back(path(n, Access::Stat, p(0), F::No));
  v.push_back(probe(path("newfstatat", Access::Stat, at(0, 1), F::AtNofollow, 3)));
  v.push_back(probe(path("fstatat64", Access::Stat, at(0, 1), F::AtNofollow, 3)));
  v.push_back(probe(path("statx", Access::Stat, at(0, 1), F::AtNofollow, 2)));
  v.push_back(probe(path("faccessat", Access::Stat, at(0, 1)), 2));
  v.push_back(probe(path("faccessat2", Access::Stat, at(0, 1), F::AtNofollow, 3), 2));
  v.push_back(probe(path("readlinkat", Access::Stat, at(0, 1), F::No)));
  v.push_back(path("name_to_handle_at", Access::Stat, at(0, 1), F::AtFollow, 4));
  v.push_back(probe(path("chdir", Access::Stat, p(0))));
  v.push_back(path("chroot", Access::Stat, p(0)));
  v.push_back(path("inotify_add_watch", Access::Stat, at(-1, 1), F::Inotify, 2));
  v.push_back(created(path("mkdir", Access::Create, p(0), F::No), "dir"));
  v.push_back(created(path("mkdirat", Access::Create, at(0, 1), F::No), "dir"));
  v.push_back(created(path("mknod", Access::Create, p(0), F::No), "file", 1));
  v.push_back(created(path("mknodat", Access::Create, at(0, 1), F::No), "file", 2));
  for (const char* n : {"unlink", "rmdir"}) v.push_back(path(n, Access::Delete, p(0), F::No));
  v.push_back(path("unlinkat", Access::Delete, at(0, 1), F::No));
  v.push_back(path2("rename", Access::Rename, p(0), p(1)));
  v.push_back(path2("renameat", Access::Rename, at(0, 1), at(2, 3)));
  v.push_back(path2("renameat2", Access::Rename, at(0, 1), at(2, 3)));
  v.push_back(path2("link", Access::Link, p(0), p(1)));
  v.push_back(path2("linkat", Access::Link, at(0, 1), at(2, 3), F::AtFollow, 4));
  {
    SyscallSemantics s = simple("symlink", E::Symlink);
    s.kind = Access::Create;
    s.a = p(1);
    s.follow = F::No;
    s.created_type = "symlink";
    v.push_back(s);
    s.name = "symlinkat";
    s.a = at(1, 2);
    v.push_back(s);
  }
  for (const char* n : {"chmod", "chown", "chown32", "utime", "utimes", "setxattr", "removexattr"})
    v.push_back(path(n, Access::Chmod, p(0)));
  for (const char* n : {"lchown", "lchown32", "lsetxattr", "lremovexattr"})
    v.push_back(path(n, Access::Chmod, p(0), F::No));
  v.push_back(path("fchmodat", Access::Chmod, at(0, 1)));
  v.push_back(path("fchmodat2", Access::Chmod, at(0, 1), F::AtNofollow, 3));
  v.push_back(path("fchownat", Access::Chmod, at(0, 1), F::AtNofollow, 4));
  v.push_back(path("futimesat", Access::Chmod, at(0, 1)));
  for (const char* n : {"utimensat", "utimensat_time64"}) {
    SyscallSemantics s = path(n, Access::Chmod, at(0, 1), F::AtNofollow, 3);
    s.null_path_is_fd = true;
    v.push_back(s);
  }
  for (const char* n : {"truncate", "truncate64"}) v.push_back(path(n, Access::Write, p(0)));
  v.push_back(net("bind", "bind", 0, 1, 2));
  v.push_back(net("connect", "connect", 0, 1, 2));
  // listen and accept: the socket's own address, which is what it listens or accepts on
  v.push_back(net("listen", "listen", 0, -1, -1));
  v.push_back(net("accept", "accept", 0, -1, -1));
  v.push_back(net("accept4", "accept", 0, -1, -1));
  v.push_back(net("sendto", "sendto", 0, 4, 5));
  for (const char* n : {"mmap", "mmap2"}) {
    SyscallSemantics s = simple(n, E::Mmap);
    s.kind = Access::Exec;
    s.created_type = "file";
    s.fd = 4;
    v.push_back(s);
  }
  for (const char* n : {"pivot_root", "setns", "unshare", "mount", "umount2", "move_mount"})
    v.push_back(simple(n, E::FsChange));
  for (const char* n : {"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
                        "setgroups", "capset", "setuid32", "setgid32", "setreuid32", "setregid32", "setresuid32",
                        "setresgid32", "setfsuid32", "setfsgid32", "setgroups32"})
    v.push_back(simple(n, E::Creds));
  for (const char* n : {"seccomp", "landlock_restrict_self", "prctl"}) v.push_back(simple(n, E::Confine));
  for (const char* n : {"close", "dup2", "dup3", "close_range", "io_uring_enter"}) {
    SyscallSemantics s = simple(n, E::Descriptors);
    std::string name = n;
    if (name == "close") s.fd = 0;
    if (name == "dup2" || name == "dup3") s.fd = 1;
    v.push_back(s);
  }
  // Descriptor-based changes of a file: the access is on the descriptor's file.
  for (const char* n : {"fchmod", "fchown", "fchown32", "fsetxattr", "fremovexattr"})
    v.push_back(path(n, Access::Chmod, at(0, -1)));
  for (const char* n : {"ftruncate", "ftruncate64"}) v.push_back(path(n, Access::Write, at(0, -1)));
  v.push_back(path("fchdir", Access::Stat, at(0, -1)));
  return v;
}

}  // namespace

const std::vector<SyscallSemantics>& syscall_semantics() {
  static const std::vector<SyscallSemantics> all = build();
  return all;
}

const SyscallSemantics* find_syscall_semantics(std::string_view name) {
  // Looked up for every event the eBPF tracer decodes: hashed, not scanned.
  static const std::unordered_map<std::string_view, const SyscallSemantics*> by_name = [] {
    std::unordered_map<std::string_view, const SyscallSemantics*> m;
    for (const auto& s : syscall_semantics()) m.emplace(s.name, &s);
    return m;
  }();
  auto it = by_name.find(name);
  return it == by_name.end() ? nullptr : it->second;
}

}  // namespace profile
