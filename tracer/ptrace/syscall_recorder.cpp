#include "tracer/ptrace/syscall_recorder.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "common/fd.h"
#include "common/syscalls.h"
#include "tracer/ptrace/net_decoder.h"
#include "tracer/ptrace/tracee_memory.h"

namespace profile::ptrace {
namespace {

constexpr uint64_t kAtSymlinkNofollow = 0x100;
constexpr uint64_t kAtSymlinkFollow = 0x400;
constexpr uint64_t kAtEmptyPath = 0x1000;
constexpr uint64_t kInDontFollow = 0x02000000;
constexpr uint64_t kMaxSockaddr = 128;  // sizeof(sockaddr_storage)

// The kernel restarts a syscall interrupted by a signal with one of these
// internal codes; the restarted call is recorded on its own, so the interrupted
// attempt says nothing about the file.
bool is_restart(int64_t rval) {
  return rval <= -512 && rval >= -516;
}

int as_int(uint64_t v) {
  return static_cast<int>(static_cast<int32_t>(v & 0xffffffffULL));
}

bool follows(const SyscallSpec& spec, const SyscallStop& stop) {
  uint64_t flags = spec.flags >= 0 ? stop.args[spec.flags] : 0;
  switch (spec.follow) {
    case Follow::Yes:
      return true;
    case Follow::No:
      return false;
    case Follow::AtNofollow:
      return (flags & kAtSymlinkNofollow) == 0;
    case Follow::AtFollow:
      return (flags & kAtSymlinkFollow) != 0;
    case Follow::Inotify:
      return (flags & kInDontFollow) == 0;
  }
  return true;
}

const char* mknod_type(uint64_t mode) {
  const char* t = file_type_name(static_cast<unsigned>(mode));
  return *t != '\0' ? t : "file";
}

// The value `source` (policies/args.toml) names for an argument whose register
// holds `v`; false when there is none to record (a NULL or unreadable pointer,
// another process's limits), as the eBPF tracer decides.
bool read_source(pid_t tid, const std::string& source, uint64_t& v) {
  if (source.empty()) return true;
  if (source == "rlimit.current_max") {
    // The hard limit the call is about to replace (this is its entry stop), of
    // the resource in `v`: prlimit64's pid argument is checked by the caller.
    if (v >= RLIM_NLIMITS) return false;
    struct rlimit cur {};
    if (::prlimit(tid, static_cast<__rlimit_resource>(v), nullptr, &cur) != 0) return false;
    v = cur.rlim_max;
    return true;
  }
  if (source == "xattr_name.capability") {
    std::string name;
    if (!read_tracee_string(tid, v, name)) return false;
    v = name == "security.capability" ? 1 : 0;
    return true;
  }
  // The first u64 of the struct the argument points to (clone_args.flags,
  // timex.modes), or struct rlimit's second (rlim_max).
  uint64_t off = source == "rlimit.rlim_max" ? 8 : 0;
  if (off != 0 && v == 0) return false;  // prlimit64 without a new limit only reads
  uint64_t mem = 0;
  if (!read_tracee(tid, v + off, &mem, sizeof mem)) return false;
  v = mem;
  return true;
}

}  // namespace

void SyscallRecorder::prepare(const ArgPolicy& policy, LiveCounters* counters) {
  table_.build(policy);
  counters_ = counters;
  for (auto& c : counts_) c.assign(kMaxNr, 0);
}

void SyscallRecorder::count(Arch arch, uint64_t nr) {
  uint64_t i = nr & ~kX32Bit;
  uint64_t* slot = nullptr;
  if (i < kMaxNr) {
    slot = &counts_[static_cast<size_t>(arch)][i];
  } else {
    slot = &big_counts_[{arch, nr}];
  }
  if ((*slot)++ == 0) {
    ++distinct_;
    if (counters_ != nullptr) counters_->distinct_syscalls.store(distinct_, std::memory_order_relaxed);
  }
  if (counters_ != nullptr) counters_->syscalls.fetch_add(1, std::memory_order_relaxed);
}

void SyscallRecorder::record_args(pid_t tid, Arch arch, uint64_t nr, const ArgRule& rule, const SyscallStop& stop) {
  Tuple t{};
  size_t n = rule.indices.size() < t.size() ? rule.indices.size() : t.size();
  for (size_t k = 0; k < n; ++k) {
    unsigned idx = rule.indices[k];
    uint64_t v = idx < 6 ? stop.args[idx] : 0;
    const std::string& source = k < rule.sources.size() ? rule.sources[k] : rule.source;
    // prlimit64 of another process: whose limits they are is not traced (the
    // eBPF tracer cannot look them up either)
    if (source == "rlimit.current_max" && rule.syscall == "prlimit64" && (stop.args[0] & 0xffffffffULL) != 0) return;
    // i386's setrlimit takes 32-bit limits (its libc uses prlimit64): not judged
    if (source == "rlimit.current_max" && arch == Arch::X86 && rule.syscall == "setrlimit") return;
    if (!read_source(tid, source, v)) return;
    t[k] = v & rule.masks[k];
  }
  ArgSeen& seen = args_[{arch, nr}];
  seen.rule = &rule;
  if (seen.tuples.find(t) == seen.tuples.end()) seen.tuples.insert(t);
}

bool SyscallRecorder::decode_path(pid_t tid, ThreadState& st, PathArg arg, const SyscallStop& stop, bool follow,
                                  bool empty_is_fd, PendingSyscall::Path& out) {
  out.nkinds = 0;
  // fchmod, ftruncate...: no path argument, the descriptor names the file.
  if (arg.path < 0) empty_is_fd = true;
  uint64_t ptr = arg.path >= 0 ? stop.args[arg.path] : 0;
  int dirfd = arg.dirfd >= 0 ? as_int(stop.args[arg.dirfd]) : AT_FDCWD;
  if (ptr == 0) {
    if (!empty_is_fd) return false;
    path_arg_.clear();
  } else if (!read_tracee_string(tid, ptr, path_arg_)) {
    return false;  // EFAULT or ENAMETOOLONG: no file is touched
  }
  if (!resolver_.absolute(tid, st.fs, dirfd, path_arg_, empty_is_fd, abs_)) return false;
  fd_stat_ = path_arg_.empty();
  if (fd_stat_) {
    // The descriptor's path is already resolved by the kernel; when the
    // recording knows its type there is nothing left to look up (glibc's fstat
    // is newfstatat(fd, "", AT_EMPTY_PATH): very frequent).
    auto known = rec_.files.find(abs_);
    if (known != rec_.files.end() && !known->second.type.empty()) {
      out.resolved.path = abs_;
      out.resolved.type = known->second.type;
      out.resolved.exists = true;
      out.resolved.err = 0;
      out.resolved.exact_only = false;
      return true;
    }
  }
  resolver_.resolve(tid, st.fs, abs_, follow, out.resolved);
  return !out.resolved.path.empty();
}

bool SyscallRecorder::entry_open(pid_t tid, ThreadState& st, const SyscallStop& stop, uint64_t flags) {
  if ((flags & O_CREAT) != 0) resolver_.entries_changed();
  PendingSyscall& p = st.pending;
  const SyscallSpec& spec = *p.spec;
  auto& path = p.paths[0];
  if (!decode_path(tid, st, spec.a, stop, open_follows(flags), false, path)) return false;
  path.nkinds = open_accesses(flags, path.resolved.exists, path.kinds);
  p.npaths = 1;
  p.created_type = (flags & O_CREAT) != 0 ? "file" : "";
  return true;
}

bool SyscallRecorder::entry_path(pid_t tid, ThreadState& st, const SyscallStop& stop) {
  PendingSyscall& p = st.pending;
  const SyscallSpec& spec = *p.spec;
  uint64_t flags = spec.flags >= 0 ? stop.args[spec.flags] : 0;
  if (spec.op == Op::Creat || spec.op == Op::Path2 || spec.op == Op::Symlink || spec.kind == Access::Create ||
      spec.kind == Access::Delete)
    resolver_.entries_changed();
  bool at_flags = spec.follow == Follow::AtNofollow || spec.follow == Follow::AtFollow;
  bool empty_is_fd = (at_flags && (flags & kAtEmptyPath) != 0) ||
                     (spec.null_path_is_fd && spec.a.path >= 0 && stop.args[spec.a.path] == 0);
  auto& first = p.paths[0];
  bool follow_first = follows(spec, stop);
  if (spec.op == Op::Path2) {
    if (decode_path(tid, st, spec.a, stop, follow_first, empty_is_fd, first)) {
      first.kinds[first.nkinds++] = spec.kind;
      ++p.npaths;
    }
    auto& second = p.paths[p.npaths];
    if (decode_path(tid, st, spec.b, stop, false, false, second)) {
      second.kinds[second.nkinds++] = spec.kind2;
      if (spec.kind2 == Access::Link) second.kinds[second.nkinds++] = Access::Create;
      ++p.npaths;
    }
    // A new name made by link/rename has the type of its source.
    if (p.npaths > 0) p.created_type = first.resolved.type.c_str();
    return p.npaths > 0;
  }
  if (!decode_path(tid, st, spec.a, stop, follow_first, empty_is_fd, first)) return false;
  first.kinds[first.nkinds++] = spec.kind;
  if (spec.op == Op::Exec) {
    p.exec = true;
  } else if (spec.op == Op::Creat) {
    first.nkinds = open_accesses(O_CREAT | O_WRONLY | O_TRUNC, first.resolved.exists, first.kinds);
  }
  p.created_type = spec.mode >= 0 ? mknod_type(stop.args[spec.mode]) : spec.created_type;
  if (spec.op == Op::Creat) p.created_type = "file";
  p.npaths = 1;
  return true;
}

bool SyscallRecorder::entry_net(pid_t tid, ThreadState& st, const SyscallStop& stop) {
  PendingSyscall& p = st.pending;
  const char* op = p.spec->name;
  NetEndpoint& ep = p.endpoint;
  ep = NetEndpoint{};
  ep.op = op;
  if (std::strcmp(op, "accept4") == 0) ep.op = "accept";
  int fd = as_int(stop.args[0]);
  bool local = std::strcmp(op, "listen") == 0 || ep.op == "accept";
  if (local) {
    if (!tracee_socket_name(tid, fd, ep)) return false;
  } else {
    bool sendto = std::strcmp(op, "sendto") == 0;
    uint64_t addr = stop.args[sendto ? 4 : 1];
    uint64_t len = stop.args[sendto ? 5 : 2];
    if (addr == 0) return false;  // sendto on a connected socket: connect said it
    if (len > kMaxSockaddr) len = kMaxSockaddr;
    unsigned char buf[kMaxSockaddr] = {};
    if (!read_tracee(tid, addr, buf, len) || !decode_sockaddr(buf, len, ep)) return false;
    int family = 0;
    int type = 0;
    if (tracee_socket_info(tid, fd, family, type)) ep.type = socket_type_name(type);
    if (ep.family == "AF_UNIX" && !ep.path.empty() && ep.path[0] != '@') {
      // A unix socket path is a file: bind creates it, connect/sendto write to it.
      auto& file = p.paths[0];
      file.nkinds = 0;
      if (resolver_.absolute(tid, st.fs, AT_FDCWD, ep.path, false, abs_)) {
        bool bind = std::strcmp(op, "bind") == 0;
        if (bind) resolver_.entries_changed();
        resolver_.resolve(tid, st.fs, abs_, !bind, file.resolved);
        file.kinds[file.nkinds++] = bind ? Access::Create : Access::Write;
        p.npaths = 1;
        p.created_type = "sock";
      }
    }
  }
  p.net = true;
  return true;
}

bool SyscallRecorder::entry_mmap(pid_t tid, ThreadState& st, const SyscallStop& stop) {
  if ((stop.args[2] & PROT_EXEC) == 0 || (stop.args[3] & MAP_ANONYMOUS) != 0) return false;
  int fd = as_int(stop.args[4]);
  if (fd < 0) return false;
  PendingSyscall& p = st.pending;
  auto& file = p.paths[0];
  file.nkinds = 0;
  if (!resolver_.fd_path(tid, st.fs, fd, file.resolved.path)) return false;
  file.resolved.exists = true;
  file.resolved.type = "file";
  file.kinds[file.nkinds++] = Access::Exec;
  p.npaths = 1;
  return true;
}

bool SyscallRecorder::on_entry(pid_t tid, ThreadState& st, const SyscallStop& stop) {
  Arch arch{};
  if (is_no_syscall(stop.nr)) return false;
  if (!arch_from_info(stop.audit_arch, stop.nr, arch)) {
    ++lost_;
    return false;
  }
  count(arch, stop.nr);
  const SyscallEntry& e = table_.lookup(arch, stop.nr);
  if (e.rule != nullptr) record_args(tid, arch, stop.nr, *e.rule, stop);
  if (e.spec == nullptr) return false;

  if (e.spec->stale != 0) {
    if ((e.spec->stale & kStaleFds) != 0) {
      if (e.spec->fd_arg >= 0) {
        resolver_.descriptor_closed(stop.args[e.spec->fd_arg] & 0xffffffffULL);
      } else {
        resolver_.descriptors_changed();
      }
    }
    if ((e.spec->stale & kStaleCwd) != 0) resolver_.cwd_changed();
    if ((e.spec->stale & kStaleDirs) != 0) resolver_.namespace_changed();
  }
  PendingSyscall& p = st.pending;
  p.spec = e.spec;
  p.npaths = 0;
  p.exec = false;
  p.net = false;
  p.created_type = "";
  fd_stat_ = false;
  bool need = false;
  uint64_t open_flags = 0;
  switch (e.spec->op) {
    case Op::None:
    case Op::Invalidate:
      break;
    case Op::Open:
      open_flags = stop.args[e.spec->flags];
      need = entry_open(tid, st, stop, open_flags);
      break;
    case Op::Openat2:
      if (read_tracee(tid, stop.args[2], &open_flags, sizeof open_flags)) need = entry_open(tid, st, stop, open_flags);
      break;
    case Op::Creat:
    case Op::Exec:
    case Op::Path:
    case Op::Path2:
    case Op::Symlink:
      need = entry_path(tid, st, stop);
      break;
    case Op::Net:
      need = entry_net(tid, st, stop);
      break;
    case Op::Mmap:
      need = entry_mmap(tid, st, stop);
      break;
    case Op::FsChange:
      st.fs.reset();
      st.privileged = -1;  // a new user namespace changes what the caps cover
      break;
    case Op::Creds:
      st.privileged = -1;
      break;
    case Op::Confine:
      // prctl(PR_SET_SECCOMP) is the only prctl that confines.
      if (std::strcmp(e.spec->name, "prctl") != 0 || stop.args[0] == PR_SET_SECCOMP) st.confined = true;
      break;
  }
  if (need) {
    const char* predicted = predict(tid, st, stop, open_flags);
    if (predicted != nullptr) {
      // Known already: record now and let the syscall run without an exit stop.
      bool ok = std::strcmp(predicted, "ok") == 0;
      record_outcome(st, ok ? kOk : Outcome(predicted), !ok);
      need = false;
    }
  }
  // chdir/fchdir resolved their own argument against the old cwd just now and
  // cached it under the current generation; the change takes effect once the
  // tracee runs on, so the next use must read the cwd again.
  if ((e.spec->stale & kStaleCwd) != 0) resolver_.cwd_changed();
  st.has_pending = need;
  return need;
}

bool SyscallRecorder::is_privileged(pid_t tid, ThreadState& st) {
  if (st.privileged >= 0) return st.privileged == 1;
  st.privileged = 0;
  if (own_userns_.empty()) {
    char mine[128];
    ssize_t m = ::readlink("/proc/self/ns/user", mine, sizeof mine);
    if (m > 0) own_userns_.assign(mine, static_cast<size_t>(m));
  }
  char proc[64];
  (void)std::snprintf(proc, sizeof proc, "/proc/%d/ns/user", tid);
  char link[128];
  ssize_t n = ::readlink(proc, link, sizeof link);
  // Capabilities in a user namespace other than the one we run in do not cover
  // files owned by unmapped users: lookups could then fail with EACCES.
  if (n <= 0 || own_userns_.empty() || own_userns_ != std::string_view(link, static_cast<size_t>(n))) return false;
  (void)std::snprintf(proc, sizeof proc, "/proc/%d/status", tid);
  Fd fd(::open(proc, O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  char buf[4096];
  ssize_t len = ::read(fd.get(), buf, sizeof buf - 1);
  if (len <= 0) return false;
  buf[len] = '\0';
  const char* cap = std::strstr(buf, "CapEff:");
  if (cap == nullptr) return false;
  uint64_t eff = std::strtoull(cap + 7, nullptr, 16);
  // FOWNER: O_NOATIME on a file of another user.
  constexpr uint64_t kDac = (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_DAC_READ_SEARCH) | (1ULL << CAP_FOWNER);
  st.privileged = (eff & kDac) == kDac ? 1 : 0;
  return st.privileged == 1;
}

// Only what the lookup at entry decides is predicted: whether the path exists
// and what it is. Everything that depends on permissions, devices, mounts or
// the process's limits waits for the exit stop.
const char* SyscallRecorder::predict(pid_t tid, ThreadState& st, const SyscallStop& stop, uint64_t open_flags) {
  const PendingSyscall& p = st.pending;
  const SyscallSpec& spec = *p.spec;
  if (st.confined || p.npaths != 1 || p.exec || p.net) return nullptr;
  const ResolvedPath& r = p.paths[0].resolved;
  if (r.exact_only) return nullptr;
  bool open = spec.op == Op::Open || spec.op == Op::Openat2;
  if (open) {
    // Read-only opens only: writes meet read-only mounts, immutable files,
    // busy executables.
    if ((open_flags & (O_CREAT | O_TRUNC | O_ACCMODE)) != 0) return nullptr;
  } else if (!spec.predictable ||
             // W_OK meets read-only mounts, X_OK needs an x bit even for root
             (spec.access_mode >= 0 && (stop.args[spec.access_mode] & (W_OK | X_OK)) != 0)) {
    return nullptr;
  }
  if (fd_stat_ && r.exists && !open) return "ok";  // stat of an open descriptor
  if (!is_privileged(tid, st)) return nullptr;
  if (!r.exists) {
    switch (r.err) {
      case ENOENT:
        // Once: a missing path probed again is being waited for (a ready
        // flag, a socket another process creates) and may appear between the
        // lookup and the call; the last probe must say what the kernel said.
        if (!predicted_missing_.insert(r.path).second) return nullptr;
        return "ENOENT";
      case ENOTDIR:
        return "ENOTDIR";
      case ELOOP:
        return "ELOOP";
      case ENAMETOOLONG:
        return "ENAMETOOLONG";
      default:
        return nullptr;
    }
  }
  const std::string& type = r.type;
  if (open) {
    if ((open_flags & O_PATH) == O_PATH) return "ok";
    if (type == "symlink") return "ELOOP";  // only reached with O_NOFOLLOW
    if ((open_flags & O_DIRECTORY) != 0 && type != "dir") return "ENOTDIR";
    // Devices, fifos and sockets have their own open (ENXIO, blocking...).
    return type == "file" || type == "dir" ? "ok" : nullptr;
  }
  const char* name = spec.name;
  if (std::strcmp(name, "readlink") == 0 || std::strcmp(name, "readlinkat") == 0)
    return type == "symlink" ? "ok" : "EINVAL";
  if (std::strcmp(name, "chdir") == 0) return type == "dir" ? "ok" : "ENOTDIR";
  return "ok";
}

void SyscallRecorder::on_exit(ThreadState& st, int64_t rval, bool is_error) {
  st.has_pending = false;
  if (is_error && is_restart(rval)) return;
  record_outcome(st, is_error ? errno_name(static_cast<int>(-rval)) : kOk, is_error);
}

void SyscallRecorder::record_outcome(ThreadState& st, const Outcome& outcome, bool is_error) {
  PendingSyscall& p = st.pending;
  std::string source_type;
  for (int i = 0; i < p.npaths; ++i) {
    auto& path = p.paths[i];
    const std::string* type = &path.resolved.type;
    if (!is_error && !path.resolved.exists && *p.created_type != '\0') {
      source_type = p.created_type;
      type = &source_type;
    }
    for (int k = 0; k < path.nkinds; ++k) rec_.add_file(path.resolved.path, path.kinds[k], outcome, *type);
  }
  if (p.npaths > 0 && counters_ != nullptr) counters_->files.store(rec_.files.size(), std::memory_order_relaxed);
  if (p.exec && !is_error && p.npaths > 0) {
    rec_.add_exec(p.paths[0].resolved.path);
    st.last_exec = p.paths[0].resolved.path;
  }
  if (p.net) {
    p.endpoint.result = outcome;
    rec_.add_endpoint(p.endpoint);
  }
  // chroot moved the root the cached handles point at.
  if (!is_error && p.spec != nullptr && std::strcmp(p.spec->name, "chroot") == 0) st.fs.reset();
}

void SyscallRecorder::on_exec_image(ThreadState& st, const std::string& image) {
  // The execve is either still pending (its exit stop comes next) or was
  // recorded at its seccomp stop already (outcome predicted).
  const std::string& named =
      st.has_pending && st.pending.exec && st.pending.npaths > 0 ? st.pending.paths[0].resolved.path : st.last_exec;
  if (image.empty() || image[0] != '/' || image == named) return;
  rec_.add_exec(image);
  rec_.add_file(image, Access::Exec, kOk, "file");
}

Recording SyscallRecorder::take() {
  Recording out = std::move(rec_);
  rec_ = Recording{};
  for (size_t a = 0; a < kArchCount; ++a) {
    auto arch = static_cast<Arch>(a);
    uint64_t bit = arch == Arch::X32 ? kX32Bit : 0;
    for (uint64_t i = 0; i < kMaxNr; ++i) {
      uint64_t n = counts_[a][i];
      if (n > 0) out.add_syscall(arch_name(arch), syscall_name(arch_name(arch), i | bit), n);
    }
  }
  for (const auto& [key, n] : big_counts_)
    out.add_syscall(arch_name(key.first), syscall_name(arch_name(key.first), key.second), n);
  for (const auto& [key, seen] : args_) {
    ArgValues& v = out.args[arch_name(key.first)][syscall_name(arch_name(key.first), key.second)];
    v.indices = seen.rule->indices;
    v.masks = seen.rule->masks;
    for (const auto& t : seen.tuples) v.tuples.insert(std::vector<uint64_t>(t.begin(), t.begin() + v.indices.size()));
  }
  return out;
}

}  // namespace profile::ptrace
