// What every fuzz target checks of a parser's answer besides "no crash, no
// exception": a refusal is bad input (exit status 2) and names the file.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/result.h"

namespace profile::fuzz {

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz check failed: %s\n", what.c_str());
  std::abort();
}

inline void check_names(const Error& e, const std::string& source) {
  if (e.message.find(source) == std::string::npos) fail("a refusal that does not name " + source + ": " + e.message);
}

inline void check_refusal(const Error& e, const std::string& source) {
  if (e.kind != ErrorKind::BadInput)
    fail("a refusal of kind " + std::to_string(static_cast<int>(e.kind)) + ": " + e.message);
  check_names(e, source);
}

inline std::string text_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace profile::fuzz
