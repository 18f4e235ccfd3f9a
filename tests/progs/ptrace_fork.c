// fork, vfork and clone3 children, each probing its own path; exit 0 when all
// children exited 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void probe(const char* path) {
  access(path, F_OK);
}

static int reap(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return 1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(void) {
  int bad = 0;
  pid_t pid = fork();
  if (pid == 0) {
    probe("/nonexistent-ptrace/fork-child");
    _exit(0);
  }
  bad |= reap(pid);

  pid = vfork();
  if (pid == 0) {
    probe("/nonexistent-ptrace/vfork-child");
    _exit(0);
  }
  bad |= reap(pid);

  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) {
    probe("/nonexistent-ptrace/clone3-child");
    syscall(SYS_exit, 0);
  }
  if (pid < 0) return 2;
  bad |= reap(pid);
  return bad;
}
