// What SELinux must allow for each access in a recording: the mapping from
// recorded file accesses (Access kinds, file types), executions and network
// endpoints to object classes and permissions on labelled targets. The labels come
// from a LabelOracle, so the same mapping serves the generator (reference policy +
// the module's own private types) and the verifier (the linked policy).
#pragma once

#include <string>
#include <vector>

#include "common/recording.h"
#include "profilegen/selinux/policy.h"

namespace profile {

class LabelOracle {
 public:
  virtual ~LabelOracle() = default;
  // Type of the object at `path` of class `cls` ("file", "dir", "sock_file", ...) as the
  // workload sees it: "self" for its own /proc entries; "" when unknown (then no rule).
  virtual std::string file_type(const std::string& path, const std::string& cls) = 0;
  virtual std::string port_type(const std::string& protocol, unsigned port) = 0;
  virtual std::string node_type(const std::string& address) = 0;
};

struct SelinuxNeed {
  std::string source;  // "" = the workload's domain; else e.g. "unconfined_t" (entering it)
  SelinuxAccess access;
  std::string why;  // plain words: "read /etc/passwd"
  auto operator<=>(const SelinuxNeed&) const = default;
};

struct SelinuxNeeds {
  std::vector<SelinuxNeed> needs;  // sorted, unique
  std::vector<std::string> notes;  // what could not be mapped, in plain words
};

// "file" for "file" or "", "dir", "lnk_file" for "symlink", "chr_file", "blk_file",
// "fifo_file", "sock_file".
std::string selinux_file_class(const std::string& recorded_type);
// The first executable run by the workload (its entry point), "" if none recorded.
std::string entry_executable(const Recording& rec);
// Paths the workload created (Create access that succeeded, or bound as a unix socket).
bool created_by_workload(const Recording& rec, const std::string& path);

// Everything the recording needs, against `oracle`'s labels. `domain` is <name>_t.
SelinuxNeeds recorded_needs(const Recording& rec, const std::string& domain, LabelOracle& oracle);

}  // namespace profile
