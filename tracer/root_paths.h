// Paths seen from the host mapped to the paths a container sees: a file below
// a container's root filesystem (an image's rootfs, the `root.path` of an OCI
// bundle) is recorded as the workload names it, not where the host keeps it.
#pragma once

#include <string>

namespace profile {

// `host_path` without the leading `root` ("/var/lib/x/rootfs/etc/passwd" with
// root "/var/lib/x/rootfs" -> "/etc/passwd"; root itself -> "/"). A path not
// at or below root (component-wise: "/rootfs2" is not below "/rootfs") is
// returned as it is. `root` is absolute; a trailing slash is ignored.
std::string image_relative_path(const std::string& host_path, const std::string& root);

}  // namespace profile
