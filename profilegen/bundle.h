// Writing a whole profile bundle (DIR/) from a recording: profile.toml,
// recording.json, seccomp.json, seccomp.oci.json, seccompprofile.yaml,
// landlock.json and, when the SELinux generator is linked in, selinux/.
// Called at the end of `profile learn` and by `profile generate` / `merge`.
//
// Atomic: everything is staged in a sibling temporary directory, fsynced, then
// swapped into place with renameat2(RENAME_EXCHANGE) (or rename when DIR does
// not exist yet); a crash leaves either the old bundle or the new one. Files in
// DIR that profilegen does not write are carried over into the new bundle.
// Deterministic: the same recording, policy and options give the same bytes.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/recording.h"
#include "common/result.h"
#include "profilegen/manifest.h"

namespace profile {

struct GenerateOptions {
  std::string policy_file;               // --policy FILE: extra policy (see profile-generate(1)); "" = none
  bool no_args = false;                  // --no-args: name-only seccomp rules
  std::string default_action = "errno";  // errno (EPERM) | kill | log
  std::string clone3 = "enosys";         // --clone3: enosys (glibc falls back to clone) | allow
  bool allow_incomplete = false;         // generate even when a run lost events
  std::string paths = "directories";     // --paths: directories (generalise with evidence) | exact
  // The container runtime's calls after it loads the filter (profilegen/runtime_part.h),
  // added to the engine formats only: --runtime all | none | ENGINE[@VERSION][,...],
  // --runtime-nnp any | on | off, --runtimes FILE (instead of policies/runtimes.toml).
  std::string runtime = "all";
  std::string runtime_nnp = "any";
  std::string runtimes_file;
  // DIR/recording.json already holds exactly `rec` (learn saved it; generate loaded
  // it): keep that file instead of serialising the recording again (the slowest
  // step for large recordings). Ignored when DIR/recording.json does not exist.
  bool keep_recording = false;
  // SELinux module (profilegen/selinux/gen.h) into DIR/selinux/. When it cannot be
  // made (no reference policy installed, ...) the bundle is still written, without
  // selinux/, and a note says why.
  bool selinux = true;
  std::string selinux_policy;  // policy root, "" = /etc/selinux/default
  // The manifest to write. nullopt: keep DIR/profile.toml if it exists, else
  // derive one from the recording's first run (command, cwd, container settings).
  std::optional<Manifest> manifest;
  // Also keep the capabilities this recording shows (learn into an existing
  // bundle, `enforce --complain --update`), on top of the manifest's own. An
  // existing manifest is otherwise kept as it is: a capability removed from it
  // by hand is not granted again; the report's notes name such capabilities.
  const Recording* grant_capabilities_of = nullptr;
};

struct DangerousAllowed {
  std::string syscall;
  std::string reason;
  std::string note;  // e.g. io_uring: "file and network access not mediated by seccomp"
};

struct GenerateReport {
  std::string dir;
  std::vector<std::string> files;                   // written, relative to dir, sorted
  std::map<std::string, size_t> allowed_per_arch;   // arch -> syscalls allowed (incl. baseline/blind spots)
  std::map<std::string, size_t> observed_per_arch;  // arch -> syscalls observed
  std::vector<DangerousAllowed> dangerous;          // sorted by name
  size_t landlock_rules = 0;
  size_t landlock_generalised = 0;  // directories given a subtree rule (landlock.json "generalised")
  int landlock_min_abi = 0;
  std::vector<std::string> notes;             // plain sentences for the user
  std::vector<std::string> warnings;          // what will likely break under the bundle (also logged)
  std::vector<std::string> runtime_syscalls;  // the runtime part added to the engine formats
};

// Validates opts, loads policy, builds every artifact in memory, then writes the
// bundle atomically. Fails without touching DIR on any error (bad policy file,
// unknown syscall, incomplete recording without allow_incomplete, ...).
Result<GenerateReport> generate_bundle(const std::string& dir, const Recording& rec, const GenerateOptions& opts);

// The artifacts of a bundle, in memory: file name (relative to the bundle) ->
// bytes. `existing_manifest` is DIR/profile.toml's text ("" when none). Used by
// generate_bundle, by tests and by the speed benchmark.
Result<std::map<std::string, std::string>> render_bundle(const Recording& rec, const GenerateOptions& opts,
                                                         const std::string& existing_manifest, GenerateReport* report);

// Writes `files` as the bundle DIR atomically (see above), carrying over entries
// of an existing DIR whose top-level name is neither in `files` nor in `owned`.
Status write_bundle_atomic(const std::string& dir, const std::map<std::string, std::string>& files,
                           const std::set<std::string>& owned = {});

// Human text (several lines) and JSON (one object) forms of a report.
std::string report_to_text(const GenerateReport& r);
std::string report_to_json(const GenerateReport& r);

}  // namespace profile
