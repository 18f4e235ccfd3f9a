#include "session/watchdog.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>

#include "common/log.h"

namespace profile {
namespace {

using Clock = std::chrono::steady_clock;

// The "State:" letter and "TracerPid:" of /proc/PID/status.
bool read_status(pid_t pid, char& state, pid_t& tracer) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return false;
  std::string line;
  state = '?';
  tracer = 0;
  while (std::getline(in, line)) {
    if (line.rfind("State:", 0) == 0) {
      size_t at = line.find_first_not_of(" \t", 6);
      if (at != std::string::npos) state = line[at];
    } else if (line.rfind("TracerPid:", 0) == 0) {
      tracer = static_cast<pid_t>(std::atoi(line.c_str() + 10));
    }
  }
  return true;
}

// A tracer thread of ours (the ptrace tracer traces pid 1 from one of them).
bool is_our_task(pid_t tid) {
  struct stat st {};
  return ::stat(("/proc/self/task/" + std::to_string(tid)).c_str(), &st) == 0;
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

bool init_looks_hijacked(pid_t pid) {
  // Our own ptrace tracer stops pid 1 briefly at each of its events: only a
  // stop that lasts across several looks counts.
  for (int look = 0; look < 5; ++look) {
    char state = '?';
    pid_t tracer = 0;
    if (!read_status(pid, state, tracer)) return false;  // gone: nothing to end
    if (tracer != 0 && !is_our_task(tracer)) return true;
    if (state != 'T' && state != 't') return false;
    ::usleep(100 * 1000);
  }
  return true;
}

Watchdog::Watchdog(Container& c, double timeout_s, double signal_grace_s) : c_(c) {
  int signal_fd = signal_grace_s > 0 ? termination_signal_fd() : -1;
  if (timeout_s <= 0 && signal_fd < 0) return;
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
    log::warn(Errno().error("watchdog: pipe2").message + "; --timeout and the end of a hijacked container are off");
    return;
  }
  wake_read_ = Fd(p[0]);
  wake_write_ = Fd(p[1]);
  thread_ = std::thread([this, timeout_s, signal_grace_s] { run(timeout_s, signal_grace_s); });
}

void Watchdog::run(double timeout_s, double signal_grace_s) {
  int signal_fd = signal_grace_s > 0 ? termination_signal_fd() : -1;
  std::optional<Clock::time_point> timeout_at, check_at;
  if (timeout_s > 0)
    timeout_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  auto grace = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(signal_grace_s));
  int first_signal = 0;
  auto kill_after_signal = [&](int sig, const char* why) {
    killed_after_signal_ = sig;
    log::warn(std::string("the container did not end after ") + signal_name(sig) + " (" + why +
              "): killed every process in it");
    if (auto st = c_.kill_all(); !st) log::warn(st.error().message);
  };
  while (true) {
    auto now = Clock::now();
    std::optional<Clock::time_point> next = timeout_at;
    if (check_at && (!next || *check_at < *next)) next = check_at;
    int wait_ms = -1;
    if (next) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now).count();
      wait_ms = ms < 0 ? 0 : static_cast<int>(ms) + 1;
    }
    pollfd fds[2] = {{wake_read_.get(), POLLIN, 0}, {signal_fd, POLLIN, 0}};
    int n = ::poll(fds, signal_fd >= 0 ? 2 : 1, wait_ms);
    if (n < 0 && errno != EINTR) {
      log::warn(Errno().error("watchdog: poll").message);
      return;
    }
    if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP)) != 0) return;  // stop()
    if (n > 0 && signal_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
      unsigned char buf[16];
      ssize_t got = ::read(signal_fd, buf, sizeof buf);
      for (ssize_t i = 0; i < got; ++i) {
        if (first_signal != 0) {
          kill_after_signal(first_signal, "a second signal came");
          return;
        }
        first_signal = buf[i];
        check_at = Clock::now() + grace;
      }
    }
    now = Clock::now();
    if (timeout_at && now >= *timeout_at) {
      fired_ = true;
      if (auto st = c_.kill_all(); !st) log::warn(st.error().message);
      return;
    }
    if (check_at && now >= *check_at) {
      if (init_looks_hijacked(c_.top_pid())) {
        kill_after_signal(first_signal, "its pid 1 is stopped or traced by the workload, so it cannot pass it on");
        return;
      }
      check_at = Clock::now() + grace;  // it may still be hijacked later
    }
  }
}

void Watchdog::stop() {
  if (wake_write_) {
    unsigned char byte = 0;
    (void)!::write(wake_write_.get(), &byte, 1);
  }
  if (thread_.joinable()) thread_.join();
  wake_write_.reset();
  wake_read_.reset();
}

}  // namespace profile
