// spawn_container and the Container it returns: the launcher side of the
// process tree described in launcher.h.
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>

#include "common/fd.h"
#include "common/log.h"
#include "enforce/cgroup.h"
#include "enforce/child_channel.h"
#include "enforce/launcher.h"
#include "enforce/namespaces.h"
#include "enforce/seccomp_filter.h"
#include "enforce/supervisor.h"

extern char** environ;

namespace profile {
namespace {

ExitInfo exit_from_wait_status(int status) {
  ExitInfo info;
  if (WIFSIGNALED(status)) {
    info.signal = WTERMSIG(status);
  } else {
    info.code = WEXITSTATUS(status);
  }
  return info;
}

// NULL-terminated char* arrays over strings the parent owns, built before clone.
struct CStrings {
  std::vector<std::string> strings;
  std::vector<char*> ptrs;
  explicit CStrings(std::vector<std::string> s) : strings(std::move(s)) {
    for (auto& x : strings) ptrs.push_back(x.data());
    ptrs.push_back(nullptr);
  }
};

std::string path_of(const std::vector<std::string>& env, bool exact) {
  if (env.empty() && !exact) {
    const char* p = std::getenv("PATH");
    return p != nullptr ? p : "";
  }
  for (const auto& kv : env) {
    if (kv.rfind("PATH=", 0) == 0) return kv.substr(5);
  }
  return "";
}

// LaunchSpec::guard_terminal as Docker's format, compiled like any profile
// (libseccomp, every architecture of this machine): TIOCSTI pushes input into a
// terminal, TIOCLINUX's selection paste does the same on a virtual console.
// The request is an unsigned int: only its low 32 bits count.
Result<PreparedSeccomp> compile_terminal_guard() {
  std::string args;
  for (unsigned long request : {static_cast<unsigned long>(TIOCSTI), static_cast<unsigned long>(TIOCLINUX)}) {
    if (!args.empty()) args += ",";
    args += R"({"index":1,"value":4294967295,"valueTwo":)" + std::to_string(request) + R"(,"op":"SCMP_CMP_MASKED_EQ"})";
  }
  std::string json =
      R"({"defaultAction":"SCMP_ACT_ALLOW",)"
      R"("archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]},)"
      R"({"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]}],)"
      R"("syscalls":[{"names":["ioctl"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"args":[)" +
      args + "]}]}";
  auto prepared = compile_seccomp_json(json, "the TIOCSTI guard");
  if (!prepared) return prepared.error().wrap("compile the TIOCSTI guard");
  return prepared;
}

void warn_no_cgroup_once(const Error& error) {
  static std::atomic<bool> warned{false};
  if (warned.exchange(true)) return;
  log::warn("running the workload without a cgroup of its own (" + error.message +
            "); what it leaves behind is still killed with its pid namespace");
}

class ContainerImpl final : public Container {
 public:
  ContainerImpl(const LaunchSpec& spec, NamespacePlan ns) : spec_(spec), ns_(ns) {}
  ~ContainerImpl() override {
    kill_and_reap_top();
    if (failure_ != nullptr) ::munmap(failure_, sizeof(SharedFailure));
  }

  [[nodiscard]] pid_t top_pid() const override { return top_; }
  [[nodiscard]] uint64_t cgroup_id() const override { return cgroup_.id(); }
  [[nodiscard]] uint64_t pidns_inode() const override { return pidns_.first; }
  [[nodiscard]] uint64_t pidns_dev() const override { return pidns_.second; }
  [[nodiscard]] std::vector<std::string> cgroup_dirs() const override { return cgroup_.dirs(); }

  [[nodiscard]] std::map<std::string, std::string> describe() const override {
    std::map<std::string, std::string> d;
    d["mode"] = spec_.container ? "container" : "host";
    d["net"] = spec_.container ? net_mode_name(spec_.net) : "host";
    d["namespaces"] = spec_.container ? ns_.names() : "";
    d["cgroup"] = cgroup_.kind();
    return d;
  }

  Status start(const std::string& path) {
    std::vector<std::string> env_strings;
    if (spec_.env.empty() && !spec_.env_exact) {
      for (char** e = environ; e != nullptr && *e != nullptr; ++e) env_strings.emplace_back(*e);
    } else {
      env_strings = spec_.env;
    }
    path_ = path;
    if (!spec_.container && (spec_.confine.private_tmp || spec_.confine.readonly_root || !spec_.confine.binds.empty() ||
                             !spec_.confine.readonly_dirs.empty())) {
      return make_error("mounts (private /tmp, read-only root, bind mounts) need container mode");
    }
    auto confine = prepare_confinement(spec_.confine);
    if (!confine) return confine.error();
    confine_ = std::move(confine).value();
    if (!spec_.rootfs.empty()) {
      auto rootfs = prepare_rootfs(spec_.rootfs);
      if (!rootfs) return rootfs.error();
      rootfs_ = std::move(rootfs).value();
    }
    if (spec_.cwd.empty() && rootfs_.enabled()) {
      cwd_ = "/";  // as engines do for an image without a working directory
    } else if (spec_.cwd.empty()) {
      // The launcher's cwd by name, so that it is looked up again in the
      // container's mounts (an inherited cwd would reach past a private /tmp).
      char buf[4096];
      if (::getcwd(buf, sizeof buf) == nullptr) return Errno().error("getcwd");
      cwd_ = buf;
    } else {
      cwd_ = spec_.cwd;
    }
    if (spec_.guard_terminal) {
      auto guard = compile_terminal_guard();
      if (!guard) return guard.error();
      guard_ = std::move(guard).value();
      guard_prog_.len = static_cast<unsigned short>(guard_.program.size());
      guard_prog_.filter = guard_.program.data();
    }
    argv_ = std::make_unique<CStrings>(spec_.argv);
    envp_ = std::make_unique<CStrings>(std::move(env_strings));

    auto cg = Cgroup::create("profile-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_), spec_.limits);
    bool limits = !(spec_.limits == CgroupLimits{});
    if (cg) {
      cgroup_ = std::move(cg).value();
    } else if (spec_.require_cgroup || limits) {
      return cg.error().wrap("create the container's cgroup");
    } else {
      warn_no_cgroup_once(cg.error());
    }

    void* shared = ::mmap(nullptr, sizeof(SharedFailure), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) return Errno().error("mmap(MAP_SHARED, " + std::to_string(sizeof(SharedFailure)) + ")");
    failure_ = static_cast<SharedFailure*>(shared);

    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
      return Errno().error("socketpair(AF_UNIX, SOCK_SEQPACKET)");
    }
    channel_ = Fd(sv[0]);
    Fd child_end(sv[1]);
    Fd listener_child_end;
    if (spec_.seccomp_listener && spec_.container) {
      if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return Errno().error("socketpair(AF_UNIX, SOCK_SEQPACKET) for the seccomp listener");
      listener_socket_ = Fd(sv[0]);
      listener_child_end = Fd(sv[1]);
    }

    ChildPlan plan;
    plan.channel = child_end.get();
    plan.net = spec_.net;
    plan.path = path_.c_str();
    plan.argv = argv_->ptrs.data();
    plan.envp = envp_->ptrs.data();
    plan.cwd = cwd_.c_str();
    plan.hooks = hooks_;
    plan.confine = &confine_;
    plan.rootfs = &rootfs_;
    plan.failure = failure_;
    plan.listener_socket = listener_child_end.get();
    if (spec_.guard_terminal) plan.terminal_guard = &guard_prog_;

    unsigned long flags = spec_.container ? ns_.clone_flags() : 0;
    pid_t pid = -1;
    bool in_cgroup = false;
    if (cgroup_.v2_fd() >= 0) {
      pid = raw_fork_into_cgroup(flags, cgroup_.v2_fd());
      in_cgroup = pid >= 0;
      // Older kernels (< 5.7) and seccomp'd runtimes refuse clone3 or
      // CLONE_INTO_CGROUP: fall back to clone and cgroup.procs below (which
      // also reports a namespace error the same way).
    }
    if (pid < 0) pid = raw_fork(flags);
    if (pid == 0) {
      if (spec_.container) run_supervisor(plan);
      run_host_workload(plan);
    }
    if (pid < 0) {
      int err = errno;
      if (!spec_.container) return sys_error("fork", err);
      Error e = sys_error("clone(" + clone_flag_names() + ")", err);
      if (err == EPERM || err == EINVAL || err == ENOSPC) {
        e.message += " (creating namespaces needs root or unprivileged user namespaces; try --no-container)";
      }
      return e;
    }
    top_ = pid;
    // Signals for top go through a pidfd where the kernel has them (5.3+): once
    // a tracer has reaped top, the pidfd still names that dead process, never a
    // new one that was given the same pid.
    top_pidfd_ = Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    child_end.reset();  // so that EOF on the channel means every child is gone
    listener_child_end.reset();

    if (spec_.container && ns_.user) {
      if (auto st = write_id_maps_from_parent(pid); !st) return st.error().wrap("set up the user namespace");
    }
    if (cgroup_.exists()) {
      if (auto st = cgroup_.add_process(pid, in_cgroup); !st) {
        if (spec_.require_cgroup || limits) return st.error().wrap("move the container into its cgroup");
        warn_no_cgroup_once(st.error());
        (void)cgroup_.remove();
      }
    }
    if (!spec_.container) return {};

    if (auto st = channel_send_go(channel_.get()); !st) return st;
    ChannelMsg msg{};
    auto got = channel_receive(channel_.get(), msg, true);
    if (!got) return got.error();
    if (!*got) return make_error("the container's supervisor died while setting up");
    if (msg.type == ChannelMsgType::Error) return channel_error(msg).wrap("set up the container");
    if (msg.type != ChannelMsgType::Ready) return make_error("unexpected message from the container's supervisor");
    auto ns = namespace_id(pid, "pid");
    if (!ns) return ns.error();
    pidns_ = *ns;
    return {};
  }

  void set_hooks(const LaunchHooks& hooks) { hooks_ = hooks; }

  Status release() override {
    if (released_) return make_error("the container was already released");
    released_ = true;
    return channel_send_go(channel_.get());
  }

  Result<ExitInfo> finish(int wait_status) override {
    bool top_was_reaped = !kill_and_reap_top();
    (void)top_was_reaped;
    // Messages stay readable after their senders are gone.
    std::optional<Error> launch_error;
    std::optional<int> workload_status;
    ChannelMsg msg{};
    while (channel_) {
      auto got = channel_receive(channel_.get(), msg, false);
      if (!got || !*got) break;
      if (msg.type == ChannelMsgType::Error && !launch_error) launch_error = channel_error(msg);
      if (msg.type == ChannelMsgType::Exit) workload_status = msg.wait_status;
    }
    channel_.reset();
    // A failed execve under a filter that also denied the report's send.
    if (!launch_error) {
      Error shared;
      if (shared_failure_error(failure_, shared)) launch_error = shared;
    }
    Status cleanup;
    if (cgroup_.exists()) {
      cleanup = cgroup_.kill_all();
      if (auto st = cgroup_.remove(); !st && cleanup) cleanup = st;
    }
    if (launch_error) {
      if (launch_error->message.rfind("chdir", 0) == 0) {
        launch_error->message += " (\"" + cwd_ + "\" must exist inside the container";
        launch_error->message += spec_.confine.private_tmp && cwd_.rfind("/tmp", 0) == 0
                                     ? "; it is under /tmp, which is private and empty there)"
                                     : ")";
      }
      return launch_error->wrap("start the workload");
    }
    if (!cleanup) return cleanup.error().wrap("clean up after the workload");
    if (!released_) return make_error("the container was never released");
    if (workload_status) return exit_from_wait_status(*workload_status);
    if (reaped_status_) return exit_from_wait_status(*reaped_status_);
    return exit_from_wait_status(wait_status);
  }

  Status kill_all() override {
    Status st;
    if (cgroup_.exists()) st = cgroup_.kill_all();
    if (top_ > 0 && !top_reaped_) kill_top();  // pid 1 dying takes its namespace with it
    return st;
  }

  Fd take_seccomp_listener_socket() override { return std::move(listener_socket_); }

  Result<ExitInfo> wait() override {
    int status = 0;
    while (::waitpid(top_, &status, __WALL) < 0) {
      if (errno == EINTR) continue;
      return Errno().error("waitpid(" + std::to_string(top_) + ")");
    }
    top_reaped_ = true;
    return finish(status);
  }

 private:
  // Kills and reaps top_pid unless the caller already reaped it. Returns true
  // when it was still ours to reap (it had not been waited for).
  bool kill_and_reap_top() {
    if (top_ <= 0 || top_reaped_) return false;
    int status = 0;
    pid_t r = ::waitpid(top_, &status, WNOHANG | __WALL);
    if (r == 0) {
      ::kill(top_, SIGKILL);
      while ((r = ::waitpid(top_, &status, __WALL)) < 0 && errno == EINTR) {
      }
    }
    top_reaped_ = true;
    if (r == top_) {
      reaped_status_ = status;
      return true;
    }
    return false;  // ECHILD: the caller reaped it
  }

  void kill_top() {
    if (top_pidfd_) {
      (void)::syscall(SYS_pidfd_send_signal, top_pidfd_.get(), SIGKILL, nullptr, 0);
      return;
    }
    ::kill(top_, SIGKILL);
  }

  std::string clone_flag_names() const {
    std::string out;
    for (const auto& n : {std::make_pair(ns_.user, "CLONE_NEWUSER"), std::make_pair(true, "CLONE_NEWPID"),
                          std::make_pair(true, "CLONE_NEWNS"), std::make_pair(true, "CLONE_NEWUTS"),
                          std::make_pair(true, "CLONE_NEWIPC"), std::make_pair(ns_.net, "CLONE_NEWNET")}) {
      if (!n.first) continue;
      if (!out.empty()) out += "|";
      out += n.second;
    }
    return out;
  }

  LaunchSpec spec_;
  NamespacePlan ns_;
  LaunchHooks hooks_;
  std::string path_;
  std::string cwd_;
  ChildConfinement confine_;
  PreparedRootfs rootfs_;
  PreparedSeccomp guard_;
  sock_fprog guard_prog_{};
  std::unique_ptr<CStrings> argv_, envp_;
  Cgroup cgroup_;
  Fd channel_;
  Fd listener_socket_;
  Fd top_pidfd_;
  SharedFailure* failure_ = nullptr;
  pid_t top_ = -1;
  bool top_reaped_ = false;
  bool released_ = false;
  std::optional<int> reaped_status_;
  std::pair<uint64_t, uint64_t> pidns_{0, 0};
  static inline std::atomic<int> counter_{0};
};

}  // namespace

Result<std::unique_ptr<Container>> spawn_container(const LaunchSpec& spec, const LaunchHooks& hooks) {
  if (spec.argv.empty()) return make_error("no command given");
  if (!spec.rootfs.empty() && !spec.container)
    return make_error("a root filesystem (--image, --rootfs) needs container mode");
  auto path = spec.rootfs.empty()
                  ? resolve_command(spec.argv[0], path_of(spec.env, spec.env_exact))
                  : resolve_command_in_root(spec.argv[0], path_of(spec.env, spec.env_exact), spec.rootfs, spec.cwd);
  if (!path) return path.error();
  auto c = std::make_unique<ContainerImpl>(spec, plan_namespaces(spec));
  c->set_hooks(hooks);
  if (auto st = c->start(*path); !st) return st.error();  // ~ContainerImpl kills and reaps what started
  return std::unique_ptr<Container>(std::move(c));
}

}  // namespace profile
