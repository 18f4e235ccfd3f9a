#include "profilegen/selinux/verify.h"

#include <chrono>

#include "profilegen/selinux/access.h"
#include "profilegen/selinux/compile.h"
#include "profilegen/selinux/labels.h"
#include "profilegen/selinux/sepol.h"
#include "profilegen/selinux/te.h"

namespace profile {

namespace {

std::string parent_of(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == 0 ? "/" : p.substr(0, slash);
}

// Labels as the linked policy gives them: its file contexts (the module's .fc
// merged in by semodule) for what exists, its type transitions for what the
// workload creates. Independent of the generator's own bookkeeping.
class LinkedOracle : public LabelOracle {
 public:
  LinkedOracle(const Recording& rec, const PolicyLabels& labels, std::string domain)
      : rec_(rec), labels_(labels), domain_(std::move(domain)) {}
  std::string file_type(const std::string& path, const std::string& cls) override {
    if (path != "/" && created_by_workload(rec_, path)) {
      std::string parent = file_type(parent_of(path), "dir");
      if (parent.empty() || parent == "self") return parent;
      return labels_.policy().transition_type(domain_, parent, cls);
    }
    return labels_.existing_file_type(path, cls);
  }
  std::string port_type(const std::string& protocol, unsigned port) override {
    return labels_.policy().port_type(protocol, port);
  }
  std::string node_type(const std::string& address) override { return labels_.policy().node_type(address); }

 private:
  const Recording& rec_;
  const PolicyLabels& labels_;
  std::string domain_;
};

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Result<SelinuxVerifyReport> verify_selinux_module(const Recording& rec, const std::string& name,
                                                  const std::string& module_filename, const std::string& module_bytes,
                                                  const SelinuxPolicyPaths& reference, const SelinuxPolicyData& data) {
  SelinuxVerifyReport r;
  r.module = module_filename;
  const std::string domain = name + "_t";
  auto t0 = std::chrono::steady_clock::now();
  auto store = TempPolicyStore::create(reference);
  if (!store) return store.error();
  if (auto s = store->install(module_filename, module_bytes); !s) return s.error();
  auto linked = store->linked();
  if (!linked) return linked.error();
  auto policy = SepolPolicy::load(linked->binary_policy);
  if (!policy) return policy.error();
  auto fc = FileLabeler::open(linked->file_contexts);
  if (!fc) return fc.error();
  r.link_seconds = since(t0);
  t0 = std::chrono::steady_clock::now();
  if (!policy->has_type(domain))
    return make_error(module_filename + " does not declare the domain " + domain + " for the workload \"" + name +
                      "\"");

  PolicyLabels labels(*fc, *policy);
  LinkedOracle oracle(rec, labels, domain);
  SelinuxNeeds needs = recorded_needs(rec, domain, oracle);
  r.notes = needs.notes;
  for (const auto& n : needs.needs) {
    const std::string source = n.source.empty() ? domain : n.source;
    ++r.accesses_checked;
    auto denied = policy->denied(source, n.access);
    if (!denied) {
      r.failures.push_back("cannot check \"" + n.why + "\": " + denied.error().message);
      continue;
    }
    if (!denied->empty())
      r.failures.push_back(source + " may not " + n.why + ": " + n.access.target + " " + n.access.cls + " " +
                           perm_set_text(*denied) + " is denied");
  }
  for (const auto& s : data.sensitive) {
    if (s.access.target != "self" && !policy->has_type(s.access.target)) {
      r.notes.push_back("the policy has no type " + s.access.target + ": \"" + s.what + "\" not checked");
      continue;
    }
    if (!policy->has_class(s.access.cls)) {
      r.notes.push_back("the policy has no class " + s.access.cls + ": \"" + s.what + "\" not checked");
      continue;
    }
    ++r.sensitive_checked;
    auto denied = policy->denied(domain, s.access);
    if (!denied) {
      r.failures.push_back("cannot check that " + domain + " may not " + s.what + ": " + denied.error().message);
      continue;
    }
    if (denied->size() != s.access.perms.size()) {
      std::set<std::string> allowed;
      for (const auto& p : s.access.perms)
        if (denied->count(p) == 0) allowed.insert(p);
      r.failures.push_back(domain + " may " + s.what + " (" + s.access.target + " " + s.access.cls + " " +
                           perm_set_text(allowed) + " is allowed)");
    }
  }
  r.check_seconds = since(t0);
  return r;
}

}  // namespace profile
