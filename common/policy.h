// The policy data of policies/*.toml: compiled into the binary (so `profile` works
// from any directory) and overridable with a file. Parsing here; what the data
// means is documented in each TOML file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace profile {

// Text of a built-in policy file by stem: "args", "dangerous", "baseline", "paths", ...
// Empty when there is no such file.
std::string_view builtin_policy_text(std::string_view stem);
// The stems of all built-in policy files, sorted.
std::vector<std::string> builtin_policy_names();

// policies/args.toml
struct ArgRule {
  std::string syscall;
  std::vector<unsigned> indices;
  std::vector<uint64_t> masks;  // ~0 when the file gives none
  std::vector<std::string> names;
  std::string source;  // "" = the syscall's register argument; else e.g. "clone_args.flags"
  // Where each index's value comes from ("" = the register itself), one per
  // index; `source` is the first non-empty one. Values read from memory
  // ("clone_args.flags": the first u64 the argument points to;
  // "rlimit.rlim_max": the second; "rlimit.current_max": the caller's hard
  // limit of the resource the argument names, before the call;
  // "xattr_name.capability": 1 when the name is "security.capability") are
  // out of seccomp's reach.
  std::vector<std::string> sources;
  // Whether `profile generate` compares the values (false: recorded only for
  // capability inference and reports; `filter = false` in the table, or any
  // index read from memory).
  bool filter = true;
  std::string reason;
};
struct ArgPolicy {
  std::map<std::string, ArgRule> rules;  // by syscall name
  [[nodiscard]] const ArgRule* find(const std::string& syscall) const;
};
Result<ArgPolicy> parse_arg_policy(std::string_view text, const std::string& source);
const ArgPolicy& builtin_arg_policy();

// policies/dangerous.toml
struct DangerousEntry {
  std::string reason;
  std::string note;  // extra warning printed when allowed; may be empty
};
struct DangerousList {
  std::map<std::string, DangerousEntry> entries;  // by syscall name
  [[nodiscard]] const DangerousEntry* find(const std::string& syscall) const;
};
Result<DangerousList> parse_dangerous_list(std::string_view text, const std::string& source);
const DangerousList& builtin_dangerous_list();

// Checks that `name` is a syscall libseccomp knows on some architecture that can
// run here (or a decimal number). Used to reject typos in policy files.
bool known_syscall_name(const std::string& name);

}  // namespace profile
