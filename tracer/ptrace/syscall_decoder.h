// Argument decoding for the ptrace tracer: which syscalls take paths (and at which
// argument positions, with which dirfd, flags and symlink rule), which access
// kinds they mean, which ones carry network addresses (all from the shared
// common/syscall_semantics.h), and which scalar arguments policies/args.toml asks
// to record. Built once per architecture in prepare(), then looked up by syscall
// number on every stop (an array index, no hashing).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/policy.h"
#include "common/recording.h"
#include "common/syscall_semantics.h"

namespace profile::ptrace {

// The architectures a process on x86_64 can make syscalls in.
enum class Arch : uint8_t { X86_64 = 0, X86 = 1, X32 = 2 };
inline constexpr size_t kArchCount = 3;
const char* arch_name(Arch a);
// From the AUDIT_ARCH_* of PTRACE_GET_SYSCALL_INFO and the raw number (x32 bit).
// A number is x32 only when the kernel would dispatch it to the x32 table: the
// x32 bit plus a number below kMaxNr; others with the bit set (-1 among them)
// are x86_64 numbers that fail with ENOSYS.
bool arch_from_info(uint32_t audit_arch, uint64_t nr, Arch& out);
// Index into the per-arch tables: the number without the x32 bit.
inline constexpr uint64_t kX32Bit = 0x40000000ULL;
inline constexpr size_t kMaxNr = 1024;
// syscall(-1): the kernel runs nothing and returns ENOSYS (ptrace and seccomp
// use -1 to skip a call), so there is nothing to record or allow. The kernel
// takes the number as an int, which ptrace reports sign-extended.
inline bool is_no_syscall(uint64_t nr) {
  return static_cast<uint32_t>(nr) == 0xffffffffu;
}

enum class Op : uint8_t {
  None,
  Open,        // open/openat: flags argument decides the access kinds
  Openat2,     // flags in struct open_how
  Creat,       // open(O_CREAT|O_WRONLY|O_TRUNC)
  Exec,        // execve/execveat
  Path,        // one path, fixed access kind
  Path2,       // two paths (rename, link): kinds for each
  Symlink,     // only the new name is a path
  Net,         // bind/connect/listen/accept/sendto
  Mmap,        // PROT_EXEC mapping of a file
  FsChange,    // pivot_root/setns/unshare: cached root and ids are stale
  Creds,       // setuid family, capset: the thread's privileges change
  Confine,     // seccomp, landlock_restrict_self, prctl: the workload confines itself
  Invalidate,  // close, dup2, fchdir...: only makes cached /proc answers stale
};

// What a syscall makes stale in the path resolver's caches (bit mask).
inline constexpr uint8_t kStaleFds = 1;   // descriptor table changed
inline constexpr uint8_t kStaleCwd = 2;   // working directory changed
inline constexpr uint8_t kStaleDirs = 4;  // directories or mounts changed

// When the final symlink of a path argument is followed, and where the path and
// its dirfd are: common/syscall_semantics.h, shared with the eBPF tracer.
using Follow = FollowRule;
using PathArg = SyscallPathArg;

struct SyscallSpec {
  const char* name;
  Op op = Op::None;
  Access kind = Access::Stat;   // Path: the access; Path2: the first path's
  Access kind2 = Access::Stat;  // Path2: the second path's
  PathArg a;
  PathArg b;          // Path2 only
  int8_t flags = -1;  // argument index of AT_* / open flags / inotify mask
  Follow follow = Follow::Yes;
  const char* created_type = "";  // type of what a successful create makes
  int8_t mode = -1;               // mknod: argument index of the mode
  bool null_path_is_fd = false;   // utimensat(fd, NULL, ...)
  // A read-only probe whose outcome a privileged tracer can tell from the
  // lookup alone (stat family, access F_OK/R_OK, readlink, chdir, statfs).
  bool predictable = false;
  int8_t access_mode = -1;  // access/faccessat: argument index of the mode
  uint8_t stale = 0;        // kStale* bits
  int8_t fd_arg = -1;       // kStaleFds: the one descriptor closed or replaced (close, dup2, dup3)
};

// One number's decoding on one architecture.
struct SyscallEntry {
  const SyscallSpec* spec = nullptr;  // null: count only
  const ArgRule* rule = nullptr;      // scalar arguments to record, or null
};

class SyscallTable {
 public:
  void build(const ArgPolicy& policy);
  [[nodiscard]] const SyscallEntry& lookup(Arch arch, uint64_t nr) const {
    uint64_t i = nr & ~kX32Bit;
    return i < kMaxNr ? tables_[static_cast<size_t>(arch)][i] : empty_;
  }

 private:
  std::array<std::vector<SyscallEntry>, kArchCount> tables_;
  SyscallEntry empty_;
};

// The access kinds of an open with `flags` on a file that did (not) exist.
// Writes up to 3 kinds into `out`, returns how many.
int open_accesses(uint64_t flags, bool existed, Access out[3]);

// Whether an open with these flags follows the final symlink.
bool open_follows(uint64_t flags);

}  // namespace profile::ptrace
