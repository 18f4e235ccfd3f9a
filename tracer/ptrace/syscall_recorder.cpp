#include "tracer/ptrace/syscall_recorder.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstring>

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
    if (!rule.source.empty()) {
      // clone3: the flags live in struct clone_args (first member, u64) in memory.
      uint64_t flags = 0;
      if (!read_tracee(tid, v, &flags, sizeof flags)) return;
      v = flags;
    }
    t[k] = v & rule.masks[k];
  }
  ArgSeen& seen = args_[{arch, nr}];
  seen.rule = &rule;
  if (seen.tuples.find(t) == seen.tuples.end()) seen.tuples.insert(t);
}

bool SyscallRecorder::decode_path(pid_t tid, ThreadState& st, PathArg arg, const SyscallStop& stop, bool follow,
                                  bool empty_is_fd, PendingSyscall::Path& out) {
  out.nkinds = 0;
  uint64_t ptr = stop.args[arg.path];
  int dirfd = arg.dirfd >= 0 ? as_int(stop.args[arg.dirfd]) : AT_FDCWD;
  if (ptr == 0) {
    if (!empty_is_fd) return false;
    path_arg_.clear();
  } else if (!read_tracee_string(tid, ptr, path_arg_)) {
    return false;  // EFAULT or ENAMETOOLONG: no file is touched
  }
  if (!resolver_.absolute(tid, st.fs, dirfd, path_arg_, empty_is_fd, abs_)) return false;
  resolver_.resolve(tid, st.fs, abs_, follow, out.resolved);
  return !out.resolved.path.empty();
}

bool SyscallRecorder::entry_open(pid_t tid, ThreadState& st, const SyscallStop& stop, uint64_t flags) {
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
  bool at_flags = spec.follow == Follow::AtNofollow || spec.follow == Follow::AtFollow;
  bool empty_is_fd = (at_flags && (flags & kAtEmptyPath) != 0) || (spec.null_path_is_fd && stop.args[spec.a.path] == 0);
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
  if (!arch_from_info(stop.audit_arch, stop.nr, arch)) {
    ++lost_;
    return false;
  }
  count(arch, stop.nr);
  const SyscallEntry& e = table_.lookup(arch, stop.nr);
  if (e.rule != nullptr) record_args(tid, arch, stop.nr, *e.rule, stop);
  if (e.spec == nullptr) return false;

  PendingSyscall& p = st.pending;
  p.spec = e.spec;
  p.npaths = 0;
  p.exec = false;
  p.net = false;
  p.created_type = "";
  bool need = false;
  switch (e.spec->op) {
    case Op::None:
      break;
    case Op::Open:
      need = entry_open(tid, st, stop, stop.args[e.spec->flags]);
      break;
    case Op::Openat2: {
      uint64_t flags = 0;
      if (read_tracee(tid, stop.args[2], &flags, sizeof flags)) need = entry_open(tid, st, stop, flags);
      break;
    }
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
      break;
  }
  st.has_pending = need;
  return need;
}

void SyscallRecorder::on_exit(ThreadState& st, int64_t rval, bool is_error) {
  st.has_pending = false;
  if (is_error && is_restart(rval)) return;
  PendingSyscall& p = st.pending;
  const Outcome outcome = is_error ? errno_name(static_cast<int>(-rval)) : kOk;
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
  if (p.exec && !is_error && p.npaths > 0) rec_.add_exec(p.paths[0].resolved.path);
  if (p.net) {
    p.endpoint.result = outcome;
    rec_.add_endpoint(p.endpoint);
  }
  // chroot moved the root the cached handles point at.
  if (!is_error && p.spec != nullptr && std::strcmp(p.spec->name, "chroot") == 0) st.fs.reset();
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
