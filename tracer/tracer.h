// The tracer interface: one workload observation backend (ptrace or eBPF) that
// fills a Recording. session/learn.h drives it together with the container launcher.
//
// Call order (all in the launching process unless said otherwise):
//   prepare()                       allocate, build filters, load BPF programs
//   -- launcher spawns the container's first process, paused --
//   attach_from_parent(top, info)   start observing (PTRACE_SEIZE, set BPF filters)
//   -- launcher releases it; in the workload child: --
//   before_exec_in_child()          last step before execve, async-signal-safe
//   wait_from_parent(top)           run until `top` exits; returns its wait status
//   take_recording()                the observations
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/policy.h"
#include "common/recording.h"
#include "common/result.h"

namespace profile {

// Counters the tracer updates as it goes; another thread may read them to show
// progress. Relaxed atomics: they are for display only.
struct LiveCounters {
  std::atomic<uint64_t> syscalls{0};
  std::atomic<uint64_t> distinct_syscalls{0};
  std::atomic<uint64_t> files{0};
};

struct TracerOptions {
  const ArgPolicy* args = nullptr;   // which arguments to record; never null after prepare
  LiveCounters* counters = nullptr;  // may be null
};

// What the launcher tells the tracer about the container it started.
struct TraceTarget {
  pid_t top_pid = -1;        // host pid of the first process (supervisor, or the workload itself)
  bool container = true;     // false with --no-container: top_pid is the workload
  uint64_t cgroup_id = 0;    // cgroup v2 id of the container's cgroup, 0 if none
  uint64_t pidns_inode = 0;  // inode of the container's pid namespace, 0 if none
  uint64_t pidns_dev = 0;
  // Resolve the workload's paths in this host directory instead of
  // /proc/<top_pid>/root: the OCI hook attaches before the runtime's
  // pivot_root, when the init's root is still the host's. "" = top_pid's root.
  std::string root_dir;
};

class Tracer {
 public:
  virtual ~Tracer() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  virtual Status prepare(const TracerOptions& options) = 0;
  virtual Status attach_from_parent(const TraceTarget& target) = 0;
  // Runs in the workload child right before execve: no allocation, no throw;
  // returns 0 or an errno value.
  virtual int before_exec_in_child() noexcept = 0;
  // Blocks until target.top_pid has exited (and, for ptrace, every tracee is
  // gone); returns the top process's raw wait status. EINTR is handled inside.
  virtual Result<int> wait_from_parent() = 0;
  virtual Recording take_recording() = 0;
  [[nodiscard]] virtual uint64_t lost_events() const = 0;
};

}  // namespace profile
