// Threads whose parent scribbles over its stack right after pthread_create:
// glibc's struct clone_args for clone3 lived there, so a tracer that reads it
// when the new thread returns from clone3 reads 0xff bytes as flags. Threads
// make no namespaces: every clone3 flag value a tracer records here must be 0
// under the namespace mask.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void* body(void* arg) {
  return arg;
}

__attribute__((noinline)) static void scribble(void) {
  volatile unsigned char junk[8192];
  memset((void*)junk, 0xff, sizeof junk);
  __asm__ volatile("" ::"r"(junk) : "memory");
}

int main(void) {
  for (int round = 0; round < 50; ++round) {
    pthread_t t[4];
    for (int i = 0; i < 4; ++i) {
      if (pthread_create(&t[i], NULL, body, NULL) != 0) return 1;
      scribble();
    }
    for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
  }
  puts("ok");
  return 0;
}
