// The type/rule model of one workload's SELinux module, built from a recording
// against a reference policy: the domain <name>_t and entry type <name>_exec_t,
// private types for what the workload owns (and for paths whose label is too broad
// to grant), their file contexts and type transitions, and every allow rule. The
// .te, CIL and SelinuxProfile writers only print this model.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/recording.h"
#include "common/result.h"
#include "profilegen/selinux/labels.h"
#include "profilegen/selinux/policy.h"

namespace profile {

struct SelinuxFcEntry {
  std::string spec;  // regular expression of file_contexts: "/srv/app(/.*)?"
  std::string kind;  // "" any, "--" file, "-d" dir, "-s" socket, "-l" symlink, "-p", "-c", "-b"
  std::string type;
  auto operator<=>(const SelinuxFcEntry&) const = default;
};

struct SelinuxTransition {
  std::string parent;  // type of the directory
  std::string cls;
  std::string type;  // private type the new object gets
  auto operator<=>(const SelinuxTransition&) const = default;
};

// (source, target, class): source is the domain unless stated; target may be "self".
using SelinuxRuleKey = std::tuple<std::string, std::string, std::string>;

struct SelinuxModel {
  std::string name;                     // workload name, [a-z][a-z0-9_]*
  std::string domain;                   // <name>_t
  std::string exec_type;                // <name>_exec_t
  std::set<std::string> private_types;  // <name>_tmp_t, <name>_data_t, ...
  std::set<SelinuxFcEntry> fc;
  std::set<SelinuxTransition> transitions;
  std::map<SelinuxRuleKey, std::set<std::string>> rules;
  std::map<SelinuxRuleKey, std::set<std::string>> why;  // what each rule is for, in words
  std::vector<std::string> notes;

  // Types of the reference policy the module uses (everything that is not its own).
  [[nodiscard]] std::set<std::string> required_types() const;
  [[nodiscard]] bool owns(const std::string& type) const {
    return type == domain || type == exec_type || private_types.count(type) != 0;
  }
};

// `name` must be usable as an SELinux identifier prefix: [a-z][a-z0-9_]*, at most 40 chars.
Status check_selinux_name(const std::string& name);

// Regular-expression escaping for file_contexts specs: ASCII out, whitespace,
// control bytes and bytes >= 0x7f as \xHH.
std::string fc_escape(const std::string& path);

Result<SelinuxModel> build_selinux_model(const Recording& rec, const std::string& name, const PolicyLabels& labels,
                                         const SelinuxPolicyData& data);

}  // namespace profile
