// Command lookup done in the launcher, before any namespace exists, so that
// "not found" and "not executable" are plain errors with the shell's exit codes.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "enforce/launcher.h"

namespace profile {
namespace {

// Prefix shared by resolve_command's errors: launch_error_exit_code keys on it
// because chdir or execve failing with ENOENT later must still exit 125.
constexpr const char* kCommandPrefix = "command \"";

// 0 when `path` is an executable regular file, else the errno execve would give.
int check_executable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno;
  if (S_ISDIR(st.st_mode)) return EACCES;
  if (!S_ISREG(st.st_mode)) return EACCES;
  if (::access(path.c_str(), X_OK) != 0) return errno;
  return 0;
}

}  // namespace

Result<std::string> resolve_command(const std::string& argv0, const std::string& path_env) {
  if (argv0.empty()) return Error{"no command given", EINVAL};
  if (argv0.find('/') != std::string::npos) {
    int err = check_executable(argv0);
    if (err == 0) return argv0;
    if (err == ENOENT || err == ENOTDIR) {
      return Error{kCommandPrefix + argv0 + "\" not found: " + errno_name(err), ENOENT};
    }
    return Error{kCommandPrefix + argv0 + "\" is not executable: " + errno_name(err), EACCES};
  }
  // Like execvp: an empty PATH entry means the current directory; a match that
  // is not executable is remembered but the search goes on.
  std::string path = path_env.empty() ? "/usr/local/bin:/usr/bin:/bin" : path_env;
  std::string denied;
  size_t start = 0;
  while (true) {
    size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + argv0;
    int err = check_executable(candidate);
    if (err == 0) return candidate;
    // Only a file that exists but cannot be run counts as "not executable"; an
    // unreadable PATH directory (EACCES from stat) is skipped, as shells do.
    struct stat st {};
    if (err != ENOENT && err != ENOTDIR && denied.empty() && ::stat(candidate.c_str(), &st) == 0) denied = candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!denied.empty()) {
    return Error{kCommandPrefix + argv0 + "\" is not executable (" + denied + "): EACCES", EACCES};
  }
  return Error{kCommandPrefix + argv0 + "\" not found in PATH (" + path + ")", ENOENT};
}

int launch_error_exit_code(const Error& error) {
  if (error.message.rfind(kCommandPrefix, 0) == 0) {
    if (error.errno_value == ENOENT) return kCommandNotFound;
    if (error.errno_value == EACCES) return kCommandNotExecutable;
  }
  return kLauncherFailure;
}

}  // namespace profile
