// The SELinux part of `profile diff`: the allow rules of a bundle's CIL module
// (selinux/<name>.cil, every refpolicy interface already expanded to the rules it
// was chosen for) compared rule by rule, each new permission classified for a
// reviewer: a sensitive type or access (policies/gate.toml [selinux],
// policies/selinux.toml `sensitive`), execution and transitions, capabilities,
// writes to types the module does not own. Pure text processing: no policy is
// loaded.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "profilegen/selinux/model.h"

namespace profile {

struct Change;

struct SelinuxAllowRules {
  std::string domain;               // <name>_t, the module's first declared type
  std::set<std::string> own_types;  // the types the module declares
  std::map<SelinuxRuleKey, std::set<std::string>> rules;
};

// Reads the `(allow SOURCE TARGET (CLASS (PERMS...)))` lines of a CIL module as
// `profile generate` writes it; an allow line in another shape is an error naming
// its line, never skipped.
Result<SelinuxAllowRules> parse_cil_allow_rules(std::string_view cil, const std::string& source);

// The changes from `a` to `b`: added permissions (classified) and removed ones
// (low). The modules' own types are compared by their suffix, so that a bundle
// learned under another name is not all new. `file` is the bundle file named in
// the changes ("selinux/web.cil").
void classify_selinux_rules(const SelinuxAllowRules& a, const SelinuxAllowRules& b, const std::string& file,
                            std::vector<Change>& out);

}  // namespace profile
