// Where the pieces of an installed SELinux reference policy are: its root
// (/etc/selinux/<type>), file contexts, binary policy, module store
// (/var/lib/selinux/<type>) and the refpolicy devel Makefile. Only reads the file system.
#pragma once

#include <string>

#include "common/result.h"

namespace profile {

inline constexpr const char* kDefaultSelinuxPolicyRoot = "/etc/selinux/default";
inline constexpr const char* kSelinuxDevelMakefile = "/usr/share/selinux/devel/Makefile";

struct SelinuxPolicyPaths {
  std::string root;           // /etc/selinux/default
  std::string name;           // "default": the policy (store) name
  std::string file_contexts;  // ROOT/contexts/files/file_contexts
  std::string binary_policy;  // ROOT/policy/policy.N, highest N
  std::string store;          // /var/lib/selinux/<name> (may be absent: then no offline linking)
};

// `root` empty = kDefaultSelinuxPolicyRoot. Fails with one sentence saying what is
// missing and how to get it (install selinux-policy-default, or --selinux-policy DIR).
Result<SelinuxPolicyPaths> find_selinux_policy(const std::string& root);

}  // namespace profile
