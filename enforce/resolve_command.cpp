// Command lookup done in the launcher, before any namespace exists, so that
// "not found" and "not executable" are plain errors with the shell's exit codes.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "common/fd.h"
#include "enforce/launcher.h"

namespace profile {
namespace {

constexpr const char* kCommandPrefix = "command \"";

// The kind carries the exit status (126/127): a chdir failing with ENOENT
// later must still exit 125, so the errno alone cannot decide it.
Error not_found(std::string message) {
  return Error{std::move(message), ENOENT, ErrorKind::NotFound};
}
Error not_executable(std::string message) {
  return Error{std::move(message), EACCES, ErrorKind::NotExecutable};
}

// 0 when `path` is an executable regular file, else the errno execve would give.
int check_executable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno;
  if (S_ISDIR(st.st_mode)) return EACCES;
  if (!S_ISREG(st.st_mode)) return EACCES;
  if (::access(path.c_str(), X_OK) != 0) return errno;
  return 0;
}

// check_executable for `path` inside `root_fd`, resolved as the container will
// (RESOLVE_IN_ROOT: an absolute symbolic link in the image stays in the image).
int check_executable_in_root(int root_fd, const std::string& path) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  Fd fd(static_cast<int>(::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how)));
  if (!fd) return errno;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno;
  if (!S_ISREG(st.st_mode)) return EACCES;
  // The container's user is not known here: any execute bit will do (execve
  // in the container reports the rest).
  if ((st.st_mode & 0111) == 0) return EACCES;
  return 0;
}

}  // namespace

Result<std::string> resolve_command_in_root(const std::string& argv0, const std::string& path_env,
                                            const std::string& root, const std::string& cwd) {
  if (argv0.empty()) return Error{"no command given", EINVAL, ErrorKind::BadInput};
  Fd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) {
    int err = errno;
    return Error{"root filesystem " + root + " cannot be opened: " + errno_name(err), err, ErrorKind::BadInput};
  }
  std::string where = " in the root filesystem " + root;
  auto check = [&](const std::string& path) {
    std::string in_root = path[0] == '/' ? path : (cwd.empty() ? "/" : cwd) + "/" + path;
    return std::make_pair(check_executable_in_root(root_fd.get(), in_root), in_root);
  };
  if (argv0.find('/') != std::string::npos) {
    auto [err, in_root] = check(argv0);
    if (err == 0) return argv0;
    if (err == ENOENT || err == ENOTDIR) return not_found(kCommandPrefix + argv0 + "\" not found" + where);
    return not_executable(kCommandPrefix + argv0 + "\" is not executable" + where + ": " + errno_name(err));
  }
  std::string path = path_env.empty() ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" : path_env;
  std::string denied;
  size_t start = 0;
  while (true) {
    size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + argv0;
    auto [err, in_root] = check(candidate);
    if (err == 0) return candidate;
    if (err == EACCES && denied.empty()) denied = candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!denied.empty()) return not_executable(kCommandPrefix + argv0 + "\" is not executable (" + denied + ")" + where);
  return not_found(kCommandPrefix + argv0 + "\" not found in PATH (" + path + ")" + where);
}

Result<std::string> resolve_command(const std::string& argv0, const std::string& path_env) {
  if (argv0.empty()) return Error{"no command given", EINVAL, ErrorKind::BadInput};
  if (argv0.find('/') != std::string::npos) {
    int err = check_executable(argv0);
    if (err == 0) return argv0;
    if (err == ENOENT || err == ENOTDIR) {
      return not_found(kCommandPrefix + argv0 + "\" not found: " + errno_name(err));
    }
    return not_executable(kCommandPrefix + argv0 + "\" is not executable: " + errno_name(err));
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
    return not_executable(kCommandPrefix + argv0 + "\" is not executable (" + denied + "): EACCES");
  }
  return not_found(kCommandPrefix + argv0 + "\" not found in PATH (" + path + ")");
}

int launch_error_exit_code(const Error& error) {
  return exit_code_for(error);
}

}  // namespace profile
