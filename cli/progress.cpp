#include "cli/progress.h"

#include <unistd.h>

#include "common/log.h"

namespace profile::cli {

StatusLine::StatusLine(std::function<std::string()> render) : render_(std::move(render)) {}

StatusLine::~StatusLine() {
  stop();
}

void StatusLine::start() {
  if (running_ || !::isatty(STDERR_FILENO) || log::level() < log::Level::Info) return;
  running_ = true;
  thread_ = std::thread([this] {
    while (running_) {
      std::string line = "\r\033[K" + render_();
      ssize_t unused = ::write(STDERR_FILENO, line.data(), line.size());
      (void)unused;
      for (int i = 0; i < 5 && running_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const char erase[] = "\r\033[K";
    ssize_t unused = ::write(STDERR_FILENO, erase, sizeof erase - 1);
    (void)unused;
  });
}

void StatusLine::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

}  // namespace profile::cli
