// The container's root filesystem when it is an image's (learn/enforce
// --image, --rootfs): pivot_root into a writable overlay of it, with /dev,
// /sys and the /etc files container engines inject, as podman sets them up.
//
// The image's directory on disk is never written: the overlay's upper layer is
// a tmpfs that dies with the container (what the workload writes is lost, as in
// `podman run --rm`). Where overlayfs cannot be mounted (a kernel before 5.11
// in a user namespace), the root is bound read-only instead, with a tmpfs on
// /tmp and /run; the /etc files are then the image's own.
//
// Needs: root, or a user namespace (container mode); open_tree/move_mount
// (Linux 5.2).
#pragma once

#include <string>

#include "common/result.h"

namespace profile {

struct PreparedRootfs {
  std::string root;  // the host directory; "" = the host's root (no pivot)
  // Written into the container's /etc (a fresh file, replacing the image's)
  // as podman does: the host's /etc/hosts and /etc/resolv.conf, so that name
  // lookup behaves as under an engine, and the host name.
  std::string hosts, resolv_conf, hostname;
  [[nodiscard]] bool enabled() const { return !root.empty(); }
};

// Checks that `root` is a directory and reads the host files. Errors are one
// sentence naming the directory.
Result<PreparedRootfs> prepare_rootfs(const std::string& root);

// Supervisor, after mount propagation is private and before /proc is mounted:
// builds the new root and pivots into it; /proc is then to be mounted on it.
// Async-signal-safe; returns 0 or an errno and sets *step.
int enter_rootfs_in_child(const PreparedRootfs& r, const char** step) noexcept;

}  // namespace profile
