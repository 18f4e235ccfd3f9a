// Running a command under the eBPF tracer without the container launcher: a
// forked stand-in supervisor (never execs, like the real one) in a fresh
// cgroup v2 below ours forks the workload, which execs the command. The tests
// drive the Tracer interface exactly as session/learn.cpp does.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/fd.h"
#include "common/recording.h"
#include "session/learn.h"

namespace profile::testing {

// The cgroup v2 mount: unified at /sys/fs/cgroup on pure v2, at
// /sys/fs/cgroup/unified on hybrid machines; "" when there is none.
inline std::string cgroup2_root() {
  for (const char* p : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    std::string probe = std::string(p) + "/cgroup.procs";
    std::ifstream in(p + std::string("/cgroup.controllers"));
    if (::access(probe.c_str(), W_OK) == 0 && in.good()) return p;
  }
  return "";
}

inline std::string own_cgroup2_path() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return "/";
}

class TestCgroup {
 public:
  TestCgroup() {
    std::string root = cgroup2_root();
    if (root.empty()) return;
    std::string own = own_cgroup2_path();
    path_ = root + (own == "/" ? "" : own) + "/profile-ebpf-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter()++);
    if (::mkdir(path_.c_str(), 0755) != 0) {
      path_.clear();
      return;
    }
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0) id_ = st.st_ino;  // a cgroup v2 id is its kernfs inode number
  }
  ~TestCgroup() {
    if (!path_.empty()) ::rmdir(path_.c_str());
  }
  TestCgroup(const TestCgroup&) = delete;
  TestCgroup& operator=(const TestCgroup&) = delete;
  [[nodiscard]] bool ok() const { return id_ != 0; }
  [[nodiscard]] uint64_t id() const { return id_; }
  bool add(pid_t pid) const {
    std::ofstream out(path_ + "/cgroup.procs");
    out << pid;
    out.flush();
    return out.good();
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string path_;
  uint64_t id_ = 0;
};

struct TracedRun {
  Recording recording;
  uint64_t lost = 0;
  int status = -1;  // raw wait status of the stand-in supervisor
  std::string error;
};

// Runs argv (argv[0] an absolute path) under `tracer`, scoped by a new cgroup.
inline TracedRun run_in_cgroup(Tracer& tracer, const std::vector<std::string>& argv) {
  TracedRun out;
  TestCgroup cg;
  if (!cg.ok()) {
    out.error = "no writable cgroup v2 hierarchy";
    return out;
  }
  TracerOptions opts;
  opts.args = &builtin_arg_policy();
  if (auto st = tracer.prepare(opts); !st) {
    out.error = st.error().message;
    return out;
  }
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int go[2];
  if (::pipe2(go, O_CLOEXEC) != 0) {
    out.error = "pipe2";
    return out;
  }
  pid_t sup = ::fork();
  if (sup == 0) {
    char c;
    ::close(go[1]);
    if (::read(go[0], &c, 1) != 1) ::_exit(120);
    pid_t w = ::fork();
    if (w == 0) {
      ::execv(cargv[0], cargv.data());
      ::_exit(127);
    }
    int st = 0;
    ::waitpid(w, &st, 0);
    ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  }
  ::close(go[0]);
  Fd release(go[1]);
  if (sup < 0 || !cg.add(sup)) {
    out.error = "fork or cgroup.procs";
    if (sup > 0) {
      ::kill(sup, SIGKILL);
      ::waitpid(sup, nullptr, 0);
    }
    return out;
  }
  TraceTarget target;
  target.top_pid = sup;
  target.container = true;
  target.cgroup_id = cg.id();
  if (auto st = tracer.attach_from_parent(target); !st) {
    out.error = st.error().message;
    ::kill(sup, SIGKILL);
    ::waitpid(sup, nullptr, 0);
    return out;
  }
  if (::write(release.get(), "x", 1) != 1) out.error = "release";
  release.reset();
  auto status = tracer.wait_from_parent();
  if (!status) {
    out.error = status.error().message;
    return out;
  }
  out.status = *status;
  out.recording = tracer.take_recording();
  out.lost = tracer.lost_events();
  return out;
}

inline TracedRun run_ebpf(const std::vector<std::string>& argv) {
  auto tracer = make_ebpf_tracer();
  if (!tracer) {
    TracedRun out;
    out.error = tracer.error().message;
    return out;
  }
  return run_in_cgroup(**tracer, argv);
}

}  // namespace profile::testing
