#include "tracer/ptrace/syscall_decoder.h"

#include <fcntl.h>
#include <linux/audit.h>

#include "common/syscall_semantics.h"
#include "common/syscalls.h"

namespace profile::ptrace {
namespace {

Op op_of(SyscallEffect e) {
  switch (e) {
    case SyscallEffect::Open:
      return Op::Open;
    case SyscallEffect::Openat2:
      return Op::Openat2;
    case SyscallEffect::Creat:
      return Op::Creat;
    case SyscallEffect::Exec:
      return Op::Exec;
    case SyscallEffect::Path:
      return Op::Path;
    case SyscallEffect::Path2:
      return Op::Path2;
    case SyscallEffect::Symlink:
      return Op::Symlink;
    case SyscallEffect::Net:
      return Op::Net;
    case SyscallEffect::Mmap:
      return Op::Mmap;
    case SyscallEffect::FsChange:
      return Op::FsChange;
    case SyscallEffect::Creds:
      return Op::Creds;
    case SyscallEffect::Confine:
      return Op::Confine;
    case SyscallEffect::Descriptors:
      return Op::Invalidate;
  }
  return Op::None;
}

// The decoder's view of common/syscall_semantics.h, plus what each call makes
// stale in the path resolver's caches (a concern of this tracer alone).
const std::vector<SyscallSpec>& specs() {
  static const std::vector<SyscallSpec> all = [] {
    std::vector<SyscallSpec> v;
    for (const auto& m : syscall_semantics()) {
      SyscallSpec s{m.name};
      s.op = op_of(m.effect);
      s.kind = m.kind;
      s.kind2 = m.kind2;
      s.a = m.a;
      s.b = m.b;
      s.flags = m.flags;
      s.follow = m.follow;
      s.created_type = m.created_type;
      s.mode = m.mode;
      s.null_path_is_fd = m.null_path_is_fd;
      s.predictable = m.probe;
      s.access_mode = m.access_mode;
      if (s.op == Op::Invalidate) {
        s.stale = kStaleFds;
        s.fd_arg = m.fd;
      }
      // Whatever can turn a directory into something else, or move mounts.
      std::string n = s.name;
      if (n == "chdir" || n == "fchdir") s.stale |= kStaleCwd;
      if (n == "chroot" || s.op == Op::FsChange) s.stale |= kStaleCwd | kStaleDirs;
      if (n.rfind("rename", 0) == 0 || n == "rmdir" || n == "unlinkat" || n.rfind("symlink", 0) == 0)
        s.stale |= kStaleDirs;
      v.push_back(s);
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
