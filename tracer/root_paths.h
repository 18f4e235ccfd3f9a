// Paths of a workload that ran on an image's root filesystem, as the image
// names them. Inside the container both tracers already see the container's
// root (pivot_root leaves no host path reachable); these put back into the
// image any path that still arrives as the host sees it, e.g. through
// /proc/PID/fd read from the host, so that one file has one name.
#pragma once

#include <string>

#include "common/recording.h"

namespace profile {

// "/var/cache/x/rootfs/usr/bin/python3" with root "/var/cache/x/rootfs" ->
// "/usr/bin/python3"; the root itself -> "/"; any other path unchanged (it is
// already the image's). `root` is absolute; a trailing '/' is ignored.
std::string image_relative_path(const std::string& host_path, const std::string& root);

// image_relative_path over every path of `rec` (files, executables, unix
// socket paths); records that meet under one name are merged.
void make_paths_image_relative(Recording& rec, const std::string& root);

}  // namespace profile
