// `profile enforce DIR`: run the bundle's workload confined by its profile
// (orchestration in session/run_bundle.h; this file only parses and prints).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/report_file.h"
#include "common/log.h"
#include "enforce/image.h"
#include "enforce/launcher.h"
#include "session/run_bundle.h"

namespace profile::cli {
namespace {

struct EnforceArgs {
  std::string dir;
  std::vector<std::string> command;
  std::string cwd;
  std::string workdir;
  std::vector<std::string> env;
  std::string user;
  bool complain = false;
  bool update = false;
  bool json = false;
  std::string report;  // --report FILE
  bool no_denials = false;
  double timeout = 0;
  std::string memory;
  int64_t pids = -1;
  double cpus = -1;
  std::vector<std::string> allow_missing_landlock;
  std::string image;        // --image REF
  std::string rootfs;       // --rootfs DIR
  std::string image_cache;  // --image-cache DIR
  std::optional<std::string> entrypoint;
};

void run_enforce(const EnforceArgs& a, Context& ctx) {
  EnforceOptions o;
  o.dir = a.dir;
  o.command = a.command;
  o.cwd = a.cwd;
  o.workdir = a.workdir;
  o.env = a.env;
  o.user = a.user;
  o.complain = a.complain;
  o.update = a.update;
  o.timeout_s = a.timeout;
  o.report_denials = !a.no_denials && !a.complain;
  o.live_denials = log::level() >= log::Level::Debug;
  if (a.update && !a.complain) fail(make_error("--update needs --complain"), kExitUsage);
  if (a.timeout < 0) fail(make_error("--timeout must be a positive number of seconds"), kExitUsage);
  if (!a.memory.empty()) {
    auto m = parse_size(a.memory);
    if (!m) fail(m.error().wrap("--memory"), kExitUsage);
    o.memory_max = *m;
  }
  if (a.pids >= 0) o.pids_max = static_cast<uint64_t>(a.pids);
  if (a.cpus >= 0) o.cpus = a.cpus;
  o.allow_missing_landlock = a.allow_missing_landlock;
  if (!a.report.empty())
    if (auto st = check_report_path(a.report); !st) fail(st.error(), kExitUsage);
  if (::access((a.dir + "/profile.toml").c_str(), R_OK) != 0) {
    int err = errno;
    fail(make_error(a.dir + " is not a profile bundle: cannot read " + a.dir + "/profile.toml (" + errno_name(err) +
                    "); create one with 'profile learn -o " + a.dir + " -- CMD'"),
         kExitUsage);
  }

  std::optional<Image> image;
  if (!a.image.empty() && !a.rootfs.empty()) fail(make_error("give either --image or --rootfs, not both"), kExitUsage);
  if (a.entrypoint && a.image.empty() && a.rootfs.empty())
    fail(make_error("--entrypoint needs --image or --rootfs"), kExitUsage);
  if (!a.image.empty() || !a.rootfs.empty()) {
    auto opened = !a.image.empty()
                      ? open_image(a.image, a.image_cache.empty() ? default_image_cache_dir() : a.image_cache)
                      : open_rootfs(a.rootfs);
    if (!opened) fail(opened.error());  // 2 for a bad reference, 125 when skopeo or umoci failed
    image = std::move(opened).value();
    o.image = &*image;
    o.entrypoint = a.entrypoint;
  }

  auto report = run_bundle(o);
  if (!report) fail(report.error());
  if (report->complain && !a.json) std::fputs(complain_report_text(*report).c_str(), stderr);
  // On stderr even with --json (which carries it as "denials"): the user
  // watching the terminal is the one who must learn why the workload failed.
  for (const auto& line : denial_report_lines(*report, a.dir)) log::info(line);
  if (a.json) std::fputs(enforce_report_json(*report).c_str(), stdout);
  if (!a.report.empty())
    if (auto st = write_report(a.report, enforce_report_json(*report)); !st)
      fail(st.error().wrap("--report " + a.report), kLauncherFailure);
  if (report->timed_out) {
    log::error("the workload ran longer than --timeout " + std::to_string(a.timeout) +
               " s: every process of its cgroup was killed");
    ctx.exit_code = kEnforceTimedOut;
    return;
  }
  if (report->killed_after_signal != 0) {
    // As if the signal had ended it (the message was said when it was killed).
    ctx.exit_code = 128 + report->killed_after_signal;
    return;
  }
  ctx.exit_code = report->exit.status();
}

}  // namespace

void register_enforce(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<EnforceArgs>();
  auto* cmd = app.add_subcommand("enforce", "Run a workload confined by its profile bundle");
  cmd->footer(
      "\nRuns the bundle's command (or the one after --) in the container it was learned in, confined by\n"
      "everything DIR/profile.toml says, in this order: namespaces; mounts (private /tmp, read-only root,\n"
      "bind mounts); a cgroup with the limits; capabilities (only the learned ones profile.toml lists);\n"
      "no_new_privs; Landlock;\n"
      "SELinux exec context (when SELinux is active); seccomp last. If any step fails the workload does\n"
      "not start. DIR itself is bound read-only into the container, and profile refuses a bundle that\n"
      "another user owns or that its group or others may write (as sshd's StrictModes).\n"
      "The workload gets the caller's variables that it was started with while learning ([workload] env)\n"
      "plus --env; profile says which of yours it left out.\n"
      "As root, the workload runs as [workload] user (written when it was learned as a non-root user) or\n"
      "--user UID[:GID]; the ids are set before the capabilities, which it keeps across the switch.\n"
      "When the workload ends, profile says what the confinement denied it (each distinct call with its\n"
      "count, first pid and command, and the mechanism; live with -v) and the way out: --complain, then\n"
      "--complain --update. seccomp denials reach profile through the kernel's user notification, answered\n"
      "at once with the profile's errno; allowed calls never leave the kernel. --no-denials turns it off.\n"
      "Exit status: the workload's (128+N for signal N), 124 after --timeout, 125 if the launcher\n"
      "failed (the message names the step and errno), 126 if the command cannot be executed (not\n"
      "executable, or refused by Landlock or seccomp), 127 if it is not found, 2 for bad arguments or a\n"
      "refused bundle.\n"
      "With --image REF or --rootfs DIR (as the bundle was learned), the container's root is the image's\n"
      "(see profile learn --help), with its env (plus --env), its user (or --user, looked up in the image)\n"
      "and the learned command (-- CMD runs CMD after the image's entrypoint instead).\n\n"
      "Examples:\n"
      "  profile enforce web\n"
      "  profile enforce web --timeout 60 --memory 256M -- python3 -m http.server 8001\n"
      "  profile enforce web --cwd /srv/www --env DEBUG=1 --env LC_ALL\n"
      "  profile enforce web --user www-data          (as root: run it as www-data)\n"
      "  profile enforce web --workdir /srv/app      (learned in a CI checkout, deployed at /srv/app)\n"
      "  profile enforce web --complain --json        (report what is outside the profile)\n"
      "  profile enforce web --image localhost/web:1  (learned with profile learn --image localhost/web:1)\n");
  cmd->add_option("DIR", args->dir, "The profile bundle (written by profile learn / generate)")->required();
  cmd->add_option("--cwd", args->cwd, "Working directory of the workload instead of the manifest's [workload] cwd")
      ->type_name("DIR");
  cmd->add_option("--workdir", args->workdir,
                  "Directory ${WORKDIR} stands for in a relocatable bundle (default: the directory it was learned in, "
                  "when it exists here)")
      ->type_name("DIR");
  cmd->add_option("--env", args->env,
                  "Pass NAME with your value, or set NAME=VALUE, in the workload's environment (repeatable)")
      ->type_name("NAME[=VALUE]")
      ->allow_extra_args(false);
  cmd->add_option("--user", args->user,
                  "As root: run the workload as this user and group (numbers or names) instead of [workload] user "
                  "or root")
      ->type_name("UID[:GID]");
  cmd->add_flag("--complain", args->complain,
                "Run under the tracer instead of seccomp and Landlock and report every access outside the profile "
                "and every capability a call failed for lack of");
  cmd->add_flag("--update", args->update,
                "With --complain: merge what was seen into DIR, grant the capabilities reported, and regenerate");
  cmd->add_option("--timeout", args->timeout, "Kill the whole container after S seconds (exit status 124)");
  cmd->add_option("--memory", args->memory, "Memory limit, e.g. 256M or 2G (overrides [limits] memory_max)");
  cmd->add_option("--pids", args->pids, "Maximum number of processes and threads (overrides pids_max)");
  cmd->add_option("--cpus", args->cpus, "CPU quota in CPUs, e.g. 0.5 (overrides [limits] cpus)");
  cmd->add_option("--allow-missing-landlock", args->allow_missing_landlock,
                  "Run even though the kernel lacks this Landlock feature the profile requires: fs (ABI 1), refer "
                  "(2), truncate (3), net_tcp (4), ioctl_dev (5), scope (6); repeatable or comma-separated")
      ->type_name("FEATURE")
      ->delimiter(',')
      ->check(CLI::IsMember({"fs", "refer", "truncate", "net_tcp", "ioctl_dev", "scope"}));
  cmd->add_flag("--json", args->json,
                "Print the result (and complain findings) as JSON on stdout, which the workload shares (see --report)");
  cmd->add_option("--report", args->report,
                  "Write the JSON result to FILE (atomically), so that stdout holds only the workload's output")
      ->type_name("FILE");
  cmd->add_flag("--no-denials", args->no_denials,
                "Do not report what the confinement denied (seccomp denials then never leave the kernel)");
  cmd->add_option("--image", args->image,
                  "Run in this container image, as learn --image: its root filesystem, env and user (give the image "
                  "the bundle was learned in)")
      ->type_name("REF");
  cmd->add_option("--rootfs", args->rootfs, "Run in this root filesystem (or OCI runtime bundle), as learn --rootfs")
      ->type_name("DIR");
  cmd->add_option("--image-cache", args->image_cache,
                  "Where --image unpacks images (default: /var/cache/profile/images as root, else "
                  "~/.cache/profile/images)")
      ->type_name("DIR");
  cmd->add_option("--entrypoint", args->entrypoint,
                  "With --image/--rootfs: run PROG instead of the image's entrypoint and the learned command")
      ->type_name("PROG");
  cmd->add_option("command", args->command,
                  "Command to run instead of the bundle's (after --); with --image, after the image's entrypoint");
  cmd->callback([args, &ctx] { run_enforce(*args, ctx); });
}

}  // namespace profile::cli
