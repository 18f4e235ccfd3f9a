// Writes the refpolicy module sources (<name>.te, <name>.fc, <name>.if) of a
// SelinuxModel: refpolicy interfaces where policies/selinux.toml says one covers a
// rule, raw allow rules otherwise. Deterministic: the same model gives the same bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "profilegen/selinux/model.h"
#include "profilegen/selinux/policy.h"

namespace profile {

struct RefpolicySources {
  std::string te;
  std::string fc;
  std::string if_;
};

RefpolicySources write_refpolicy_module(const SelinuxModel& m, const SelinuxPolicyData& data);

// "{ a b c }" or "a" for one permission.
std::string perm_set_text(const std::set<std::string>& perms);

// The paths a .fc names exactly, unescaped, in file order: the specs without a
// regular-expression character (those name directories whose known contents the
// .fc lists exactly as well). What restorecon must relabel after an install.
std::vector<std::string> fc_exact_paths(std::string_view fc);

}  // namespace profile
