// Path resolution cases, run in the directory given as argv[1] (prepared by the
// test: a file "f", a dir "d" with "d/inner", a symlink "link" -> "d/inner"):
// relative open after chdir, after fchdir, openat with a dirfd, a failed open,
// a create, a symlink followed and not followed, a rename, an unlink, mkdir.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2 || chdir(argv[1]) != 0) return 1;
  int fd = open("f", O_RDONLY);  // relative to the cwd after chdir
  if (fd < 0) return 2;
  close(fd);
  int dir = open("d", O_RDONLY | O_DIRECTORY);
  if (dir < 0) return 3;
  fd = openat(dir, "inner", O_RDONLY);  // relative to a dirfd
  if (fd < 0) return 4;
  close(fd);
  if (open("missing", O_RDONLY) >= 0) return 5;  // ENOENT probe
  fd = open("created", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 6;
  if (ftruncate(fd, 1) != 0 || fchmod(fd, 0640) != 0) return 15;  // descriptor-based changes
  close(fd);
  fd = open("link", O_RDONLY);  // follows to d/inner
  if (fd < 0) return 7;
  close(fd);
  struct stat st;
  if (lstat("link", &st) != 0) return 8;  // the link itself
  if (rename("created", "renamed") != 0) return 9;
  if (unlink("renamed") != 0) return 10;
  if (mkdir("newdir", 0700) != 0) return 11;
  if (fchdir(dir) != 0) return 12;
  if (access("inner", R_OK) != 0) return 13;  // relative to the cwd after fchdir
  if (readlink("/proc/self/exe", (char[256]){0}, 255) < 0) return 14;
  return 0;
}
