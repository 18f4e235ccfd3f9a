// `profile enforce DIR` as a library call: read the bundle's profile.toml, build
// the confinement it asks for (namespaces, cgroup limits, mounts, capabilities,
// no_new_privs, Landlock, seccomp, SELinux when active) and run the workload in
// it; or, with complain, run it under the ptrace tracer in the same container
// and report what it did outside the profile. Fails closed: any step that
// cannot be applied is an Error and the workload does not start.
//
// Lives in profile_enforce_run (links profilegen and the tracer), not in
// profile_enforce, which the tracer itself links.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/recording.h"
#include "common/result.h"
#include "profilegen/diff.h"

namespace profile {

struct EnforceOptions {
  std::string dir;                               // the bundle
  std::vector<std::string> command;              // empty: the manifest's command
  std::string cwd;                               // --cwd: instead of the manifest's
  std::string workdir;                           // --workdir: what ${WORKDIR} stands for
  std::vector<std::string> env;                  // --env: NAME (the caller's value) or NAME=VALUE
  bool complain = false;                         // trace instead of seccomp + Landlock, report what is outside
  bool update = false;                           // complain: merge into recording.json and regenerate
  double timeout_s = 0;                          // > 0: kill the whole cgroup after this long
  std::optional<uint64_t> memory_max, pids_max;  // override [limits]
  std::optional<double> cpus;
  std::vector<std::string> allow_missing_landlock;  // features named by --allow-missing-landlock
};

struct EnforceReport {
  ExitInfo exit;
  bool timed_out = false;
  int killed_after_signal = 0;       // see LearnResult::killed_after_signal
  std::vector<std::string> notices;  // said once to the user: downgrades, SELinux inactive...
  std::vector<std::string> applied;  // the confinement steps used, in order
  // Names of the caller's environment variables not passed to the workload
  // (not in the manifest's [workload] env, not given with --env), sorted.
  std::vector<std::string> dropped_env;
  // complain mode
  bool complain = false;
  DiffSide outside;                        // what the run did that the profile does not allow
  std::vector<std::string> updated_files;  // with update
};

Result<EnforceReport> run_bundle(const EnforceOptions& options);

// Landlock features a kernel of ABI `abi` cannot enforce, among those the
// profile uses, in ABI order: "fs" (no Landlock), "refer" (ABI < 2),
// "truncate" (< 3), "net_tcp" (< 4), "ioctl_dev" (< 5), "scope" (< 6). These are
// the names landlock_required and --allow-missing-landlock take.
struct LandlockProfile;
std::vector<std::string> missing_landlock_features(const LandlockProfile& profile, int abi);

// Complain mode's findings as text (one line per access) and as JSON.
std::string complain_report_text(const EnforceReport& r);
std::string enforce_report_json(const EnforceReport& r);

// "512M", "2G", "1048576" -> bytes.
Result<uint64_t> parse_size(const std::string& text);

// The exit status of `profile enforce` when --timeout fired (as timeout(1)).
inline constexpr int kEnforceTimedOut = 124;

}  // namespace profile
