#include "session/learn.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>

#include "common/log.h"
#include "common/path_roots.h"
#include "common/syscalls.h"
#include "session/watchdog.h"
#include "tracer/capabilities.h"
#include "tracer/elf_interp.h"
#include "tracer/root_paths.h"

extern char** environ;

namespace profile {
namespace {

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string kernel_release() {
  struct utsname u {};
  if (::uname(&u) != 0) return "";
  return u.release;
}

std::string current_dir() {
  char buf[4096];
  if (::getcwd(buf, sizeof buf) == nullptr) return "";
  return buf;
}

// The names of the variables the workload is started with, as spawn_container
// builds its environment: the spec's own when it sets one, else ours.
std::vector<std::string> env_names(const LaunchSpec& spec) {
  std::set<std::string> names;
  auto add = [&names](const std::string& kv) { names.insert(kv.substr(0, kv.find('='))); };
  if (!spec.env.empty() || spec.env_exact) {
    for (const auto& kv : spec.env) add(kv);
  } else {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) add(*e);
  }
  return {names.begin(), names.end()};
}

std::optional<FileInfo> lstat_info(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return FileInfo{st.st_mode, st.st_uid, st.st_gid};
}

std::vector<uint32_t> supplementary_groups() {
  std::vector<gid_t> g(static_cast<size_t>(std::max(0, ::getgroups(0, nullptr))));
  int n = g.empty() ? 0 : ::getgroups(static_cast<int>(g.size()), g.data());
  return {g.begin(), g.begin() + std::max(0, n)};
}

// kernel.dmesg_restrict: unreadable (no /proc/sys) counts as 0, the kernel's
// default, so that reading the log is not taken as evidence on a guess.
bool dmesg_restricted() {
  std::FILE* f = std::fopen("/proc/sys/kernel/dmesg_restrict", "re");
  if (f == nullptr) return false;
  int v = 0;
  bool ok = std::fscanf(f, "%d", &v) == 1;
  std::fclose(f);
  return ok && v != 0;
}

int before_exec_trampoline(void* ctx) {
  return static_cast<Tracer*>(ctx)->before_exec_in_child();
}

struct Picked {
  std::unique_ptr<Tracer> tracer;
  std::string reason;
};

Result<Picked> pick_tracer(TracerKind kind) {
  if (kind == TracerKind::Ptrace) return Picked{make_ptrace_tracer(), "requested with --tracer ptrace"};
  auto ebpf = make_ebpf_tracer();
  if (kind == TracerKind::Ebpf) {
    if (!ebpf) return ebpf.error().wrap("cannot use the eBPF tracer");
    return Picked{std::move(ebpf).value(), "requested with --tracer ebpf"};
  }
  if (ebpf) return Picked{std::move(ebpf).value(), "eBPF is available here"};
  return Picked{make_ptrace_tracer(), "eBPF unavailable (" + ebpf.error().message + "), using ptrace"};
}

}  // namespace

Result<TracerKind> tracer_kind_from_name(const std::string& name) {
  if (name == "auto") return TracerKind::Auto;
  if (name == "ptrace") return TracerKind::Ptrace;
  if (name == "ebpf") return TracerKind::Ebpf;
  return make_error("unknown tracer \"" + name + "\" (expected auto, ptrace or ebpf)");
}

namespace {

// Milliseconds since `since`, and `since` moved to now.
double lap(std::chrono::steady_clock::time_point& since) {
  auto now = std::chrono::steady_clock::now();
  double ms = std::chrono::duration<double, std::milli>(now - since).count();
  since = now;
  return ms;
}

}  // namespace

Result<LearnResult> learn(const LearnOptions& options) {
  LearnResult::Timings timings;
  auto mark = std::chrono::steady_clock::now();
  auto picked = pick_tracer(options.tracer);
  if (!picked) return picked.error();
  Tracer& tracer = *picked->tracer;

  TracerOptions topts;
  topts.args = options.args != nullptr ? options.args : &builtin_arg_policy();
  topts.counters = options.counters;
  if (auto st = tracer.prepare(topts); !st) return st.error().wrap(tracer.name() + " tracer");
  timings.load = lap(mark);

  LaunchHooks hooks;
  hooks.before_exec = &before_exec_trampoline;
  hooks.ctx = &tracer;
  hooks.before_exec_what = "start tracing the workload";

  auto started_wall = utc_now();
  auto t0 = std::chrono::steady_clock::now();
  LaunchSpec spec = options.spec;
  spec.guard_terminal = true;  // learning runs the workload with CAP_SYS_ADMIN: keep it off the caller's terminal
  auto container = spawn_container(spec, hooks);
  if (!container) return container.error();
  Container& c = **container;
  // Described now: finish() removes the cgroup, after which it would read "none".
  auto container_settings = c.describe();

  TraceTarget target;
  target.top_pid = c.top_pid();
  target.container = options.spec.container;
  target.cgroup_id = c.cgroup_id();
  target.pidns_inode = c.pidns_inode();
  target.pidns_dev = c.pidns_dev();
  if (auto st = tracer.attach_from_parent(target); !st) {
    (void)c.finish(0);  // kills the paused container; the attach error is the one to report
    return st.error().wrap("attach the " + tracer.name() + " tracer");
  }
  forward_signals_to(c.top_pid());
  if (auto st = c.release(); !st) {
    forward_signals_to(-1);
    return st.error();
  }
  timings.start = lap(mark);
  if (options.on_started) options.on_started();
  // SIGINT/SIGTERM must end learning even when the workload stopped or traces
  // the container's pid 1 (nothing else would: the bundle would be lost).
  Watchdog watchdog(c, options.timeout_s, kSignalGraceSeconds);
  auto status = tracer.wait_from_parent();
  watchdog.stop();
  forward_signals_to(-1);
  if (!status) {
    (void)c.finish(0);
    return status.error();
  }
  auto exit = c.finish(*status);
  if (!exit) return exit.error();
  auto elapsed = std::chrono::steady_clock::now() - t0;
  timings.run = lap(mark);

  LearnResult result;
  result.recording = tracer.take_recording();
  const std::string& rootfs = options.spec.rootfs;
  if (!rootfs.empty()) {
    make_paths_image_relative(result.recording, rootfs);
    add_elf_interpreters(result.recording, rootfs);
  }
  timings.collect = lap(mark);
  RunInfo run;
  run.command = options.spec.argv;
  run.cwd = !options.spec.cwd.empty() ? options.spec.cwd : rootfs.empty() ? current_dir() : "/";
  run.tracer = tracer.name();
  run.kernel = kernel_release();
  run.arch = native_arch();
  run.started = started_wall;
  run.duration_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
  run.exit = *exit;
  run.lost_events = tracer.lost_events();
  run.container = container_settings;
  // The container maps ids one to one (enforce/namespaces.cpp), so the workload
  // starts with our effective ids (the ones permission checks use), inside a
  // user namespace or not.
  run.uid = static_cast<uint32_t>(::geteuid());
  run.gid = static_cast<uint32_t>(::getegid());
  if (options.spec.confine.set_user) {  // an image's user
    run.uid = options.spec.confine.uid;
    run.gid = options.spec.confine.gid;
  }
  if (!rootfs.empty()) {
    run.rootfs = rootfs;
    if (!options.image.empty()) run.image = options.image;
    if (!options.image_digest.empty()) run.image_digest = options.image_digest;
  }
  run.env = env_names(options.spec);
  // As env_names: the spec's environment when it sets one, else ours.
  const bool own_env = !options.spec.env.empty() || options.spec.env_exact;
  if (std::string home = roots::workload_home(own_env ? &options.spec.env : nullptr, *run.uid); !home.empty())
    run.home = home;
  result.recording.runs.push_back(run);
  // Now, while the files the workload used are still there to be looked at.
  CapabilityContext caps;
  // The files as the workload saw them: in its image, when it ran on one.
  if (rootfs.empty()) {
    caps.file_info = &lstat_info;
  } else {
    caps.file_info = [rootfs](const std::string& path) { return lstat_info(rootfs + path); };
  }
  caps.groups = supplementary_groups();
  caps.failures = options.capability_failures;
  caps.dmesg_restrict = dmesg_restricted();
  result.recording.capabilities = infer_capabilities(result.recording, caps);
  result.exit = *exit;
  result.tracer = tracer.name();
  result.tracer_reason = picked->reason;
  result.timed_out = watchdog.fired();
  result.killed_after_signal = watchdog.killed_after_signal();
  picked->tracer.reset();
  timings.close = lap(mark);
  result.timings = timings;
  return result;
}

}  // namespace profile
