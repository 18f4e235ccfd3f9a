#include "tracer/ptrace/path_resolver.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace profile::ptrace {
namespace {

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

// Parses the last number of a "Key:\t1\t2" line of /proc/<tid>/status.
pid_t last_number(const char* line_end_exclusive_start, const char* end) {
  const char* p = end;
  while (p > line_end_exclusive_start && (p[-1] < '0' || p[-1] > '9')) --p;
  const char* digits_end = p;
  while (p > line_end_exclusive_start && p[-1] >= '0' && p[-1] <= '9') --p;
  if (p == digits_end) return 0;
  return static_cast<pid_t>(std::strtol(std::string(p, digits_end).c_str(), nullptr, 10));
}

}  // namespace

std::string normalize_lexical(const std::string& abs) {
  std::string out;
  out.reserve(abs.size());
  size_t i = 0;
  while (i < abs.size()) {
    while (i < abs.size() && abs[i] == '/') ++i;
    size_t j = abs.find('/', i);
    if (j == std::string::npos) j = abs.size();
    if (j > i && !(j - i == 1 && abs[i] == '.')) {
      out += '/';
      out.append(abs, i, j - i);
    }
    i = j;
  }
  if (out.empty()) out = "/";
  return out;
}

bool rewrite_proc_self(std::string& path, pid_t ns_tgid, pid_t ns_tid) {
  auto matches = [&](const char* prefix) {
    size_t n = std::strlen(prefix);
    return path.compare(0, n, prefix) == 0 && (path.size() == n || path[n] == '/');
  };
  if (matches("/proc/self")) {
    path.replace(0, 10, "/proc/" + std::to_string(ns_tgid));
    return true;
  }
  if (matches("/proc/thread-self")) {
    path.replace(0, 17, "/proc/" + std::to_string(ns_tgid) + "/task/" + std::to_string(ns_tid));
    return true;
  }
  return false;
}

bool rewrite_dev_fd(std::string& path) {
  if (!starts_with(path, "/dev/")) return false;
  struct Alias {
    const char* from;
    const char* to;
  };
  static const Alias kAliases[] = {
      {"/dev/fd", "/proc/self/fd"},
      {"/dev/stdin", "/proc/self/fd/0"},
      {"/dev/stdout", "/proc/self/fd/1"},
      {"/dev/stderr", "/proc/self/fd/2"},
  };
  for (const auto& a : kAliases) {
    size_t n = std::strlen(a.from);
    if (path.compare(0, n, a.from) == 0 && (path.size() == n || path[n] == '/')) {
      path.replace(0, n, a.to);
      return true;
    }
  }
  return false;
}

void map_back_proc_self(std::string& path, pid_t ns_tgid, pid_t ns_tid) {
  if (ns_tgid <= 0 || !starts_with(path, "/proc/")) return;
  std::string own = "/proc/" + std::to_string(ns_tgid);
  if (path.compare(0, own.size(), own) != 0 || (path.size() != own.size() && path[own.size()] != '/')) return;
  std::string task = own + "/task/" + std::to_string(ns_tid);
  if (path.compare(0, task.size(), task) == 0 && (path.size() == task.size() || path[task.size()] == '/')) {
    path.replace(0, task.size(), "/proc/thread-self");
    return;
  }
  path.replace(0, own.size(), "/proc/self");
}

bool PathResolver::read_link(const char* link, std::string& out) {
  ssize_t n = ::readlink(link, link_, sizeof link_ - 1);
  if (n < 0) return false;
  out.assign(link_, static_cast<size_t>(n));
  return true;
}

bool PathResolver::open_root(pid_t tid, TraceeFs& fs) {
  if (fs.root) return true;
  char proc[64];
  (void)std::snprintf(proc, sizeof proc, "/proc/%d/root", tid);
  fs.root = Fd(::open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fs.root) return false;
  // A chrooted tracee: paths we read from /proc are relative to our root, the
  // recording wants them as the tracee sees them.
  if (read_link(proc, fs.root_prefix) && fs.root_prefix == "/") fs.root_prefix.clear();
  return true;
}

bool PathResolver::load_ids(pid_t tid, TraceeFs& fs) {
  if (fs.ns_tgid > 0) return true;
  char proc[64];
  (void)std::snprintf(proc, sizeof proc, "/proc/%d/status", tid);
  Fd fd(::open(proc, O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  char buf[4096];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return false;
  buf[n] = '\0';
  for (char* line = buf; line != nullptr && *line != '\0';) {
    char* nl = std::strchr(line, '\n');
    char* end = nl != nullptr ? nl : line + std::strlen(line);
    if (std::strncmp(line, "NStgid:", 7) == 0) fs.ns_tgid = last_number(line + 7, end);
    if (std::strncmp(line, "NSpid:", 6) == 0) fs.ns_tid = last_number(line + 6, end);
    line = nl != nullptr ? nl + 1 : nullptr;
  }
  return fs.ns_tgid > 0;
}

void PathResolver::to_tracee_view(const TraceeFs& fs, std::string& path) {
  if (fs.root_prefix.empty() || !starts_with(path, fs.root_prefix.c_str())) return;
  size_t n = fs.root_prefix.size();
  if (path.size() == n) {
    path = "/";
  } else if (path[n] == '/') {
    path.erase(0, n);
  }
}

bool PathResolver::cached_link(const char* proc, TraceeFs::Cached& cache, uint64_t gen, std::string& out) {
  if (cache.gen == gen) {
    out = cache.path;
    return true;
  }
  if (!read_link(proc, out) || out.empty() || out[0] != '/') return false;
  cache.path = out;
  cache.gen = gen;
  return true;
}

bool PathResolver::absolute(pid_t tid, TraceeFs& fs, int dirfd, const std::string& path, bool empty_is_fd,
                            std::string& out) {
  if (!path.empty() && path[0] == '/') {
    out = path;
    return true;
  }
  if (path.empty() && !empty_is_fd) return false;
  if (dirfd == AT_FDCWD) {
    char proc[64];
    (void)std::snprintf(proc, sizeof proc, "/proc/%d/cwd", tid);
    if (!cached_link(proc, fs.cwd, cwd_gen_, out)) return false;
  } else if (!fd_path(tid, fs, dirfd, out)) {
    return false;
  } else if (path.empty()) {
    return true;
  }
  if (dirfd == AT_FDCWD && open_root(tid, fs)) to_tracee_view(fs, out);
  if (!path.empty()) {
    if (out.back() != '/') out += '/';
    out += path;
  }
  return true;
}

bool PathResolver::fd_path(pid_t tid, TraceeFs& fs, int fd, std::string& out) {
  char proc[64];
  (void)std::snprintf(proc, sizeof proc, "/proc/%d/fd/%d", tid, fd);
  if (!cached_link(proc, fs.fds[fd], fd_gen(fd), out)) return false;
  if (open_root(tid, fs)) to_tracee_view(fs, out);
  return true;
}

namespace {
constexpr uint64_t kDirTtlNs = 1000000000ULL;  // 1 s
constexpr uint64_t kLastTtlNs = 20000000ULL;   // 20 ms: stat-then-open takes microseconds

uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

// True for "/a/b/c": absolute, no empty, "." or ".." component, no trailing slash.
bool is_plain(const std::string& abs) {
  if (abs.size() < 2 || abs[0] != '/' || abs.back() == '/') return false;
  size_t i = 1;
  while (i <= abs.size()) {
    size_t j = abs.find('/', i);
    if (j == std::string::npos) j = abs.size();
    size_t n = j - i;
    if (n == 0 || (n == 1 && abs[i] == '.') || (n == 2 && abs[i] == '.' && abs[i + 1] == '.')) return false;
    i = j + 1;
  }
  return true;
}
}  // namespace

bool PathResolver::resolve_fast(TraceeFs& fs, const std::string& abs, bool follow, ResolvedPath& out) {
  if (!fs.root || !is_plain(abs)) return false;
  size_t slash = abs.rfind('/');
  std::string_view dir = slash == 0 ? std::string_view("/") : std::string_view(abs).substr(0, slash);
  auto it = dirs_.find(dir);
  if (it == dirs_.end() || now_ns() - it->second > kDirTtlNs) return false;
  // The directory part holds no symlink, so a plain lookup from the tracee's
  // root cannot leave it; only the last component needs looking at.
  struct stat st {};
  if (::fstatat(fs.root.get(), abs.c_str() + 1, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) return false;
    out.path = abs;
    out.err = errno;
    return true;
  }
  if (S_ISLNK(st.st_mode) && follow) return false;
  out.path = abs;
  out.type = file_type_name(st.st_mode);
  out.exists = true;
  return true;
}

void PathResolver::remember_dir(const std::string& abs) {
  if (!is_plain(abs)) return;
  size_t slash = abs.rfind('/');
  std::string_view dir = slash == 0 ? std::string_view("/") : std::string_view(abs).substr(0, slash);
  if (dirs_.size() > 65536) dirs_.clear();
  auto it = dirs_.find(dir);
  if (it != dirs_.end()) {
    it->second = now_ns();
  } else {
    dirs_.emplace(std::string(dir), now_ns());
  }
}

int PathResolver::resolve_existing(pid_t tid, TraceeFs& fs, const std::string& path, bool follow, ResolvedPath& out) {
  if (!open_root(tid, fs)) return 0;
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
  how.resolve = RESOLVE_IN_ROOT;
  Fd fd(static_cast<int>(::syscall(SYS_openat2, fs.root.get(), path.c_str(), &how, sizeof how)));
  if (!fd && (errno == EXDEV || errno == ELOOP) && starts_with(path, "/proc/")) {
    // RESOLVE_IN_ROOT refuses magic links (/proc/<pid>/exe, fd/<n>, cwd), which
    // the kernel follows for the tracee: walk them from its root without it.
    fd = Fd(::openat(fs.root.get(), path.c_str() + 1, static_cast<int>(how.flags)));
  }
  if (!fd) {
    out.err = errno;
    return 0;
  }
  struct stat st {};
  out.type = ::fstat(fd.get(), &st) == 0 ? file_type_name(st.st_mode) : "";
  out.exists = true;
  char self[64];
  (void)std::snprintf(self, sizeof self, "/proc/self/fd/%d", fd.get());
  if (!read_link(self, out.path) || out.path.empty() || out.path[0] != '/') return -1;
  to_tracee_view(fs, out.path);
  return 1;
}

void PathResolver::resolve(pid_t tid, TraceeFs& fs, const std::string& abs, bool follow, ResolvedPath& out) {
  // Reused only briefly, and only when the path existed: a thread polling for a
  // file that something outside the workload creates must see it appear (a
  // cached ENOENT would be recorded for a probe the kernel answered with ok).
  uint64_t now = now_ns();
  if (fs.last_gen == entries_gen_ && now - fs.last_time < kLastTtlNs && fs.last_follow == follow &&
      fs.last_abs == abs) {
    out = fs.last;
    return;
  }
  resolve_uncached(tid, fs, abs, follow, out);
  if (!out.exact_only && out.exists) {
    fs.last_abs = abs;
    fs.last_follow = follow;
    fs.last = out;
    fs.last_gen = entries_gen_;
    fs.last_time = now;
  }
}

void PathResolver::resolve_uncached(pid_t tid, TraceeFs& fs, const std::string& abs, bool follow, ResolvedPath& out) {
  out.path.clear();
  out.type.clear();
  out.exists = false;
  out.err = 0;
  scratch_ = abs;
  rewrite_dev_fd(scratch_);
  bool proc = starts_with(scratch_, "/proc/") || scratch_ == "/proc";
  out.exact_only = proc;
  if (proc && load_ids(tid, fs)) rewrite_proc_self(scratch_, fs.ns_tgid, fs.ns_tid);

  if (!proc && open_root(tid, fs) && resolve_fast(fs, scratch_, follow, out)) return;
  int found = resolve_existing(tid, fs, scratch_, follow, out);
  // A path that resolved to itself has a directory part without symlinks.
  if (found == 1 && !proc && out.path == scratch_) remember_dir(scratch_);
  if (found == 0) {
    // Not there (yet): the parent decides where a create lands.
    std::string lexical = normalize_lexical(scratch_);
    size_t slash = lexical.rfind('/');
    std::string name = lexical.substr(slash + 1);
    out.type.clear();
    out.exists = false;
    if (name.empty() || name == "..") {
      out.path = lexical;
    } else {
      parent_ = slash == 0 ? "/" : lexical.substr(0, slash);
      parent_resolved_.err = 0;
      if (resolve_existing(tid, fs, parent_, true, parent_resolved_) == 1) {
        out.path = parent_resolved_.path;
        if (out.path.back() != '/') out.path += '/';
        out.path += name;
      } else {
        out.path = lexical;
      }
      out.exists = false;
      out.type.clear();
    }
  } else if (found < 0) {
    // A magic link to something without a name (pipe, socket, anon inode):
    // the path the tracee used is the best name there is.
    out.path = normalize_lexical(scratch_);
  }
  if (proc || starts_with(out.path, "/proc/")) {
    if (load_ids(tid, fs)) map_back_proc_self(out.path, fs.ns_tgid, fs.ns_tid);
  }
}

}  // namespace profile::ptrace
