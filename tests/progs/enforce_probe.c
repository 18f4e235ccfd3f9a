// enforce_probe OP [ARG]: tries one thing a confined workload may be denied and
// prints "OP ok" or "OP <errno name>" (exit 0 / 1). Used by tests/enforce.
//   i386 / x32            getpid through the other x86 ABIs (x32 ENOSYS = kernel lacks it)
//   clone3 / threads      raw clone3; pthread_create (must work when clone3 gets ENOSYS)
//   io_uring mount unshare ptrace bpf
//   open PATH / write PATH / connect PORT / chown PATH / fds (lists /proc/self/fd)
//   tiocsti               push a byte into the terminal on fd 0
//   getpriority N         getpriority N times (a call no other op makes): the last result
//   abort-after-denial    getpriority, then abort() (whose raise a profile may deny too)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(const char* op, long ret, int err) {
  if (ret >= 0) {
    printf("%s ok\n", op);
    return 0;
  }
  const char* name = strerrorname_np(err);
  printf("%s %s\n", op, name ? name : "?");
  return 1;
}

static void* thread_main(void* arg) {
  return arg;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* op = argv[1];
  const char* arg = argc > 2 ? argv[2] : "";
  long r = -1;
  errno = 0;
  if (!strcmp(op, "i386")) {
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
    return report(op, r < 0 ? -1 : r, r < 0 ? (int)-r : 0);
  } else if (!strcmp(op, "x32")) {
    r = syscall(0x40000000L | 39);
  } else if (!strcmp(op, "clone3")) {
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.exit_signal = SIGCHLD;
    r = syscall(SYS_clone3, &ca, sizeof ca);
    if (r == 0) _exit(0);
  } else if (!strcmp(op, "threads")) {
    pthread_t t;
    int e = pthread_create(&t, NULL, thread_main, NULL);
    if (e == 0) pthread_join(t, NULL);
    return report(op, e == 0 ? 0 : -1, e);
  } else if (!strcmp(op, "io_uring")) {
    char params[120];
    memset(params, 0, sizeof params);
    r = syscall(SYS_io_uring_setup, 4, params);
  } else if (!strcmp(op, "mount")) {
    r = mount("none", "/mnt", "tmpfs", 0, NULL);
  } else if (!strcmp(op, "unshare")) {
    r = unshare(CLONE_NEWUTS);
  } else if (!strcmp(op, "ptrace")) {
    r = ptrace(PTRACE_TRACEME, 0, 0, 0);
  } else if (!strcmp(op, "bpf")) {
    char attr[64];
    memset(attr, 0, sizeof attr);
    r = syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof attr);
  } else if (!strcmp(op, "open")) {
    r = open(arg, O_RDONLY);
  } else if (!strcmp(op, "write")) {
    r = open(arg, O_WRONLY | O_CREAT | O_APPEND, 0644);
  } else if (!strcmp(op, "chown")) {
    r = chown(arg, 1234, 1234);
  } else if (!strcmp(op, "connect")) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(arg));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r = s < 0 ? -1 : connect(s, (struct sockaddr*)&a, sizeof a);
  } else if (!strcmp(op, "tiocsti")) {
    char c = 'x';
    r = ioctl(0, TIOCSTI, &c);
  } else if (!strcmp(op, "getpriority")) {
    int n = atoi(arg) > 0 ? atoi(arg) : 1;
    for (int i = 0; i < n; ++i) {
      errno = 0;
      r = syscall(SYS_getpriority, PRIO_PROCESS, 0);
    }
  } else if (!strcmp(op, "abort-after-denial")) {
    r = syscall(SYS_getpriority, PRIO_PROCESS, 0);
    report("getpriority", r, errno);
    fflush(stdout);
    abort();
  } else if (!strcmp(op, "fds")) {
    DIR* d = opendir("/proc/self/fd");
    int self = d ? dirfd(d) : -1;
    struct dirent* e;
    while (d && (e = readdir(d)) != NULL) {
      if (e->d_name[0] == '.' || atoi(e->d_name) == self) continue;
      printf("%s\n", e->d_name);
    }
    if (d) closedir(d);
    return 0;
  } else {
    fprintf(stderr, "enforce_probe: unknown op %s\n", op);
    return 2;
  }
  return report(op, r, errno);
}
