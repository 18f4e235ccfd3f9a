// A workload that takes its container's pid 1 away from profile, then blocks
// forever, as a hostile root workload could while being learned:
//   hijack_init seize   PTRACE_SEIZE + PTRACE_INTERRUPT: pid 1 sits in a ptrace stop
//   hijack_init attach  PTRACE_ATTACH: pid 1 is stopped by SIGSTOP, traced by us
//   hijack_init sigstop kill(1, SIGSTOP): stops pid 1 only where it is traced
//                       (under profile's ptrace tracer, which passes it on)
// Prints "hijacked MODE: OK" or the errno, then writes MARK (argv[2]) so that
// the test knows when to signal profile.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: hijack_init seize|attach|sigstop MARK\n");
    return 2;
  }
  const char* mode = argv[1];
  int rc = 0;
  if (strcmp(mode, "seize") == 0) {
    rc = (int)ptrace(PTRACE_SEIZE, 1, 0, 0);
    if (rc == 0) rc = (int)ptrace(PTRACE_INTERRUPT, 1, 0, 0);
  } else if (strcmp(mode, "attach") == 0) {
    rc = (int)ptrace(PTRACE_ATTACH, 1, 0, 0);
  } else {
    rc = kill(1, SIGSTOP);
  }
  int err = errno;
  if (rc == 0 && strcmp(mode, "sigstop") != 0) {
    int status = 0;
    waitpid(1, &status, __WALL);  // pid 1 is now in a stop we never resume
  }
  printf("hijacked %s: %s\n", mode, rc == 0 ? "OK" : strerror(err));
  fflush(stdout);
  int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) close(fd);
  for (;;) pause();
}
