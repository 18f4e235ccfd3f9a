// Landlock from a bundle's landlock.json (format: profile-bundle(5)).
//
// parse_landlock_json() reads the file; prepare_landlock_from_parent() probes the
// kernel's ABI, masks out what the kernel cannot enforce and reports it as a
// downgrade (refused unless allow_downgrade); apply_landlock_in_child() runs in the
// child after its mounts (path fds must be opened in the child's mount namespace),
// with raw syscalls and no allocation. A rule whose path does not exist in the
// child is skipped: what it would have allowed stays denied (fail closed).
// Needs: a kernel with Landlock (ABI >= 1); no privileges.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

struct LandlockPathRule {
  std::string path;
  uint64_t access = 0;  // LANDLOCK_ACCESS_FS_* bits
};

struct LandlockProfile {
  uint64_t handled_fs = 0;
  std::vector<LandlockPathRule> fs;
  uint64_t handled_net = 0;  // LANDLOCK_ACCESS_NET_* bits
  std::vector<uint16_t> bind_tcp;
  std::vector<uint16_t> connect_tcp;
  // Connect to every port of the local (ephemeral) range, read from
  // /proc/sys/net/ipv4/ip_local_port_range when enforce prepares the rules: a
  // server that bound port 0 connects to the port it got, another one each run.
  bool connect_tcp_ephemeral = false;
  uint64_t scoped = 0;               // LANDLOCK_SCOPE_* bits
  bool assumes_private_tmp = false;  // rules grant a temporary root as a whole: needs private_tmp
};

// Rule paths may be below ${WORKDIR} or ${HOME} (common/path_roots.h): they
// must be resolved (resolve_landlock_roots) before the rules are prepared.
Result<LandlockProfile> parse_landlock_json(const std::string& text, const std::string& source);
Result<LandlockProfile> load_landlock_file(const std::string& path);

// Removes every right but execute, read_file, read_dir and ioctl_dev from the
// rules on `dir` or below it (a rule left with nothing is dropped), and returns
// one line per rule changed. Enforce passes the bundle's directory: a profile
// must never let the workload rewrite the profile (a rule above it still grants
// writes below, which the read-only bind mount of the bundle refuses).
// Replaces each ${ROOT} of the rule paths by its value in `values`; fails, naming
// the root, when a rule names one `values` lacks. Rules that meet on one path
// are merged.
Status resolve_landlock_roots(LandlockProfile& profile, const std::map<std::string, std::string>& values,
                              const std::string& source);

std::vector<std::string> strip_landlock_writes_below(LandlockProfile& profile, const std::string& dir);

// The Landlock ABI version used: the running kernel's, 0 when Landlock is
// unavailable (not built in, or not in the active LSM list), capped by the
// test-only environment variable PROFILE_TEST_LANDLOCK_ABI_CAP=N when set (a
// test on a new kernel of what an older one does). Probed once.
int landlock_abi();
// The running kernel's, never capped.
int landlock_kernel_abi();
inline constexpr const char* kLandlockAbiCapVariable = "PROFILE_TEST_LANDLOCK_ABI_CAP";

struct PreparedLandlock {
  int abi = 0;
  uint64_t handled_fs = 0, handled_net = 0, scoped = 0;  // masked to abi
  std::vector<std::string> paths;                        // owned strings
  std::vector<const char*> path_cstr;                    // into `paths`, for the child
  std::vector<uint64_t> path_access;
  std::vector<uint16_t> bind_tcp, connect_tcp;
  std::vector<std::string> downgrades;  // what the profile asks for but the kernel cannot enforce
  std::string ephemeral_range;          // "32768-60999" when connect_tcp_ephemeral was expanded
  [[nodiscard]] bool enabled() const { return abi > 0 && (handled_fs | handled_net | scoped) != 0; }
};

// abi < 0: probe the running kernel. Fails when anything would be downgraded and
// allow_downgrade is false; the error lists the missing features.
Result<PreparedLandlock> prepare_landlock_from_parent(const LandlockProfile& profile, bool allow_downgrade,
                                                      int abi = -1);

// In the child, after mounts and before seccomp: builds the ruleset, sets
// no_new_privs and restricts itself. Returns 0 or an errno value; on failure
// *failed_step (if non-null) names the step (a static string). Async-signal-safe.
int apply_landlock_in_child(const PreparedLandlock& prepared, const char** failed_step) noexcept;

}  // namespace profile
