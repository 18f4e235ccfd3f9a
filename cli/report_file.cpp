#include "cli/report_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "common/atomic_file.h"
#include "common/fd.h"

namespace profile::cli {
namespace {

std::string dir_of(const std::string& path) {
  auto s = path.rfind('/');
  if (s == std::string::npos) return ".";
  return s == 0 ? "/" : path.substr(0, s);
}

bool same_file(const struct stat& st, int fd) {
  struct stat o {};
  return ::fstat(fd, &o) == 0 && o.st_dev == st.st_dev && o.st_ino == st.st_ino;
}

}  // namespace

Status check_report_path(const std::string& path) {
  const std::string what = "--report " + path;
  if (path.empty()) return make_error("--report needs a file name");
  if (path == "-")
    return make_error(
        "--report -: the report would share stdout with the workload; name a file (--json prints it on stdout)");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Errno().error("stat(\"" + path + "\")").wrap(what);
    const std::string dir = dir_of(path);
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode))
      return make_error(what + ": the directory " + dir + " does not exist");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      return make_error(what + ": the directory " + dir + " is not writable (" + errno_name(errno) + ")");
    return {};
  }
  if (S_ISDIR(st.st_mode)) return make_error(what + " is a directory");
  // A terminal or a file that stdout or stderr already writes to is the stream
  // the workload writes to as well.
  if (same_file(st, STDOUT_FILENO) || same_file(st, STDERR_FILENO))
    return make_error(what + " is also where the workload's stdout or stderr goes; name a file of its own");
  if (S_ISREG(st.st_mode)) {
    char real[PATH_MAX];
    if (::realpath(path.c_str(), real) == nullptr) return Errno().error("realpath(\"" + path + "\")").wrap(what);
    const std::string dir = dir_of(real);
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      return make_error(what + ": the directory " + dir + " is not writable (" + errno_name(errno) + ")");
    return {};
  }
  if (::access(path.c_str(), W_OK) != 0) return make_error(what + " is not writable (" + errno_name(errno) + ")");
  return {};
}

Status write_report(const std::string& path, const std::string& content) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return Errno().error("open(\"" + path + "\", O_WRONLY)");
    for (size_t done = 0; done < content.size();) {
      ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno().error("write(\"" + path + "\")");
      done += static_cast<size_t>(n);
    }
    return {};
  }
  std::string target = path;
  char real[PATH_MAX];
  // Through a symbolic link: the rename must replace its target, not the link.
  if (::realpath(path.c_str(), real) != nullptr) target = real;
  return write_file_atomic(target, content, 0644);
}

}  // namespace profile::cli
