// Resolving the eBPF tracer's lexical absolute paths the way the ptrace tracer
// does (tracer/ptrace/path_resolver.h): symlinks resolved inside the
// container's root (openat2 RESOLVE_IN_ROOT from /proc/<pid>/root), the final
// one only when the syscall follows it, a missing final component appended to
// its resolved parent. The kernel side already made the path absolute from
// the dirfd or cwd at the time of the call; this runs when its event arrives,
// so a symlink changed in between is seen as it is then.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "common/fd.h"
#include "common/names.h"

namespace profile::ebpf {

struct Resolved {
  std::string path;  // absolute
  std::string type;  // "file", "dir", ... or "" when it does not exist
  bool exists = false;
};

class PathResolver {
 public:
  // Resolves inside the root of process `pid` (the container's first process,
  // which lives as long as the container); -1 or failure: the tracer's root.
  void set_root(pid_t pid);
  // `mode`: the st_mode the call itself reported (0 = unknown); used only
  // when it did not follow a final symlink, and then the file needs no
  // lookup of its own.
  [[nodiscard]] Resolved resolve(const std::string& abs, bool follow, uint32_t mode = 0) const;

 private:
  bool open_existing(const std::string& abs, bool follow, Resolved& out) const;
  // The resolved form of each directory seen as a parent, so that most paths
  // cost one fstatat: events arrive by the thousand from the same directories.
  // A directory replaced by a symlink during the run is seen as it was first.
  const std::string* resolved_dir(const std::string& dir) const;
  Fd root_;
  Fd mnt_ns_;  // keeps the container's mounts attached below root_ after it exits
  mutable std::unordered_map<std::string, std::string> dirs_;
  // Files already seen to exist (and not be symlinks), by resolved path -> type:
  // a file is typically named by three events (stat by name, open, stat of the
  // fd), and one fstatat answers for all. A file deleted later keeps the type it
  // had, which is what its unlink needs; one replaced by another type of file
  // under the same name is seen as it was first.
  mutable std::unordered_map<std::string, std::string> finals_;
};

// "file", "dir", "symlink", "chr", "blk", "fifo", "sock" for a st_mode; "" otherwise.
using profile::file_type_name;  // common/names.h

}  // namespace profile::ebpf
