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
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
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
  // Resolves inside the host directory `dir` (a container's root filesystem
  // seen from the host); the resolved paths are then host paths below it.
  void set_root_dir(const std::string& dir);
  // `mode`: the st_mode the call itself reported (0 = unknown); used only
  // when it did not follow a final symlink, and then the file needs no
  // lookup of its own.
  [[nodiscard]] Resolved resolve(const std::string& abs, bool follow, uint32_t mode = 0) const;

 private:
  bool open_existing(const std::string& abs, bool follow, Resolved& out) const;
  // The resolved form of each directory seen as a parent, so that most paths
  // cost one fstatat: events arrive by the thousand from the same directories.
  // A directory replaced by a symlink during the run is seen as it was first.
  const std::pmr::string* resolved_dir(std::string_view dir) const;

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
  };
  // The caches hold one entry per file of the run (tens of thousands): their
  // strings live in one arena, released at once, where freeing them one by
  // one took ~10 ms at the end of a run of 20,000 files.
  using Cache = std::pmr::unordered_map<std::pmr::string, std::pmr::string, Hash, Equal>;

  Fd root_;
  std::string root_prefix_;  // set_root_dir: the host path of the root, taken off resolved paths
  Fd mnt_ns_;                // keeps the container's mounts attached below root_ after it exits
  std::unique_ptr<std::pmr::monotonic_buffer_resource> arena_ = std::make_unique<std::pmr::monotonic_buffer_resource>();
  mutable Cache dirs_{arena_.get()};
  // Files already seen to exist (and not be symlinks), by resolved path -> type:
  // a file is typically named by three events (stat by name, open, stat of the
  // fd), and one fstatat answers for all. A file deleted later keeps the type it
  // had, which is what its unlink needs; one replaced by another type of file
  // under the same name is seen as it was first.
  mutable Cache finals_{arena_.get()};
};

// "file", "dir", "symlink", "chr", "blk", "fifo", "sock" for a st_mode; "" otherwise.
using profile::file_type_name;  // common/names.h

}  // namespace profile::ebpf
