// The SELinux policy data of policies/selinux.toml: which labels are too broad to grant,
// where private types go, which refpolicy interfaces stand for which rules, the baseline
// rules every confined domain needs, and the sensitive accesses `profile check --selinux`
// proves are denied. Pure parsing; no policy is loaded here.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace profile {

// One allow rule's target side: "self" or a type, a class, and permissions.
struct SelinuxAccess {
  std::string target;
  std::string cls;
  std::set<std::string> perms;
  auto operator<=>(const SelinuxAccess&) const = default;
};

struct SelinuxInterface {
  std::string name;                                     // e.g. "files_read_etc_files"
  std::string type;                                     // the type it is chosen for
  std::map<std::string, std::set<std::string>> grants;  // class -> permissions (a subset)
};

struct SelinuxSensitive {
  std::string what;  // plain words: "read the password hashes in /etc/shadow"
  SelinuxAccess access;
};

struct SelinuxPolicyData {
  std::set<std::string> broad_types;
  std::set<std::string> keep_dirs;
  std::set<std::string> keep_dir_types;
  std::vector<std::pair<std::string, std::string>> private_suffixes;  // prefix -> suffix, in order
  std::vector<SelinuxInterface> interfaces;
  std::vector<SelinuxAccess> baseline;
  std::vector<SelinuxSensitive> sensitive;

  // "tmp" for "/tmp/x" etc.; "data" when no prefix matches.
  [[nodiscard]] std::string suffix_for(const std::string& path) const;
};

// `source` names the input in errors ("policies/selinux.toml: ...").
Result<SelinuxPolicyData> parse_selinux_policy(std::string_view text, const std::string& source);
// The compiled-in policies/selinux.toml (parsed once; a broken built-in file is a build bug).
const SelinuxPolicyData& builtin_selinux_policy();

// "{ a b }" or "a b" -> {a, b}; rule text "TARGET CLASS { PERMS }" -> SelinuxAccess.
std::set<std::string> parse_perm_list(const std::string& text);
Result<SelinuxAccess> parse_access_rule(const std::string& text);

}  // namespace profile
