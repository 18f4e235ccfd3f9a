// 200 threads, each opening its own (missing) path: every thread must be traced.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define N 200

static void* run(void* arg) {
  char path[64];
  snprintf(path, sizeof path, "/nonexistent-ptrace-thread/%ld", (long)arg);
  int fd = open(path, O_RDONLY);
  if (fd >= 0) close(fd);
  return NULL;
}

int main(void) {
  pthread_t t[N];
  for (long i = 0; i < N; i++)
    if (pthread_create(&t[i], NULL, run, (void*)i) != 0) return 1;
  for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
  return 0;
}
