// caps_probe SECRET [ID]: as root, does what needs a capability, one step at a time,
// and prints "STEP ok" or "STEP <errno name>" for each; exits 0 when every step
// worked, 1 otherwise. Used by the capability tests (tests/integration).
//   bind       TCP 127.0.0.1:80                        CAP_NET_BIND_SERVICE
//   read       SECRET (mode 0600, owned by another uid) CAP_DAC_READ_SEARCH
//   setgroups  {ID}                                     CAP_SETGID
//   setgid     ID                                       CAP_SETGID
//   setuid     ID                                       CAP_SETUID
// ID is 65534 unless given.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failed;

static void report(const char* step, int ok, int err) {
  const char* name = strerrorname_np(err);
  if (ok)
    printf("%s ok\n", step);
  else
    printf("%s %s\n", step, name ? name : "?");
  failed |= !ok;
}

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: caps_probe SECRET [ID]\n");
    return 2;
  }
  unsigned id = argc == 3 ? (unsigned)strtoul(argv[2], NULL, 10) : 65534;
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(80);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Each result is taken before errno is read: argument order is unspecified.
  int ok = bind(s, (struct sockaddr*)&a, sizeof a) == 0;
  report("bind", ok, errno);
  close(s);

  char buf[64];
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  ok = fd >= 0 && read(fd, buf, sizeof buf) >= 0;
  report("read", ok, errno);
  if (fd >= 0) close(fd);

  gid_t g = id;
  ok = setgroups(1, &g) == 0;
  report("setgroups", ok, errno);
  ok = setgid(id) == 0;
  report("setgid", ok, errno);
  ok = setuid(id) == 0;
  report("setuid", ok, errno);
  fflush(stdout);
  return failed ? 1 : 0;
}
