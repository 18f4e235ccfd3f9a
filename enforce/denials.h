// The denial report of `profile enforce`: what the confinement refused the
// workload, aggregated, so that the user sees at once what was denied, by which
// mechanism, and how to allow it.
//
// seccomp: the filter is compiled with SCMP_ACT_NOTIFY for its denials only
// (SeccompCompileOptions::notify_denials), so allowed calls stay in the kernel
// at the usual cost; a DenialMonitor thread in the launcher answers each
// notification at once with the profile's errno (the workload sees the same
// EPERM as without the report) and counts it. Needs SECCOMP_RET_USER_NOTIF
// (Linux 5.0; 5.5 for the listener flag we rely on) and the supervisor's
// listener handoff (LaunchSpec::seccomp_listener).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/fd.h"
#include "common/result.h"

namespace profile {

// One distinct denial, with how often it happened and who did it first.
struct Denial {
  std::string mechanism;  // "seccomp"
  std::string arch;       // "x86_64", "x86", ...
  std::string syscall;    // "write", or its number when libseccomp has no name
  std::string detail;     // the key argument: "fd 1", "AF_INET6", ""
  uint64_t count = 0;
  pid_t first_pid = 0;           // as the launcher sees it (the host's pid namespace)
  std::string first_comm;        // /proc/PID/comm at the time of the call
  int error = 0;                 // the errno the workload got
  bool args_restricted = false;  // the profile allows this call with other arguments only
};

// The argument that tells denials of one syscall apart, as the user reads it:
// the fd for calls on an fd ("fd 1"), the family for socket ("AF_INET6"), the
// signal for kill/tgkill ("SIGABRT"), the request for ioctl. "" for the rest.
std::string denial_detail(const std::string& syscall, const uint64_t args[6]);

// Aggregates denials by (mechanism, arch, syscall, detail), in first-seen order.
class DenialTally {
 public:
  // Returns true when this is the first denial with that key.
  bool add(const Denial& d);
  // Whether a denial with d's key was added.
  [[nodiscard]] bool contains(const Denial& d) const;
  [[nodiscard]] const std::vector<Denial>& denials() const { return list_; }

 private:
  std::vector<Denial> list_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, size_t> index_;
};

// "denied 3x: write(fd 1), first by pid 42 (sh) — seccomp: write is not in the profile (EPERM)"
std::string denial_line(const Denial& d);

// What the report says about a workload that died by a signal the profile
// explains: SIGSYS (a kill action), or SIGSEGV/SIGABRT after denied calls
// (abort() whose raise was denied ends in SIGSEGV). "" when nothing to say.
std::string unexpected_signal_line(int signal, bool seccomp_kills, bool had_denials);

// Receives the listener the supervisor sends over `socket` (see
// LaunchSpec::seccomp_listener): an invalid Fd at EOF (no listener was made).
Result<Fd> receive_seccomp_listener(int socket);

// The thread that answers and counts the workload's seccomp notifications.
// start() returns at once; the thread first waits for the listener on
// `listener_socket`. stop() (also on destruction) ends it and returns what it saw.
class DenialMonitor {
 public:
  struct Options {
    int answer_errno = 1;                     // EPERM: what the profile's default returns
    std::set<std::string> allowed_with_args;  // syscalls the profile allows for some arguments only
    bool live = false;                        // say each new denial on stderr as it happens
  };
  static Result<std::unique_ptr<DenialMonitor>> start(Fd listener_socket, Options options);
  ~DenialMonitor();
  DenialMonitor(const DenialMonitor&) = delete;
  DenialMonitor& operator=(const DenialMonitor&) = delete;

  // Ends the thread; the denials it answered, and whether a listener arrived.
  std::vector<Denial> stop();
  [[nodiscard]] bool had_listener() const { return had_listener_.load(); }
  // The error that ended the thread early ("" if none), e.g. a failed receive.
  [[nodiscard]] std::string error() const;

 private:
  DenialMonitor(Fd socket, Fd stop, Options options);
  void run();

  Fd socket_, stop_;
  Options options_;
  DenialTally tally_;
  std::string error_;
  std::atomic<bool> had_listener_{false};
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace profile
