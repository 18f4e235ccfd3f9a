// Entry point of the SELinux generator, called by generate_bundle() (bundle.h).
//
//   SelinuxOptions o;  o.policy_root = opts.selinux_policy;   // "" = /etc/selinux/default
//   auto r = generate_selinux(rec, manifest.workload.name, o);
//   if (!r) return r.error();                 // one sentence: bad name, no policy, compile error
//   for (auto& [rel, bytes] : r->files) stage(rel, bytes);   // "selinux/<name>.te", ... , mode 0644
//   notes.insert(notes.end(), r->notes.begin(), r->notes.end());
//   manifest.artifacts.selinux_module = r->module_path;       // "selinux/<name>.pp"
//
// Files (relative to the bundle): selinux/<name>.te .fc .if .cil .pp and
// selinux/selinuxprofile.yaml. Deterministic bytes. Needs the reference policy
// (selinux-policy-default) and its devel tools (selinux-policy-dev, checkpolicy,
// semodule-utils); never touches the machine's policy store. SELinux need not be active.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/recording.h"
#include "common/result.h"

namespace profile {

struct SelinuxOptions {
  std::string policy_root;   // --selinux-policy: a policy root like /etc/selinux/default; "" = that default
  bool compile_cil = false;  // also link the CIL into a temporary copy of the policy (~7 s); check does it
};

struct SelinuxReport {
  std::map<std::string, std::string> files;  // relative path -> bytes
  std::string module_path;                   // "selinux/<name>.pp"
  size_t allow_rules = 0;                    // allow rules in the CIL form (every rule raw)
  size_t types = 0;                          // types the module declares
  size_t interfaces = 0;                     // refpolicy interface calls in the .te
  std::vector<std::string> notes;            // plain sentences for the user
};

Result<SelinuxReport> generate_selinux(const Recording& rec, const std::string& name, const SelinuxOptions& opts);

}  // namespace profile
