// The policy TOML files a user can give in place of the built-in policies/*.toml:
// every reader gets every input (one target, so that what the fuzzer learns
// about TOML serves all of them): args and dangerous (common/policy.cpp),
// runtimes (profilegen/runtime_part.cpp), the generation policy of --policy
// (baseline, blindspots, fallbacks, paths: profilegen/gen_policy.cpp), the gate
// rules and allowlist (profilegen/gate.cpp), the gate's sensitive paths
// (profilegen/diff.cpp) and selinux.toml (profilegen/selinux/policy.cpp).
#include "common/policy.h"
#include "fuzz/fuzz_check.h"
#include "profilegen/diff.h"
#include "profilegen/gate.h"
#include "profilegen/gen_policy.h"
#include "profilegen/runtime_part.h"
#include "profilegen/selinux/policy.h"

namespace {

// The CLI gives these readers' refusals exit status 2 itself (kExitUsage).
template <class R>
void check(const R& r) {
  if (!r) profile::fuzz::check_names(r.error(), "policy.toml");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace profile;
  std::string text = fuzz::text_of(data, size);
  check(parse_arg_policy(text, "policy.toml"));
  check(parse_dangerous_list(text, "policy.toml"));
  check(parse_runtime_data(text, "policy.toml"));
  check(load_gen_policy_text(text, "policy.toml"));
  check(parse_gate_rules(text, "policy.toml"));
  check(parse_allowlist(text, "policy.toml"));
  check(parse_gate_policy(text, "policy.toml"));
  check(parse_selinux_policy(text, "policy.toml"));
  return 0;
}
