// Offline verification of a generated SELinux module (`profile check --selinux`):
// links the module into a temporary copy of the reference policy (never the
// machine's own store), then asks libsepol, on the linked binary policy, whether
// every access in the recording is allowed to <name>_t (labels from the linked
// policy's own file contexts and type transitions) and whether each sensitive
// access of policies/selinux.toml is denied. Works without active SELinux.
#pragma once

#include <string>
#include <vector>

#include "common/recording.h"
#include "common/result.h"
#include "profilegen/selinux/policy.h"
#include "profilegen/selinux/refpolicy.h"

namespace profile {

struct SelinuxVerifyReport {
  std::string module;           // "x.pp" or "x.cil"
  size_t accesses_checked = 0;  // recorded accesses (type, class, permissions) checked
  size_t sensitive_checked = 0;
  std::vector<std::string> failures;  // plain sentences; empty = passed
  std::vector<std::string> notes;
  double link_seconds = 0;   // building the linked policy
  double check_seconds = 0;  // the access checks
  [[nodiscard]] bool passed() const { return failures.empty(); }
};

// `module_filename` ("name.pp" / "name.cil") and its bytes; `name` the workload name.
// An Error means the check could not run (no policy, module does not link); failed
// checks are in the report.
Result<SelinuxVerifyReport> verify_selinux_module(const Recording& rec, const std::string& name,
                                                  const std::string& module_filename, const std::string& module_bytes,
                                                  const SelinuxPolicyPaths& reference, const SelinuxPolicyData& data);

}  // namespace profile
