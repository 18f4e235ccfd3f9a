// clone3_direct: makes a child with clone3(2) called through syscall(), the way
// code that wants clone3's features does, with no fallback to clone: prints
// "clone3 ok" when the child ran, or "clone3 <errno name>" and exits 3. Used by
// the clone3 detection tests (profile generate's --clone3).
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;  // fork-like: no CLONE_VM, its own copy of memory
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    const char* name = strerrorname_np(errno);
    printf("clone3 %s\n", name ? name : "?");
    return 3;
  }
  if (pid == 0) _exit(7);
  int status = 0;
  if (waitpid((pid_t)pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7) {
    printf("clone3 child lost\n");
    return 4;
  }
  printf("clone3 ok\n");
  return 0;
}
