#include "ocihook/hook_recorder.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>

#include "common/atomic_file.h"
#include "common/fd.h"
#include "common/recording.h"
#include "common/syscalls.h"
#include "enforce/cgroup.h"
#include "profilegen/bundle.h"
#include "tracer/capabilities.h"
#include "tracer/factory.h"
#include "tracer/root_paths.h"

namespace profile {
namespace {

// The cgroup (in every hierarchy) the recorders live in: beside the hook's own
// (conmon's, or the runtime's), so that neither the engine's cleanup of that
// cgroup nor the container's limits reach the recorder.
constexpr const char* kRecorderCgroup = "profile-oci-hook";

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Where the user finds what happened: DIR/hook.log when the output directory
// can hold it, else the --log file; always syslog (the journal) and, while the
// hook itself runs, stderr (which runc and crun show when a hook fails).
class HookLog {
 public:
  HookLog(std::string id, const std::string& fallback) : id_(std::move(id)) {
    ::openlog("profile-oci-hook", LOG_PID, LOG_DAEMON);
    if (!fallback.empty()) fallback_ = Fd(::open(fallback.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  }
  ~HookLog() { ::closelog(); }
  HookLog(const HookLog&) = delete;
  HookLog& operator=(const HookLog&) = delete;

  // The bundle is swapped into place as a new directory: the old hook.log is
  // then a copy, so the file is opened again by name after that.
  void open_in(const std::string& dir) {
    dir_ = dir;
    file_ = Fd(::open((dir + "/hook.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644));
  }
  void reopen() {
    if (!dir_.empty()) open_in(dir_);
  }
  void stop_stderr() { stderr_ = false; }

  void info(const std::string& msg) { line(LOG_INFO, msg); }
  void error(const std::string& msg) { line(LOG_ERR, msg); }

 private:
  void line(int priority, const std::string& msg) {
    std::string text = "container " + id_.substr(0, 12) + ": " + msg;
    ::syslog(priority, "%s", text.c_str());
    std::string stamped = utc_now() + " " + text + "\n";
    if (file_)
      (void)write_all(file_.get(), stamped);
    else if (fallback_)
      (void)write_all(fallback_.get(), stamped);
    if (stderr_) (void)write_all(STDERR_FILENO, "profile oci-hook: " + text + "\n");
  }

  std::string id_;
  std::string dir_;
  Fd file_, fallback_;
  bool stderr_ = true;
};

bool below_or_at(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path.compare(0, root.size(), root) == 0 && (path.size() == root.size() || path[root.size()] == '/');
}

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : std::string();
}

// The annotation comes from whoever may create containers (on CRI-O, anyone
// who may create a pod) and the hook writes as root: the directory must be new,
// empty or a bundle already (never /etc or a home rebuilt as a bundle), and
// below --output-root when one is set, symbolic links resolved.
Status ensure_out_dir(const std::string& dir, const std::string& output_root) {
  if (dir.empty() || dir[0] != '/')
    return make_error(std::string(kLearnAnnotation) + "=\"" + dir + "\" does not name an absolute directory");
  if (("/" + dir + "/").find("/../") != std::string::npos)
    return make_error(std::string(kLearnAnnotation) + "=\"" + dir + "\" has a \"..\" component");
  if (!output_root.empty()) {
    // The parent, before anything is created: a symbolic link below the root
    // must not let mkdir make a directory outside it.
    std::string real_parent = real_path(dir.substr(0, std::max<size_t>(1, dir.rfind('/'))));
    std::string real_root = real_path(output_root);
    if (!below_or_at(dir, output_root) || real_parent.empty() || real_root.empty() ||
        !below_or_at(real_parent, real_root))
      return make_error("the output directory " + dir + " is not below " + output_root +
                        " (oci-hook --output-root), symbolic links resolved");
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Errno().error("mkdir(\"" + dir + "\")");
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return Errno().error("lstat(\"" + dir + "\")");
  if (!S_ISDIR(st.st_mode)) return make_error("the output directory " + dir + " is not a directory");
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) return Errno().error("opendir(\"" + dir + "\")");
  bool empty = true;
  while (dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (name == "recording.json" || name == "profile.toml" || name == "hook.log") return {};
    empty = false;
  }
  if (!empty) return make_error("the output directory " + dir + " holds files and is not a profile bundle");
  return {};
}

// The container's cgroup v2 (its id) and pid namespace, from /proc/<pid>.
Result<TraceTarget> container_target(pid_t pid) {
  std::string proc = "/proc/" + std::to_string(pid);
  TraceTarget t;
  t.top_pid = pid;
  t.container = true;
  struct stat ns {
  }, own_ns{};
  if (::stat((proc + "/ns/pid").c_str(), &ns) != 0) return Errno().error("stat(\"" + proc + "/ns/pid\")");
  if (::stat("/proc/self/ns/pid", &own_ns) != 0) return Errno().error("stat(\"/proc/self/ns/pid\")");
  auto mountinfo = read_file("/proc/self/mountinfo");
  auto cg = read_file(proc + "/cgroup");
  auto own = locate_own_cgroups();
  if (mountinfo && cg && own) {
    CgroupLocation loc = parse_cgroup_location(*mountinfo, *cg);
    struct stat st {};
    // A container in the hook's own cgroup (or a cgroup v2 root) has none of
    // its own: scoping to it would record everything else in there too.
    if (!loc.v2_dir.empty() && loc.v2_dir != own->v2_dir && ::stat(loc.v2_dir.c_str(), &st) == 0) {
      auto root = parse_cgroup_location(*mountinfo, "0::/\n").v2_dir;
      if (loc.v2_dir != root) t.cgroup_id = st.st_ino;
    }
  }
  if (ns.st_ino != own_ns.st_ino || ns.st_dev != own_ns.st_dev) {
    t.pidns_inode = ns.st_ino;
    t.pidns_dev = ns.st_dev;
  }
  if (t.cgroup_id == 0 && t.pidns_inode == 0)
    return make_error("the container has neither a cgroup v2 nor a pid namespace of its own to scope the tracer to");
  return t;
}

std::string parent_dir(const std::string& dir) {
  size_t slash = dir.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
}

// Best effort per hierarchy: a recorder left in the hook's cgroup still works,
// it is only exposed to that cgroup's cleanup. Returns what failed ("" = none).
std::string move_to_own_cgroup() {
  auto loc = locate_own_cgroups();
  if (!loc) return loc.error().message;
  std::vector<std::string> dirs;
  if (!loc->v2_dir.empty()) dirs.push_back(loc->v2_dir);
  for (const auto& [ctrl, dir] : loc->v1_dirs) dirs.push_back(dir);
  std::set<std::string> done;
  std::string failed;
  size_t failures = 0;
  for (const auto& dir : dirs) {
    // Beside the hook's cgroup; below it when that is the hierarchy's root.
    std::string parent = parent_dir(dir);
    if (::access((parent + "/cgroup.procs").c_str(), F_OK) != 0) parent = dir;
    std::string target = parent + "/" + kRecorderCgroup;
    if (!done.insert(target).second) continue;
    Error why;
    if (::mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) {
      why = Errno().error("mkdir(\"" + target + "\")");
    } else {
      // A new v1 cpuset is empty, and refuses processes (ENOSPC) until given
      // the CPUs and memory nodes of its parent.
      for (const char* knob : {"cpuset.cpus", "cpuset.mems"}) {
        auto mine = read_file(target + "/" + knob);
        auto theirs = read_file(parent + "/" + knob);
        if (!mine || !theirs || mine->find_first_not_of(" \n") != std::string::npos) continue;
        Fd k(::open((target + "/" + knob).c_str(), O_WRONLY | O_CLOEXEC));
        if (k) (void)write_all(k.get(), *theirs);
      }
      Fd fd(::open((target + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd || !write_all(fd.get(), "0")) why = Errno().error("write(\"" + target + "/cgroup.procs\")");
    }
    if (why.message.empty()) continue;
    if (failures++ == 0) failed = why.message;
  }
  if (failures > 1) failed += " (and " + std::to_string(failures - 1) + " other hierarchies)";
  return failed;
}

std::string kernel_release() {
  struct utsname u {};
  return ::uname(&u) == 0 ? u.release : "";
}

std::vector<std::string> env_names(const std::vector<std::string>& env) {
  std::set<std::string> names;
  for (const auto& kv : env) names.insert(kv.substr(0, kv.find('=')));
  return {names.begin(), names.end()};
}

std::optional<std::string> env_value(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& kv : env)
    if (kv.compare(0, name.size() + 1, name + "=") == 0) return kv.substr(name.size() + 1);
  return std::nullopt;
}

struct RecorderJob {
  OciState state;
  OciConfig config;
  std::string out_dir;
};

// The recorder's life after it said it is attached: wait for the container's
// init, then write the bundle. Runs detached; everything goes to the log.
void record_until_exit(Tracer& tracer, const RecorderJob& job, HookLog& log) {
  auto started = utc_now();
  auto t0 = std::chrono::steady_clock::now();
  auto status = tracer.wait_from_parent();
  if (!status) {
    log.error("the recorder failed while the container ran: " + status.error().message);
    return;
  }
  auto elapsed = std::chrono::steady_clock::now() - t0;
  Recording rec = tracer.take_recording();
  make_paths_image_relative(rec, job.config.root);
  RunInfo run;
  run.command = job.config.args;
  run.cwd = job.config.cwd.empty() ? "/" : job.config.cwd;
  run.tracer = tracer.name();
  run.kernel = kernel_release();
  run.arch = native_arch();
  run.started = started;
  run.duration_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
  run.lost_events = tracer.lost_events();
  // The init is the engine's child, not ours: its exit status is not seen here.
  run.container = {{"oci-hook", job.state.id}};
  run.uid = job.config.uid;
  run.gid = job.config.gid;
  run.env = env_names(job.config.env);
  if (auto home = env_value(job.config.env, "HOME")) run.home = *home;
  rec.runs.push_back(run);
  CapabilityContext caps;
  const std::string root = job.config.root;
  caps.file_info = [root](const std::string& path) -> std::optional<FileInfo> {
    struct stat st {};
    if (::lstat((root + path).c_str(), &st) != 0) return std::nullopt;
    return FileInfo{st.st_mode, st.st_uid, st.st_gid};
  };
  rec.capabilities = infer_capabilities(rec, caps);

  if (run.lost_events != 0)
    log.error("the tracer lost " + std::to_string(run.lost_events) +
              " events: the recording is incomplete; the bundle is not generated (run 'profile generate "
              "--allow-incomplete " +
              job.out_dir + "' to accept the gaps)");
  std::string rec_path = job.out_dir + "/recording.json";
  if (auto st = save_recording(rec_path, rec); !st) {
    log.error("cannot write the recording: " + st.error().message);
    return;
  }
  log.info("the container's init exited after " + std::to_string(run.duration_ms) + " ms; wrote " + rec_path + " (" +
           std::to_string(rec.files.size()) + " files, " + std::to_string(rec.executables.size()) + " executables)");
  if (run.lost_events != 0) return;
  GenerateOptions gen;
  gen.keep_recording = true;
  auto report = generate_bundle(job.out_dir, rec, gen);
  log.reopen();
  if (!report) {
    log.error("recording saved, but generating the bundle failed: " + report.error().message +
              "; run 'profile generate " + job.out_dir + "' after fixing it");
    return;
  }
  std::string runtime;
  for (const auto& s : report->runtime_syscalls) runtime += (runtime.empty() ? "" : " ") + s;
  log.info("wrote the bundle " + job.out_dir + " (runtime part: " + (runtime.empty() ? "none" : runtime) + ")");
}

// The grandchild: detached from the hook, it loads and attaches the tracer,
// says so on `ready` ("ok\n", or the reason it could not), then records.
[[noreturn]] void recorder_main(int ready, const RecorderJob& job, HookLog& log) {
  log.stop_stderr();
  if (int null = ::open("/dev/null", O_RDWR | O_CLOEXEC); null >= 0) {
    // The runtime reads the hook's stdout and stderr until EOF: holding them
    // would keep the container from starting until the recorder ends.
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) ::close(null);
  }
  auto fail = [&](const std::string& why) {
    (void)write_all(ready, why + "\n");
    ::_exit(1);
  };
  auto t0 = std::chrono::steady_clock::now();
  auto tracer = make_ebpf_tracer();
  if (!tracer) fail("the eBPF tracer cannot be used: " + tracer.error().message);
  TracerOptions topts;
  topts.args = &builtin_arg_policy();
  if (auto st = (*tracer)->prepare(topts); !st) fail("the eBPF tracer: " + st.error().message);
  auto target = container_target(job.state.pid);
  if (!target) fail(target.error().message);
  target->root_dir = job.config.root;
  if (auto st = (*tracer)->attach_from_parent(*target); !st) fail("attach the eBPF tracer: " + st.error().message);
  std::string scope = target->cgroup_id != 0 ? "cgroup id " + std::to_string(target->cgroup_id)
                                             : "pid namespace " + std::to_string(target->pidns_inode);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  log.info("recording from the workload's first execve (eBPF, " + scope + ", attached in " + std::to_string(ms) +
           " ms; pid " + std::to_string(job.state.pid) + ", root " + job.config.root + ") into " + job.out_dir);
  if (std::string failed = move_to_own_cgroup(); !failed.empty())
    log.error("the recorder stays in the hook's cgroup, exposed to its cleanup: " + failed);
  (void)write_all(ready, "ok\n");
  ::close(ready);
  record_until_exit(**tracer, job, log);
  ::_exit(0);
}

// Double fork: the recorder is not the hook's child (the runtime waits for the
// hook, and would for a child holding its pipes) and not a session leader's
// child either. Returns what the recorder said on the readiness pipe.
Status start_recorder(const RecorderJob& job, HookLog& log, double timeout_s) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Errno().error("pipe2");
  Fd rd(fds[0]), wr(fds[1]);
  pid_t child = ::fork();
  if (child < 0) return Errno().error("fork");
  if (child == 0) {
    rd.reset();
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild < 0) {
      (void)write_all(wr.get(), Errno().error("fork").message + "\n");
      ::_exit(1);
    }
    if (grandchild == 0) recorder_main(wr.get(), job, log);
    ::_exit(0);
  }
  wr.reset();
  int st = 0;
  while (::waitpid(child, &st, 0) < 0 && errno == EINTR) {
  }
  std::string said;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return make_error("the recorder did not attach within " + std::to_string(int(timeout_s)) + " s");
    pollfd p{rd.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno().error("poll(recorder pipe)");
    if (n == 0) continue;
    char buf[512];
    ssize_t got = ::read(rd.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    said.append(buf, static_cast<size_t>(got));
    if (said.find('\n') != std::string::npos) break;
  }
  while (!said.empty() && said.back() == '\n') said.pop_back();
  if (said == "ok") return {};
  return make_error(said.empty() ? "the recorder ended before it attached" : said);
}

}  // namespace

int run_oci_hook(const std::string& state_text, const HookOptions& options) {
  auto state = parse_oci_state(state_text);
  if (!state) {
    HookLog log("?", options.fallback_log);
    log.error(state.error().message);
    return 2;
  }
  LearnRequest req = learn_request(*state);
  // Not asked to learn (a hook installed without the annotation filter), or a
  // later stage: the recorder ends with the container's init by itself.
  if (req.out_dir.empty() || state->status == "stopped" || state->pid <= 0) return 0;
  HookLog log(state->id, options.fallback_log);
  auto refuse = [&](const std::string& why) {
    if (req.required) {
      log.error("cannot learn: " + why + "; the container does not start (" + kRequiredAnnotation + "=true)");
      return 1;
    }
    log.error("cannot learn: " + why + "; the container runs unlearned");
    return 0;
  };
  if (auto st = ensure_out_dir(req.out_dir, options.output_root); !st) return refuse(st.error().message);
  log.open_in(req.out_dir);
  auto text = read_file(state->bundle + "/config.json");
  if (!text) return refuse("read the bundle's config.json: " + text.error().message);
  auto config = parse_oci_config(*text, state->bundle, state->bundle + "/config.json");
  if (!config) return refuse(config.error().message);
  RecorderJob job{*state, *config, req.out_dir};
  if (auto st = start_recorder(job, log, options.ready_timeout_s); !st) return refuse(st.error().message);
  return 0;
}

}  // namespace profile
