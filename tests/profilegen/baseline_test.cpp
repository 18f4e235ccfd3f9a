// Measures the launcher's baseline (policies/baseline.toml): a workload whose only
// syscall is exit_group(42) is launched through spawn_container under a filter
// that allows exactly the baseline plus exit_group and kills on anything else.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "enforce/confine.h"
#include "enforce/launcher.h"
#include "enforce/seccomp_filter.h"
#include "profilegen/gen_policy.h"
#include "tests/support/privileged.h"

namespace profile {
namespace {

Result<ExitInfo> launch_under(const std::vector<std::string>& allowed) {
  nlohmann::json doc{{"defaultAction", "SCMP_ACT_KILL_PROCESS"},
                     {"architectures", {"SCMP_ARCH_X86_64"}},
                     {"syscalls", {{{"names", allowed}, {"action", "SCMP_ACT_ALLOW"}}}}};
  auto prepared = compile_seccomp_json(doc.dump(), "baseline");
  if (!prepared) return prepared.error();
  LaunchSpec spec;
  spec.argv = {EXIT42_STATIC};
  spec.confine.seccomp = &*prepared;
  auto c = spawn_container(spec, {});
  if (!c) return c.error();
  if (auto s = (*c)->release(); !s) return s.error();
  return (*c)->wait();
}

TEST(Baseline, LauncherNeedsOnlyTheBaselineAfterLoadingSeccomp) {
  PROFILE_REQUIRE(testing::is_root(), "root for the container launcher");
  auto policy = load_gen_policy("");
  ASSERT_TRUE(policy) << policy.error().message;
  std::vector<std::string> allowed;
  for (const auto& [name, why] : policy->baseline) allowed.push_back(name);
  allowed.push_back("exit_group");  // the workload's own (and only) syscall
  auto exit = launch_under(allowed);
  ASSERT_TRUE(exit) << exit.error().message;
  EXPECT_EQ(exit->signal, 0) << "killed by signal " << exit->signal << ": the baseline is missing a syscall";
  EXPECT_EQ(exit->code, 42);
}

TEST(Baseline, WithoutExecveTheLaunchIsKilled) {
  PROFILE_REQUIRE(testing::is_root(), "root for the container launcher");
  auto exit = launch_under({"exit_group", "sendto"});
  // Either the launcher reports the failed start or the child dies of SIGSYS:
  // in no case does the workload run.
  if (exit) {
    EXPECT_NE(exit->status(), 42);
  }
}

}  // namespace
}  // namespace profile
