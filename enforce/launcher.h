// The container launcher used by BOTH `profile learn` and `profile enforce`.
//
// Process tree (container mode):
//   profile (host)                      tracer, signal forwarder, cgroup owner
//    └─ supervisor  = pid 1 of a new pid namespace (+ mount/uts/ipc[/user][/net])
//        └─ workload                     runs LaunchSpec::argv
// With --no-container the workload is the direct child and there is no supervisor.
//
// Needs: root, or unprivileged user namespaces for container mode.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/fd.h"
#include "common/recording.h"
#include "common/result.h"
#include "enforce/confine.h"

namespace profile {

enum class NetMode { Host, Loopback, None };
const char* net_mode_name(NetMode m);
Result<NetMode> net_mode_from_name(const std::string& name);

struct CgroupLimits {
  uint64_t memory_max = 0;    // bytes, 0 = unlimited
  uint64_t pids_max = 0;      // 0 = unlimited
  uint64_t cpu_quota_us = 0;  // per cpu_period_us, 0 = unlimited
  uint64_t cpu_period_us = 100000;
  uint64_t cpu_weight = 0;  // 1..10000, 0 = default
  bool operator==(const CgroupLimits&) const = default;
};

// Whether container mode adds a user namespace. Auto: only when not root (root
// keeps real capabilities, which learn must see as a root workload would).
enum class UserNsMode { Auto, Always, Never };
const char* user_ns_mode_name(UserNsMode m);
Result<UserNsMode> user_ns_mode_from_name(const std::string& name);

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH like execvp
  std::vector<std::string> env;   // KEY=VALUE; empty = inherit the launcher's environment
  bool env_exact = false;         // true: `env` is the whole environment, even when empty
  std::string cwd;                // empty = the launcher's cwd ("/" with rootfs)
  // Container mode: the container's root is this directory (an image's root
  // filesystem, see enforce/rootfs.h) instead of the host's; argv[0], cwd and
  // every path of the workload are then looked up inside it. "" = the host's.
  std::string rootfs;
  bool container = true;  // false: --no-container
  NetMode net = NetMode::Host;
  UserNsMode user_ns = UserNsMode::Auto;
  bool require_cgroup = false;  // fail instead of warning when no cgroup can be created
  CgroupLimits limits;
  Confinement confine;  // what `profile enforce` adds; nothing by default (learn)
  // For a workload with CAP_SYS_ADMIN (learn: root, or root in its user
  // namespace; enforce: a profile that keeps it), with which TIOCSTI works on
  // any terminal fd it holds, not only its controlling one: a seccomp filter,
  // loaded without no_new_privs, answers ioctl TIOCSTI and TIOCLINUX with EPERM.
  bool guard_terminal = false;
  // For the denial report (container mode): the supervisor forks the workload
  // sharing its fd table (CLONE_FILES) and, once the workload has loaded its
  // filter, sends the seccomp listener it created (the published program must
  // have SECCOMP_FILTER_FLAG_NEW_LISTENER) to take_seccomp_listener_socket().
  bool seccomp_listener = false;
};

// Hooks into the launch. `before_exec` runs in the workload child as the very last
// step before execve: it must be async-signal-safe (no allocation) and returns 0
// or an errno value, which fails the launch with `before_exec_what` as the step.
struct LaunchHooks {
  int (*before_exec)(void* ctx) = nullptr;
  void* ctx = nullptr;
  const char* before_exec_what = "prepare the workload";
};

class Container {
 public:
  virtual ~Container() = default;
  [[nodiscard]] virtual pid_t top_pid() const = 0;
  [[nodiscard]] virtual uint64_t cgroup_id() const = 0;  // cgroup v2 id, 0 if none
  [[nodiscard]] virtual uint64_t pidns_inode() const = 0;
  [[nodiscard]] virtual uint64_t pidns_dev() const = 0;
  // The settings actually used, for RunInfo::container ("net" -> "loopback", ...).
  [[nodiscard]] virtual std::map<std::string, std::string> describe() const = 0;
  // Lets the paused first process go on. Call once, after attaching tracers.
  virtual Status release() = 0;
  // After the caller reaped top_pid with `wait_status`: collects the workload's
  // exit (from the supervisor's report in container mode), kills and reaps
  // everything left in the cgroup, removes the cgroup.
  virtual Result<ExitInfo> finish(int wait_status) = 0;
  // Convenience when no tracer waits: waitpid(top_pid) then finish().
  virtual Result<ExitInfo> wait() = 0;
  // The container's cgroup directories (v2 first, then v1 ones); empty when the
  // workload runs without a cgroup. For diagnostics and tests; not recorded.
  [[nodiscard]] virtual std::vector<std::string> cgroup_dirs() const = 0;
  // SIGKILLs every process of the container now (cgroup.kill, or the cgroup's
  // processes one by one, and top_pid): for --timeout. The caller still waits.
  virtual Status kill_all() = 0;
  // With LaunchSpec::seccomp_listener: the socket on which the supervisor
  // sends the workload's seccomp listener (one SCM_RIGHTS message, see
  // receive_seccomp_listener), or EOF when the workload made none. Once.
  virtual Fd take_seccomp_listener_socket() = 0;
};

// Spawns the container's first process paused. Launch failures (command not
// found, namespaces refused, cgroup not writable when required) come back as an
// Error naming the step and errno, e.g. "clone(CLONE_NEWUSER|...): EPERM"; the
// workload then never ran. Failures in the workload child after release()
// (chdir, before_exec, execve) come back from finish()/wait() the same way,
// again before the workload's own code ran.
// The thread that calls this must outlive the container: the supervisor has
// PR_SET_PDEATHSIG(SIGKILL) so that killing profile kills the whole container.
Result<std::unique_ptr<Container>> spawn_container(const LaunchSpec& spec, const LaunchHooks& hooks);

// Resolves argv[0] like execvp does (PATH search when it has no '/'), in the
// launcher, so that a missing or non-executable command is reported before any
// namespace is made. Errors carry ENOENT (-> exit 127) or EACCES (-> exit 126).
Result<std::string> resolve_command(const std::string& argv0, const std::string& path_env);
// The same inside the root filesystem `root` (symbolic links resolved as in a
// container on it; a relative argv0 with a '/' from `cwd` there): returns the
// path as the container sees it. "not found" names the root.
Result<std::string> resolve_command_in_root(const std::string& argv0, const std::string& path_env,
                                            const std::string& root, const std::string& cwd);

// The exit status profile should use for a launch Error, from its kind: 127 /
// 126 when the command is not found / cannot be executed (resolve_command, or
// the workload's execve failing in the container, e.g. refused by Landlock),
// 2 for a refused input (an unsafe bundle), else 125.
int launch_error_exit_code(const Error& error);

// Forwards SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH received
// by this process to `pid`. Call with -1 to stop forwarding.
void forward_signals_to(pid_t pid);

// The read end of a pipe that receives one byte, the signal number, for every
// SIGINT, SIGTERM, SIGHUP or SIGQUIT forwarded (non-blocking, close-on-exec,
// process-wide, never closed; drained whenever forwarding starts). -1 if the
// pipe cannot be made. The Watchdog reads it to end a container that cannot
// react (its pid 1 stopped or traced by the workload).
int termination_signal_fd();

// Exit status used by profile itself when the launcher fails (not the workload).
inline constexpr int kLauncherFailure = 125;
inline constexpr int kCommandNotExecutable = 126;
inline constexpr int kCommandNotFound = 127;

}  // namespace profile
