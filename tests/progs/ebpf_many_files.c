/* Workload for the eBPF tracer's lost-event test: creates argv[2] files in the
 * scratch directory argv[1], then stats and removes each: 3 distinct file
 * accesses per file, as fast as it can. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  int n = atoi(argv[2]);
  char path[4096];
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/f%06d", argv[1], i);
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    if (fd < 0) return 3;
    close(fd);
  }
  struct stat st;
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/f%06d", argv[1], i);
    if (stat(path, &st) != 0 || unlink(path) != 0) return 4;
  }
  return 0;
}
