// The seccomp model of a recording and its three serialisations:
//   seccomp.json         Docker/Podman/CRI-O/Kubernetes-localhost format (moby's schema)
//   seccomp.oci.json     OCI runtime-spec linux.seccomp object
//   seccompprofile.yaml  security-profiles-operator SeccompProfile resource
//
// Allowed = observed + baseline + blind spots (policy), minus [deny.*].
// Denied, seccomp.json / seccomp.oci.json (errno and kill modes):
//   defaultAction SCMP_ACT_ERRNO with defaultErrnoRet ENOSYS, plus one rule that
//   gives every syscall name known to libseccomp (on the listed architectures)
//   but not allowed the deny action (ERRNO EPERM, or KILL_PROCESS). So syscalls
//   newer than the profile's tables, and clone3 when not observed, get ENOSYS
//   (libc falls back) under every runtime, without relying on runc's ENOSYS stub.
//   Argument values that match no allow rule also fall to the default (ENOSYS):
//   libseccomp cannot combine an unconditional deny with conditional allows.
// seccompprofile.yaml: the CRD has no defaultErrnoRet, so its defaultAction is
//   SCMP_ACT_ERRNO (EPERM in every runtime) and clone3 gets an explicit ENOSYS rule;
//   newer syscalls get ENOSYS from the runtime's stub (runc, crun).
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
  std::string default_action;              // SCMP_ACT_*
  int default_errno = -1;                  // -1: none
  std::vector<std::string> architectures;  // SCMP_ARCH_*, sorted, observed only
  std::vector<SeccompRule> rules;          // allow rules first, then deny
  std::string deny_action;                 // action for known-but-not-allowed names
  int deny_errno = -1;
  std::map<std::string, std::set<std::string>> allowed;  // arch -> names allowed
  std::map<std::string, std::string> added;              // name -> why allowed without being observed
  std::map<std::string, std::string> denied_observed;    // observed but denied by policy
  std::vector<std::string> numeric_dropped;              // observed syscalls without a name
};

struct SeccompOptions {
  bool no_args = false;
  std::string default_action = "errno";  // errno | kill | log
};

// Fails on an unknown default action or a recording without syscalls.
Result<SeccompModel> build_seccomp_model(const Recording& rec, const GenPolicy& policy, const SeccompOptions& opts);

std::string seccomp_to_docker_json(const SeccompModel& m);
std::string seccomp_to_oci_json(const SeccompModel& m);
// `name` becomes metadata.name (a DNS-1123 label is derived from it).
std::string seccomp_to_spo_yaml(const SeccompModel& m, const std::string& name);

// Every syscall name libseccomp knows for `arch` (e.g. "x86_64"), sorted.
std::vector<std::string> known_syscalls(const std::string& arch);

}  // namespace profile
