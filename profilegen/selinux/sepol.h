// Queries against a compiled (binary, kernel) SELinux policy through libsepol's
// services API: port, node and genfs labels, type transitions and access
// decisions (sepol_compute_av: the same answer the kernel would give, constraints
// included). libsepol keeps the loaded policy in process-global state, so one
// SepolPolicy is current at a time: load() replaces whatever was loaded before.
// Not thread-safe. Needs no privilege and no active SELinux.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "common/result.h"
#include "profilegen/selinux/policy.h"

struct sepol_policydb;

namespace profile {

class SepolPolicy {
 public:
  // Loads `binary_policy` (e.g. /etc/selinux/default/policy/policy.33).
  static Result<SepolPolicy> load(const std::string& binary_policy);

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] bool mls() const { return mls_; }  // contexts carry a level
  [[nodiscard]] bool has_type(const std::string& type) const;
  [[nodiscard]] bool has_class(const std::string& cls) const;
  // Type of a port from the policy's portcon (or its "port" initial SID): "http_port_t".
  // `protocol` is "tcp", "udp" or "sctp".
  [[nodiscard]] std::string port_type(const std::string& protocol, unsigned port) const;
  // Type of a numeric IPv4/IPv6 address from nodecon (or the "node" initial SID).
  [[nodiscard]] std::string node_type(const std::string& address) const;
  // Type genfscon gives `path` (relative to the file system's root) on `fstype`
  // ("proc", "sysfs") for objects of class `cls`; "" when none.
  [[nodiscard]] std::string genfs_type(const std::string& fstype, const std::string& path,
                                       const std::string& cls) const;
  // The type a new object of `cls` created by `domain` in a `parent` directory gets
  // (type_transition, else the parent's type).
  [[nodiscard]] std::string transition_type(const std::string& domain, const std::string& parent,
                                            const std::string& cls) const;
  // Which of `access.perms` the policy does NOT allow `domain` on access.target
  // ("self" = domain). Error when a type, class or permission is unknown.
  [[nodiscard]] Result<std::set<std::string>> denied(const std::string& domain, const SelinuxAccess& access) const;

 private:
  // The same policy read into a policydb of our own: port and node contexts are
  // looked up there, because the services API answers unmatched ones with an
  // initial SID number its sidtab does not map back to the right context.
  std::shared_ptr<sepol_policydb> db_;
  std::string path_;
  bool mls_ = true;
};

}  // namespace profile
