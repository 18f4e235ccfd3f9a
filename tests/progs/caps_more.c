// caps_more DIR: as root, does what needs the capabilities the second set of
// inference rules covers, one step at a time, and prints "STEP ok" or
// "STEP <errno name>" for each (exits 0 when every step worked, 1 otherwise).
// DIR holds "theirs", a file of uid:gid 1234:1234 the caller is not in, made
// by the test. Used by tests/integration/capabilities_more_test.cpp.
//   rlimit-lower  RLIMIT_NOFILE hard limit down to 1024        (needs nothing)
//   rlimit-raise  and up to 2048 again                         CAP_SYS_RESOURCE
//   syslog        SYSLOG_ACTION_SIZE_UNREAD                    CAP_SYSLOG
//   setfcap       security.capability on DIR/theirs           CAP_SETFCAP
//   fsetid        chmod g+s DIR/theirs (group 1234) keeps it   CAP_FSETID
//   lease         F_SETLEASE F_RDLCK on DIR/theirs            CAP_LEASE
//   bpf           BPF_MAP_CREATE (an array map)                CAP_BPF
//   perf          perf_event_open(pid -1, cpu 0), cpu-clock    CAP_PERFMON
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
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
  if (argc != 2) {
    fprintf(stderr, "usage: caps_more DIR\n");
    return 2;
  }
  char theirs[4096];
  snprintf(theirs, sizeof theirs, "%s/theirs", argv[1]);

  struct rlimit rl = {1024, 1024};
  int ok = setrlimit(RLIMIT_NOFILE, &rl) == 0;
  report("rlimit-lower", ok, errno);
  rl.rlim_max = 2048;
  ok = setrlimit(RLIMIT_NOFILE, &rl) == 0;
  report("rlimit-raise", ok, errno);

  ok = klogctl(9 /* SYSLOG_ACTION_SIZE_UNREAD */, NULL, 0) >= 0;
  report("syslog", ok, errno);

  // struct vfs_cap_data, revision 2: permitted CAP_NET_RAW (13)
  uint32_t cap[5] = {0x02000000, 1u << 13, 0, 0, 0};
  ok = setxattr(theirs, "security.capability", cap, sizeof cap, 0) == 0;
  report("setfcap", ok, errno);

  struct stat st;
  ok = chmod(theirs, 02644) == 0 && stat(theirs, &st) == 0;
  int err = errno;
  if (ok && (st.st_mode & 02000) == 0) {
    ok = 0;
    err = EPERM;  // cleared silently: what the kernel does without CAP_FSETID
  }
  report("fsetid", ok, err);

  int fd = open(theirs, O_RDONLY | O_CLOEXEC);
  ok = fd >= 0 && fcntl(fd, F_SETLEASE, F_RDLCK) == 0;
  report("lease", ok, errno);
  if (fd >= 0) close(fd);

  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  long mfd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
  report("bpf", mfd >= 0, errno);
  if (mfd >= 0) close((int)mfd);

  struct perf_event_attr pa;
  memset(&pa, 0, sizeof pa);
  pa.size = sizeof pa;
  pa.type = PERF_TYPE_SOFTWARE;
  pa.config = PERF_COUNT_SW_CPU_CLOCK;
  pa.disabled = 1;
  pa.exclude_kernel = 1;
  long pfd = syscall(SYS_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
  report("perf", pfd >= 0, errno);
  if (pfd >= 0) close((int)pfd);

  fflush(stdout);
  return failed ? 1 : 0;
}
