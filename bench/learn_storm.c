// W1 of bench/learn_overhead.sh: a syscall storm. Each iteration makes getppid()
// and openat/read/close of one small file: a cheap syscall the tracer only
// counts, and a path syscall whose result it must see.
// Usage: bench_learn_storm [ITERATIONS] [FILE]
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 50000;
  const char* path = argc > 2 ? argv[2] : "/etc/hostname";
  char buf[256];
  long total = 0;
  for (long i = 0; i < n; i++) {
    total += getppid() > 0;
    int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    total += read(fd, buf, sizeof buf) > 0;
    close(fd);
  }
  return total > 0 ? 0 : 2;
}
