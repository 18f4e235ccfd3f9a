// `profile learn`: run a command in the learning container under a tracer and
// write DIR/recording.json (then the profile bundle).
#include "session/learn.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/report_file.h"
#include "common/atomic_file.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/recording.h"
#include "enforce/image.h"
#include "profilegen/bundle.h"
#include "profilegen/engine_command.h"
#include "profilegen/manifest.h"

namespace profile::cli {
namespace {

struct LearnArgs {
  std::string out_dir;
  std::string tracer = "auto";
  std::string net = "host";
  bool append = false;
  bool no_container = false;
  bool json = false;
  std::string report;  // --report FILE
  bool no_generate = false;
  bool trace_engine = false;
  std::string image;        // --image REF
  std::string rootfs;       // --rootfs DIR
  std::string image_cache;  // --image-cache DIR
  std::optional<std::string> entrypoint;
  std::vector<std::string> command;
};

// ./CMD.profile, where CMD is the program a wrapper (setpriv, env, nice...)
// runs rather than the wrapper: `is_program` tells its arguments apart (from
// the recording after the run, from PATH before it).
std::string default_out_dir(const std::vector<std::string>& command,
                            const std::function<bool(const std::string&)>& is_program) {
  const std::string& argv0 = command[wrapped_program_index(command, is_program)];
  std::string base = argv0.substr(argv0.rfind('/') == std::string::npos ? 0 : argv0.rfind('/') + 1);
  if (base.empty()) base = "workload";
  return base + ".profile";
}

bool resolves_in_path(const std::string& arg) {
  const char* path_env = std::getenv("PATH");
  return resolve_command(arg, path_env != nullptr ? path_env : "/usr/bin:/bin").ok();
}

// Creates DIR if needed and proves it is writable before the workload runs, so
// that a long learning run is never lost to a permission error at the end.
void ensure_writable_dir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) fail(Errno().error("output directory " + dir), kExitUsage);
    size_t pos = 0;
    while ((pos = dir.find('/', pos + 1)) != std::string::npos) ::mkdir(dir.substr(0, pos).c_str(), 0755);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      fail(Errno().error("cannot create output directory " + dir), kExitUsage);
  } else if (!S_ISDIR(st.st_mode)) {
    fail("output path " + dir + " exists and is not a directory", kExitUsage);
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    fail(Errno().error("output directory " + dir + " is not writable"), kExitUsage);
}

std::string summary(const Recording& rec) {
  size_t syscalls = 0;
  std::string arches;
  for (const auto& [arch, names] : rec.syscalls) {
    syscalls += names.size();
    arches += (arches.empty() ? "" : ", ") + arch;
  }
  return std::to_string(syscalls) + " distinct syscalls (" + (arches.empty() ? "none" : arches) + "), " +
         std::to_string(rec.files.size()) + " files, " + std::to_string(rec.executables.size()) + " executables, " +
         std::to_string(rec.network.size()) + " network endpoints";
}

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  return buf;
}

// ./NAME.profile for an image: its repository's last component, without tag
// or digest ("localhost/web:1" -> web, "oci-archive:/x/app.tar" -> app).
std::string image_out_dir(const std::string& ref) {
  std::string name = ref;
  if (auto at = name.find('@'); at != std::string::npos) name.resize(at);
  for (const char* t :
       {"containers-storage:", "docker-daemon:", "docker-archive:", "oci-archive:", "oci:", "dir:", "docker://"})
    if (name.rfind(t, 0) == 0) name = name.substr(std::strlen(t));
  if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  if (auto colon = name.find(':'); colon != std::string::npos) name.resize(colon);
  if (auto dot = name.find('.'); dot != std::string::npos && dot > 0) name.resize(dot);
  return (name.empty() ? std::string("image") : name) + ".profile";
}

// --image / --rootfs: the image, unpacked, and the launch it makes.
std::optional<Image> open_learn_image(const LearnArgs& a, LaunchSpec& spec) {
  if (a.image.empty() && a.rootfs.empty()) {
    if (a.entrypoint) fail("--entrypoint needs --image or --rootfs", kExitUsage);
    return std::nullopt;
  }
  if (!a.image.empty() && !a.rootfs.empty()) fail("give either --image or --rootfs, not both", kExitUsage);
  if (a.no_container) fail("--image and --rootfs need the learning container (not --no-container)", kExitUsage);
  auto image = !a.image.empty() ? open_image(a.image, a.image_cache.empty() ? default_image_cache_dir() : a.image_cache)
                                : open_rootfs(a.rootfs);
  if (!image) throw FatalError{image.error()};  // 2 for a bad reference, 125 when skopeo or umoci failed
  if (auto st = apply_image(*image, a.command, a.entrypoint, spec); !st) throw FatalError{st.error(), kExitUsage};
  auto resolved = resolve_command_in_root(
      spec.argv[0],
      [&spec] {
        for (const auto& kv : spec.env)
          if (kv.rfind("PATH=", 0) == 0) return kv.substr(5);
        return std::string();
      }(),
      spec.rootfs, spec.cwd);
  if (!resolved) throw FatalError{resolved.error()};  // 126 or 127, from its kind
  return std::move(image).value();
}

void run_learn(const LearnArgs& a, Context& ctx) {
  LearnOptions opts;
  auto image = open_learn_image(a, opts.spec);
  if (a.command.empty() && !image) fail("no command given: use 'profile learn [OPTIONS] -- CMD [ARG...]'", kExitUsage);
  auto tracer = tracer_kind_from_name(a.tracer);
  if (!tracer) fail(tracer.error().message, kExitUsage);
  auto net = net_mode_from_name(a.net);
  if (!net) fail(net.error().message, kExitUsage);

  const char* path_env = std::getenv("PATH");
  if (!image) {
    auto resolved = resolve_command(a.command[0], path_env != nullptr ? path_env : "/usr/bin:/bin");
    if (!resolved) throw FatalError{resolved.error()};  // 126 or 127, from its kind
  }
  if (auto engine = container_engine_launch(a.command, resolves_in_path); engine && !a.trace_engine && !image)
    fail("'" + *engine + "' starts the workload in a container of the engine's own runtime, outside the learning " +
             "container: the recording would hold the engine and its runtime (mount, pivot_root, unshare...), not " +
             "the workload; learn the workload's own command (profile learn -- CMD ARGS), or pass --trace-engine " +
             "to learn the engine client itself",
         kExitUsage);

  // The default directory is named after the run, from what it executed (a
  // wrapper's option values cannot be mistaken for its program then); only
  // --append, which reads the old recording first, names it from PATH before.
  bool name_after_run = a.out_dir.empty() && !a.append && !image;
  std::string dir = !a.out_dir.empty() ? a.out_dir
                    : !a.image.empty() ? image_out_dir(a.image)
                    : image            ? default_out_dir(opts.spec.argv, [](const std::string&) { return false; })
                                       : default_out_dir(a.command, resolves_in_path);
  if (name_after_run) {
    if (::access(".", W_OK | X_OK) != 0)
      fail(Errno().error("cannot write the bundle into the current directory").message + " (use -o DIR)", kExitUsage);
  } else {
    ensure_writable_dir(dir);
  }
  std::string rec_path = dir + "/recording.json";
  if (!a.report.empty())
    if (auto st = check_report_path(a.report); !st) fail(st.error().message, kExitUsage);

  // --append: read (and validate) the old recording before running anything, and
  // leave it untouched if it is not one.
  Recording previous;
  if (a.append && ::access(rec_path.c_str(), F_OK) == 0) {
    auto old = load_recording(rec_path);
    if (!old) fail(old.error().message + " (left untouched; remove it or learn without --append)", kExitUsage);
    previous = std::move(old).value();
  }

  if (image) {
    opts.image = image->ref;
    opts.image_digest = image->digest;
  } else {
    opts.spec.argv = a.command;
  }
  opts.spec.container = !a.no_container;
  opts.spec.net = *net;
  opts.tracer = *tracer;
  LiveCounters counters;
  opts.counters = &counters;
  auto t0 = std::chrono::steady_clock::now();
  StatusLine status([&] {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char buf[160];
    std::snprintf(buf, sizeof buf, "learning: %.1fs  %llu syscalls  %llu distinct  %llu files", secs,
                  static_cast<unsigned long long>(counters.syscalls.load(std::memory_order_relaxed)),
                  static_cast<unsigned long long>(counters.distinct_syscalls.load(std::memory_order_relaxed)),
                  static_cast<unsigned long long>(counters.files.load(std::memory_order_relaxed)));
    return std::string(buf);
  });
  opts.on_started = [&] { status.start(); };

  auto result = learn(opts);
  status.stop();
  if (!result) throw FatalError{result.error()};  // 125, or 126/127 when the command could not be executed
  log::debug("tracer: " + result->tracer + " (" + result->tracer_reason + ")");
  const auto& tm = result->timings;
  log::debug("learn took " + ms_text(tm.load) + " to load the tracer, " + ms_text(tm.start) +
             " to start the container, " + ms_text(tm.run) + " for the workload, " + ms_text(tm.collect) +
             " to collect the recording and " + ms_text(tm.close) + " to close the tracer");

  Recording rec = std::move(result->recording);
  // This run's capabilities are granted even when DIR already has a manifest.
  Recording this_run;
  this_run.runs = rec.runs;
  this_run.capabilities = rec.capabilities;
  if (a.append) {
    Recording merged = previous;
    if (auto st = merged.merge(rec); !st) fail(rec_path + ": " + st.error().message, kExitUsage);
    rec = std::move(merged);
  }
  if (name_after_run) {
    dir = default_out_dir(a.command, executed_in(rec.executables));
    ensure_writable_dir(dir);
    rec_path = dir + "/recording.json";
  }
  auto save_start = std::chrono::steady_clock::now();
  if (auto st = save_recording(rec_path, rec); !st)
    fail("write " + rec_path + ": " + st.error().message, kLauncherFailure);
  log::debug("wrote " + rec_path + " in " +
             ms_text(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - save_start).count()));

  if (result->killed_after_signal != 0)
    log::warn("the recording holds what the workload did until it was killed: " + rec_path);
  const RunInfo& run = rec.runs.back();
  if (run.lost_events > 0)
    log::warn("the tracer lost " + std::to_string(run.lost_events) +
              " events: this recording is incomplete and profiles generated from it may deny what the workload needs");

  // The recording is safe on disk before generation starts: a failure below
  // never loses the learning run.
  std::string generated;
  if (!a.no_generate) {
    GenerateOptions gen;
    gen.keep_recording = true;  // just saved above; rewriting it would cost as much again
    gen.grant_capabilities_of = &this_run;
    auto report = generate_bundle(dir, rec, gen);
    if (!report)
      fail("recording saved to " + rec_path + ", but generating the bundle failed: " + report.error().message +
               "; fix it and run 'profile generate " + dir + "'" +
               (rec.incomplete() ? " (or 'profile generate --allow-incomplete " + dir + "' to accept the gaps)" : ""),
           kLauncherFailure);
    generated = report_to_text(*report);
    if (log::level() < log::Level::Info || a.json)
      for (const auto& w : report->warnings) log::warn(w);
  }
  if (a.json || !a.report.empty()) {
    // rec_path is bytes (-o DIR need not be UTF-8, and may hold a quote): escaped and encoded as json text.
    std::string out = "{\"recording\":";
    append_json_string(out, rec_path);
    out += ",\"tracer\":";
    append_json_string(out, result->tracer);
    out += ",\"exit_status\":" + std::to_string(result->exit.status()) +
           ",\"lost_events\":" + std::to_string(run.lost_events) + "}\n";
    if (a.json) std::fputs(out.c_str(), stdout);
    if (!a.report.empty())
      if (auto st = write_report(a.report, out); !st)
        fail("recording saved to " + rec_path + ", but the report was not: " + st.error().message, kLauncherFailure);
  }
  if (!a.json) {
    log::info("recorded " + summary(rec) + " with " + result->tracer + "; wrote " + rec_path);
    if (!generated.empty() && log::level() >= log::Level::Info) std::fputs(generated.c_str(), stderr);
  }
  // Killed because its pid 1 could not pass the signal on (said when it was):
  // as if the signal had ended it, as it would have without the workload's help.
  ctx.exit_code = result->killed_after_signal != 0 ? 128 + result->killed_after_signal : result->exit.status();
}

}  // namespace

void register_learn(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<LearnArgs>();
  auto* cmd = app.add_subcommand("learn", "Run a command in the learning container and record what it does");
  cmd->footer(
      "\nThe command runs in new pid, mount, uts and ipc namespaces (and a user namespace when not root),\n"
      "in a cgroup of its own; when it ends, nothing of it survives. Everything it does that a profile\n"
      "must cover is written to DIR/recording.json, then the profiles are generated into DIR\n"
      "(seccomp, Landlock, SELinux, profile.toml; see profile-bundle(5)). profile exits with the command's exit "
      "status\n"
      "(128+N if a signal N ended it), 125 if the launcher failed, 126 if the command cannot be executed,\n"
      "127 if it is not found. SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed to the command; if the\n"
      "container's pid 1 cannot pass them on (the workload stopped or traces it) and the container has\n"
      "not ended 2 s later, or at a second such signal, profile kills the container, still writes the\n"
      "recording and the bundle, and exits 128+N. The workload cannot push input into your terminal\n"
      "(ioctl TIOCSTI and TIOCLINUX answer EPERM). Without -o, the bundle is named after the program\n"
      "a wrapper such as setpriv, env, nice or timeout runs.\n"
      "With --image REF (or --rootfs DIR) the container's root is the image's root filesystem (a writable\n"
      "overlay on a tmpfs: the image on disk is never changed), with /proc, a /dev of the usual devices,\n"
      "/sys read-only, and /etc/hosts, /etc/resolv.conf and /etc/hostname as engines inject them; the\n"
      "image's entrypoint, cmd, env, working directory and user apply (-- CMD replaces the cmd). The\n"
      "recording names the image and its digest, and its paths are the image's. Images are unpacked with\n"
      "skopeo and umoci into --image-cache, once per digest. As root, profile sees root's podman storage\n"
      "only: a rootless user's image is reached with 'podman save' and oci-archive:FILE.\n\n"
      "Examples:\n"
      "  profile learn -- ls -l /etc\n"
      "  profile learn -o web --net loopback -- python3 -m http.server 8000\n"
      "  profile learn -o web --append -- ./integration-tests.sh     (merge a second run)\n"
      "  profile learn -o web --report learn.json -- ./integration-tests.sh > tests.log\n"
      "  profile learn -o web --net loopback --image localhost/web:1      (its entrypoint and cmd)\n"
      "  profile learn -o web --image oci-archive:web.tar -- /app/serve.py 8080   (its entrypoint, this cmd)\n");
  cmd->add_option("-o,--output", args->out_dir, "Bundle directory to write (default: ./<command>.profile)");
  cmd->add_option("--tracer", args->tracer, "auto (eBPF where it loads, else ptrace), ebpf or ptrace")
      ->check(CLI::IsMember({"auto", "ebpf", "ptrace"}));
  cmd->add_option("--net", args->net,
                  "Network: host (default: the workload behaves as in production), loopback (own namespace with only "
                  "lo) or none")
      ->check(CLI::IsMember({"host", "loopback", "none"}));
  cmd->add_flag("--append", args->append, "Merge this run into an existing DIR/recording.json");
  cmd->add_flag("--no-container", args->no_container, "Trace the command on the host as it is, without namespaces");
  cmd->add_flag("--no-generate", args->no_generate,
                "Only write DIR/recording.json; build the profiles later with 'profile generate DIR'");
  cmd->add_flag("--json", args->json,
                "Print the result as JSON on stdout, the stream the workload writes to as well (see --report)");
  cmd->add_option("--report", args->report,
                  "Write the JSON result to FILE (atomically) instead, so that stdout holds only the workload's "
                  "output")
      ->type_name("FILE");
  cmd->add_flag("--trace-engine", args->trace_engine,
                "Learn a container engine's client itself (podman run, docker run, runc run, ctr run...), which "
                "learn otherwise refuses: its recording is the engine's, not the container workload's");
  cmd->add_option("--image", args->image,
                  "Learn inside this container image: its root filesystem is the container's root and its config's "
                  "entrypoint, cmd, env, working directory and user apply (NAME[:TAG] from podman's or docker's "
                  "storage, oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, containers-storage:NAME)")
      ->type_name("REF");
  cmd->add_option("--rootfs", args->rootfs,
                  "Learn inside this root filesystem (or OCI runtime bundle with config.json and rootfs/), as --image")
      ->type_name("DIR");
  cmd->add_option("--image-cache", args->image_cache,
                  "Where --image unpacks images, one directory per image digest (default: /var/cache/profile/images "
                  "as root, else ~/.cache/profile/images)")
      ->type_name("DIR");
  cmd->add_option("--entrypoint", args->entrypoint,
                  "With --image/--rootfs: run PROG instead of the image's entrypoint and cmd (the command after -- "
                  "is then its arguments); \"\" for none")
      ->type_name("PROG");
  cmd->add_option("command", args->command,
                  "The command to run and its arguments (after --); with --image it replaces the image's cmd");
  cmd->callback([args, &ctx] { run_learn(*args, ctx); });
}

}  // namespace profile::cli
