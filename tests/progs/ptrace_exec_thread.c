// execve from a non-leader thread. With an argument "after", the new image probes
// a marker path and exits 7, so the test sees both images were traced.
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static char* self;

static void* run(void* arg) {
  (void)arg;
  char* argv[] = {self, "after", NULL};
  execv("/proc/self/exe", argv);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "after") == 0) {
    access("/nonexistent-ptrace/after-exec", F_OK);
    return 7;
  }
  self = argv[0];
  pthread_t t;
  if (pthread_create(&t, NULL, run, NULL) != 0) return 1;
  for (;;) pause();
}
