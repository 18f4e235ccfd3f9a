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

#include <string>

#include "common/fd.h"

namespace profile::ptrace {

// What the resolver caches for one tracee thread. Owned by the tracer's
// per-thread state; reset() when the thread execs, chroots or changes namespaces.
struct TraceeFs {
  Fd root;                  // O_PATH of /proc/<tid>/root
  std::string root_prefix;  // the tracee's root as we see it ("" when it is ours)
  pid_t ns_tgid = 0;        // the tracee's pid and tid in its own pid namespace
  pid_t ns_tid = 0;
  void reset() {
    root.reset();
    root_prefix.clear();
    ns_tgid = ns_tid = 0;
  }
};

struct ResolvedPath {
  std::string path;  // absolute; empty when it could not be made absolute
  std::string type;  // "file", "dir", ... or "" when it does not exist
  bool exists = false;
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

 private:
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
};

// Small pure helpers, exposed for unit tests.
// "/a//b/./c/" -> "/a/b/c"; ".." is kept (it cannot be folded without symlinks).
std::string normalize_lexical(const std::string& abs);
// Rewrites a leading /proc/self or /proc/thread-self; returns false when absent.
bool rewrite_proc_self(std::string& path, pid_t ns_tgid, pid_t ns_tid);
// Maps /proc/<ns_tgid>/task/<ns_tid>/... to /proc/thread-self/... and
// /proc/<ns_tgid>/... to /proc/self/...
void map_back_proc_self(std::string& path, pid_t ns_tgid, pid_t ns_tid);
// "file", "dir", "symlink", "chr", "blk", "fifo", "sock" for a st_mode.
const char* file_type_name(unsigned mode);

}  // namespace profile::ptrace
