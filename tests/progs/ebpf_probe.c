/* Workload for the eBPF tracer tests: one of each kind of observation, with
 * known paths and values. argv[1] is an empty scratch directory.
 * Prints nothing; exits 0 when every step behaved as the test expects. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static long i386_getpid(void) {
  long ret = 20; /* __NR_getpid on i386 */
  __asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
  return ret;
}

int main(int argc, char** argv) {
  if (argc < 2 || chdir(argv[1]) != 0) return 2;
  int fd = open("created.txt", O_CREAT | O_WRONLY, 0600); /* relative to the cwd, created */
  if (fd < 0) return 3;
  close(fd);
  int dirfd = open(".", O_RDONLY | O_DIRECTORY);
  if (openat(dirfd, "missing/none", O_RDONLY) >= 0) return 4; /* ENOENT through a dirfd */
  if (mkdir("sub", 0700) != 0) return 5;
  if (rename("created.txt", "sub/moved.txt") != 0) return 6;
  if (chdir("sub") != 0) return 7;
  fd = open("moved.txt", O_RDONLY); /* relative after chdir */
  if (fd < 0) return 8;
  close(fd);
  if (unlink("moved.txt") != 0) return 9;
  if (fchdir(dirfd) != 0) return 10;
  if (rmdir("sub") != 0) return 11;
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(1)};
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  if (connect(fd, (struct sockaddr*)&sin, sizeof sin) == 0) return 12; /* ECONNREFUSED */
  close(fd);
  int u = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  snprintf(sun.sun_path, sizeof sun.sun_path, "%s/probe.sock", argv[1]);
  if (bind(u, (struct sockaddr*)&sun, sizeof sun) != 0) return 13;
  if (listen(u, 1) != 0) return 14;
  close(u);
  unlink(sun.sun_path);
  prctl(PR_GET_DUMPABLE);
  if (i386_getpid() <= 0) return 15;
  pid_t child = fork();
  if (child == 0) {
    execl("/bin/true", "true", (char*)NULL);
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 16;
}
