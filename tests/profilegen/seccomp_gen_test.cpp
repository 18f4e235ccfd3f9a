#include "profilegen/seccomp_gen.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "profilegen/gen_policy.h"
#include "tests/profilegen/sample.h"

namespace profile {
namespace {

using nlohmann::json;

SeccompModel model(const Recording& r, SeccompOptions o = {}, const std::string& extra = "") {
  auto p = load_gen_policy_text(extra, "test.toml");
  EXPECT_TRUE(p) << p.error().message;
  auto m = build_seccomp_model(r, *p, o);
  EXPECT_TRUE(m) << m.error().message;
  return *m;
}

const json* rule_for(const json& doc, const std::string& name, const std::string& action) {
  for (const auto& r : doc["syscalls"])
    if (r["action"] == action && std::find(r["names"].begin(), r["names"].end(), name) != r["names"].end()) return &r;
  return nullptr;
}

TEST(SeccompGen, GoldenOutputsForTheSampleRecording) {
  SeccompModel m = model(testing::sample_recording());
  testing::expect_golden("seccomp.json", seccomp_to_docker_json(m));
  testing::expect_golden("seccomp.oci.json", seccomp_to_oci_json(m));
  testing::expect_golden("seccompprofile.yaml", seccomp_to_spo_yaml(m, "app"));
}

TEST(SeccompGen, AllowsObservedPlusBaselinePlusBlindSpots) {
  json doc = json::parse(seccomp_to_docker_json(model(testing::sample_recording())));
  for (const char* n : {"read", "getpid", "execve", "exit_group", "sendto", "clock_gettime", "getcpu",
                        "restart_syscall", "rt_sigreturn"})
    EXPECT_NE(rule_for(doc, n, "SCMP_ACT_ALLOW"), nullptr) << n;
  EXPECT_EQ(rule_for(doc, "getppid", "SCMP_ACT_ALLOW"), nullptr);
  EXPECT_NE(rule_for(doc, "getppid", "SCMP_ACT_ERRNO"), nullptr) << "known but unobserved: explicit EPERM";
  EXPECT_EQ((*rule_for(doc, "getppid", "SCMP_ACT_ERRNO"))["errnoRet"], 1);
}

TEST(SeccompGen, UnknownAndClone3FallToTheEnosysDefault) {
  json doc = json::parse(seccomp_to_docker_json(model(testing::sample_recording())));
  EXPECT_EQ(doc["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(doc["defaultErrnoRet"], 38);
  for (const auto& r : doc["syscalls"])
    for (const auto& n : r["names"]) EXPECT_NE(n, "clone3") << "clone3 must get the ENOSYS default";
}

TEST(SeccompGen, Clone3AllowedWhenObserved) {
  Recording r = testing::sample_recording();
  r.add_syscall("x86_64", "clone3");
  json doc = json::parse(seccomp_to_docker_json(model(r)));
  EXPECT_NE(rule_for(doc, "clone3", "SCMP_ACT_ALLOW"), nullptr);
  EXPECT_EQ(seccomp_to_spo_yaml(model(r), "x").find("errnoRet: 38"), std::string::npos);
}

TEST(SeccompGen, NoRuleHasTheDefaultAction) {
  for (const char* mode : {"errno", "kill", "log"}) {
    SeccompModel m = model(testing::sample_recording(), SeccompOptions{false, mode});
    for (const auto& r : m.rules) EXPECT_FALSE(r.action == m.default_action && r.errno_ret == m.default_errno) << mode;
  }
}

TEST(SeccompGen, DefaultActionModes) {
  json kill = json::parse(seccomp_to_docker_json(model(testing::sample_recording(), {false, "kill"})));
  EXPECT_NE(rule_for(kill, "getppid", "SCMP_ACT_KILL_PROCESS"), nullptr);
  json log = json::parse(seccomp_to_docker_json(model(testing::sample_recording(), {false, "log"})));
  EXPECT_EQ(log["defaultAction"], "SCMP_ACT_LOG");
  EXPECT_FALSE(log.contains("defaultErrnoRet"));
  auto p = load_gen_policy_text("", "x");
  EXPECT_FALSE(build_seccomp_model(testing::sample_recording(), *p, {false, "maybe"}));
}

TEST(SeccompGen, ArgumentRulesOnePerObservedTuple) {
  json doc = json::parse(seccomp_to_docker_json(model(testing::sample_recording())));
  int sockets = 0, ioctls = 0;
  for (const auto& r : doc["syscalls"]) {
    if (r["names"] == json{"socket"}) {
      ++sockets;
      ASSERT_EQ(r["args"].size(), 3u);
      EXPECT_EQ(r["args"][0]["op"], "SCMP_CMP_EQ");
      EXPECT_EQ(r["args"][1]["op"], "SCMP_CMP_MASKED_EQ");
      EXPECT_EQ(r["args"][1]["value"], 0xf);
    }
    if (r["names"] == json{"ioctl"}) {
      ++ioctls;
      EXPECT_EQ(r["args"][0]["value"], 0xffffffffu) << "32-bit masked compare";
      EXPECT_EQ(r["args"][0]["op"], "SCMP_CMP_MASKED_EQ");
    }
  }
  EXPECT_EQ(sockets, 2);
  EXPECT_EQ(ioctls, 2);
}

// Rules that together allow every value the mask tells apart are dropped for
// one unconditional name: same behaviour, and the kernel's action cache can
// then skip the filter for that syscall.
TEST(SeccompGen, TuplesCoveringEveryMaskedValueBecomeUnconditional) {
  Recording r = testing::sample_recording();  // mmap: PROT_EXEC (mask 0x4) seen clear and set
  json doc = json::parse(seccomp_to_docker_json(model(r)));
  const json* m = rule_for(doc, "mmap", "SCMP_ACT_ALLOW");
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->contains("args")) << m->dump();

  r.args["x86_64"]["mmap"] = ArgValues{{2}, {0x4}, {{0}}};  // only without PROT_EXEC
  doc = json::parse(seccomp_to_docker_json(model(r)));
  int rules = 0;
  for (const auto& rule : doc["syscalls"]) {
    if (rule["names"] != json{"mmap"} || rule["action"] != "SCMP_ACT_ALLOW") continue;
    ++rules;
    ASSERT_TRUE(rule.contains("args"));
    EXPECT_EQ(rule["args"][0]["valueTwo"], 0);
  }
  EXPECT_EQ(rules, 1) << "PROT_EXEC never seen: mmap stays argument-checked";
}

// Two masked arguments: only all four combinations make the rules redundant;
// bits outside a mask do not count as combinations of their own.
TEST(SeccompGen, CoverageCountsCombinationsOfEveryMaskedArgument) {
  auto mmap_rules = [](const std::vector<std::vector<uint64_t>>& tuples) {
    Recording r = testing::sample_recording();
    ArgValues v{{2, 3}, {0x4, 0x20}, {}};
    for (const auto& t : tuples) v.tuples.insert(t);
    r.args["x86_64"]["mmap"] = v;
    json doc = json::parse(seccomp_to_docker_json(model(r)));
    int n = 0;
    bool plain = false;
    for (const auto& rule : doc["syscalls"]) {
      if (rule["action"] != "SCMP_ACT_ALLOW") continue;
      bool named = std::find(rule["names"].begin(), rule["names"].end(), "mmap") != rule["names"].end();
      if (!named) continue;
      if (rule.contains("args"))
        ++n;
      else
        plain = true;
    }
    return std::make_pair(n, plain);
  };
  auto all = mmap_rules({{0, 0}, {4, 0}, {0, 0x20}, {4, 0x20}});
  EXPECT_EQ(all, std::make_pair(0, true)) << "all four combinations: allowed by name";
  auto three = mmap_rules({{0, 0}, {4, 0}, {0, 0x20}});
  EXPECT_EQ(three, std::make_pair(3, false)) << "PROT_EXEC with MAP_ANONYMOUS never seen";
  // Unmasked bits (here 0x3 in prot) make other tuples but no other combination.
  auto noisy = mmap_rules({{0x1, 0}, {0x3, 0}, {0x5, 0}, {0x1, 0x20}, {0x4, 0x20}});
  EXPECT_EQ(noisy.second, true) << "0x1/0x3 are the same masked value as 0";
}

TEST(SeccompGen, NoArgsGivesNameOnlyRules) {
  json doc = json::parse(seccomp_to_docker_json(model(testing::sample_recording(), {true, "errno"})));
  for (const auto& r : doc["syscalls"]) EXPECT_FALSE(r.contains("args"));
  EXPECT_NE(rule_for(doc, "socket", "SCMP_ACT_ALLOW"), nullptr);
}

TEST(SeccompGen, ObservedWithoutValuesStaysUnconditional) {
  Recording r = testing::sample_recording();
  r.args["x86_64"].erase("socket");
  json doc = json::parse(seccomp_to_docker_json(model(r)));
  const json* s = rule_for(doc, "socket", "SCMP_ACT_ALLOW");
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->contains("args"));
}

TEST(SeccompGen, OnlyObservedArchitecturesAreListed) {
  json doc = json::parse(seccomp_to_docker_json(model(testing::sample_recording())));
  EXPECT_EQ(doc["architectures"], json{"SCMP_ARCH_X86_64"});
  Recording r = testing::sample_recording();
  r.add_syscall("x86", "read");
  json both = json::parse(seccomp_to_docker_json(model(r)));
  EXPECT_EQ(both["architectures"], (json{"SCMP_ARCH_X86", "SCMP_ARCH_X86_64"}));
}

TEST(SeccompGen, NumericSyscallsAreReportedNotEmitted) {
  SeccompModel m = model(testing::sample_recording());
  EXPECT_EQ(m.numeric_dropped, std::vector<std::string>{"x86_64:461"});
  EXPECT_EQ(seccomp_to_docker_json(m).find("\"461\""), std::string::npos);
}

TEST(SeccompGen, PolicyFileAddsAndDenies) {
  SeccompModel m = model(testing::sample_recording(), {},
                         "[allow.sched_yield]\nreason = \"x\"\n[deny.ptrace]\nreason = \"never\"\n");
  EXPECT_TRUE(m.allowed["x86_64"].count("sched_yield"));
  EXPECT_FALSE(m.allowed["x86_64"].count("ptrace"));
  EXPECT_EQ(m.denied_observed.count("ptrace"), 1u);
}

TEST(SeccompGen, PolicyFileErrors) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"[allow.not_a_syscall]\nreason = \"x\"\n", "test.toml:1: unknown syscall name \"not_a_syscall\""},
      {"[allow.read\n", "test.toml:1"},
      {"[colours]\nx = 1\n", "unknown section [colours]"},
      {"[allow.read]\n", "needs a \"reason\""},
      {"[[paths.tree]]\npath = \"/x\"\naccess = [\"fly\"]\n", "unknown Landlock access name"},
  };
  for (const auto& c : cases) {
    auto p = load_gen_policy_text(c.text, "test.toml");
    ASSERT_FALSE(p) << c.text;
    EXPECT_NE(p.error().message.find(c.expect), std::string::npos) << p.error().message;
  }
}

TEST(SeccompGen, ByteIdenticalOutput) {
  auto a = seccomp_to_docker_json(model(testing::sample_recording()));
  auto b = seccomp_to_docker_json(model(testing::sample_recording()));
  EXPECT_EQ(a, b);
}

TEST(SeccompGen, EmptyRecordingIsAnError) {
  auto p = load_gen_policy_text("", "x");
  auto m = build_seccomp_model(Recording{}, *p, {});
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("no syscalls"), std::string::npos);
}

}  // namespace
}  // namespace profile
