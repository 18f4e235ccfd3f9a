// The ptrace tracer: follows every thread and process of the workload and
// records what they do (see tracer/tracer.h for the call order).
//
// How it stays cheap: the workload carries a SECCOMP_RET_TRACE filter (installed
// by before_exec_in_child), so each syscall makes one PTRACE_EVENT_SECCOMP stop
// and the tracer resumes with PTRACE_CONT; only syscalls whose result matters
// (paths, exec, network addresses, executable mappings) are resumed with
// PTRACE_SYSCALL to see their exit stop. Processes without the filter (the
// container's supervisor) are followed for fork/exit events only.
// Read-only probes (stat family, access F_OK/R_OK, readlink, read-only opens of
// files and directories) of a tracee that is root in the initial user namespace
// and has not confined itself (Landlock, seccomp) skip the exit stop too: their
// outcome (ok, ENOENT, ENOTDIR, ELOOP, EINVAL...) follows from the lookup the
// tracer makes at entry. Everything permission-, device- or limit-dependent is
// observed. /proc answers (fd and cwd links) and symlink-free directories are
// cached and invalidated by the tracees' own close/dup2/chdir/rename/... calls.
//
// Blind spots (said in the man page): a syscall that the workload's own seccomp
// filter fails with an errno never reaches the tracer (that filter wins over
// SECCOMP_RET_TRACE) and is not recorded; i386 socketcall() and sendmsg()
// addresses are not decoded; io_uring operations are invisible.
//
// Needs: permission to ptrace the target (same user without Yama restrictions,
// or CAP_SYS_PTRACE), PTRACE_GET_SYSCALL_INFO (Linux 5.3), pidfd_getfd (5.6) and
// openat2 (5.6).
#pragma once

#include <memory>

#include "tracer/tracer.h"

namespace profile::ptrace {

class PtraceTracer final : public Tracer {
 public:
  PtraceTracer();
  ~PtraceTracer() override;
  PtraceTracer(const PtraceTracer&) = delete;
  PtraceTracer& operator=(const PtraceTracer&) = delete;

  [[nodiscard]] std::string name() const override { return "ptrace"; }
  Status prepare(const TracerOptions& options) override;
  Status attach_from_parent(const TraceTarget& target) override;
  int before_exec_in_child() noexcept override;
  Result<int> wait_from_parent() override;
  Recording take_recording() override;
  [[nodiscard]] uint64_t lost_events() const override;

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace profile::ptrace
