// Turning a path argument of a stopped tracee into the absolute path the kernel
// will use, the way the kernel resolves it:
//  - relative paths start at the dirfd (/proc/<tid>/fd/<n>) or the thread's cwd
//    (/proc/<tid>/cwd, which follows chdir/fchdir);
//  - /proc/self and /proc/thread-self are rewritten to the tracee's own pid as seen
//    in its pid namespace (NStgid/NSpid) before resolving, and mapped back after;
//  - symlinks are resolved by openat2(/proc/<tid>/root, path, O_PATH,
//    RESOLVE_IN_ROOT), i.e. in the tracee's root and mount namespace, and the
//    result read back from /proc/self/fd/<n>; the final symlink is followed only
//    when the syscall follows it;
//  - a final component that does not exist (a create, an ENOENT probe) is
//    appended to its resolved parent.
// Needs ptrace access to the tracee (the tracer has it).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/fd.h"
#include "common/names.h"

namespace profile::ptrace {

struct ResolvedPath {
  std::string path;  // absolute; empty when it could not be made absolute
  std::string type;  // "file", "dir", ... or "" when it does not exist
  bool exists = false;
  int err = 0;              // when !exists: the errno the lookup met (ENOENT, ENOTDIR, ELOOP...)
  bool exact_only = false;  // resolved through /proc magic: outcome not predictable
};

// What the resolver caches for one tracee thread. Owned by the tracer's
// per-thread state; reset() when the thread execs, chroots or changes namespaces.
struct TraceeFs {
  Fd root;                  // O_PATH of /proc/<tid>/root
  std::string root_prefix;  // the tracee's root as we see it ("" when it is ours)
  pid_t ns_tgid = 0;        // the tracee's pid and tid in its own pid namespace
  pid_t ns_tid = 0;
  // Descriptor and cwd paths read from /proc, valid while the resolver's
  // generation for them has not moved (any close/dup2/exec, any chdir).
  struct Cached {
    std::string path;
    uint64_t gen = 0;
  };
  std::unordered_map<int, Cached> fds;
  Cached cwd;
  // The thread's last lookup: tar, cp and friends stat a name, then open it.
  std::string last_abs;
  bool last_follow = false;
  ResolvedPath last;
  uint64_t last_gen = 0;
  uint64_t last_time = 0;  // CLOCK_MONOTONIC_COARSE ns
  void reset() {
    last_gen = 0;
    root.reset();
    root_prefix.clear();
    ns_tgid = ns_tid = 0;
    fds.clear();
    cwd.gen = 0;
  }
};

class PathResolver {
 public:
  // The lexical absolute path of `path` relative to `dirfd` (AT_FDCWD for the
  // cwd) of thread `tid`. With `empty_is_fd`, an empty path names the dirfd
  // itself (AT_EMPTY_PATH). False when there is no absolute base (bad dirfd).
  bool absolute(pid_t tid, TraceeFs& fs, int dirfd, const std::string& path, bool empty_is_fd, std::string& out);

  // Resolves the absolute lexical path `abs` as thread `tid` would.
  void resolve(pid_t tid, TraceeFs& fs, const std::string& abs, bool follow, ResolvedPath& out);

  // The path of the tracee's file descriptor `fd` (for fd-based accesses),
  // false when it is not a path (pipe:[...], socket:[...]).
  bool fd_path(pid_t tid, TraceeFs& fs, int fd, std::string& out);

  // What a tracee did that makes cached /proc answers stale. The tracer calls
  // these at the syscall's entry stop: close, dup2/dup3, close_range,
  // io_uring_enter, exec -> descriptors; chdir, fchdir -> cwd; rename, rmdir,
  // symlink, mount, chroot, namespaces... -> the canonical-directory cache.
  void descriptors_changed() { ++fd_gen_; }
  void descriptor_closed(uint64_t fd) {
    if (fd < kFdGens) {
      ++fd_gens_[fd];
    } else {
      ++fd_gen_;
    }
  }
  void cwd_changed() { ++cwd_gen_; }
  // A name was created, removed or moved: the last lookup of each thread is stale.
  void entries_changed() { ++entries_gen_; }
  void namespace_changed() {
    dirs_.clear();
    ++entries_gen_;
  }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  bool cached_link(const char* proc, TraceeFs::Cached& cache, uint64_t gen, std::string& out);
  // The fast path: when the directory part of `abs` is known to contain no
  // symlink, one fstatat decides the last component. False: take the slow path.
  bool resolve_fast(TraceeFs& fs, const std::string& abs, bool follow, ResolvedPath& out);
  void remember_dir(const std::string& abs);

  void resolve_uncached(pid_t tid, TraceeFs& fs, const std::string& abs, bool follow, ResolvedPath& out);
  bool load_ids(pid_t tid, TraceeFs& fs);
  bool open_root(pid_t tid, TraceeFs& fs);
  // 1: exists (out filled), 0: does not exist, -1: exists but has no path name.
  int resolve_existing(pid_t tid, TraceeFs& fs, const std::string& path, bool follow, ResolvedPath& out);
  bool read_link(const char* link, std::string& out);
  static void to_tracee_view(const TraceeFs& fs, std::string& path);

  // Scratch buffers reused across calls: no allocation on the hot path once warm.
  std::string scratch_;
  std::string parent_;
  ResolvedPath parent_resolved_;
  char link_[4096 + 1];
  uint64_t fd_gen(int fd) const {
    uint64_t per_fd = fd >= 0 && static_cast<uint64_t>(fd) < kFdGens ? fd_gens_[fd] : 0;
    return (fd_gen_ << 32) + per_fd;
  }
  static constexpr uint64_t kFdGens = 1024;
  uint64_t fd_gen_ = 1;
  std::array<uint64_t, kFdGens> fd_gens_{};
  uint64_t entries_gen_ = 1;
  uint64_t cwd_gen_ = 1;
  // Directories (absolute, in the tracees' root) whose path has no symlink and
  // no "..", with the time they were checked: entries older than kDirTtlNs are
  // checked again, so changes made outside the workload are seen soon.
  std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>> dirs_;
};

// Small pure helpers, exposed for unit tests.
// "/a//b/./c/" -> "/a/b/c"; ".." is kept (it cannot be folded without symlinks).
std::string normalize_lexical(const std::string& abs);
// Rewrites a leading /proc/self or /proc/thread-self; returns false when absent.
bool rewrite_proc_self(std::string& path, pid_t ns_tgid, pid_t ns_tid);
// Rewrites /dev/fd/N, /dev/stdin, /dev/stdout, /dev/stderr to /proc/self/fd/...:
// they are symlinks into /proc/self, which would otherwise name the tracer.
bool rewrite_dev_fd(std::string& path);
// Maps /proc/<ns_tgid>/task/<ns_tid>/... to /proc/thread-self/... and
// /proc/<ns_tgid>/... to /proc/self/...
void map_back_proc_self(std::string& path, pid_t ns_tgid, pid_t ns_tid);
// "file", "dir", "symlink", "chr", "blk", "fifo", "sock" for a st_mode.
using profile::file_type_name;  // common/names.h

}  // namespace profile::ptrace
