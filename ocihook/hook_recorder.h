// `profile oci-hook`: learn a container that an OCI runtime (runc, crun under
// podman or CRI-O) starts, from its prestart hook.
//
// At prestart the runtime's init (runc:[2:INIT], crun's child) has its
// namespaces and cgroup but has not pivoted into the root filesystem nor
// exec'd the workload; it waits until the engine starts the container. The hook
// loads the eBPF tracer scoped to the container's cgroup (or its pid namespace
// when it has no cgroup of its own), which records from the first execve in it,
// so that the runtime's own setup (pivot_root, mounts, capability drops) is not
// part of the recording. The recording runs in a detached process (double fork,
// a session and a cgroup of its own, stdio on /dev/null so that the runtime,
// which reads the hook's output until EOF, is not held up); the hook returns as
// soon as that process says the tracer is attached. When the container's init
// exits, the recorder writes the bundle into the annotated directory, with the
// paths as the container sees them and the engines' runtime part added.
//
// Needs root (CAP_BPF/CAP_SYS_ADMIN to load the tracer, writing cgroups).
#pragma once

#include <string>

#include "ocihook/oci_state.h"

namespace profile {

struct HookOptions {
  // A log file for failures when the output directory cannot hold one (the
  // directory is missing, not a directory, not absolute); "" = syslog only.
  std::string fallback_log;
  // When set, the annotated output directory must be at or below it (after
  // symbolic links are resolved): who may annotate a container then cannot
  // make the hook, which runs as root, write anywhere else.
  std::string output_root;
  // How long the hook waits for the recorder to attach before giving up.
  double ready_timeout_s = 20;
};

// The whole prestart hook: `state_text` is what the runtime wrote on stdin.
// Returns the hook's exit status: 0 when the recorder runs, or when it cannot
// and the container may start unlearned (the reason is logged); 1 when it
// cannot and the annotation io.profile.learn.required=true asks that the
// container not start; 2 when stdin is not an OCI state.
int run_oci_hook(const std::string& state_text, const HookOptions& options);

}  // namespace profile
