// The seccomp filter that makes the ptrace tracer cheap: every system call of a
// process that carries it returns SECCOMP_RET_TRACE, i.e. one PTRACE_EVENT_SECCOMP
// stop, and the tracer only asks for the syscall-exit stop when it needs the
// result. Processes without the filter (the container's supervisor) make no
// syscall stops at all, so recording starts at the workload's execve.
#pragma once

namespace profile::ptrace {

// Installs the filter in the calling process. Async-signal-safe: the BPF program
// is a static array, nothing is allocated. Sets PR_SET_NO_NEW_PRIVS only when the
// kernel refuses the filter without it (not privileged in the user namespace), so
// that set-uid programs keep working while learning as root.
// Returns 0 or an errno value.
int install_trace_filter() noexcept;

}  // namespace profile::ptrace
