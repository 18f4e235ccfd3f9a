#include <cstring>
#include <string>

#include "common/result.h"

namespace profile {

std::string errno_name(int err) {
  // strerrorname_np (glibc >= 2.32) is the C library's own table; no hand-written list.
  if (const char* name = ::strerrorname_np(err)) return name;
  return "E" + std::to_string(err);
}

int errno_from_name(const std::string& name) {
  for (int e = 1; e < 4096; ++e) {
    const char* n = ::strerrorname_np(e);
    if (n != nullptr && name == n) return e;
  }
  if (name.size() > 1 && name[0] == 'E') {
    try {
      size_t used = 0;
      int v = std::stoi(name.substr(1), &used);
      if (used == name.size() - 1 && v > 0) return v;
    } catch (...) {
    }
  }
  return -1;
}

}  // namespace profile
