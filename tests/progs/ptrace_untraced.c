// Children that ptrace cannot follow: clone and clone3 with CLONE_UNTRACED.
// Each child only spins (under the tracer's seccomp filter with no tracer of
// its own, its every syscall fails with ENOSYS) until the parent kills it.
// Exit 0 when both children were created and killed.
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int kill_and_reap(pid_t pid) {
  if (pid <= 0) return 1;
  kill(pid, SIGKILL);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return 1;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 1;
}

int main(void) {
  int bad = 0;
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0)
    for (;;) syscall(SYS_exit, 0);
  bad |= kill_and_reap(pid);

  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = CLONE_UNTRACED;
  args.exit_signal = SIGCHLD;
  pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0)
    for (;;) syscall(SYS_exit, 0);
  bad |= kill_and_reap(pid);
  return bad;
}
