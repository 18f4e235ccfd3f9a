#include "profilegen/selinux/gen.h"

#include "profilegen/selinux/cil.h"
#include "profilegen/selinux/compile.h"
#include "profilegen/selinux/labels.h"
#include "profilegen/selinux/model.h"
#include "profilegen/selinux/refpolicy.h"
#include "profilegen/selinux/sepol.h"
#include "profilegen/selinux/spo.h"
#include "profilegen/selinux/te.h"

namespace profile {

Result<SelinuxReport> generate_selinux(const Recording& rec, const std::string& name, const SelinuxOptions& opts) {
  if (auto s = check_selinux_name(name); !s) return s.error();
  auto paths = find_selinux_policy(opts.policy_root);
  if (!paths) return paths.error();
  auto policy = SepolPolicy::load(paths->binary_policy);
  if (!policy) return policy.error();
  auto fc = FileLabeler::open(paths->file_contexts);
  if (!fc) return fc.error();
  PolicyLabels labels(*fc, *policy);
  const SelinuxPolicyData& data = builtin_selinux_policy();
  auto model = build_selinux_model(rec, name, labels, data);
  if (!model) return model.error();

  SelinuxReport r;
  const std::string base = "selinux/" + name;
  RefpolicySources src = write_refpolicy_module(*model, data);
  std::string cil = write_cil_module(*model, policy->mls());
  auto pp = compile_refpolicy_module(name, src);
  if (!pp) return pp.error();
  if (opts.compile_cil) {
    auto store = TempPolicyStore::create(*paths);
    if (!store) return store.error();
    if (auto s = store->install(name + ".cil", cil); !s) return s.error();
  }
  r.files[base + ".te"] = src.te;
  r.files[base + ".fc"] = src.fc;
  r.files[base + ".if"] = src.if_;
  r.files[base + ".cil"] = cil;
  r.files[base + ".pp"] = std::move(pp).value();
  r.files["selinux/selinuxprofile.yaml"] = write_selinux_profile_yaml(*model);
  r.module_path = base + ".pp";
  for (const auto& [key, perms] : model->rules) (void)perms, ++r.allow_rules;
  ++r.allow_rules;  // the entrypoint rule on <name>_exec_t
  r.types = 2 + model->private_types.size();
  for (size_t pos = 0; (pos = src.te.find("(" + model->domain + ")\n", pos)) != std::string::npos; ++pos)
    ++r.interfaces;
  r.interfaces -= 1;  // domain_type(<name>_t) is a declaration, not a grant
  r.notes = model->notes;
  return r;
}

}  // namespace profile
