// A child stops itself with SIGSTOP; the parent must see the stop through
// waitpid(WUNTRACED) (Ctrl-Z semantics kept under the tracer), continue it and
// see it exit. Exit 0 only when all of that happened.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  pid_t pid = fork();
  if (pid == 0) {
    raise(SIGSTOP);
    access("/nonexistent-ptrace/after-sigcont", F_OK);
    _exit(0);
  }
  int status = 0;
  if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) return 3;
  kill(pid, SIGCONT);
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 4;
  return 0;
}
