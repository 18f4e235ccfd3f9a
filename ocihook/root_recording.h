// A recording made from the host, with a container's root filesystem as the
// tracer's root, turned into the paths the container sees (tracer/root_paths.h).
#pragma once

#include <string>

#include "common/recording.h"

namespace profile {

// Every file, executable and unix socket path below `root` without that
// prefix; two host names that become one path are merged (counts added).
Recording recording_inside_root(const Recording& rec, const std::string& root);

}  // namespace profile
