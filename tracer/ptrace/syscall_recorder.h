// What the ptrace tracer does at each syscall stop: count the syscall, record the
// policy-selected scalar arguments, and for path/exec/network syscalls decode the
// arguments at the seccomp (entry) stop and record the outcome at the exit stop.
// Single-threaded: only the stop loop calls it. Allocation-free for syscalls
// that need no decoding; buffers are reused for the rest.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <unordered_set>
#include <vector>

#include "common/policy.h"
#include "common/recording.h"
#include "tracer/ptrace/path_resolver.h"
#include "tracer/ptrace/syscall_decoder.h"
#include "tracer/tracer.h"

namespace profile::ptrace {

// A syscall decoded at its entry whose outcome the exit stop will tell.
struct PendingSyscall {  // NOLINT(bugprone-reserved-identifier): __i0 is clang's, in the implicit array copy
  struct Path {
    ResolvedPath resolved;
    Access kinds[3];
    int nkinds = 0;
  };
  const SyscallSpec* spec = nullptr;
  Path paths[2];
  int npaths = 0;
  const char* created_type = "";
  bool exec = false;
  bool net = false;
  NetEndpoint endpoint;
};

// Per tracee thread state kept between stops.
struct ThreadState {
  TraceeFs fs;
  PendingSyscall pending;
  bool has_pending = false;
  // Whether lookups of this thread are free of permission checks (root with
  // CAP_DAC_OVERRIDE/READ_SEARCH in the initial user namespace): -1 unknown.
  // Copied to new threads and children (credentials are), reset by exec and
  // credential changes.
  int8_t privileged = -1;
  // The thread confined itself (seccomp, Landlock): its outcomes are never
  // predicted. Inherited and kept across exec, like the confinement itself.
  bool confined = false;
  // Its pending syscall is a clone or clone3 with CLONE_UNTRACED: the child it
  // makes is not followed, which the exit stop counts as lost (ptrace_tracer.cpp).
  bool untraced_clone = false;
  // The file its last successful execve named (resolved), to tell a script
  // from the interpreter the kernel ran for it.
  std::string last_exec;
};

// The raw values of one syscall stop (from PTRACE_GET_SYSCALL_INFO).
struct SyscallStop {
  uint32_t audit_arch = 0;
  uint64_t nr = 0;
  uint64_t args[6] = {};
};

class SyscallRecorder {
 public:
  void prepare(const ArgPolicy& policy, LiveCounters* counters);
  // At the seccomp stop. Returns true when the exit stop is needed; then
  // `st.pending` holds what to complete in on_exit.
  bool on_entry(pid_t tid, ThreadState& st, const SyscallStop& stop);
  void on_exit(ThreadState& st, int64_t rval, bool is_error);
  // At PTRACE_EVENT_EXEC, with the new image (/proc/<tid>/exe): when it is not
  // the file execve named, the kernel ran a script's interpreter (#!), which
  // no syscall shows: recorded as executed too.
  void on_exec_image(ThreadState& st, const std::string& image);
  // Something could not be decoded (unknown architecture).
  void count_lost() { ++lost_; }
  [[nodiscard]] uint64_t lost() const { return lost_; }
  Recording take();

 private:
  using Tuple = std::array<uint64_t, 6>;
  struct TupleHash {
    size_t operator()(const Tuple& t) const noexcept {
      size_t h = 0;
      for (uint64_t v : t) h = h * 1000003u ^ std::hash<uint64_t>{}(v);
      return h;
    }
  };
  struct ArgSeen {
    const ArgRule* rule = nullptr;
    std::unordered_set<Tuple, TupleHash> tuples;
  };

  void count(Arch arch, uint64_t nr);
  void record_args(pid_t tid, Arch arch, uint64_t nr, const ArgRule& rule, const SyscallStop& stop);
  bool decode_path(pid_t tid, ThreadState& st, PathArg arg, const SyscallStop& stop, bool follow, bool empty_is_fd,
                   PendingSyscall::Path& out);
  bool entry_open(pid_t tid, ThreadState& st, const SyscallStop& stop, uint64_t flags);
  bool entry_path(pid_t tid, ThreadState& st, const SyscallStop& stop);
  bool entry_net(pid_t tid, ThreadState& st, const SyscallStop& stop);
  bool entry_mmap(pid_t tid, ThreadState& st, const SyscallStop& stop);
  bool is_privileged(pid_t tid, ThreadState& st);
  // The outcome of a read-only probe known from the lookup made at entry, or
  // nullptr when only the exit stop can tell.
  const char* predict(pid_t tid, ThreadState& st, const SyscallStop& stop, uint64_t open_flags);
  void record_outcome(ThreadState& st, const Outcome& outcome, bool is_error);

  SyscallTable table_;
  LiveCounters* counters_ = nullptr;
  std::array<std::vector<uint64_t>, kArchCount> counts_;
  std::map<std::pair<Arch, uint64_t>, uint64_t> big_counts_;  // numbers beyond the tables
  std::map<std::pair<Arch, uint64_t>, ArgSeen> args_;
  Recording rec_;
  PathResolver resolver_;
  std::string path_arg_;
  std::string abs_;
  std::string own_userns_;
  bool fd_stat_ = false;  // the decoded path is an open descriptor (AT_EMPTY_PATH)
  // Paths already predicted missing once. A path probed again is polled: the
  // workload waits for something else to create it, which can happen between
  // the lookup and the syscall, so its outcome is read at the exit stop.
  std::unordered_set<std::string> predicted_missing_;
  uint64_t distinct_ = 0;
  uint64_t lost_ = 0;
};

}  // namespace profile::ptrace
