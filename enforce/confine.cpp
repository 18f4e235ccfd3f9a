#include "enforce/confine.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "enforce/landlock.h"
#include "enforce/seccomp_filter.h"
#include "enforce/selinux_exec.h"

namespace profile {
namespace {

int set_mount_readonly(const char* path, bool readonly) noexcept {
  struct mount_attr attr {};
  if (readonly) {
    attr.attr_set = MOUNT_ATTR_RDONLY;
  } else {
    attr.attr_clr = MOUNT_ATTR_RDONLY;
  }
  if (::syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) == 0) return 0;
  int err = errno;
  if (err != ENOSYS) return err;
  // Before Linux 5.12: remount this one mount, keeping the flags a user
  // namespace may not clear (nosuid, nodev, noexec are locked there).
  struct statvfs sv {};
  if (::statvfs(path, &sv) != 0) return errno;
  unsigned long flags = MS_REMOUNT | MS_BIND;
  if (readonly) flags |= MS_RDONLY;
  if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (::mount(nullptr, path, nullptr, flags, nullptr) != 0) return errno;
  return 0;
}

// The private temporary roots: a fresh tmpfs on each (that exists) with private_tmp.
constexpr const char* kPrivateRoots[] = {"/tmp", "/var/tmp", "/dev/shm"};

// Length of the private root `p` lies strictly below, with no "." or ".."
// component, no "//" and no trailing '/' (so that creating its mount point cannot
// climb out of the tmpfs); 0 otherwise.
size_t plain_path_below_private_root(const std::string& p) {
  for (const char* root : kPrivateRoots) {
    size_t n = std::strlen(root);
    if (p.size() <= n + 1 || p.compare(0, n, root) != 0 || p[n] != '/' || p.back() == '/') continue;
    for (size_t start = n + 1; start <= p.size();) {
      size_t end = p.find('/', start);
      if (end == std::string::npos) end = p.size();
      std::string_view part(p.data() + start, end - start);
      if (part.empty() || part == "." || part == "..") return 0;
      start = end + 1;
    }
    return n;
  }
  return 0;
}

// Creates `target` (below a private root, see plain_path_below_private_root) and
// its missing parents on the private tmpfs: a directory, or an empty file when
// the source `source_fd` is not one. Allocation-free: runs between clone and exec.
int make_mount_point(const char* target, int source_fd) noexcept {
  char path[4096];
  size_t len = std::strlen(target);
  if (len >= sizeof path) return ENAMETOOLONG;
  std::memcpy(path, target, len + 1);
  // Parents: every '/' after the root ("/tmp" is the shortest).
  for (size_t i = 5; i < len; ++i) {
    if (path[i] != '/') continue;
    path[i] = '\0';
    if (::mkdir(path, 0755) != 0 && errno != EEXIST) return errno;
    path[i] = '/';
  }
  struct stat st {};
  if (::fstat(source_fd, &st) != 0) return errno;
  if (S_ISDIR(st.st_mode)) {
    if (::mkdir(path, 0755) != 0 && errno != EEXIST) return errno;
    return 0;
  }
  int fd = ::open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return errno == EISDIR ? 0 : errno;
  ::close(fd);
  return 0;
}

// Raw syscalls: glibc's setresuid and friends signal every thread it believes
// the process has, and this child of clone() has one whatever the parent had.
int switch_user(const ChildConfinement& c, const char** step) noexcept {
  *step = "setgroups (--user / [workload] user)";
  if (::syscall(SYS_setgroups, c.groups.size(), c.groups.data()) != 0) return errno;
  *step = "setresgid (--user / [workload] user)";
  if (::syscall(SYS_setresgid, c.gid, c.gid, c.gid) != 0) return errno;
  *step = "setresuid (--user / [workload] user)";
  if (::syscall(SYS_setresuid, c.uid, c.uid, c.uid) != 0) return errno;
  return 0;
}

struct CapData {
  __user_cap_header_struct header;
  __user_cap_data_struct data[2];
};

}  // namespace

bool Confinement::any() const {
  return private_tmp || readonly_root || mask_kernel_paths || reset_personality || !binds.empty() ||
         !readonly_dirs.empty() || drop_capabilities || set_user || no_new_privs || landlock != nullptr ||
         seccomp != nullptr || seccomp_slot != nullptr || !selinux_exec_context.empty();
}

Result<int> capability_from_name(const std::string& name) {
  std::string lower;
  for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  cap_value_t value = 0;
  if (::cap_from_name(lower.c_str(), &value) != 0 &&
      (lower.rfind("cap_", 0) == 0 || ::cap_from_name(("cap_" + lower).c_str(), &value) != 0)) {
    return make_error("unknown capability \"" + name + "\" (expected a name like CAP_NET_BIND_SERVICE)");
  }
  return static_cast<int>(value);
}

Result<ChildConfinement> prepare_confinement(const Confinement& c) {
  ChildConfinement out;
  out.private_tmp = c.private_tmp;
  out.readonly_root = c.readonly_root;
  out.mask_kernel_paths = c.mask_kernel_paths;
  out.reset_personality = c.reset_personality;
  // Pointers into `strings` must stay valid: no reallocation after this.
  out.strings.reserve(c.binds.size() * 2 + c.readonly_dirs.size() + 1);
  for (const auto& b : c.binds) {
    if (b.source.empty() || b.source[0] != '/' || b.target.empty() || b.target[0] != '/') {
      return make_error("bind mount \"" + b.source + "\" -> \"" + b.target + "\": both paths must be absolute");
    }
    struct stat st {};
    if (::stat(b.source.c_str(), &st) != 0) {
      if (b.optional && (errno == ENOENT || errno == ENOTDIR)) continue;  // as on a host without it
      return Errno().error("stat(\"" + b.source + "\") (bind mount source)");
    }
    out.strings.push_back(b.source);
    out.bind_source.push_back(out.strings.back().c_str());
    out.strings.push_back(b.target);
    out.bind_target.push_back(out.strings.back().c_str());
    out.bind_readonly.push_back(b.readonly ? 1 : 0);
    out.bind_in_private_tmp.push_back(c.private_tmp && plain_path_below_private_root(b.target) != 0 ? 1 : 0);
  }
  for (const auto& d : c.readonly_dirs) {
    if (d.path.empty() || d.path[0] != '/') return make_error("read-only directory \"" + d.path + "\" is not absolute");
    out.strings.push_back(d.path);
    out.readonly_dir.push_back(out.strings.back().c_str());
    out.readonly_dir_dev.push_back(d.dev);
    out.readonly_dir_ino.push_back(d.ino);
  }
  out.drop_capabilities = c.drop_capabilities;
  std::ifstream last("/proc/sys/kernel/cap_last_cap");
  if (!(last >> out.last_cap) || out.last_cap < 0 || out.last_cap > 63) out.last_cap = CAP_LAST_CAP;
  for (const auto& name : c.keep_capabilities) {
    auto cap = capability_from_name(name);
    if (!cap) return cap.error();
    out.keep_caps |= uint64_t{1} << *cap;
  }
  for (const auto& name : c.ambient_capabilities) {
    auto cap = capability_from_name(name);
    if (!cap) return cap.error();
    if ((out.keep_caps & (uint64_t{1} << *cap)) == 0)
      return make_error("ambient capability " + name + " is not one of the capabilities kept");
    out.ambient_caps |= uint64_t{1} << *cap;
  }
  out.set_user = c.set_user;
  out.uid = c.uid;
  out.gid = c.gid;
  out.groups = c.groups;
  out.no_new_privs = c.no_new_privs;
  out.landlock = c.landlock;
  out.seccomp = c.seccomp;
  out.seccomp_slot = c.seccomp_slot;
  if (c.seccomp != nullptr && c.seccomp_slot != nullptr) return make_error("two seccomp filters were given");
  if (!c.selinux_exec_context.empty()) {
    out.strings.push_back(c.selinux_exec_context);
    out.selinux_exec_context = out.strings.back().c_str();
  }
  return out;
}

int apply_kernel_masks_in_child(const ChildConfinement& c, const char** step) noexcept {
  if (!c.mask_kernel_paths) return 0;
  // runc's list (libcontainer/specconv's example spec, the OCI/containerd default).
  static const char* const kMasked[] = {"/proc/acpi",
                                        "/proc/asound",
                                        "/proc/kcore",
                                        "/proc/keys",
                                        "/proc/latency_stats",
                                        "/proc/timer_list",
                                        "/proc/timer_stats",
                                        "/proc/sched_debug",
                                        "/proc/scsi",
                                        "/sys/firmware",
                                        "/sys/devices/virtual/powercap"};
  static const char* const kReadonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  for (const char* path : kMasked) {
    struct stat st {};
    if (::stat(path, &st) != 0) continue;  // not on this kernel
    if (S_ISDIR(st.st_mode)) {
      *step = "mount(\"tmpfs\", MS_RDONLY) over a masked kernel directory";
      if (::mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") != 0) return errno;
    } else {
      *step = "mount(\"/dev/null\", MS_BIND) over a masked kernel file";
      if (::mount("/dev/null", path, nullptr, MS_BIND, nullptr) != 0) return errno;
    }
  }
  for (const char* path : kReadonly) {
    struct stat st {};
    if (::stat(path, &st) != 0) continue;
    *step = "mount(MS_BIND) of a read-only kernel path onto itself";
    if (::mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0) return errno;
    *step = "make a kernel path read-only (mount_setattr)";
    if (int err = set_mount_readonly(path, true); err != 0) return err;
  }
  return 0;
}

int apply_readonly_root_in_child(const ChildConfinement& c, const char** step) noexcept {
  if (!c.readonly_root) return 0;
  *step = "mount_setattr(\"/\", AT_RECURSIVE, MOUNT_ATTR_RDONLY)";
  return set_mount_readonly("/", true);
}

int pin_bind_sources_in_child(const ChildConfinement& c, int* fds, const char** step) noexcept {
  // Bind sources are pinned with O_PATH before the private /tmp hides them
  // (a source under /tmp is common) and mounted through /proc/self/fd.
  size_t n = c.bind_source.size();
  if (n > kMaxBinds) {
    *step = "bind mounts from profile.toml (more than 64)";
    return E2BIG;
  }
  for (size_t i = 0; i < n; ++i) {
    fds[i] = ::open(c.bind_source[i], O_PATH | O_CLOEXEC);
    if (fds[i] < 0) {
      *step = "open(O_PATH) of a bind mount source from profile.toml";
      return errno;
    }
  }
  return 0;
}

int apply_mounts_in_child(const ChildConfinement& c, const int* source_fd, const char** step) noexcept {
  size_t n = c.bind_source.size();
  if (c.private_tmp) {
    *step = "mount(\"tmpfs\", \"/tmp\", \"tmpfs\")";
    if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) return errno;
    // /var/tmp and /dev/shm where they exist (they cannot be created on the
    // host's root, and a system without them offers no shared one to hide).
    struct stat st {};
    if (::stat("/var/tmp", &st) == 0 && S_ISDIR(st.st_mode)) {
      *step = "mount(\"tmpfs\", \"/var/tmp\", \"tmpfs\")";
      if (::mount("tmpfs", "/var/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) return errno;
    }
    if (::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) {
      *step = "mount(\"tmpfs\", \"/dev/shm\", \"tmpfs\")";
      if (::mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) return errno;
    }
    // Every mount point first, while the roots are still bare tmpfs: once a bind
    // is mounted, a mkdir below it would write into the host's directory.
    for (size_t i = 0; i < n; ++i) {
      if (c.bind_in_private_tmp[i] == 0) continue;
      *step = "create a bind mount point in the private /tmp";
      if (int err = make_mount_point(c.bind_target[i], source_fd[i]); err != 0) return err;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    char path[32] = "/proc/self/fd/";
    char digits[12];
    int len = 0;
    for (int v = source_fd[i]; len == 0 || v > 0; v /= 10) digits[len++] = static_cast<char>('0' + v % 10);
    size_t at = 14;
    while (len > 0) path[at++] = digits[--len];
    path[at] = '\0';
    *step = "mount(MS_BIND) of a bind mount from profile.toml";
    if (::mount(path, c.bind_target[i], nullptr, MS_BIND | MS_REC, nullptr) != 0) return errno;
    ::close(source_fd[i]);
    *step = "mount_setattr of a bind mount from profile.toml";
    if (int err = set_mount_readonly(c.bind_target[i], c.bind_readonly[i] != 0); err != 0) return err;
  }
  // Last, so that no bind above can put a writable view back on top. Only where
  // the path is that directory: a private /tmp hides a bundle below the host's,
  // and then the workload cannot reach it at all.
  for (size_t i = 0; i < c.readonly_dir.size(); ++i) {
    int fd = ::open(c.readonly_dir[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      *step = "open(O_PATH) of the bundle directory in the container";
      return errno;
    }
    struct stat st {};
    int err = ::fstat(fd, &st) == 0 ? 0 : errno;
    ::close(fd);
    if (err != 0) {
      *step = "fstat of the bundle directory in the container";
      return err;
    }
    if (st.st_dev != c.readonly_dir_dev[i] || st.st_ino != c.readonly_dir_ino[i]) continue;
    *step = "mount(MS_BIND) of the bundle directory onto itself";
    if (::mount(c.readonly_dir[i], c.readonly_dir[i], nullptr, MS_BIND | MS_REC, nullptr) != 0) return errno;
    *step = "mount_setattr(MOUNT_ATTR_RDONLY) of the bundle directory";
    if (int e = set_mount_readonly(c.readonly_dir[i], true); e != 0) return e;
  }
  return 0;
}

int apply_workload_confinement_in_child(const ChildConfinement& c, const char** step) noexcept {
  if (c.reset_personality && ::personality(PER_LINUX) == -1) {
    *step = "personality(PER_LINUX)";
    return errno;
  }
  if (c.drop_capabilities) {
    // Bounding set first: dropping from it needs CAP_SETPCAP, which capset
    // below may remove. Then ambient, then the three process sets, then the
    // ambient ones asked for (raising needs them permitted and inheritable).
    // Kept capabilities go to ambient only when asked (profile.toml's
    // ambient_capabilities): a root workload regains the bounding set at execve
    // without them, and a non-root one needs exactly the listed ones.
    for (int cap = 0; cap <= c.last_cap; ++cap) {
      if (c.keep_caps & (uint64_t{1} << cap)) continue;
      if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
        *step = "prctl(PR_CAPBSET_DROP)";
        return errno;
      }
    }
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
      *step = "prctl(PR_CAP_AMBIENT_CLEAR_ALL)";
      return errno;
    }
    // Leaving uid 0 clears the permitted set unless KEEPCAPS (execve resets it),
    // and capset below can only keep what is still permitted.
    if (c.set_user) {
      *step = "prctl(PR_SET_KEEPCAPS)";
      if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return errno;
      if (int err = switch_user(c, step); err != 0) return err;
    }
    CapData caps{};
    caps.header.version = _LINUX_CAPABILITY_VERSION_3;
    caps.header.pid = 0;
    for (int i = 0; i < 2; ++i) {
      auto word = static_cast<uint32_t>(c.keep_caps >> (32 * i));
      caps.data[i].effective = word;
      caps.data[i].permitted = word;
      caps.data[i].inheritable = word;
    }
    if (::syscall(SYS_capset, &caps.header, caps.data) != 0) {
      *step = "capset";
      return errno;
    }
    for (int cap = 0; cap <= c.last_cap; ++cap) {
      if (!(c.ambient_caps & (uint64_t{1} << cap))) continue;
      if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
        *step = "prctl(PR_CAP_AMBIENT_RAISE)";
        return errno;
      }
    }
  }
  if (c.set_user && !c.drop_capabilities) {
    if (int err = switch_user(c, step); err != 0) return err;
  }
  if (c.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    *step = "prctl(PR_SET_NO_NEW_PRIVS)";
    return errno;
  }
  // The SELinux exec context before Landlock: it is a write to
  // /proc/thread-self/attr/exec, which a Landlock ruleset that handles
  // write_file refuses (EACCES) once applied, since no profile grants /proc.
  // It takes effect at execve, so its place among the other steps is free.
  if (c.selinux_exec_context != nullptr) {
    if (int err = apply_selinux_exec_in_child(c.selinux_exec_context, step); err != 0) return err;
  }
  if (c.landlock != nullptr && c.landlock->enabled()) {
    const char* failed = "landlock_restrict_self";
    if (int err = apply_landlock_in_child(*c.landlock, &failed); err != 0) {
      *step = failed;
      return err;
    }
  }
  return 0;
}

int apply_seccomp_last_in_child(const ChildConfinement& c, const char** step) noexcept {
  *step = "seccomp(SECCOMP_SET_MODE_FILTER)";
  if (c.seccomp_slot != nullptr) {
    if (!seccomp_slot_ready(c.seccomp_slot)) {
      *step = "seccomp (the launcher published no filter before releasing the workload)";
      return EINVAL;
    }
    return apply_shared_seccomp_in_child(c.seccomp_slot);
  }
  if (c.seccomp == nullptr) return 0;
  return apply_seccomp_in_child(*c.seccomp);
}

}  // namespace profile
