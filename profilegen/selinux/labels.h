// Labels of objects that already exist, as one policy sees them: file_contexts for
// ordinary paths, genfscon for /proc and /sys (which file_contexts does not cover),
// the process's own domain for its /proc/<pid> entries, portcon/nodecon for network.
#pragma once

#include <string>

#include "profilegen/selinux/fcontext.h"
#include "profilegen/selinux/sepol.h"

namespace profile {

class PolicyLabels {
 public:
  PolicyLabels(FileLabeler fc, const SepolPolicy& policy) : fc_(std::move(fc)), policy_(policy) {}
  // "self" for /proc/self, /proc/thread-self and /proc/<pid> entries below them; the
  // directory's type for a path file_contexts leaves unlabelled (<<none>>).
  [[nodiscard]] std::string existing_file_type(const std::string& path, const std::string& cls) const;
  [[nodiscard]] const SepolPolicy& policy() const { return policy_; }

 private:
  FileLabeler fc_;
  const SepolPolicy& policy_;
};

// S_IFREG, S_IFDIR, ... for a class name ("file", "dir", ...); 0 when unknown.
unsigned class_mode(const std::string& cls);

}  // namespace profile
