// `profile show DIR --apply ENGINE`: the exact command line or manifest fragment
// that hands a bundle's seccomp profile to a container engine or orchestrator.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

// docker, podman, runc, crun, containerd, cri-o, kubernetes, nomad, swarm, mesos.
const std::vector<std::string>& apply_engines();

// `dir` is the bundle directory (made absolute here: engines resolve the path
// on their own). Fails on an unknown engine or a directory without seccomp.json.
Result<std::string> apply_instructions(const std::string& dir, const std::string& engine);

}  // namespace profile
