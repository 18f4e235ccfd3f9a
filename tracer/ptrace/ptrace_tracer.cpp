#include "tracer/ptrace/ptrace_tracer.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "common/log.h"
#include "tracer/factory.h"
#include "tracer/ptrace/seccomp_trace_filter.h"
#include "tracer/ptrace/syscall_recorder.h"
#include "tracer/ptrace/tracee_memory.h"

namespace profile {
std::unique_ptr<Tracer> make_ptrace_tracer() {
  return std::make_unique<ptrace::PtraceTracer>();
}
}  // namespace profile

namespace profile::ptrace {
namespace {

constexpr int kSyscallStop = SIGTRAP | 0x80;  // with PTRACE_O_TRACESYSGOOD

bool is_group_stop_signal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

// clone or clone3 asking for CLONE_UNTRACED: the kernel does not attach its
// child to us whatever our PTRACE_O_TRACE* options (kernel_clone), so the child
// runs unrecorded. Numbers per audit architecture (the flags are clone's first
// argument, clone3's struct clone_args starts with them).
bool asks_untraced(pid_t tid, uint32_t arch, uint64_t nr, const uint64_t* args) {
  constexpr uint64_t kUntraced = 0x00800000;  // CLONE_UNTRACED
  constexpr uint64_t kX32 = 0x40000000;
  constexpr uint32_t kX86_64 = 0xC000003E, kI386 = 0x40000003, kAarch64 = 0xC00000B7;
  constexpr uint64_t kClone3 = 435;
  uint64_t clone = arch == kX86_64 ? 56 : arch == kI386 ? 120 : arch == kAarch64 ? 220 : ~0ULL;
  if (arch == kX86_64) nr &= ~kX32;
  if (nr == clone) return (args[0] & kUntraced) != 0;
  if (nr == kClone3) {
    uint64_t flags = 0;
    return read_tracee(tid, args[0], &flags, sizeof flags) && (flags & kUntraced) != 0;
  }
  return false;
}

}  // namespace

struct PtraceTracer::Loop {
  SyscallRecorder recorder;
  std::unordered_map<pid_t, ThreadState> threads;
  pid_t top = -1;
  bool top_exited = false;
  int top_status = 0;
  bool warned_untraced = false;
  __ptrace_syscall_info info{};

  ThreadState& state(pid_t tid) { return threads[tid]; }

  // Resumes `tid` after a stop; a thread waiting for its syscall's result is
  // resumed with PTRACE_SYSCALL so that the exit stop still comes.
  void resume(pid_t tid, const ThreadState& st, int sig) {
    auto req = st.has_pending || st.untraced_clone ? PTRACE_SYSCALL : PTRACE_CONT;
    // ESRCH: killed (SIGKILL) while stopped; its exit is reported by waitpid.
    // ptrace(2) takes integers in its pointer arguments.
    (void)::ptrace(req, tid, nullptr,
                   reinterpret_cast<void*>(static_cast<long>(sig)));  // NOLINT(performance-no-int-to-ptr)
  }

  bool syscall_info(pid_t tid) {
    long n = ::ptrace(PTRACE_GET_SYSCALL_INFO, tid,
                      reinterpret_cast<void*>(sizeof info),  // NOLINT(performance-no-int-to-ptr)
                      &info);
    return n > 0;
  }

  void on_seccomp_stop(pid_t tid, ThreadState& st) {
    if (!syscall_info(tid) || info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
      // Killed meanwhile, or not a syscall stop after all: nothing to decode.
      if (errno != ESRCH) recorder.count_lost();
      st.has_pending = false;
      resume(tid, st, 0);
      return;
    }
    SyscallStop stop;
    stop.audit_arch = info.arch;
    stop.nr = info.seccomp.nr;
    for (int i = 0; i < 6; ++i) stop.args[i] = info.seccomp.args[i];
    recorder.on_entry(tid, st, stop);
    // Its result (whether a child was made) comes at the exit stop.
    st.untraced_clone = asks_untraced(tid, stop.audit_arch, stop.nr, stop.args);
    resume(tid, st, 0);
  }

  void on_syscall_stop(pid_t tid, ThreadState& st) {
    // Since Linux 4.8 a PTRACE_SYSCALL after the seccomp stop leads straight to
    // the syscall-exit stop; an entry stop here would mean an older ordering.
    bool at_exit = syscall_info(tid) && info.op == PTRACE_SYSCALL_INFO_EXIT;
    if (at_exit && st.untraced_clone && info.exit.is_error == 0 && info.exit.rval > 0) {
      // A child we will never see: its syscalls and files are missing, so the
      // recording is incomplete (learn says so, generate refuses it unless
      // --allow-incomplete), never silently complete.
      recorder.count_lost();
      if (!warned_untraced) {
        warned_untraced = true;
        log::warn("pid " + std::to_string(tid) + " made a process (pid " + std::to_string(info.exit.rval) +
                  ") with CLONE_UNTRACED, which ptrace cannot follow: what it does is not recorded");
      }
    }
    if (at_exit || info.op != PTRACE_SYSCALL_INFO_ENTRY) st.untraced_clone = false;
    if (at_exit && st.has_pending) {
      recorder.on_exit(st, info.exit.rval, info.exit.is_error != 0);
    } else if (info.op != PTRACE_SYSCALL_INFO_ENTRY) {
      st.has_pending = false;
    }
    resume(tid, st, 0);
  }

  void on_exec(pid_t tid) {
    unsigned long former = 0;
    if (::ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &former) == 0 && static_cast<pid_t>(former) != tid) {
      // A non-leader thread exec'ed: it now has the leader's tid, and the old
      // leader vanished without an exit report. Its pending execve moves along.
      auto it = threads.find(static_cast<pid_t>(former));
      if (it != threads.end()) {
        threads[tid] = std::move(it->second);
        threads.erase(it);
      }
    }
    ThreadState& st = state(tid);
    char link[64], image[4096];
    std::snprintf(link, sizeof link, "/proc/%d/exe", tid);
    ssize_t n = ::readlink(link, image, sizeof image - 1);
    if (n > 0) recorder.on_exec_image(st, std::string(image, static_cast<size_t>(n)));
    st.fs.reset();       // new process image: ids stay, but drop caches to be safe
    st.privileged = -1;  // set-uid/file capabilities may have changed them
    resume(tid, st, 0);
  }

  void on_new_child(pid_t tid, ThreadState& st) {
    unsigned long msg = 0;
    if (::ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &msg) == 0) {
      // The child's own first stop may come before or after this event; either
      // way it now gets what it inherited: credentials and self-confinement.
      ThreadState& child = state(static_cast<pid_t>(msg));
      child.privileged = st.privileged;
      child.confined = st.confined;
    }
    resume(tid, st, 0);
  }

  void on_stop(pid_t tid, int status) {
    int sig = WSTOPSIG(status);
    unsigned event = static_cast<unsigned>(status) >> 16;
    auto found = threads.find(tid);
    if (found == threads.end()) {
      // A new tracee stopping before its parent's fork/clone event: until that
      // event says what it inherited, predict none of its outcomes.
      found = threads.emplace(tid, ThreadState{}).first;
      found->second.confined = true;
    }
    ThreadState& st = found->second;
    if (sig == kSyscallStop) return on_syscall_stop(tid, st);
    if (sig == SIGTRAP) {
      switch (event) {
        case PTRACE_EVENT_SECCOMP:
          return on_seccomp_stop(tid, st);
        case PTRACE_EVENT_FORK:
        case PTRACE_EVENT_VFORK:
        case PTRACE_EVENT_CLONE:
          return on_new_child(tid, st);
        case PTRACE_EVENT_EXEC:
          return on_exec(tid);
        default:
          break;
      }
    }
    if (event == PTRACE_EVENT_STOP) {
      if (is_group_stop_signal(sig)) {
        // A group stop (SIGSTOP, Ctrl-Z): stay stopped without hiding it from
        // the parent's waitpid(WUNTRACED), until SIGCONT.
        (void)::ptrace(PTRACE_LISTEN, tid, nullptr, nullptr);
        return;
      }
      return resume(tid, st, 0);  // a new tracee's first stop, or PTRACE_INTERRUPT
    }
    if (event != 0) return resume(tid, st, 0);
    // Signal-delivery stop: the signal is the tracee's, give it back.
    resume(tid, st, sig);
  }

  Result<int> run() {
    for (;;) {
      int status = 0;
      pid_t tid = ::waitpid(-1, &status, __WALL);
      if (tid < 0) {
        if (errno == EINTR) continue;
        if (errno == ECHILD) break;
        return Errno().error("waitpid(-1, __WALL)");
      }
      if (WIFEXITED(status) || WIFSIGNALED(status)) {
        threads.erase(tid);
        if (tid == top) {
          top_exited = true;
          top_status = status;
        }
        continue;
      }
      if (WIFSTOPPED(status)) on_stop(tid, status);
    }
    if (!top_exited)
      return make_error("the traced process " + std::to_string(top) + " vanished without an exit status");
    return top_status;
  }
};

PtraceTracer::PtraceTracer() : loop_(std::make_unique<Loop>()) {}
PtraceTracer::~PtraceTracer() = default;

Status PtraceTracer::prepare(const TracerOptions& options) {
  loop_->recorder.prepare(options.args != nullptr ? *options.args : builtin_arg_policy(), options.counters);
  loop_->threads.reserve(256);
  return {};
}

Status PtraceTracer::attach_from_parent(const TraceTarget& target) {
  constexpr long kOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                            PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
  if (::ptrace(PTRACE_SEIZE, target.top_pid, nullptr,
               reinterpret_cast<void*>(kOptions)) != 0) {  // NOLINT(performance-no-int-to-ptr)
    int err = errno;
    std::string call = "ptrace(PTRACE_SEIZE, " + std::to_string(target.top_pid) + ")";
    if (err == EPERM)
      return sys_error(call, err).wrap(
          "ptrace is not permitted here (Yama ptrace_scope, a container without "
          "CAP_SYS_PTRACE, or a seccomp policy)");
    return sys_error(call, err);
  }
  loop_->top = target.top_pid;
  (void)loop_->state(target.top_pid);
  return {};
}

int PtraceTracer::before_exec_in_child() noexcept {
  return install_trace_filter();
}

Result<int> PtraceTracer::wait_from_parent() {
  return loop_->run();
}

Recording PtraceTracer::take_recording() {
  return loop_->recorder.take();
}

uint64_t PtraceTracer::lost_events() const {
  return loop_->recorder.lost();
}

}  // namespace profile::ptrace
