// The container's cgroup: created below the launcher's own cgroup, cgroup v2
// first (pure v2, or the unified mount of a hybrid setup), with v1 controller
// hierarchies (memory, pids, cpu) for limits the v2 tree cannot apply here.
//
// Needs write access to the launcher's cgroup (root, or a delegated subtree).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/fd.h"
#include "common/result.h"
#include "enforce/launcher.h"

namespace profile {

class Cgroup {
 public:
  // Creates cgroup `name` in every hierarchy needed for `limits` (v2 always when
  // present, for its id and cgroup.kill) and writes the limits. Fails closed:
  // a limit that cannot be applied is an error, and nothing is left behind.
  static Result<Cgroup> create(const std::string& name, const CgroupLimits& limits);

  Cgroup() = default;
  Cgroup(Cgroup&& other) noexcept;
  Cgroup& operator=(Cgroup&& other) noexcept;
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  ~Cgroup();  // best effort kill_all() + remove() when still present

  [[nodiscard]] bool exists() const { return !dirs_.empty(); }
  // Moves `pid` (its whole thread group) into every directory; with
  // skip_v2 the v2 one is left out (the process was cloned into it).
  Status add_process(pid_t pid, bool skip_v2 = false);
  // The v2 directory opened O_PATH, for clone3(CLONE_INTO_CGROUP); -1 without v2.
  [[nodiscard]] int v2_fd() const { return v2_fd_.get(); }
  // The v2 cgroup id (its inode), as bpf_get_current_cgroup_id() reports; 0 without v2.
  [[nodiscard]] uint64_t id() const { return id_; }
  // "v2", "v1", "v2+v1" or "none".
  [[nodiscard]] std::string kind() const;
  [[nodiscard]] const std::vector<std::string>& dirs() const { return dirs_; }
  // SIGKILLs every process in the cgroup and waits (bounded) until it is empty.
  Status kill_all();
  // Removes the directories (after kill_all).
  Status remove();

 private:
  std::vector<std::string> dirs_;  // v2 dir first when present
  Fd v2_fd_;
  bool has_v2_ = false;
  uint64_t id_ = 0;
};

// Where this process's cgroups are, read from /proc/self/mountinfo and
// /proc/self/cgroup. Empty strings when a hierarchy is absent.
struct CgroupLocation {
  std::string v2_dir;                                        // our own v2 cgroup directory
  std::vector<std::string> v2_controllers;                   // controllers available to children in v2
  std::vector<std::pair<std::string, std::string>> v1_dirs;  // controller -> our own v1 directory
};
Result<CgroupLocation> locate_own_cgroups();

// The leaf below the launcher's own v2 cgroup that the launcher moves into when
// its cgroup has processes (see enable_v2_controllers); locate_own_cgroups()
// reports its parent as the launcher's own cgroup, so that a second launch does
// not nest another leaf.
inline constexpr const char* kLauncherLeaf = "profile-launcher";

// Enables `controllers` in the cgroup.subtree_control of the v2 cgroup `dir`
// (the launcher's own), so that the container's cgroup below it gets them. The
// kernel refuses that (EBUSY) in a non-root cgroup that has processes ("no
// internal processes"), as any systemd session or service has: then, as crun and
// systemd do, the launcher first moves itself into the leaf dir/profile-launcher
// and tries again. Processes other than the launcher's still there are not moved
// (they are not ours): the error names them and the way out.
Status enable_v2_controllers(const std::string& dir, const std::vector<std::string>& controllers);

// Pure parsing, for tests: a mountinfo text and a /proc/self/cgroup text.
CgroupLocation parse_cgroup_location(const std::string& mountinfo, const std::string& proc_cgroup);

}  // namespace profile
