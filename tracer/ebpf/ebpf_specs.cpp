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
#include "common/syscall_semantics.h"
#include "common/syscalls.h"

namespace profile::ebpf {
namespace {

// What the access of a path-taking syscall is, in the recording's terms, as
// the kernel side and decoding here see it: a view of common/syscall_semantics.h,
// the table the ptrace tracer decodes from too.
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

// The op of a call whose path(s) the BPF side reads; nullopt for the others
// (descriptor-based changes such as fchmod have no path argument to read).
std::optional<Op> path_op(const SyscallSemantics& m) {
  switch (m.effect) {
    case SyscallEffect::Open:
    case SyscallEffect::Openat2:
      return Op::Open;
    case SyscallEffect::Creat:
      return Op::Creat;
    case SyscallEffect::Exec:
      return Op::Exec;
    case SyscallEffect::Mmap:
      return Op::Mmap;
    case SyscallEffect::Symlink:
      return Op::Create;
    case SyscallEffect::Path2:
      return m.kind == Access::Link ? Op::Link : Op::Rename;
    case SyscallEffect::Path:
      if (m.a.path < 0) return std::nullopt;
      switch (m.kind) {
        case Access::Stat:
          return Op::Stat;
        case Access::Create:
          return Op::Create;
        case Access::Delete:
          return Op::Delete;
        case Access::Chmod:
          return Op::Chmod;
        case Access::Write:
          return Op::Write;
        default:
          return std::nullopt;
      }
    default:
      return std::nullopt;
  }
}

// Looked up for every event the tracer decodes, several times: hashed, not scanned.
const PathSyscall* find_path_syscall(const std::string& name) {
  static const std::unordered_map<std::string, PathSyscall> by_name = [] {
    std::unordered_map<std::string, PathSyscall> m;
    for (const auto& sem : syscall_semantics()) {
      auto op = path_op(sem);
      if (!op) continue;
      PathSyscall p{sem.name, *op, sem.a.path, sem.a.dirfd, sem.b.path, sem.b.dirfd, sem.flags};
      p.follow = sem.follow;
      p.created_type = sem.created_type;
      p.flags_in_open_how = sem.effect == SyscallEffect::Openat2;
      p.null_path_is_fd = sem.null_path_is_fd;
      m.emplace(sem.name, p);
    }
    return m;
  }();
  auto it = by_name.find(name);
  return it == by_name.end() ? nullptr : &it->second;
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

// bind, connect, sendto (a sockaddr) and listen, accept (the socket's own address).
const SyscallSemantics* find_net_syscall(const std::string& name) {
  const SyscallSemantics* n = find_syscall_semantics(name);
  return n != nullptr && n->effect == SyscallEffect::Net ? n : nullptr;
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

namespace {
uint8_t arg_source(const std::string& source) {
  if (source.empty()) return PL_SRC_REG;
  if (source == "rlimit.rlim_max") return PL_SRC_MEM8;
  if (source == "rlimit.current_max") return PL_SRC_CUR_RLIM;
  if (source == "xattr_name.capability") return PL_SRC_XATTR_FCAP;
  // Any other source (clone_args.flags, timex.modes) is the first 64-bit field
  // of the struct the argument points to.
  return PL_SRC_MEM0;
}
}  // namespace

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
          s.arg_idx[i] = static_cast<int8_t>(idx);
          s.arg_src[i] = arg_source(i < rule->sources.size() ? rule->sources[i] : rule->source);
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
  const SyscallSemantics* n = find_net_syscall(syscall);
  if (n == nullptr || key.addrlen < sizeof(sa_family_t)) return std::nullopt;
  sa_family_t family = 0;
  std::memcpy(&family, key.addr, sizeof family);
  NetEndpoint ep;
  ep.family = socket_family_name(static_cast<int>(family));
  ep.type = socket_type_name(static_cast<int>(key.socktype));
  ep.op = n->net_op;
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
