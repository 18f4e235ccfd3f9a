// The live status line of long-running commands: one line on stderr, redrawn in
// place, only when stderr is a terminal and --quiet was not given.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace profile::cli {

class StatusLine {
 public:
  // `render` returns the text of the line; it is called from the status thread.
  explicit StatusLine(std::function<std::string()> render);
  ~StatusLine();
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  // Starts redrawing (no-op when stderr is not a terminal or the log level is quiet).
  void start();
  // Stops and erases the line.
  void stop();

 private:
  std::function<std::string()> render_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace profile::cli
