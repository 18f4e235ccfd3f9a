#include "enforce/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/atomic_file.h"
#include "common/fd.h"

namespace profile {
namespace {

Status write_text(const std::string& path, const std::string& value) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Errno().error("open(\"" + path + "\", O_WRONLY)");
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return Errno().error("write(\"" + path + "\", \"" + value + "\")");
  }
  return {};
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Our directory inside a hierarchy mounted at `mountpoint` whose mount root is
// `root` (not "/" inside a cgroup namespace or a bind-mounted subtree).
std::string own_dir(const std::string& mountpoint, const std::string& root, const std::string& path) {
  std::string rel = path;
  if (root != "/" && rel.rfind(root, 0) == 0) rel = rel.substr(root.size());
  if (rel.empty() || rel == "/") return mountpoint;
  return mountpoint + (rel[0] == '/' ? "" : "/") + rel;
}

uint64_t shares_from_weight(uint64_t weight) {
  // The inverse of systemd's/crun's mapping of cpu.shares [2, 262144] to cpu.weight [1, 10000].
  return 2 + ((weight - 1) * 262142) / 9999;
}

// A launcher that was SIGKILLed could not remove its cgroup. Its empty
// "profile-<pid>-<n>" directories are removed by the next launch below the same
// parent, once per process and parent: only when <pid> no longer exists, and
// rmdir itself refuses a cgroup that still has processes or children. Only
// directories older than a minute: a launcher in another pid namespace (whose
// pid means nothing here) may have just made one and not yet started its child.
void remove_stale_siblings(const std::string& parent) {
  static std::mutex mutex;
  static std::vector<std::string> swept;
  std::lock_guard<std::mutex> lock(mutex);
  if (contains(swept, parent)) return;
  swept.push_back(parent);
  const time_t old_enough = ::time(nullptr) - 60;
  DIR* d = ::opendir(parent.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    unsigned long pid = 0, n = 0;
    char tail = 0;
    if (std::sscanf(e->d_name, "profile-%lu-%lu%c", &pid, &n, &tail) != 2) continue;
    if (pid == 0 || pid == static_cast<unsigned long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::string dir = parent + "/" + e->d_name;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || st.st_mtime > old_enough) continue;
    (void)::rmdir(dir.c_str());
  }
  ::closedir(d);
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  for (auto& w : split(text, '\n'))
    for (auto& x : split(w, ' '))
      if (!x.empty()) out.push_back(x);
  return out;
}

}  // namespace

Status enable_v2_controllers(const std::string& dir, const std::vector<std::string>& controllers) {
  const std::string control = dir + "/cgroup.subtree_control";
  bool moved = false;
  for (const auto& ctrl : controllers) {
    auto enabled = read_file(control);
    if (!enabled) return enabled.error();
    if (contains(words(*enabled), ctrl)) continue;
    auto st = write_text(control, "+" + ctrl);
    if (!st && st.error().errno_value == EBUSY && !moved) {
      // The no-internal-processes rule: leave our cgroup to the container's
      // siblings by moving into a leaf (kept for the next launch; rmdir'd by
      // nobody, as systemd's and crun's are not).
      moved = true;
      const std::string leaf = dir + "/" + kLauncherLeaf;
      if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST)
        return Errno().error("mkdir(\"" + leaf + "\")").wrap("move the launcher out of " + dir);
      if (auto mv = write_text(leaf + "/cgroup.procs", std::to_string(::getpid())); !mv)
        return mv.error().wrap("move the launcher out of " + dir);
      st = write_text(control, "+" + ctrl);
    }
    if (!st && st.error().errno_value == EBUSY) {
      auto procs = read_file(dir + "/cgroup.procs");
      std::string others;
      int shown = 0;
      for (const auto& pid : procs ? words(*procs) : std::vector<std::string>{}) {
        if (++shown > 5) {
          others += " ...";
          break;
        }
        others += (others.empty() ? "" : " ") + pid;
      }
      return make_error("cannot enable the " + ctrl + " controller for the container's cgroup: " + dir +
                        " holds other processes (" + (others.empty() ? "none listed" : "pids " + others) +
                        "), and the kernel enables controllers only in a cgroup without processes; run profile in "
                        "a cgroup of its own (e.g. systemd-run --scope -p Delegate=yes profile ...)");
    }
    if (!st) return st.error().wrap("enable the " + ctrl + " controller for the container's cgroup");
  }
  return {};
}

CgroupLocation parse_cgroup_location(const std::string& mountinfo, const std::string& proc_cgroup) {
  struct Mount {
    std::string root, point;
  };
  Mount v2;
  std::vector<std::pair<std::vector<std::string>, Mount>> v1;  // controllers -> mount
  for (const auto& line : split(mountinfo, '\n')) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto pre = split(line.substr(0, dash), ' ');
    auto post = split(line.substr(dash + 3), ' ');
    if (pre.size() < 5 || post.size() < 3) continue;
    Mount m{pre[3], pre[4]};
    if (post[0] == "cgroup2") {
      // Prefer /sys/fs/cgroup itself (pure v2) over other cgroup2 mounts.
      if (v2.point.empty() || m.point == "/sys/fs/cgroup") v2 = m;
    } else if (post[0] == "cgroup") {
      v1.emplace_back(split(post[2], ','), m);
    }
  }
  CgroupLocation loc;
  for (const auto& line : split(proc_cgroup, '\n')) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string hier = line.substr(0, first);
    std::string ctrls = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (hier == "0" && ctrls.empty()) {
      if (!v2.point.empty()) loc.v2_dir = own_dir(v2.point, v2.root, path);
      continue;
    }
    for (const auto& ctrl : split(ctrls, ',')) {
      for (const auto& [opts, m] : v1) {
        if (contains(opts, ctrl)) loc.v1_dirs.emplace_back(ctrl, own_dir(m.point, m.root, path));
      }
    }
  }
  return loc;
}

Result<CgroupLocation> locate_own_cgroups() {
  auto mountinfo = read_file("/proc/self/mountinfo");
  if (!mountinfo) return mountinfo.error();
  auto cg = read_file("/proc/self/cgroup");
  if (!cg) return cg.error();
  CgroupLocation loc = parse_cgroup_location(*mountinfo, *cg);
  // A launcher that moved itself into the leaf still creates containers beside it.
  const std::string leaf = std::string("/") + kLauncherLeaf;
  if (loc.v2_dir.size() > leaf.size() && loc.v2_dir.compare(loc.v2_dir.size() - leaf.size(), leaf.size(), leaf) == 0)
    loc.v2_dir.resize(loc.v2_dir.size() - leaf.size());
  if (!loc.v2_dir.empty()) {
    if (auto c = read_file(loc.v2_dir + "/cgroup.controllers")) {
      std::string text = *c;
      if (!text.empty() && text.back() == '\n') text.pop_back();
      loc.v2_controllers = split(text, ' ');
    }
  }
  return loc;
}

Cgroup::Cgroup(Cgroup&& other) noexcept
    : dirs_(std::move(other.dirs_)), v2_fd_(std::move(other.v2_fd_)), has_v2_(other.has_v2_), id_(other.id_) {
  other.dirs_.clear();
}

Cgroup& Cgroup::operator=(Cgroup&& other) noexcept {
  if (this != &other) {
    if (exists()) {
      (void)kill_all();
      (void)remove();
    }
    dirs_ = std::move(other.dirs_);
    other.dirs_.clear();
    v2_fd_ = std::move(other.v2_fd_);
    has_v2_ = other.has_v2_;
    id_ = other.id_;
  }
  return *this;
}

Cgroup::~Cgroup() {
  if (exists()) {
    (void)kill_all();
    (void)remove();
  }
}

std::string Cgroup::kind() const {
  if (dirs_.empty()) return "none";
  if (has_v2_) return dirs_.size() > 1 ? "v2+v1" : "v2";
  return "v1";
}

Result<Cgroup> Cgroup::create(const std::string& name, const CgroupLimits& limits) {
  auto loc = locate_own_cgroups();
  if (!loc) return loc.error();
  std::vector<std::string> needed;
  if (limits.memory_max != 0) needed.emplace_back("memory");
  if (limits.pids_max != 0) needed.emplace_back("pids");
  if (limits.cpu_quota_us != 0 || limits.cpu_weight != 0) needed.emplace_back("cpu");

  Cgroup cg;  // its destructor removes whatever was made if we fail half-way
  auto make_dir = [&](const std::string& dir) -> Status {
    if (contains(cg.dirs_, dir)) return {};
    remove_stale_siblings(dir.substr(0, dir.rfind('/')));
    // The name holds our pid: one that exists already was left by an earlier,
    // killed process that had the same pid (rmdir refuses it if it is in use).
    int rc = ::mkdir(dir.c_str(), 0755);
    if (rc != 0 && errno == EEXIST && ::rmdir(dir.c_str()) == 0) rc = ::mkdir(dir.c_str(), 0755);
    if (rc != 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
      // Unprivileged without delegation: the cgroup is root's. A delegated one
      // (systemd's Delegate=yes) is the caller's own subtree, in which it may make
      // the container's cgroup, move its own processes and set the limits.
      return Errno()
          .error("mkdir(\"" + dir + "\")")
          .wrap("the cgroup " + dir.substr(0, dir.rfind('/')) +
                " is not delegated to you, so no limit can be applied; run profile in a delegated cgroup, "
                "e.g. systemd-run --user --scope -p Delegate=yes profile ...");
    }
    if (rc != 0) return Errno().error("mkdir(\"" + dir + "\")");
    cg.dirs_.push_back(dir);
    return {};
  };

  // Limits go where their controller lives: v2 when it offers it, else v1.
  std::vector<std::pair<std::string, std::string>> placed;  // controller -> dir
  if (!loc->v2_dir.empty()) {
    std::string parent = loc->v2_dir;
    std::vector<std::string> v2_needed;
    for (const auto& ctrl : needed)
      if (contains(loc->v2_controllers, ctrl)) v2_needed.push_back(ctrl);
    if (auto st = enable_v2_controllers(parent, v2_needed); !st) return st.error();
    std::string dir = parent + "/" + name;
    if (auto st = make_dir(dir); !st) return st.error();
    cg.has_v2_ = true;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return Errno().error("stat(\"" + dir + "\")");
    cg.id_ = st.st_ino;
    cg.v2_fd_ = Fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!cg.v2_fd_) return Errno().error("open(\"" + dir + "\", O_PATH)");
    for (const auto& ctrl : needed) {
      if (contains(loc->v2_controllers, ctrl)) placed.emplace_back(ctrl, dir);
    }
  }
  for (const auto& ctrl : needed) {
    bool done = std::any_of(placed.begin(), placed.end(), [&](const auto& p) { return p.first == ctrl; });
    if (done) continue;
    auto it = std::find_if(loc->v1_dirs.begin(), loc->v1_dirs.end(), [&](const auto& p) { return p.first == ctrl; });
    if (it == loc->v1_dirs.end()) {
      return make_error("cannot apply the " + ctrl + " limit: no cgroup v2 or v1 hierarchy offers the " + ctrl +
                        " controller here");
    }
    std::string dir = it->second + "/" + name;
    if (auto st = make_dir(dir); !st) return st.error();
    placed.emplace_back(ctrl, dir);
  }
  if (cg.dirs_.empty()) {
    // Pure v1 and no limits: any controller hierarchy still lets us find and
    // kill everything the workload started.
    for (const char* pick : {"pids", "memory", "cpu", "freezer"}) {
      auto it = std::find_if(loc->v1_dirs.begin(), loc->v1_dirs.end(), [&](const auto& p) { return p.first == pick; });
      if (it == loc->v1_dirs.end()) continue;
      if (auto st = make_dir(it->second + "/" + name); !st) return st.error();
      break;
    }
  }
  if (cg.dirs_.empty()) return make_error("no cgroup hierarchy is mounted (looked in /proc/self/mountinfo)");

  for (const auto& [ctrl, dir] : placed) {
    bool v2 = cg.has_v2_ && dir == cg.dirs_.front();
    Status st;
    if (ctrl == "memory") {
      st = write_text(dir + (v2 ? "/memory.max" : "/memory.limit_in_bytes"), std::to_string(limits.memory_max));
      // Without this the limit would push the workload into swap instead of the
      // OOM killer. The file is absent (ENOENT) when swap accounting is off: then
      // there is no swap to limit. Any other refusal leaves swap unlimited, and
      // the memory limit with it: fail closed.
      if (st) {
        std::string swap = dir + (v2 ? "/memory.swap.max" : "/memory.memsw.limit_in_bytes");
        if (auto sw = write_text(swap, v2 ? "0" : std::to_string(limits.memory_max));
            !sw && sw.error().errno_value != ENOENT)
          st = sw.error().wrap("limit swap to the memory limit (without it the workload may use unlimited swap)");
      }
    } else if (ctrl == "pids") {
      st = write_text(dir + "/pids.max", std::to_string(limits.pids_max));
    } else if (ctrl == "cpu") {
      if (limits.cpu_quota_us != 0) {
        if (v2) {
          st = write_text(dir + "/cpu.max",
                          std::to_string(limits.cpu_quota_us) + " " + std::to_string(limits.cpu_period_us));
        } else {
          st = write_text(dir + "/cpu.cfs_period_us", std::to_string(limits.cpu_period_us));
          if (st) st = write_text(dir + "/cpu.cfs_quota_us", std::to_string(limits.cpu_quota_us));
        }
      }
      if (st && limits.cpu_weight != 0) {
        st = v2 ? write_text(dir + "/cpu.weight", std::to_string(limits.cpu_weight))
                : write_text(dir + "/cpu.shares", std::to_string(shares_from_weight(limits.cpu_weight)));
      }
    }
    if (!st) return st.error().wrap("set the " + ctrl + " limit");
  }
  return cg;
}

Status Cgroup::add_process(pid_t pid, bool skip_v2) {
  for (const auto& dir : dirs_) {
    if (skip_v2 && has_v2_ && dir == dirs_.front()) continue;
    if (auto st = write_text(dir + "/cgroup.procs", std::to_string(pid)); !st) return st.error();
  }
  return {};
}

Status Cgroup::kill_all() {
  if (has_v2_) {
    // cgroup.kill (Linux 5.14) kills atomically, including processes forking
    // right now; without it the loop below races forks until they stop.
    (void)write_text(dirs_.front() + "/cgroup.kill", "1");
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (true) {
    bool empty = true;
    for (const auto& dir : dirs_) {
      auto procs = read_file(dir + "/cgroup.procs");
      if (!procs) continue;  // already removed
      for (const auto& p : split(*procs, '\n')) {
        if (p.empty()) continue;
        empty = false;
        ::kill(static_cast<pid_t>(std::stol(p)), SIGKILL);
      }
    }
    if (empty) return {};
    if (std::chrono::steady_clock::now() > deadline) {
      return make_error("processes still in cgroup " + dirs_.front() + " 5 s after SIGKILL");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Status Cgroup::remove() {
  Status result;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    while (::rmdir(it->c_str()) != 0 && errno != ENOENT) {
      // EBUSY while the last killed tasks finish exiting.
      if (errno != EBUSY || std::chrono::steady_clock::now() > deadline) {
        if (result) result = Errno().error("rmdir(\"" + *it + "\")");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  dirs_.clear();
  v2_fd_.reset();
  return result;
}

}  // namespace profile
