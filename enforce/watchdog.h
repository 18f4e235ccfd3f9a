// --timeout for both `profile enforce` and complain mode (learn()): kills the
// whole container when the time passes before stop() is called. A thread rather
// than a poll loop, because under a tracer the tracer owns the wait.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "enforce/launcher.h"

namespace profile {

class Watchdog {
 public:
  // timeout_s <= 0: never fires (no thread).
  Watchdog(Container& c, double timeout_s);
  ~Watchdog() { stop(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Call once the container's first process was reaped; joins the thread.
  void stop();
  [[nodiscard]] bool fired() const { return fired_; }

 private:
  Container& c_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;
};

}  // namespace profile
