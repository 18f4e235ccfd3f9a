#include "tracer/ebpf/ebpf_paths.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace profile::ebpf {
namespace {

bool starts_with_component(const std::string& path, const std::string& prefix) {
  return path.compare(0, prefix.size(), prefix) == 0 && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace

void PathResolver::set_root(pid_t pid) {
  root_.reset();
  mnt_ns_.reset();
  root_prefix_.clear();
  if (pid <= 0) return;
  std::string proc = "/proc/" + std::to_string(pid);
  root_ = Fd(::open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  // Most events are read after the container is gone; its mount namespace
  // would then be torn down and every mount below its root (/proc, a /srv or
  // /home partition, a tmpfs /run) detached, so that paths on them no longer
  // resolve and their files would be recorded as if they never existed.
  mnt_ns_ = Fd(::open((proc + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
}

void PathResolver::set_root_dir(const std::string& dir) {
  root_ = Fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  mnt_ns_.reset();
  root_prefix_.clear();
  if (!root_) return;
  // The names the kernel gives the opened files are host paths below the
  // directory as it really is (symlinks in `dir` resolved): that prefix goes.
  char buf[4097];
  ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(root_.get())).c_str(), buf, sizeof buf - 1);
  if (n > 1 && buf[0] == '/') root_prefix_.assign(buf, static_cast<size_t>(n));
}

bool PathResolver::open_existing(const std::string& abs, bool follow, Resolved& out) const {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
  how.resolve = root_ ? RESOLVE_IN_ROOT : 0;
  int dirfd = root_ ? root_.get() : AT_FDCWD;
  Fd fd(static_cast<int>(::syscall(SYS_openat2, dirfd, abs.c_str(), &how, sizeof how)));
  if (!fd) return false;
  char buf[4097];
  std::string link = "/proc/self/fd/" + std::to_string(fd.get());
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n <= 0 || buf[0] != '/') return false;  // a file without a path name (deleted, anon)
  out.path.assign(buf, static_cast<size_t>(n));
  if (!root_prefix_.empty() && starts_with_component(out.path, root_prefix_)) {
    out.path.erase(0, root_prefix_.size());
    if (out.path.empty()) out.path = "/";
  }
  struct stat st {};
  out.type = ::fstat(fd.get(), &st) == 0 ? file_type_name(st.st_mode) : "";
  out.exists = true;
  return true;
}

const std::pmr::string* PathResolver::resolved_dir(std::string_view dir) const {
  auto it = dirs_.find(dir);
  if (it != dirs_.end()) return &it->second;
  Resolved r;
  if (!open_existing(std::string(dir), true, r) || r.type != "dir") return nullptr;
  return &dirs_.emplace(dir, std::string_view(r.path)).first->second;
}

Resolved PathResolver::resolve(const std::string& abs, bool follow, uint32_t mode) const {
  Resolved out;
  // /proc/self names the traced process, not us: keep it as written, like the
  // ptrace tracer does after mapping its resolution back.
  if (starts_with_component(abs, "/proc/self") || starts_with_component(abs, "/proc/thread-self")) {
    out.path = abs;
    struct stat st {};
    out.exists = ::lstat(abs.c_str(), &st) == 0;
    out.type = out.exists ? file_type_name(st.st_mode) : "";
    return out;
  }
  size_t slash = abs.rfind('/');
  if (slash != std::string::npos && abs != "/") {
    std::string name = abs.substr(slash + 1);
    const std::pmr::string* dir =
        name == "." || name == ".."
            ? nullptr
            : resolved_dir(slash == 0 ? std::string_view("/") : std::string_view(abs).substr(0, slash));
    if (dir != nullptr) {
      std::string path = *dir == "/" ? "/" + name : std::string(*dir) + "/" + name;
      if (auto it = finals_.find(path); it != finals_.end()) {
        out.type = std::string(it->second);
        out.path = std::move(path);
        out.exists = true;
        return out;
      }
      if (mode != 0 && !follow) {
        // The call saw the file itself, not a symlink's target: no second
        // lookup, and no race with the file changing in between.
        out.path = std::move(path);
        out.type = file_type_name(mode);
        out.exists = true;
        if (!S_ISLNK(mode)) finals_.emplace(std::string_view(out.path), std::string_view(out.type));
        return out;
      }
      struct stat st {};
      int dirfd = root_ ? root_.get() : AT_FDCWD;
      std::string rel = root_ ? path.substr(1) : path;
      if (::fstatat(dirfd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISLNK(st.st_mode) || !follow) {
          out.path = path;
          out.type = file_type_name(st.st_mode);
          out.exists = true;
          if (!S_ISLNK(st.st_mode)) finals_.emplace(std::string_view(out.path), std::string_view(out.type));
          return out;
        }
      } else if (errno == ENOENT) {
        out.path = path;
        return out;
      }
    }
  }
  if (open_existing(abs, follow, out)) return out;
  out = Resolved{};
  if (slash == std::string::npos || abs == "/") {
    out.path = abs;
    return out;
  }
  std::string parent = slash == 0 ? "/" : abs.substr(0, slash);
  std::string name = abs.substr(slash + 1);
  Resolved p;
  if (open_existing(parent, true, p)) {
    out.path = p.path == "/" ? "/" + name : p.path + "/" + name;
  } else {
    out.path = abs;
  }
  return out;
}

}  // namespace profile::ebpf
