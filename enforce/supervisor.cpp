#include "enforce/supervisor.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "enforce/child_channel.h"
#include "enforce/namespaces.h"
#include "enforce/seccomp_filter.h"
#include "enforce/signals.h"

namespace profile {
namespace {

// The supervisor's own copy (it is a separate process): whom to forward to.
volatile sig_atomic_t g_workload = 0;

void supervisor_forward(int sig) {
  pid_t target = g_workload;
  if (target > 0) {
    int saved = errno;
    ::kill(target, sig);
    errno = saved;
  }
}

// Every descriptor above stdio becomes close-on-exec: the workload gets 0, 1, 2
// only, while the channel still works until execve succeeds.
int mark_fds_cloexec() noexcept {
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  if (errno != ENOSYS && errno != EINVAL) return errno;
  struct rlimit rl {};
  rlim_t max = 4096;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) max = rl.rlim_cur;
  for (rlim_t fd = 3; fd < max; ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  return 0;
}

[[noreturn]] void exec_workload(const ChildPlan& plan) noexcept {
  int ch = plan.channel;
  // The supervisor made itself non-dumpable; the workload starts as any process
  // (execve recomputes it anyway).
  ::prctl(PR_SET_DUMPABLE, 1);
  // Handlers are reset by execve, but a blocked mask and an ignored SIGCHLD are
  // inherited: start the workload from a clean slate.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGCHLD, SIG_DFL);
  if (plan.cwd != nullptr && ::chdir(plan.cwd) != 0) channel_fail(ch, "chdir to the working directory", errno);
  if (int err = mark_fds_cloexec(); err != 0) channel_fail(ch, "close_range(3, ~0, CLOSE_RANGE_CLOEXEC)", err);
  const char* step = "";
  if (int err = apply_workload_confinement_in_child(*plan.confine, &step); err != 0) channel_fail(ch, step, err);
  // Before the hooks: the ptrace tracer's filter traces every later syscall,
  // this one included. Without no_new_privs, so that set-uid programs still
  // work while learning; that needs CAP_SYS_ADMIN in the user namespace, which a
  // container's workload has (EACCES: --no-container as a user, where TIOCSTI
  // reaches only the workload's own controlling terminal, as it would anyway).
  if (plan.terminal_guard != nullptr && ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, plan.terminal_guard) != 0 &&
      errno != EACCES) {
    channel_fail(ch, "seccomp(SECCOMP_SET_MODE_FILTER) of the TIOCSTI guard", errno);
  }
  if (plan.hooks.before_exec != nullptr) {
    if (int err = plan.hooks.before_exec(plan.hooks.ctx); err != 0) {
      channel_fail(ch, plan.hooks.before_exec_what, err);
    }
  }
  // Seccomp last: after it, the only call of ours is execve (and, if that
  // fails, the error report: first in shared memory, since the filter may deny
  // the send and the exit that follow).
  if (int err = apply_seccomp_last_in_child(*plan.confine, &step); err != 0) channel_fail(ch, step, err);
  ::execve(plan.path, plan.argv, plan.envp);
  int err = errno;
  shared_failure_record(plan.failure, "execve", err);
  channel_fail(ch, "execve", err);
}

// LaunchSpec::seccomp_listener, in pid 1 right after forking the workload
// with CLONE_FILES: waits until the workload has loaded its filter and stored
// the listener's number in the seccomp slot (or is gone), then sends the
// listener, which is in the fd table we share until its execve (and stays in
// ours after it), to the launcher, and closes it here, so that the launcher's
// copy is the only one: if profile dies, denied calls fail (ENOSYS) instead of
// waiting for an answer. Nothing sent (EOF) when the workload made none.
// Not a vfork wait for the execve: a workload whose execve fails reports it
// over the channel, and if its profile denies that send, the launcher must
// already hold the listener to answer it (with vfork, both waited forever).
void pass_seccomp_listener(const ChildPlan& plan, pid_t workload) noexcept {
  const SeccompSlot* slot = plan.confine->seccomp_slot;
  int listener = -1;
  if (seccomp_slot_notify(slot)) {
    // The workload stores the number with a plain store (it may make no call
    // of ours after its filter), so there is nothing to wait on but time:
    // 50 us steps, for the few hundred microseconds of its confinement steps.
    while ((listener = seccomp_slot_listener(slot)) < 0) {
      siginfo_t si{};
      if (::waitid(P_PID, static_cast<id_t>(workload), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == workload)
        break;  // it died before making one (the channel says why)
      timespec step{0, 50'000};
      ::nanosleep(&step, nullptr);
    }
  }
  if (listener >= 0) {
    char byte = 'L';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    __builtin_memcpy(CMSG_DATA(cm), &listener, sizeof(int));
    // On failure the launcher sees EOF and says that denials are not reported;
    // the workload's denied calls then fail with ENOSYS once this copy is closed.
    while (::sendmsg(plan.listener_socket, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
    ::close(listener);
  }
  ::close(plan.listener_socket);
}

}  // namespace

pid_t raw_fork(unsigned long extra_flags) noexcept {
  return static_cast<pid_t>(::syscall(SYS_clone, extra_flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
}

pid_t raw_fork_into_cgroup(unsigned long extra_flags, int cgroup_fd) noexcept {
  struct clone_args args {};
  args.flags = extra_flags | CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
  return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
}

void run_supervisor(const ChildPlan& plan) noexcept {
  int ch = plan.channel;
  // If profile dies, so does the container: pid 1 exiting kills the namespace.
  // A launcher that died before this prctl is caught by the EOF below.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (!channel_wait_go(ch)) ::_exit(kLauncherFailure);
  ::prctl(PR_SET_NAME, "profile-init");
  // A new session: the workload has no controlling terminal, so it cannot
  // TIOCSTI into the caller's terminal nor be stopped by its job control.
  if (::setsid() < 0) channel_fail(ch, "setsid", errno);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    channel_fail(ch, "mount(\"/\", MS_REC|MS_PRIVATE)", errno);
  }
  const char* step = "";
  int bind_fds[kMaxBinds];
  if (int err = pin_bind_sources_in_child(*plan.confine, bind_fds, &step); err != 0) channel_fail(ch, step, err);
  if (plan.rootfs != nullptr && plan.rootfs->enabled()) {
    if (int err = enter_rootfs_in_child(*plan.rootfs, &step); err != 0) channel_fail(ch, step, err);
  }
  if (int err = apply_readonly_root_in_child(*plan.confine, &step); err != 0) channel_fail(ch, step, err);
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    channel_fail(ch, "mount(\"proc\", \"/proc\", \"proc\")", errno);
  }
  if (int err = apply_kernel_masks_in_child(*plan.confine, &step); err != 0) channel_fail(ch, step, err);
  if (int err = apply_mounts_in_child(*plan.confine, bind_fds, &step); err != 0) channel_fail(ch, step, err);
  if (plan.net == NetMode::Loopback) {
    if (int err = bring_up_loopback(); err != 0) channel_fail(ch, "ioctl(SIOCSIFFLAGS, \"lo\", IFF_UP)", err);
  }
  ::signal(SIGCHLD, SIG_DFL);  // an inherited SIG_IGN would make the kernel reap for us
  channel_send(ch, ChannelMsgType::Ready, 0, 0, nullptr);
  if (!channel_wait_go(ch)) ::_exit(kLauncherFailure);
  // Defense in depth against a workload that would stop or trace pid 1 (which
  // would leave nobody to forward signals or reap): non-dumpable, ptrace needs
  // CAP_SYS_PTRACE where our memory was made, the initial user namespace. That
  // stops a workload that is root only in its own user namespace, not a root
  // workload (learning as root), which has CAP_SYS_PTRACE there: for that, the
  // launcher's Watchdog ends the container. Only now, after release: the ptrace
  // tracer of an unprivileged user has attached to us by then.
  ::prctl(PR_SET_DUMPABLE, 0);

  // Forward the launcher's signals to the workload. Blocked across the fork so
  // that none arrives while g_workload is not yet set.
  sigset_t fwd;
  sigemptyset(&fwd);
  for (int sig : kForwardedSignals) sigaddset(&fwd, sig);
  ::sigprocmask(SIG_BLOCK, &fwd, nullptr);
  struct sigaction sa {};
  sa.sa_handler = &supervisor_forward;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int sig : kForwardedSignals) ::sigaction(sig, &sa, nullptr);

  // The workload's seccomp listener is close-on-exec: to take it without a
  // call of the workload's after its filter, the workload shares our fd table
  // until execve unshares it (pass_seccomp_listener).
  bool listener = plan.listener_socket >= 0 && seccomp_slot_notify(plan.confine->seccomp_slot);
  pid_t workload = raw_fork(listener ? CLONE_FILES : 0);
  if (workload == 0) exec_workload(plan);
  if (workload < 0) channel_fail(ch, "fork the workload", errno);
  g_workload = workload;
  if (plan.listener_socket >= 0) pass_seccomp_listener(plan, workload);
  ::sigprocmask(SIG_UNBLOCK, &fwd, nullptr);

  // pid 1 inherits every orphan of the namespace: reap them all until the
  // workload itself exits; the rest die with the namespace when we exit.
  while (true) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      channel_fail(ch, "waitpid for the workload", errno);
    }
    if (pid != workload) continue;
    channel_send(ch, ChannelMsgType::Exit, 0, status, nullptr);
    ::_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
  }
}

void run_host_workload(const ChildPlan& plan) noexcept {
  // With no tracer to EXITKILL it, the workload itself must die with profile.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (!channel_wait_go(plan.channel)) ::_exit(kLauncherFailure);
  exec_workload(plan);
}

}  // namespace profile
