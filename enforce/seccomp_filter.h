// Compiling a Docker/moby-format seccomp profile (seccomp.json: ours, or Docker's
// default with its includes/excludes by arch, capabilities and minKernel) into a
// classic BPF program with libseccomp, in the parent; applying it in the child
// with raw syscalls and no allocation.
//
// Semantics follow moby/runc: a rule whose action equals the default action is
// dropped; args sharing an index become separate (OR-ed) rules, otherwise one
// AND-ed rule; errnoRet defaults to EPERM. Architectures come from "architectures"
// or from the "archMap" entry of the native architecture; syscalls of any other
// architecture get the bad-architecture action (EPERM, or kill-process when the
// default action kills; log in log mode).
// Unknown syscall names fail closed: in an allow rule a name libseccomp cannot
// resolve on the filter's architectures is skipped with a warning (the call stays
// denied); in a deny rule it is an error (skipping would widen the profile), except
// for a name libseccomp knows on other architectures only (runc does the same).
// A rule whose comment starts with "runtime part" (the container runtime's calls
// that `profile generate --runtime` adds for the engines) is skipped.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

struct SeccompCompileOptions {
  std::vector<std::string> capabilities;  // "CAP_SYS_ADMIN", ...: for includes/excludes "caps"
  std::string kernel_release;             // for "minKernel"; "" = uname -r
  // For the denial report: when the default action is SCMP_ACT_ERRNO(e) with e
  // other than ENOSYS, that action (the default, rules with the same errno and
  // the bad-architecture action when it matches) becomes SCMP_ACT_NOTIFY and the
  // program is loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER instead of TSYNC.
  // The supervisor must then answer every notification with -e at once
  // (PreparedSeccomp::notify_errno). ENOSYS rules and the ENOSYS range stay in
  // the kernel, unreported. Needs a kernel with user_notif (seccomp_user_notif_available).
  bool notify_denials = false;
};

struct PreparedSeccomp {
  std::vector<sock_filter> program;   // never empty once compiled
  unsigned flags = 0;                 // SECCOMP_FILTER_FLAG_* for seccomp(2)
  std::vector<std::string> warnings;  // skipped names etc., for the user
  size_t rules = 0;                   // rules added to libseccomp
  // > 0: denied calls are SCMP_ACT_NOTIFY and must be answered with this errno
  // (flags then hold SECCOMP_FILTER_FLAG_NEW_LISTENER). 0: no notifications.
  int notify_errno = 0;
};

// Whether this kernel has SECCOMP_RET_USER_NOTIF (/proc/sys/kernel/seccomp/actions_avail).
// False also when kNoUserNotifVariable is set, so that tests see on this
// kernel what an older one does (it only turns the denial report off).
bool seccomp_user_notif_available();
inline constexpr const char* kNoUserNotifVariable = "PROFILE_TEST_NO_USER_NOTIF";

Result<PreparedSeccomp> compile_seccomp_json(const std::string& json_text, const std::string& source,
                                             const SeccompCompileOptions& opts = {});
Result<PreparedSeccomp> compile_seccomp_file(const std::string& path, const SeccompCompileOptions& opts = {});

// In the child, as the last step before execve: sets no_new_privs and loads the
// program with seccomp(2) (TSYNC), falling back to prctl(PR_SET_SECCOMP) on
// kernels without seccomp(2). Returns 0 or an errno value. Async-signal-safe.
// A program with notify_errno is refused (EINVAL): its listener would be lost
// at execve; it loads only through a SeccompSlot.
int apply_seccomp_in_child(const PreparedSeccomp& prepared) noexcept;

// A compiled program in memory shared with the container's processes (an
// anonymous MAP_SHARED mapping made before clone), so that `profile enforce`
// compiles the filter while the container is being set up: the launcher
// publishes the program before it releases the container, and the workload loads
// it from there. A slot that was never published fails the launch (EINVAL): the
// workload never runs without its filter.
struct SeccompSlot;
class SharedSeccomp {
 public:
  static Result<SharedSeccomp> create();
  SharedSeccomp() = default;
  SharedSeccomp(SharedSeccomp&& o) noexcept : slot_(o.slot_) { o.slot_ = nullptr; }
  SharedSeccomp& operator=(SharedSeccomp&& o) noexcept;
  SharedSeccomp(const SharedSeccomp&) = delete;
  SharedSeccomp& operator=(const SharedSeccomp&) = delete;
  ~SharedSeccomp();

  // Copies the program in and marks the slot ready. Call before release().
  Status publish(const PreparedSeccomp& prepared);
  [[nodiscard]] const SeccompSlot* slot() const { return slot_; }

 private:
  SeccompSlot* slot_ = nullptr;
};

// In the child, like apply_seccomp_in_child, from a published slot (EINVAL
// when it was not published). A notify program's listener fd (close-on-exec)
// is written into the slot by a plain store, so that the workload makes no
// call of ours after its filter is loaded: the process that shares the
// workload's fd table (the supervisor, CLONE_FILES; the table is its own again
// after the workload's execve) reads it with seccomp_slot_listener and passes it on.
bool seccomp_slot_ready(const SeccompSlot* slot) noexcept;
int apply_shared_seccomp_in_child(const SeccompSlot* slot) noexcept;
// Whether the published program wants a listener taken from the workload.
bool seccomp_slot_notify(const SeccompSlot* slot) noexcept;
// The listener's fd number in the workload's fd table, -1 when none was made.
int seccomp_slot_listener(const SeccompSlot* slot) noexcept;

}  // namespace profile
