// A workload that never ends on its own: forks three children and all of them
// wait forever. argv[1] is a marker the test finds in /proc/<pid>/cmdline.
#include <signal.h>
#include <unistd.h>

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  for (int i = 0; i < 3; i++) {
    if (fork() == 0) break;
  }
  for (;;) pause();
}
