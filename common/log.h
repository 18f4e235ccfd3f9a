// Logging to stderr with a "profile: " prefix. Messages are whole sentences.
#pragma once

#include <string_view>

namespace profile::log {

enum class Level { Quiet = 0, Error = 1, Warn = 2, Info = 3, Debug = 4 };

void set_level(Level level);
Level level();

void error(std::string_view message);
void warn(std::string_view message);
void info(std::string_view message);
void debug(std::string_view message);

}  // namespace profile::log
