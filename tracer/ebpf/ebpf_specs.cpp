#include "tracer/ebpf/ebpf_specs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>
#include <tuple>
#include <unordered_map>

#include "common/names.h"
#include "common/syscalls.h"

namespace profile::ebpf {
namespace {

// What the access of a path-taking syscall is, in the recording's terms. The
// table agrees with tracer/ptrace/syscall_decoder.cpp (same kinds, same
// symlink-following rules), which the equivalence tests check.
enum class Op : uint8_t { Open, Creat, Exec, Stat, Create, Delete, Rename, Link, Chmod, Write, Mmap };

struct PathSyscall {
  const char* name;
  Op op;
  int8_t path0, dirfd0, path1, dirfd1, flags;
  Follow follow = Follow::Yes;
  const char* created_type = "";
  bool flags_in_open_how = false;
  bool null_path_is_fd = false;
};

constexpr Follow kYes = Follow::Yes, kNo = Follow::No, kAtNo = Follow::AtNofollow, kAtYes = Follow::AtFollow;

// Positions of the path, dirfd and flags arguments; -1 = none (a path without
// a dirfd is relative to the cwd). The i386 variants (…64, …32) share layouts.
const PathSyscall kPathSyscalls[] = {
    {"open", Op::Open, 0, -1, -1, -1, 1},
    {"openat", Op::Open, 1, 0, -1, -1, 2},
    {"openat2", Op::Open, 1, 0, -1, -1, 2, kYes, "", true},
    {"creat", Op::Creat, 0, -1, -1, -1, -1, kYes, "file"},
    {"execve", Op::Exec, 0, -1, -1, -1, -1},
    {"execveat", Op::Exec, 1, 0, -1, -1, 4, kAtNo},
    {"stat", Op::Stat, 0, -1, -1, -1, -1},
    {"stat64", Op::Stat, 0, -1, -1, -1, -1},
    {"oldstat", Op::Stat, 0, -1, -1, -1, -1},
    {"access", Op::Stat, 0, -1, -1, -1, -1},
    {"statfs", Op::Stat, 0, -1, -1, -1, -1},
    {"statfs64", Op::Stat, 0, -1, -1, -1, -1},
    {"getxattr", Op::Stat, 0, -1, -1, -1, -1},
    {"listxattr", Op::Stat, 0, -1, -1, -1, -1},
    {"lstat", Op::Stat, 0, -1, -1, -1, -1, kNo},
    {"lstat64", Op::Stat, 0, -1, -1, -1, -1, kNo},
    {"oldlstat", Op::Stat, 0, -1, -1, -1, -1, kNo},
    {"readlink", Op::Stat, 0, -1, -1, -1, -1, kNo},
    {"lgetxattr", Op::Stat, 0, -1, -1, -1, -1, kNo},
    {"llistxattr", Op::Stat, 0, -1, -1, -1, -1, kNo},
    {"newfstatat", Op::Stat, 1, 0, -1, -1, 3, kAtNo},
    {"fstatat64", Op::Stat, 1, 0, -1, -1, 3, kAtNo},
    {"statx", Op::Stat, 1, 0, -1, -1, 2, kAtNo},
    {"faccessat", Op::Stat, 1, 0, -1, -1, -1},
    {"faccessat2", Op::Stat, 1, 0, -1, -1, 3, kAtNo},
    {"readlinkat", Op::Stat, 1, 0, -1, -1, -1, kNo},
    {"name_to_handle_at", Op::Stat, 1, 0, -1, -1, 4, kAtYes},
    {"chdir", Op::Stat, 0, -1, -1, -1, -1},
    {"chroot", Op::Stat, 0, -1, -1, -1, -1},
    {"inotify_add_watch", Op::Stat, 1, -1, -1, -1, 2, Follow::Inotify},
    {"mkdir", Op::Create, 0, -1, -1, -1, -1, kNo, "dir"},
    {"mkdirat", Op::Create, 1, 0, -1, -1, -1, kNo, "dir"},
    {"mknod", Op::Create, 0, -1, -1, -1, -1, kNo, "file"},
    {"mknodat", Op::Create, 1, 0, -1, -1, -1, kNo, "file"},
    {"symlink", Op::Create, 1, -1, -1, -1, -1, kNo, "symlink"},  // the target is text, not an access
    {"symlinkat", Op::Create, 2, 1, -1, -1, -1, kNo, "symlink"},
    {"unlink", Op::Delete, 0, -1, -1, -1, -1, kNo},
    {"rmdir", Op::Delete, 0, -1, -1, -1, -1, kNo},
    {"unlinkat", Op::Delete, 1, 0, -1, -1, -1, kNo},
    {"rename", Op::Rename, 0, -1, 1, -1, -1, kNo},
    {"renameat", Op::Rename, 1, 0, 3, 2, -1, kNo},
    {"renameat2", Op::Rename, 1, 0, 3, 2, -1, kNo},
    {"link", Op::Link, 0, -1, 1, -1, -1, kNo},
    {"linkat", Op::Link, 1, 0, 3, 2, 4, kAtYes},
    {"chmod", Op::Chmod, 0, -1, -1, -1, -1},
    {"chown", Op::Chmod, 0, -1, -1, -1, -1},
    {"chown32", Op::Chmod, 0, -1, -1, -1, -1},
    {"utime", Op::Chmod, 0, -1, -1, -1, -1},
    {"utimes", Op::Chmod, 0, -1, -1, -1, -1},
    {"setxattr", Op::Chmod, 0, -1, -1, -1, -1},
    {"removexattr", Op::Chmod, 0, -1, -1, -1, -1},
    {"lchown", Op::Chmod, 0, -1, -1, -1, -1, kNo},
    {"lchown32", Op::Chmod, 0, -1, -1, -1, -1, kNo},
    {"lsetxattr", Op::Chmod, 0, -1, -1, -1, -1, kNo},
    {"lremovexattr", Op::Chmod, 0, -1, -1, -1, -1, kNo},
    {"fchmodat", Op::Chmod, 1, 0, -1, -1, -1},
    {"fchmodat2", Op::Chmod, 1, 0, -1, -1, 3, kAtNo},
    {"fchownat", Op::Chmod, 1, 0, -1, -1, 4, kAtNo},
    {"futimesat", Op::Chmod, 1, 0, -1, -1, -1},
    {"utimensat", Op::Chmod, 1, 0, -1, -1, 3, kAtNo, "", false, true},
    {"utimensat_time64", Op::Chmod, 1, 0, -1, -1, 3, kAtNo, "", false, true},
    {"truncate", Op::Write, 0, -1, -1, -1, -1},
    {"truncate64", Op::Write, 0, -1, -1, -1, -1},
    {"mmap", Op::Mmap, -1, -1, -1, -1, -1, kYes, "file"},
    {"mmap2", Op::Mmap, -1, -1, -1, -1, -1, kYes, "file"},
};

struct NetSyscall {
  const char* name;
  const char* op;
  int8_t fd, addr, addrlen;
};
const NetSyscall kNetSyscalls[] = {
    {"bind", "bind", 0, 1, 2},
    {"connect", "connect", 0, 1, 2},
    {"sendto", "sendto", 0, 4, 5},
    // the socket's own address (addr -1): what it listens or accepts on
    {"listen", "listen", 0, -1, -1},
    {"accept", "accept", 0, -1, -1},
    {"accept4", "accept", 0, -1, -1},
};

// Looked up for every event the tracer decodes, several times: hashed, not scanned.
const PathSyscall* find_path_syscall(const std::string& name) {
  static const std::unordered_map<std::string, const PathSyscall*> by_name = [] {
    std::unordered_map<std::string, const PathSyscall*> m;
    for (const auto& p : kPathSyscalls) m.emplace(p.name, &p);
    return m;
  }();
  auto it = by_name.find(name);
  return it == by_name.end() ? nullptr : it->second;
}

// Where a stat-family call leaves st_mode: (argument, offset). struct stat on
// x86_64 and x32 has st_mode at 24; struct statx has stx_mode at 28 everywhere.
// The i386 stat structs are not read: those calls fall back to a lookup.
std::pair<int8_t, uint8_t> stat_buffer(uint32_t arch, const std::string& name) {
  if (name == "statx") return {4, 28};
  if (arch == PL_ARCH_X86) return {-1, 0};
  if (name == "newfstatat") return {2, 24};
  if (name == "stat" || name == "lstat") return {1, 24};
  return {-1, 0};
}

const NetSyscall* find_net_syscall(const std::string& name) {
  for (const auto& n : kNetSyscalls)
    if (name == n.name) return &n;
  return nullptr;
}

pl_sys_spec empty_spec() {
  pl_sys_spec s{};
  s.path_idx[0] = s.path_idx[1] = -1;
  s.dirfd_idx[0] = s.dirfd_idx[1] = -1;
  s.flags_idx = -1;
  s.fd_idx = -1;
  s.addr_idx = -1;
  s.addrlen_idx = -1;
  s.stat_idx = -1;
  for (auto& a : s.arg_idx) a = -1;
  return s;
}

}  // namespace

const char* arch_name(uint32_t arch) {
  switch (arch) {
    case PL_ARCH_X86_64:
      return "x86_64";
    case PL_ARCH_X86:
      return "x86";
    case PL_ARCH_X32:
      return "x32";
    default:
      return "";
  }
}

uint64_t seccomp_nr(uint32_t arch, uint64_t nr) {
  return arch == PL_ARCH_X32 ? nr | PL_X32_BIT : nr;
}

std::optional<ArgLayout> arg_layout(const ArgPolicy& args, const std::string& syscall) {
  const ArgRule* rule = args.find(syscall);
  if (rule == nullptr) return std::nullopt;
  ArgLayout l;
  l.indices = rule->indices;
  l.masks = rule->masks;
  if (l.masks.size() < l.indices.size()) l.masks.resize(l.indices.size(), ~0ULL);
  if (l.indices.size() > 3) {  // the kernel key holds three values: policies use at most three
    l.indices.resize(3);
    l.masks.resize(3);
  }
  return l;
}

std::vector<SpecEntry> build_specs(const ArgPolicy& args) {
  std::vector<SpecEntry> out;
  for (uint32_t arch = 0; arch < PL_NARCH; ++arch) {
    auto token = arch_token(arch_name(arch));
    if (!token) continue;
    for (uint64_t nr = 0; nr < PL_MAX_NR; ++nr) {
      std::string name = syscall_name(arch_name(arch), seccomp_nr(arch, nr));
      if (is_numeric_syscall(name)) continue;
      pl_sys_spec s = empty_spec();
      const auto* p = find_path_syscall(name);
      if (p != nullptr && p->op == Op::Mmap) {
        s.what |= PL_SPEC_MMAP;
      } else if (p != nullptr) {
        s.what |= PL_SPEC_PATH;
        if (p->op == Op::Exec) s.what |= PL_SPEC_EXEC;
        s.path_idx[0] = p->path0;
        s.dirfd_idx[0] = p->dirfd0;
        s.path_idx[1] = p->path1;
        s.dirfd_idx[1] = p->dirfd1;
        s.flags_idx = p->flags;
        if (p->flags_in_open_how) s.flags_idx = static_cast<int8_t>(p->flags | PL_FLAGS_FROM_OPEN_HOW);
        // The return value is the new fd: look for FMODE_CREATED (creat has no
        // flags argument: it always creates a missing file).
        if (p->op == Op::Open || p->op == Op::Creat) s.fd_idx = -2;
        std::tie(s.stat_idx, s.stat_off) = stat_buffer(arch, name);
      }
      if (const auto* n = find_net_syscall(name)) {
        s.what |= n->addr >= 0 ? PL_SPEC_NET : PL_SPEC_LOCAL;
        s.fd_idx = n->fd;
        s.addr_idx = n->addr;
        s.addrlen_idx = n->addrlen;
      }
      if (const ArgRule* rule = args.find(name)) {
        auto layout = arg_layout(args, name);
        s.what |= PL_SPEC_ARGS;
        s.nargs = static_cast<uint8_t>(layout->indices.size());
        for (size_t i = 0; i < layout->indices.size(); ++i) {
          int idx = static_cast<int>(layout->indices[i]);
          // A `source` such as clone_args.flags or open_how.flags is the first
          // 64-bit field of the struct the argument points to.
          if (!rule->source.empty()) idx |= PL_ARG_FROM_MEM;
          s.arg_idx[i] = static_cast<int8_t>(idx);
          s.arg_mask[i] = layout->masks[i];
        }
      }
      if (name == "fork" || name == "vfork" || name == "clone" || name == "clone3") s.what |= PL_SPEC_FORK;
      if (s.what != 0) out.push_back({arch * PL_MAX_NR + static_cast<uint32_t>(nr), s});
    }
  }
  return out;
}

std::vector<Access> access_kinds(const std::string& syscall, unsigned slot, uint64_t flags, bool existed) {
  const PathSyscall* p = find_path_syscall(syscall);
  if (p == nullptr) return {};
  auto open_kinds = [&](uint64_t f) {
    if ((f & O_PATH) == O_PATH) return std::vector<Access>{Access::Stat};
    std::vector<Access> kinds;
    uint64_t acc = f & O_ACCMODE;
    if (acc == O_RDONLY || acc == O_RDWR) kinds.push_back(Access::Read);
    if (acc == O_WRONLY || acc == O_RDWR || (f & O_TRUNC) != 0) kinds.push_back(Access::Write);
    if ((f & O_CREAT) != 0 && !existed) kinds.push_back(Access::Create);
    return kinds;
  };
  switch (p->op) {
    case Op::Open:
      return open_kinds(flags);
    case Op::Creat:
      return open_kinds(O_CREAT | O_WRONLY | O_TRUNC);
    case Op::Exec:
    case Op::Mmap:
      return {Access::Exec};
    case Op::Stat:
      return {Access::Stat};
    case Op::Create:
      return {Access::Create};
    case Op::Delete:
      return {Access::Delete};
    case Op::Rename:
      return {Access::Rename};
    case Op::Link:
      if (slot == 1) return {Access::Link, Access::Create};
      return {Access::Link};
    case Op::Chmod:
      return {Access::Chmod};
    case Op::Write:
      return {Access::Write};
  }
  return {};
}

bool creates(const std::string& syscall, uint64_t flags) {
  const PathSyscall* p = find_path_syscall(syscall);
  if (p == nullptr) return false;
  return p->op == Op::Creat || (p->op == Op::Open && (flags & O_CREAT) != 0);
}

bool follows(const std::string& syscall, unsigned slot, uint64_t flags) {
  const PathSyscall* p = find_path_syscall(syscall);
  if (p == nullptr) return true;
  if (p->op == Op::Open) {
    if ((flags & O_NOFOLLOW) != 0) return false;
    return (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);  // O_EXCL fails on any name, a symlink too
  }
  if (slot == 1) return false;  // a rename target or new link name is never followed
  switch (p->follow) {
    case Follow::Yes:
      return true;
    case Follow::No:
      return false;
    case Follow::AtNofollow:
      return (flags & AT_SYMLINK_NOFOLLOW) == 0;
    case Follow::AtFollow:
      return (flags & AT_SYMLINK_FOLLOW) != 0;
    case Follow::Inotify:
      return (flags & 0x01000000 /* IN_DONT_FOLLOW */) == 0;
  }
  return true;
}

bool names_a_file(const std::string& syscall, uint64_t flags, bool path_empty, bool path_null) {
  const PathSyscall* p = find_path_syscall(syscall);
  if (p == nullptr) return false;
  if (p->op == Op::Mmap) return true;
  if (path_null) return p->null_path_is_fd;
  if (!path_empty) return true;
  bool at_flags = p->follow == Follow::AtNofollow || p->follow == Follow::AtFollow;
  return at_flags && (flags & AT_EMPTY_PATH) != 0;
}

std::string created_type(const std::string& syscall, uint64_t flags) {
  const PathSyscall* p = find_path_syscall(syscall);
  if (p == nullptr) return "";
  if (p->op == Op::Open) return (flags & O_CREAT) != 0 ? "file" : "";
  return p->created_type;
}

Outcome outcome_of(int64_t err) {
  return err >= 0 ? kOk : errno_name(static_cast<int>(-err));
}

namespace {
// True when `p` is absolute with no empty, "." or ".." component and no
// trailing slash: already what absolute_path would make of it.
bool is_normal(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  if (p.size() == 1) return true;
  if (p.back() == '/') return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '/') continue;
    size_t n = p.size() - i - 1;  // bytes after this slash
    const char* c = p.data() + i + 1;
    if (n == 0 || c[0] == '/') return false;
    if (c[0] == '.' && (n == 1 || c[1] == '/')) return false;
    if (c[0] == '.' && c[1] == '.' && (n == 2 || c[2] == '/')) return false;
  }
  return true;
}
}  // namespace

std::string absolute_path(const std::string& base, const std::string& path) {
  std::string joined;
  if (!path.empty() && path[0] == '/')
    joined = path;
  else if (path.empty())
    joined = base;
  else
    joined = base + "/" + path;
  if (is_normal(joined)) return joined;  // the common case, without splitting it
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= joined.size()) {
    size_t j = joined.find('/', i);
    if (j == std::string::npos) j = joined.size();
    std::string part = joined.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::optional<NetEndpoint> endpoint_of(const pl_net_key& key, const std::string& syscall) {
  const NetSyscall* n = find_net_syscall(syscall);
  if (n == nullptr || key.addrlen < sizeof(sa_family_t)) return std::nullopt;
  sa_family_t family = 0;
  std::memcpy(&family, key.addr, sizeof family);
  NetEndpoint ep;
  ep.family = socket_family_name(static_cast<int>(family));
  ep.type = socket_type_name(static_cast<int>(key.socktype));
  ep.op = n->op;
  ep.result = outcome_of(key.err);
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET && key.addrlen >= sizeof(sockaddr_in)) {
    sockaddr_in sin{};
    std::memcpy(&sin, key.addr, sizeof sin);
    ::inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof buf);
    ep.address = buf;
    ep.port = ntohs(sin.sin_port);
  } else if (family == AF_INET6 && key.addrlen >= sizeof(sockaddr_in6)) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, key.addr, sizeof sin6);
    ::inet_ntop(AF_INET6, &sin6.sin6_addr, buf, sizeof buf);
    ep.address = buf;
    ep.port = ntohs(sin6.sin6_port);
  } else if (family == AF_UNIX) {
    size_t off = offsetof(sockaddr_un, sun_path);
    if (key.addrlen <= off) return ep;  // unnamed (autobind)
    const char* p = reinterpret_cast<const char*>(key.addr) + off;
    size_t len = std::min<size_t>(key.addrlen - off, sizeof(sockaddr_un::sun_path));
    if (p[0] == '\0') {
      ep.path = "@" + std::string(p + 1, len - 1);  // abstract: every byte counts, NULs included
    } else {
      ep.path = std::string(p, strnlen(p, len));
    }
  }
  return ep;
}

}  // namespace profile::ebpf
