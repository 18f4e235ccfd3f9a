// A signal handler that makes syscalls; then a child killed by SIGKILL; then,
// with argument "self-kill", the process kills itself with SIGKILL.
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void handler(int sig) {
  (void)sig;
  access("/nonexistent-ptrace/in-handler", F_OK);
  handled = 1;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "self-kill") == 0) {
    kill(getpid(), SIGKILL);
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  if (!handled) return 2;

  pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  kill(pid, SIGKILL);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) return 3;
  return 0;
}
