// The code that runs in the launched processes, between clone and execve:
// the supervisor (pid 1 of the container) and the workload child.
//
// Everything here is async-signal-safe: no allocation, no exceptions, no locks.
// All inputs are prepared by the launcher in a ChildPlan before clone.
#pragma once

#include "enforce/child_channel.h"
#include "enforce/confine.h"
#include "enforce/launcher.h"
#include "enforce/rootfs.h"

namespace profile {

struct ChildPlan {
  int channel = -1;  // child end of the launcher's socketpair (close-on-exec)
  NetMode net = NetMode::Host;
  const char* path = nullptr;  // resolved executable
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* cwd = nullptr;  // resolved again inside the container's mounts
  LaunchHooks hooks;
  const ChildConfinement* confine = nullptr;  // never null
  const PreparedRootfs* rootfs = nullptr;     // null or !enabled(): the host's root
  // LaunchSpec::guard_terminal: loaded without no_new_privs before the hooks.
  const struct sock_fprog* terminal_guard = nullptr;
  SharedFailure* failure = nullptr;  // shared with the launcher; may be null
  // LaunchSpec::seccomp_listener: the child end of the socket that carries the
  // workload's seccomp listener to the launcher; -1 when not wanted.
  int listener_socket = -1;
};

// Container mode, in the process cloned with the new namespaces. Waits for Go
// (id maps written), sets the container up, sends Ready, waits for Go again
// (release), forks the workload, reaps everything and reports the workload's
// exit. Never returns.
[[noreturn]] void run_supervisor(const ChildPlan& plan) noexcept;

// --no-container mode: waits for Go (release), then becomes the workload.
[[noreturn]] void run_host_workload(const ChildPlan& plan) noexcept;

// fork() without glibc's atfork handlers, which would take malloc locks that
// another thread of the launcher may have held at clone time.
pid_t raw_fork(unsigned long extra_flags) noexcept;
// The same through clone3 with CLONE_INTO_CGROUP: the child starts inside the
// cgroup v2 directory `cgroup_fd`, which avoids the ~10 ms RCU wait that
// writing cgroup.procs costs. -1 with errno ENOSYS/EINVAL/E2BIG when unsupported.
pid_t raw_fork_into_cgroup(unsigned long extra_flags, int cgroup_fd) noexcept;

}  // namespace profile
