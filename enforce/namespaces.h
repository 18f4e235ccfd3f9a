// Namespace plumbing for the container: clone flags, the user namespace's id
// maps (written by the launcher), the loopback interface (brought up inside).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/result.h"
#include "enforce/launcher.h"

namespace profile {

struct NamespacePlan {
  bool user = false;  // CLONE_NEWUSER
  bool net = false;   // CLONE_NEWNET
  // CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC always, plus the above.
  [[nodiscard]] unsigned long clone_flags() const;
  // "user,pid,mount,uts,ipc,net" for messages and RunInfo.
  [[nodiscard]] std::string names() const;
};

NamespacePlan plan_namespaces(const LaunchSpec& spec);

// Writes setgroups "deny", gid_map and uid_map of `pid` from the parent, mapping
// the launcher's own ids (or everything, identically, when root).
Status write_id_maps_from_parent(pid_t pid);

// Inode and device of /proc/<pid>/ns/<name>.
Result<std::pair<uint64_t, uint64_t>> namespace_id(pid_t pid, const char* name);

// Child side, async-signal-safe: sets IFF_UP on "lo". Returns 0 or an errno.
int bring_up_loopback() noexcept;

}  // namespace profile
