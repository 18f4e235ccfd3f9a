// The policy data generation uses: policies/baseline.toml (the launcher's own
// syscalls), blindspots.toml (syscalls tracing cannot see), dangerous.toml,
// fallbacks.toml (syscalls answered ENOSYS when not allowed, so that libc falls
// back), args.toml and paths.toml, all built in, plus an optional --policy FILE
// that adds to them:
//   [baseline.NAME] reason = "..."     [blindspots.NAME] reason = "..."
//   [dangerous.NAME] reason = "..."    [[paths.tree]] / [[paths.scratch]] / [[paths.rewrite]]
//   [allow.NAME] reason = "..."       (always allowed, like a blind spot)
//   [deny.NAME] reason = "..."        (never allowed, even when observed)
//   [fallbacks.NAME] reason = "..."   (ENOSYS instead of EPERM when not allowed)
#pragma once

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "common/policy.h"
#include "common/result.h"

namespace profile {

struct PathTree {
  std::string path;                 // absolute, no trailing '/'
  std::vector<std::string> access;  // Landlock access names
  std::string reason;
};

struct PathRewrite {
  std::string pattern;
  std::regex re;  // pattern anchored at the start
  std::string replace;
  std::string reason;
};

struct GenPolicy {
  std::map<std::string, std::string> baseline;    // syscall -> reason
  std::map<std::string, std::string> blindspots;  // syscall -> reason (incl. [allow.*])
  std::map<std::string, std::string> deny;        // syscall -> reason
  std::map<std::string, std::string> fallbacks;   // syscall -> who falls back on ENOSYS, to what
  DangerousList dangerous;
  ArgPolicy args;
  std::vector<PathRewrite> rewrites;
  std::vector<PathTree> trees;
  std::vector<PathTree> scratch;
};

// The built-in policy plus `policy_file` ("" = none). Errors name file:line.
Result<GenPolicy> load_gen_policy(const std::string& policy_file);
// Same from text (for tests): `source` names it in errors.
Result<GenPolicy> load_gen_policy_text(const std::string& extra_text, const std::string& source);

// The Landlock filesystem access names, in LANDLOCK_ACCESS_FS_* bit order, and
// the ABI each first appeared in.
const std::vector<std::string>& landlock_fs_access_names();
int landlock_fs_access_abi(const std::string& name);  // 0 if unknown

}  // namespace profile
