#include "tracer/ptrace/seccomp_trace_filter.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace profile::ptrace {
namespace {

// One instruction: every syscall, of every architecture (x86_64, i386 via int 0x80,
// x32), stops in the tracer. The architecture is not checked on purpose: the
// tracer reads it from PTRACE_GET_SYSCALL_INFO and records each under its name.
sock_filter kTraceAll[] = {
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
};

int set_filter() noexcept {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(sizeof kTraceAll / sizeof kTraceAll[0]);
  prog.filter = kTraceAll;
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) return 0;
  return errno;
}

}  // namespace

int install_trace_filter() noexcept {
  int err = set_filter();
  if (err != EACCES) return err;
  // Without CAP_SYS_ADMIN in its user namespace a process may only add a filter
  // once it cannot gain privileges through exec.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  return set_filter();
}

}  // namespace profile::ptrace
