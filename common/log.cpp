#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

namespace profile::log {
namespace {
std::atomic<Level> g_level{Level::Info};

void emit(Level at, std::string_view tag, std::string_view message) {
  if (static_cast<int>(g_level.load()) < static_cast<int>(at)) return;
  std::string line = "profile: ";
  line += tag;
  line += message;
  line += '\n';
  // One write so that concurrent processes do not interleave within a line.
  ssize_t unused = ::write(STDERR_FILENO, line.data(), line.size());
  (void)unused;
}
}  // namespace

void set_level(Level level) {
  g_level = level;
}
Level level() {
  return g_level;
}
void error(std::string_view m) {
  emit(Level::Error, "error: ", m);
}
void warn(std::string_view m) {
  emit(Level::Warn, "warning: ", m);
}
void info(std::string_view m) {
  emit(Level::Info, "", m);
}
void debug(std::string_view m) {
  emit(Level::Debug, "debug: ", m);
}

}  // namespace profile::log
