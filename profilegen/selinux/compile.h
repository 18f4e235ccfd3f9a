// Compiling and linking SELinux modules with the real toolchain, never the
// machine's own policy store:
//  - compile_refpolicy_module: <name>.te/.fc/.if -> <name>.pp with the reference
//    policy's devel Makefile (m4 + checkmodule + semodule_package) in a temp dir;
//  - TempPolicyStore: a private copy of a reference policy root and module store
//    under a temporary directory, into which `semodule -p` installs a .pp or .cil
//    (libsemanage/libsepol link the full policy: this is how a CIL module is compiled
//    against the policy). Removed on destruction.
// Needs: make, checkmodule, semodule_package, semodule (selinux-policy-dev,
// checkpolicy, semodule-utils, policycoreutils). No privilege beyond reading the policy.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "profilegen/selinux/refpolicy.h"
#include "profilegen/selinux/te.h"

namespace profile {

// Returns the bytes of <name>.pp.
Result<std::string> compile_refpolicy_module(const std::string& name, const RefpolicySources& src);

class TempPolicyStore {
 public:
  static Result<TempPolicyStore> create(const SelinuxPolicyPaths& reference);
  TempPolicyStore(TempPolicyStore&& o) noexcept;
  TempPolicyStore& operator=(TempPolicyStore&&) = delete;
  TempPolicyStore(const TempPolicyStore&) = delete;
  ~TempPolicyStore();

  // Installs (links into the full policy and rebuilds it) a module file: "x.pp" or
  // "x.cil" (the extension tells semodule which). `bytes` is the module's content.
  Status install(const std::string& filename, const std::string& bytes);
  // The linked copy as a policy root (binary policy + file contexts).
  [[nodiscard]] Result<SelinuxPolicyPaths> linked() const;

 private:
  TempPolicyStore() = default;
  std::string dir_;
  std::string name_;
};

}  // namespace profile
