// Commands that start a container through an engine (podman run, docker run,
// runc run, ctr run, ...).
//
// `profile learn -- podman run IMG` would trace the engine's client and the
// runtime it forks, not the workload: eBPF loses the workload when the runtime
// moves it to a cgroup of its own, and ptrace records the runtime's mount,
// pivot_root, unshare and sethostname as if the workload made them. `learn`
// therefore refuses such a command unless told it means to learn the engine.
// Pure: reads only the arguments.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace profile {

// "podman run" for {"podman", "--root", "/x", "run", "img"}, "ctr task start"
// for {"ctr", "t", "start", ...}; nullopt when the command starts no container.
// Wrappers (sudo, env, nice, setpriv...) in front are looked through with
// `is_program` as in wrapped_program_index.
std::optional<std::string> container_engine_launch(const std::vector<std::string>& command,
                                                   const std::function<bool(const std::string&)>& is_program);

}  // namespace profile
