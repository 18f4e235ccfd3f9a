// The seccomp model of a recording and its three serialisations:
//   seccomp.json         Docker/Podman/CRI-O/Kubernetes-localhost format (moby's schema)
//   seccomp.oci.json     OCI runtime-spec linux.seccomp object
//   seccompprofile.yaml  security-profiles-operator SeccompProfile resource
//
// Allowed = observed + baseline + blind spots (policy), minus [deny.*], minus
// clone3 (below).
// Denied, seccomp.json / seccomp.oci.json:
//   defaultAction SCMP_ACT_ERRNO with defaultErrnoRet EPERM (SCMP_ACT_KILL_PROCESS
//   in kill mode): unobserved syscalls and argument values outside the learned
//   tuples get it. (libseccomp cannot express "EPERM for the other values" as a
//   rule: an unconditional ERRNO rule beside conditional ALLOW rules of the same
//   syscall wins for every value, and two comparisons of one argument in a rule
//   are refused, so the default has to be the answer for other values.)
//   One SCMP_ACT_ERRNO/ENOSYS rule names the syscalls of policies/fallbacks.toml
//   that are not allowed: libc retries those through an older call on ENOSYS
//   (clone3 -> clone, faccessat2 -> faccessat, statx -> fstatat, ...), never on EPERM.
//   Syscalls newer than libseccomp's tables cannot be named here: runc answers
//   them ENOSYS with its stub (above the highest syscall the profile names),
//   `profile enforce` with a range check per architecture (enforce/seccomp_filter.h).
// clone3: its flags live in struct clone_args in memory, out of seccomp's reach,
//   so it gets ENOSYS even when observed and glibc falls back to clone, which is
//   then allowed with the flags clone3 was seen with. SeccompOptions::clone3 =
//   "allow" keeps it (reported in `flagged`) for a workload that cannot fall back.
// seccompprofile.yaml: the CRD has no defaultErrnoRet; SCMP_ACT_ERRNO there
//   returns EPERM, so the rules are the same as in seccomp.json.
// Log mode: defaultAction SCMP_ACT_LOG, allow rules only.
// Architectures: only those observed are listed; others are denied by libseccomp's
// bad-architecture action. No rule ever has the default action (runc drops them).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/recording.h"
#include "common/result.h"
#include "profilegen/gen_policy.h"

namespace profile {

struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_EQ | SCMP_CMP_MASKED_EQ (value = mask, valueTwo = datum)
};

struct SeccompRule {
  std::vector<std::string> names;  // sorted
  std::string action;              // SCMP_ACT_*
  int errno_ret = -1;              // -1: none
  std::vector<SeccompArg> args;
  std::string comment;  // why (Docker's "comment" field)
};

struct SeccompModel {
  std::string default_action;                            // SCMP_ACT_*
  int default_errno = -1;                                // -1: none
  std::vector<std::string> architectures;                // SCMP_ARCH_*, sorted, observed only
  std::vector<SeccompRule> rules;                        // allow rules first, then the ENOSYS fallbacks
  std::map<std::string, std::set<std::string>> allowed;  // arch -> names allowed
  std::map<std::string, std::string> added;              // name -> why allowed without being observed
  std::map<std::string, std::string> denied_observed;    // observed but denied by policy
  std::vector<std::string> numeric_dropped;              // observed syscalls without a name
  std::map<std::string, std::string> flagged;            // allowed, but to report like a dangerous one: why
  std::vector<std::string> notes;                        // for the generate report (clone3 -> clone)
  std::vector<std::string> warnings;                     // what will likely break: clone3 without a fallback
};

struct SeccompOptions {
  bool no_args = false;
  std::string default_action = "errno";  // errno | kill | log
  std::string clone3 = "enosys";         // enosys (glibc falls back to clone) | allow (when observed)
};

// Fails on an unknown default action or clone3 treatment, or a recording without syscalls.
Result<SeccompModel> build_seccomp_model(const Recording& rec, const GenPolicy& policy, const SeccompOptions& opts);

std::string seccomp_to_docker_json(const SeccompModel& m);
std::string seccomp_to_oci_json(const SeccompModel& m);
// `name` becomes metadata.name (a DNS-1123 label is derived from it).
std::string seccomp_to_spo_yaml(const SeccompModel& m, const std::string& name);

// Why some clone3 the recording shows may have no fallback to clone, one
// sentence per reason (empty when every clone3 looks like glibc's, which falls
// back on ENOSYS). A trace cannot show a fallback that never ran, so this
// judges the arguments (man/profile-generate.1, Seccomp):
//   - CLONE_INTO_CGROUP or CLONE_NEWTIME: clone cannot express them;
//   - no CLONE_VM: glibc makes clone3 only for threads and posix_spawn (both
//     CLONE_VM); a fork-like clone3 was made by code that called it itself.
// Recordings made before clone3's flags kept CLONE_VM (mask without 0x100)
// give no CLONE_VM judgement.
std::vector<std::string> clone3_fallback_doubts(const Recording& rec);

// Every syscall name libseccomp knows for `arch` (e.g. "x86_64"), sorted.
std::vector<std::string> known_syscalls(const std::string& arch);

}  // namespace profile
