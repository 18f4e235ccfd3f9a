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
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/recording.h"
#include "common/result.h"
#include "enforce/denials.h"
#include "profilegen/diff.h"

namespace profile {

struct Image;

struct EnforceOptions {
  std::string dir;                               // the bundle
  std::vector<std::string> command;              // empty: the manifest's command
  std::string cwd;                               // --cwd: instead of the manifest's
  std::string workdir;                           // --workdir: what ${WORKDIR} stands for
  std::vector<std::string> env;                  // --env: NAME (the caller's value) or NAME=VALUE
  std::string user;                              // --user UID[:GID] / NAME[:GROUP]: instead of [workload] user
  bool complain = false;                         // trace instead of seccomp + Landlock, report what is outside
  bool update = false;                           // complain: merge into recording.json and regenerate
  double timeout_s = 0;                          // > 0: kill the whole cgroup after this long
  std::optional<uint64_t> memory_max, pids_max;  // override [limits]
  std::optional<double> cpus;
  std::vector<std::string> allow_missing_landlock;  // features named by --allow-missing-landlock
  bool report_denials = true;                       // the denial report (off: --no-denials)
  bool live_denials = false;                        // say each new denial as it happens (-v)
  // --image / --rootfs (enforce/image.h): the container's root is the image's,
  // whose env, user and entrypoint apply as at learn; not owned, may be null.
  const Image* image = nullptr;
  std::optional<std::string> entrypoint;  // --entrypoint, with image
};

// What the confinement refused the workload (enforce/denials.h), for the report.
struct DenialReport {
  bool on = false;               // asked for (not --no-denials, not complain)
  bool seccomp_watched = false;  // seccomp denials reached the report
  bool seccomp_kills = false;    // the profile's default action kills (SIGSYS)
  bool landlock = false;         // Landlock was applied (its denials are not observed)
  std::vector<Denial> denials;
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
  DenialReport denials;
  // complain mode
  bool complain = false;
  DiffSide outside;  // what the run did that the profile does not allow
  // Where this run made each syscall of outside.syscalls: architecture names
  // ("x86_64", "i386", "x32") by syscall name.
  std::map<std::string, std::vector<std::string>> outside_arches;
  // Architectures the run used that the profile does not list (every call of
  // them is denied), and calls libseccomp cannot name ("x86_64:457"), which
  // the profile answers with ENOSYS.
  std::vector<std::string> outside_architectures;
  std::vector<std::string> outside_unnamed;
  std::vector<std::string> updated_files;  // with update
  // The workload failed, learning saw it make a clone3 that may have no
  // fallback (clone3_fallback_doubts) and the profile answers clone3 with
  // ENOSYS: the sentence saying so ("" otherwise).
  std::string clone3_note;
};

Result<EnforceReport> run_bundle(const EnforceOptions& options);

// Landlock features a kernel of ABI `abi` cannot enforce, among those the
// profile uses, in ABI order: "fs" (no Landlock), "refer" (ABI < 2),
// "truncate" (< 3), "net_tcp" (< 4), "ioctl_dev" (< 5), "scope" (< 6). These are
// the names landlock_required and --allow-missing-landlock take.
struct LandlockProfile;
std::vector<std::string> missing_landlock_features(const LandlockProfile& profile, int abi);

// Complain mode's findings as text (one line per access) and as JSON: argument
// values decoded (AF_INET6, TIOCGWINSZ, CLONE_NEWUSER), dangerous syscalls
// tagged with the reason (policies/dangerous.toml), the architecture of a call
// made through another ABI (i386, x32).
std::string complain_report_text(const EnforceReport& r);
// The denial report for stderr (lines without the "profile: " prefix), "" when
// there is nothing to say: no denial, no telling signal, a clean exit. `dir`
// is the bundle as the user named it, for the way out.
std::vector<std::string> denial_report_lines(const EnforceReport& r, const std::string& dir);
// Names of syscalls the seccomp.json allows only with some argument values,
// and whether its default action kills; {} for text that is not a profile.
struct SeccompFacts {
  std::set<std::string> allowed_with_args;
  bool kills = false;
  bool clone3_enosys = false;  // clone3 is not allowed and a rule answers it with ENOSYS
};
SeccompFacts seccomp_facts(const std::string& json_text);
std::string enforce_report_json(const EnforceReport& r);

// The ids `spec` ("UID[:GID]", "NAME[:GROUP]") names, looked up in the
// passwd and group databases: the group defaults to the user's primary one, and
// the supplementary groups are the user's (getgrouplist), or the gid alone for
// a uid without a passwd entry. An unknown name, or a uid without an entry and
// no gid, is an error of one sentence.
struct WorkloadUser {
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> groups;
};
Result<WorkloadUser> resolve_workload_user(const std::string& spec);

// "512M", "2G", "1048576" -> bytes.
Result<uint64_t> parse_size(const std::string& text);

// The exit status of `profile enforce` when --timeout fired (as timeout(1)).
inline constexpr int kEnforceTimedOut = 124;

}  // namespace profile
