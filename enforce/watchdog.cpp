#include "enforce/watchdog.h"

#include <chrono>

#include "common/log.h"

namespace profile {

Watchdog::Watchdog(Container& c, double timeout_s) : c_(c) {
  if (timeout_s <= 0) return;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  thread_ = std::thread([this, deadline] {
    std::unique_lock<std::mutex> lock(mutex_);
    if (cv_.wait_until(lock, deadline, [this] { return stopped_; })) return;
    fired_ = true;
    if (auto st = c_.kill_all(); !st) log::warn(st.error().message);
  });
}

void Watchdog::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace profile
