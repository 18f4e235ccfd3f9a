// Ends a container that its caller can no longer end by ordinary means, for
// `profile learn` (learn()), complain mode and `profile enforce`:
//  - --timeout: kills the whole container when the time passes before stop();
//  - after a forwarded SIGINT/SIGTERM/SIGHUP/SIGQUIT (signal_grace_s > 0): kills
//    it when its pid 1 cannot pass the signal on (stopped, or traced by anyone
//    but profile, which a root workload can do to it) and still has not ended
//    signal_grace_s later; a second such signal kills it at once. A workload
//    that is merely slow to shut down (a database flushing) is left alone.
// A thread rather than a poll loop, because under a tracer the tracer owns the
// wait; the caller still reaps the container and goes on (writes its bundle).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <thread>

#include "common/fd.h"
#include "enforce/launcher.h"

namespace profile {

class Watchdog {
 public:
  // timeout_s <= 0: no timeout; signal_grace_s <= 0: signals are not watched.
  Watchdog(Container& c, double timeout_s, double signal_grace_s = 0);
  ~Watchdog() { stop(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Call once the container's first process was reaped; joins the thread.
  void stop();
  // The timeout killed the container.
  [[nodiscard]] bool fired() const { return fired_; }
  // 0, or the signal after which the watchdog had to kill the container.
  [[nodiscard]] int killed_after_signal() const { return killed_after_signal_; }

 private:
  void run(double timeout_s, double signal_grace_s);

  Container& c_;
  Fd wake_read_, wake_write_;
  std::atomic<bool> fired_{false};
  std::atomic<int> killed_after_signal_{0};
  std::thread thread_;
};

// Whether `pid` (the container's pid 1) cannot act on a signal: stopped, or
// traced by a process other than this one. Reads /proc/PID/status.
bool init_looks_hijacked(pid_t pid);

// How long learn and enforce wait, after a forwarded termination signal, for a
// container whose pid 1 cannot pass it on.
inline constexpr double kSignalGraceSeconds = 2.0;

}  // namespace profile
