#include "enforce/rootfs.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace profile {
namespace {

// Where the new root is assembled, in the container's own mount namespace: a
// tmpfs over /tmp there hides nothing of the host's (everything needed from the
// old root is pinned by descriptor first).
constexpr const char* kStage = "/tmp";
constexpr const char* kUpper = "/tmp/upper";
constexpr const char* kWork = "/tmp/work";
constexpr const char* kNewRoot = "/tmp/root";

// Host device nodes a container gets (the OCI default set, as runc and podman).
constexpr const char* kDevices[] = {"null", "zero", "full", "random", "urandom", "tty"};
constexpr size_t kDeviceCount = sizeof kDevices / sizeof kDevices[0];

std::string read_host_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "/proc/self/fd/N" into buf (allocation-free).
void fd_path(char* buf, int fd) noexcept {
  std::memcpy(buf, "/proc/self/fd/", 14);
  char digits[12];
  int len = 0;
  for (int v = fd; len == 0 || v > 0; v /= 10) digits[len++] = static_cast<char>('0' + v % 10);
  size_t at = 14;
  while (len > 0) buf[at++] = digits[--len];
  buf[at] = '\0';
}

void append(char* buf, size_t cap, const char* s) noexcept {
  size_t at = std::strlen(buf);
  size_t n = std::strlen(s);
  if (at + n + 1 > cap) n = cap - at - 1;
  std::memcpy(buf + at, s, n);
  buf[at + n] = '\0';
}

int set_readonly(const char* path) noexcept {
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  if (::syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) != 0) return errno;
  return 0;
}

int mkdir_if_missing(const char* path, mode_t mode) noexcept {
  if (::mkdir(path, mode) != 0 && errno != EEXIST) return errno;
  return 0;
}

// A fresh file at `path` (inside the new root, after pivot_root: a symbolic link
// in the image resolves inside it) holding `content`. The image's own file, or
// link, is replaced in the overlay, never on disk.
int write_fresh(const char* path, const std::string& content) noexcept {
  if (::unlink(path) != 0 && errno != ENOENT) return errno;
  int fd = ::open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return err;
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return 0;
}

// Attaches the detached mount `fd` (open_tree) at `target` in the new root.
int attach(int fd, const char* target) noexcept {
  if (::syscall(SYS_move_mount, fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) != 0) return errno;
  return 0;
}

}  // namespace

Result<PreparedRootfs> prepare_rootfs(const std::string& root) {
  PreparedRootfs r;
  if (root.empty() || root[0] != '/') return make_error("root filesystem \"" + root + "\" is not an absolute path");
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) {
    int err = errno;
    return Error{"root filesystem " + root + " cannot be used: " + errno_name(err), err, ErrorKind::BadInput};
  }
  if (!S_ISDIR(st.st_mode))
    return Error{"root filesystem " + root + " is not a directory", ENOTDIR, ErrorKind::BadInput};
  r.root = root;
  r.hosts = read_host_file("/etc/hosts");
  if (r.hosts.empty()) r.hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  r.resolv_conf = read_host_file("/etc/resolv.conf");
  struct utsname u {};
  if (::uname(&u) == 0) r.hostname = std::string(u.nodename) + "\n";
  return r;
}

int enter_rootfs_in_child(const PreparedRootfs& r, const char** step) noexcept {
  // Everything taken from the old root is pinned before the stage hides /tmp
  // (the image may well be under it) and before pivot_root detaches the rest.
  *step = "open(O_PATH) of the root filesystem";
  int root_fd = ::open(r.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return errno;
  *step = "open_tree(\"/sys\", OPEN_TREE_CLONE|AT_RECURSIVE)";
  int sys_fd =
      static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (sys_fd < 0) return errno;
  int dev_fd[kDeviceCount];
  for (size_t i = 0; i < kDeviceCount; ++i) {
    char path[32] = "/dev/";
    append(path, sizeof path, kDevices[i]);
    dev_fd[i] = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    // /dev/tty is missing on some build hosts; the others are not optional.
    if (dev_fd[i] < 0 && std::strcmp(kDevices[i], "tty") != 0) {
      *step = "open_tree of a host device node (/dev/null, /dev/zero, ...)";
      return errno;
    }
  }

  *step = "mount(\"tmpfs\") of the stage for the container's root";
  if (::mount("tmpfs", kStage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0) return errno;
  if (::mkdir(kUpper, 0755) != 0 || ::mkdir(kWork, 0700) != 0 || ::mkdir(kNewRoot, 0755) != 0) {
    *step = "mkdir in the stage for the container's root";
    return errno;
  }
  char lower[32];
  fd_path(lower, root_fd);
  char options[128] = "lowerdir=";
  append(options, sizeof options, lower);
  append(options, sizeof options, ",upperdir=/tmp/upper,workdir=/tmp/work");
  bool writable = ::mount("overlay", kNewRoot, "overlay", 0, options) == 0;
  if (!writable) {
    // In a user namespace, overlayfs keeps its own attributes in user.*
    // xattrs (Linux 5.11+).
    append(options, sizeof options, ",userxattr");
    writable = ::mount("overlay", kNewRoot, "overlay", 0, options) == 0;
  }
  if (!writable) {
    // No overlay here: the image read-only (so that nothing writes to it) with
    // tmpfs on the directories programs expect to write.
    *step = "mount(MS_BIND) of the root filesystem (overlayfs unavailable)";
    if (::mount(lower, kNewRoot, nullptr, MS_BIND | MS_REC, nullptr) != 0) return errno;
    *step = "mount_setattr(MOUNT_ATTR_RDONLY) of the root filesystem";
    if (int err = set_readonly(kNewRoot); err != 0) return err;
  }
  ::close(root_fd);
  // In a user namespace the kernel mounts a new proc only where one is already
  // fully visible in the mount namespace (mount_too_revealing), and the host's
  // goes with the old root: one is mounted in the new root first, and the
  // supervisor's own /proc, mounted after pivot_root, stacks on it.
  char proc[32] = "/tmp/root/proc";
  *step = "mkdir of /proc in the container's root";
  if (writable && ::mkdir(proc, 0555) != 0 && errno != EEXIST) return errno;
  struct stat proc_st {};
  if (::lstat(proc, &proc_st) != 0) return errno;
  *step = "the image's /proc is not a directory";
  if (!S_ISDIR(proc_st.st_mode)) return ENOTDIR;
  *step = "mount(\"proc\") in the container's root";
  if (::mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) return errno;

  // runc's way: the old root is stacked on the new one and detached at once,
  // so no path of the host stays reachable from the container.
  *step = "chdir to the new root";
  if (::chdir(kNewRoot) != 0) return errno;
  *step = "pivot_root(\".\", \".\") into the root filesystem";
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return errno;
  *step = "umount2(old root, MNT_DETACH)";
  if (::umount2(".", MNT_DETACH) != 0) return errno;
  *step = "chdir(\"/\") in the new root";
  if (::chdir("/") != 0) return errno;

  if (writable) {
    *step = "mkdir of /dev, /sys, /tmp, /etc, /run in the container's root";
    for (const char* d : {"/dev", "/sys", "/etc", "/run"})
      if (int err = mkdir_if_missing(d, 0755); err != 0) return err;
    if (int err = mkdir_if_missing("/tmp", 01777); err != 0) return err;
  } else {
    *step = "mount(\"tmpfs\") on /tmp or /run of the read-only root";
    for (const char* d : {"/tmp", "/run"}) {
      struct stat st {};
      if (::stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
      if (::mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) return errno;
    }
  }

  // /dev: a tmpfs with the OCI default devices bound from the host, as runc's
  // default spec (mknod is refused in a user namespace; a bind is not).
  *step = "mount(\"tmpfs\", \"/dev\")";
  if (::mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") != 0) return errno;
  for (size_t i = 0; i < kDeviceCount; ++i) {
    if (dev_fd[i] < 0) continue;
    char path[32] = "/dev/";
    append(path, sizeof path, kDevices[i]);
    *step = "create a device mount point in the container's /dev";
    int fd = ::open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return errno;
    ::close(fd);
    *step = "move_mount of a host device node into the container's /dev";
    if (int err = attach(dev_fd[i], path); err != 0) return err;
    ::close(dev_fd[i]);
  }
  *step = "symlinks in the container's /dev";
  for (const auto& [link, target] : {std::pair{"/dev/fd", "/proc/self/fd"}, std::pair{"/dev/stdin", "/proc/self/fd/0"},
                                     std::pair{"/dev/stdout", "/proc/self/fd/1"},
                                     std::pair{"/dev/stderr", "/proc/self/fd/2"}, std::pair{"/dev/ptmx", "pts/ptmx"}}) {
    if (::symlink(target, link) != 0) return errno;
  }
  *step = "mkdir of /dev/pts and /dev/shm";
  if (::mkdir("/dev/pts", 0755) != 0 || ::mkdir("/dev/shm", 01777) != 0) return errno;
  // A devpts instance of the container's own; without one (refused in some
  // user namespaces) the workload simply has no pseudo-terminals.
  (void)::mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
  *step = "mount(\"tmpfs\", \"/dev/shm\")";
  if (::mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") != 0) return errno;

  *step = "move_mount of the host's /sys into the container";
  if (int err = attach(sys_fd, "/sys"); err != 0) return err;
  ::close(sys_fd);
  *step = "mount_setattr(\"/sys\", MOUNT_ATTR_RDONLY)";
  if (int err = set_readonly("/sys"); err != 0) return err;

  if (writable) {
    *step = "write /etc/hosts in the container";
    if (int err = write_fresh("/etc/hosts", r.hosts); err != 0) return err;
    *step = "write /etc/resolv.conf in the container";
    if (int err = write_fresh("/etc/resolv.conf", r.resolv_conf); err != 0) return err;
    *step = "write /etc/hostname in the container";
    if (int err = write_fresh("/etc/hostname", r.hostname); err != 0) return err;
  }
  return 0;
}

}  // namespace profile
