#include "common/path_roots.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace profile::roots {

namespace {

// As the kernel names the files below it (the recording's paths are resolved).
std::string resolved(const std::string& dir) {
  char* real = ::realpath(dir.c_str(), nullptr);
  if (real == nullptr) return dir;
  std::string out = real;
  std::free(real);
  return out;
}

}  // namespace

std::string workload_home(const std::vector<std::string>* env, uid_t uid) {
  if (env != nullptr) {
    for (const auto& kv : *env)
      if (kv.rfind("HOME=", 0) == 0 && kv.size() > 5) return resolved(kv.substr(5));
  } else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    return resolved(h);
  }
  // CI runs without HOME: programs then ask the user database (getpwuid), and
  // the root must stand for what they find.
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr || pw.pw_dir == nullptr)
    return "";
  return resolved(pw.pw_dir);
}

}  // namespace profile::roots
