// The confinement steps of `profile enforce`, prepared in the launcher and
// applied in the container's processes in a fixed order:
//   supervisor: mount propagation private, read-only root, /proc, private /tmp,
//               bind mounts, read-only self-binds (all before the workload exists)
//   workload:   chdir, fds close-on-exec, capabilities (bounding, ambient,
//               [user: groups, gid, uid], permitted/effective/inheritable),
//               no_new_privs, Landlock,
//               SELinux exec context, before_exec hook, seccomp LAST, execve.
// The cgroup (and its limits) is joined by the supervisor before it is released.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

struct PreparedLandlock;
struct PreparedSeccomp;
struct SeccompSlot;

struct BindSpec {
  std::string source;
  std::string target;
  bool readonly = true;
  bool optional = false;  // a missing source is skipped instead of failing the launch
};

// A directory bound read-only onto itself at `path` in the container, after
// every other mount, when `path` there is that very directory (dev, ino): how
// enforce keeps the workload from rewriting its own bundle. Where `path` is not
// visible in the container (under a private /tmp) there is nothing to protect.
struct ReadonlyDir {
  std::string path;
  dev_t dev = 0;
  ino_t ino = 0;
};

// What LaunchSpec::confine asks for. The default confines nothing (learning).
struct Confinement {
  // A fresh tmpfs on /tmp, and on /var/tmp and /dev/shm where they exist: the
  // host's shared temporary directories (and shared memory, as Docker gives each
  // container its own /dev/shm) stay out of the workload's reach.
  bool private_tmp = false;
  bool readonly_root = false;  // every mount read-only (recursively), except what follows it
  // runc's masked and read-only kernel paths (/proc/kcore, /proc/sys, ...),
  // after /proc is mounted: see apply_kernel_masks_in_child.
  bool mask_kernel_paths = false;
  std::vector<BindSpec> binds;
  std::vector<ReadonlyDir> readonly_dirs;      // after the binds
  bool drop_capabilities = false;              // false: leave capabilities as they are
  std::vector<std::string> keep_capabilities;  // "CAP_NET_BIND_SERVICE", ...; only with drop_capabilities
  // Raised into the ambient set too (a subset of keep_capabilities), so that a
  // non-root program keeps them across execve. Root's execve regains the
  // bounding set without them.
  std::vector<std::string> ambient_capabilities;
  // Run the workload as this uid, gid and supplementary groups (enforce --user,
  // [workload] user): set after the bounding set is dropped, which needs
  // CAP_SETPCAP, and before the kept capabilities are set, which the switch
  // would otherwise clear. Needs CAP_SETUID and CAP_SETGID (root).
  bool set_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  bool no_new_privs = false;
  // personality(PER_LINUX) before exec, as runc does: an inherited
  // ADDR_NO_RANDOMIZE (setarch -R) or READ_IMPLIES_EXEC would weaken the workload.
  bool reset_personality = false;
  const PreparedLandlock* landlock = nullptr;  // not owned; must live until spawn_container returns
  const PreparedSeccomp* seccomp = nullptr;    // not owned; must live until spawn_container returns
  // Or: a filter published later, before release() (SharedSeccomp); not owned.
  const SeccompSlot* seccomp_slot = nullptr;
  std::string selinux_exec_context;  // "" = none (SELinux inactive or not asked for)
  [[nodiscard]] bool any() const;
};

// The plain, allocation-free form the child reads.
struct ChildConfinement {
  bool private_tmp = false;
  bool readonly_root = false;
  bool mask_kernel_paths = false;
  std::vector<std::string> strings;  // owns every string below
  std::vector<const char*> bind_source, bind_target;
  std::vector<unsigned char> bind_readonly;
  // 1: the target lies below a private /tmp, /var/tmp or /dev/shm, where it does
  // not exist yet; the child creates it (and its parents) on the fresh tmpfs
  // before mounting.
  std::vector<unsigned char> bind_in_private_tmp;
  std::vector<const char*> readonly_dir;
  std::vector<dev_t> readonly_dir_dev;
  std::vector<ino_t> readonly_dir_ino;
  bool drop_capabilities = false;
  uint64_t keep_caps = 0;     // bit n = capability n
  uint64_t ambient_caps = 0;  // a subset of keep_caps
  int last_cap = 40;
  bool set_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  bool reset_personality = false;
  bool no_new_privs = false;
  const PreparedLandlock* landlock = nullptr;
  const PreparedSeccomp* seccomp = nullptr;
  const SeccompSlot* seccomp_slot = nullptr;
  const char* selinux_exec_context = nullptr;
};

// Validates and converts (capability names via libcap, bind sources must exist).
Result<ChildConfinement> prepare_confinement(const Confinement& c);
// Capability name -> number ("CAP_CHOWN" or "chown"); error names the bad one.
Result<int> capability_from_name(const std::string& name);

// Child side; each returns 0 or an errno and sets *step to a static text.
// Supervisor, in this order: read-only root (before /proc is mounted), then
// after /proc: private /tmp and bind mounts (so binds may land in /tmp). A bind
// target below a private /tmp is created there first (directories, or an empty
// file when the source is not a directory): the tmpfs is fresh, so nothing of
// the host is written. A target nested in another bind's target must exist in
// that bind's source (it is not created on the host).
// The bind sources are pinned (O_PATH, into `fds`, one per bind) first, while
// the host's paths are still there: before a private /tmp hides them, and
// before the container pivots into an image's root filesystem.
inline constexpr size_t kMaxBinds = 64;
int pin_bind_sources_in_child(const ChildConfinement& c, int* fds, const char** step) noexcept;
int apply_readonly_root_in_child(const ChildConfinement& c, const char** step) noexcept;
int apply_mounts_in_child(const ChildConfinement& c, const int* fds, const char** step) noexcept;
// In the container's pid 1 right after it mounted /proc, as runc does (the OCI
// default spec's maskedPaths and readonlyPaths): /dev/null over the kernel's
// files that leak host state (/proc/kcore, /proc/keys, /proc/timer_list, ...),
// a read-only tmpfs over such directories (/proc/acpi, /proc/scsi,
// /sys/firmware, ...), and /proc/sys, /proc/sysrq-trigger, /proc/irq,
// /proc/bus, /proc/fs read-only. A path absent on this kernel is skipped.
int apply_kernel_masks_in_child(const ChildConfinement& c, const char** step) noexcept;
// Workload: capabilities, no_new_privs, Landlock, SELinux exec context.
int apply_workload_confinement_in_child(const ChildConfinement& c, const char** step) noexcept;
// Workload, immediately before execve.
int apply_seccomp_last_in_child(const ChildConfinement& c, const char** step) noexcept;

}  // namespace profile
