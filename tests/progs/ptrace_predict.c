// Outcomes the ptrace tracer predicts from its own lookup, and the cases where
// it must not: argv[1] is a directory holding a file "f" (mode 0600, owned by
// root) and a symlink "l" -> "f".
//   ptrace_predict DIR          probes whose errno follows from the lookup
//   ptrace_predict DIR confine  under Landlock (no read rule), open(DIR/f) is EACCES
//   ptrace_predict DIR drop     after dropping to uid/gid 65534, open(DIR/f) is EACCES
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int expect_errno(long ret, int err) {
  return ret == -1 && errno == err ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  char f[4096], l[4096], fdir[4096];
  snprintf(f, sizeof f, "%s/f", argv[1]);
  snprintf(l, sizeof l, "%s/l", argv[1]);
  snprintf(fdir, sizeof fdir, "%s/f/x", argv[1]);
  const char* mode = argc > 2 ? argv[2] : "";
  int bad = 0;
  if (strcmp(mode, "confine") == 0) {
    // Landlock with no rule for reading files: the open that follows fails with
    // EACCES although the file exists and the process is root.
    struct landlock_ruleset_attr attr = {.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE};
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (ruleset < 0) return 3;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) return 3;
    return expect_errno(open(f, O_RDONLY), EACCES);
  }
  if (strcmp(mode, "drop") == 0) {
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) return 4;
    return expect_errno(open(f, O_RDONLY), EACCES);
  }
  char buf[64];
  bad |= expect_errno(readlink(f, buf, sizeof buf), EINVAL);           // not a symlink
  bad |= expect_errno(open(f, O_RDONLY | O_DIRECTORY), ENOTDIR) << 1;  // not a directory
  bad |= expect_errno(open(l, O_RDONLY | O_NOFOLLOW), ELOOP) << 2;     // final symlink refused
  struct stat st;
  bad |= expect_errno(stat(fdir, &st), ENOTDIR) << 3;  // a file used as a directory
  bad |= (stat(l, &st) == 0 ? 0 : 1) << 4;             // followed to f
  return bad;
}
