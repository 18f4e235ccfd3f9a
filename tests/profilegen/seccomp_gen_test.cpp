#include "profilegen/seccomp_gen.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

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

std::vector<std::string> names_of(const json* rule) {
  std::vector<std::string> out;
  if (rule != nullptr)
    for (const auto& n : (*rule)["names"]) out.push_back(n.get<std::string>());
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The ENOSYS rule (the fallbacks); nullptr when there is none.
const json* fallback_rule(const json& doc) {
  for (const auto& r : doc["syscalls"])
    if (r["action"] == "SCMP_ACT_ERRNO" && r.value("errnoRet", -1) == 38) return &r;
  return nullptr;
}

TEST(SeccompGen, AllowsObservedPlusBaselinePlusBlindSpots) {
  json doc = json::parse(seccomp_to_docker_json(model(testing::sample_recording())));
  for (const char* n : {"read", "getpid", "execve", "exit_group", "sendto", "clock_gettime", "getcpu",
                        "restart_syscall", "rt_sigreturn"})
    EXPECT_NE(rule_for(doc, n, "SCMP_ACT_ALLOW"), nullptr) << n;
  EXPECT_EQ(rule_for(doc, "getppid", "SCMP_ACT_ALLOW"), nullptr);
  EXPECT_EQ(rule_for(doc, "getppid", "SCMP_ACT_ERRNO"), nullptr) << "known but unobserved: the EPERM default";
}

// Unobserved syscalls and argument values outside the learned tuples get the
// default, EPERM; only libc's fallback syscalls get ENOSYS, so that it falls back.
TEST(SeccompGen, DefaultIsEpermAndFallbacksGetEnosys) {
  json doc = json::parse(seccomp_to_docker_json(model(testing::sample_recording())));
  EXPECT_EQ(doc["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(doc["defaultErrnoRet"], 1);
  const json* fb = fallback_rule(doc);
  ASSERT_NE(fb, nullptr) << doc.dump();
  auto names = names_of(fb);
  for (const char* n : {"clone3", "faccessat2", "statx", "renameat2", "preadv2", "close_range"})
    EXPECT_TRUE(has(names, n)) << n;
  EXPECT_FALSE(has(names, "getppid")) << "an ordinary syscall gets EPERM";
  EXPECT_EQ(&doc["syscalls"].back(), fb) << "the ENOSYS rule comes last";
  auto oci = json::parse(seccomp_to_oci_json(model(testing::sample_recording())));
  EXPECT_EQ(oci["defaultErrnoRet"], 1);
  EXPECT_NE(fallback_rule(oci), nullptr);
}

TEST(SeccompGen, AllowedFallbacksAreNotInTheEnosysRule) {
  Recording r = testing::sample_recording();
  r.add_syscall("x86_64", "statx");
  json doc = json::parse(seccomp_to_docker_json(model(r)));
  EXPECT_NE(rule_for(doc, "statx", "SCMP_ACT_ALLOW"), nullptr);
  EXPECT_FALSE(has(names_of(fallback_rule(doc)), "statx"));
  // A policy file can add to the list.
  json extra = json::parse(
      seccomp_to_docker_json(model(testing::sample_recording(), {}, "[fallbacks.getppid]\nreason = \"tests\"\n")));
  EXPECT_TRUE(has(names_of(fallback_rule(extra)), "getppid"));
}

TEST(SeccompGen, FallbackListIsBuiltIn) {
  auto p = load_gen_policy_text("", "x");
  ASSERT_TRUE(p);
  for (const char* n : {"clone3", "faccessat2", "statx", "close_range", "openat2"}) {
    ASSERT_TRUE(p->fallbacks.count(n)) << n;
    EXPECT_FALSE(p->fallbacks.at(n).empty());
  }
}

// clone3's flags are in memory: seccomp cannot check them, so an allowed clone3
// would create any namespace. It gets ENOSYS even when observed, and clone is
// allowed with the flags clone3 was seen with (glibc's fallback).
TEST(SeccompGen, Clone3GetsEnosysEvenWhenObserved) {
  Recording r = testing::sample_recording();
  r.syscalls["x86_64"].erase("clone");
  r.args["x86_64"].erase("clone");
  r.add_syscall("x86_64", "clone3");
  // A thread (CLONE_VM..., no namespace) and a CLONE_NEWNET child.
  r.args["x86_64"]["clone3"] = ArgValues{{0}, {0x7e020080}, {{0}, {0x40000000}}};
  SeccompModel m = model(r);
  json doc = json::parse(seccomp_to_docker_json(m));
  EXPECT_EQ(rule_for(doc, "clone3", "SCMP_ACT_ALLOW"), nullptr);
  EXPECT_TRUE(has(names_of(fallback_rule(doc)), "clone3"));
  std::set<uint64_t> clone_values;
  for (const auto& rule : doc["syscalls"]) {
    if (rule["names"] != json{"clone"} || rule["action"] != "SCMP_ACT_ALLOW") continue;
    ASSERT_TRUE(rule.contains("args")) << "clone must stay argument-checked";
    EXPECT_EQ(rule["args"][0]["value"], 0x7e020000);
    clone_values.insert(rule["args"][0]["valueTwo"].get<uint64_t>());
  }
  EXPECT_EQ(clone_values, (std::set<uint64_t>{0, 0x40000000}));
  ASSERT_FALSE(m.notes.empty());
  EXPECT_NE(m.notes[0].find("clone3 was observed but gets ENOSYS"), std::string::npos);
  EXPECT_TRUE(m.flagged.empty());

  // clone observed too: its own tuples and clone3's together.
  Recording both = testing::sample_recording();  // clone seen with flags 0
  both.add_syscall("x86_64", "clone3");
  both.args["x86_64"]["clone3"] = ArgValues{{0}, {0x7e020080}, {{0x20000000}}};  // CLONE_NEWPID
  json d2 = json::parse(seccomp_to_docker_json(model(both)));
  int clone_rules = 0;
  for (const auto& rule : d2["syscalls"])
    if (rule["names"] == json{"clone"} && rule["action"] == "SCMP_ACT_ALLOW") ++clone_rules;
  EXPECT_EQ(clone_rules, 2);
}

// Arguments recorded for capability inference only (filter = false, or read
// from memory) make no seccomp rule: the call stays allowed whatever they are.
TEST(SeccompGen, ArgumentsRecordedForInferenceOnlyAreNotCompared) {
  Recording r = testing::sample_recording();
  r.add_syscall("x86_64", "syslog");
  r.args["x86_64"]["syslog"] = ArgValues{{0}, {0xffffffff}, {{3}}};
  r.add_syscall("x86_64", "prlimit64");
  r.args["x86_64"]["prlimit64"] = ArgValues{{1, 2, 1}, {0xffffffff, ~0ULL, ~0ULL}, {{7, 1024, 4096}}};
  json doc = json::parse(seccomp_to_docker_json(model(r)));
  for (const char* n : {"syslog", "prlimit64"}) {
    const json* rule = rule_for(doc, n, "SCMP_ACT_ALLOW");
    ASSERT_NE(rule, nullptr) << n;
    EXPECT_FALSE(rule->contains("args") && !(*rule)["args"].empty()) << n;
  }
}

// A clone3 without a fallback fails under the ENOSYS answer: flagged when its
// flags show it is not glibc's (threads and posix_spawn, CLONE_VM, fall back)
// or ask for what clone cannot express.
TEST(SeccompGen, Clone3ThatMayNotFallBackIsWarnedAbout) {
  // policies/args.toml's mask: the namespace flags, CLONE_VM, CLONE_INTO_CGROUP
  auto with = [](std::set<std::vector<uint64_t>> tuples, uint64_t mask = 0x27e020180) {
    Recording r = testing::sample_recording();
    r.add_syscall("x86_64", "clone3");
    r.args["x86_64"]["clone3"] = ArgValues{{0}, {mask}, std::move(tuples)};
    return r;
  };
  // pthread_create's and posix_spawn's clone3 (CLONE_VM) fall back to clone.
  Recording glibc = with({{0x100}, {0x100 | 0x40000000}});
  EXPECT_TRUE(clone3_fallback_doubts(glibc).empty());
  EXPECT_TRUE(model(glibc).warnings.empty());
  // A fork-like clone3 made by the program itself.
  Recording direct = with({{0x100}, {0}});
  ASSERT_EQ(clone3_fallback_doubts(direct).size(), 1u);
  SeccompModel m = model(direct);
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("without CLONE_VM"), std::string::npos) << m.warnings[0];
  EXPECT_NE(m.warnings[0].find("'--clone3 allow'"), std::string::npos) << m.warnings[0];
  // What clone cannot express, with CLONE_VM or not.
  auto doubts = clone3_fallback_doubts(with({{0x100 | 0x200000000ULL}, {0x100 | 0x80}}));
  ASSERT_EQ(doubts.size(), 2u);
  EXPECT_NE(doubts[0].find("CLONE_INTO_CGROUP"), std::string::npos);
  EXPECT_NE(doubts[1].find("CLONE_NEWTIME"), std::string::npos);
  // Allowed on request: nothing to warn about, it is flagged instead.
  SeccompOptions o;
  o.clone3 = "allow";
  EXPECT_TRUE(model(direct, o).warnings.empty());
  // Recorded before CLONE_VM was kept: no judgement on it.
  EXPECT_TRUE(clone3_fallback_doubts(with({{0}}, 0x7e020080)).empty());
}

TEST(SeccompGen, Clone3SeenWithoutValuesLeavesCloneUnconditional) {
  Recording r = testing::sample_recording();
  r.syscalls["x86_64"].erase("clone");
  r.args["x86_64"].erase("clone");
  r.add_syscall("x86_64", "clone3");
  json doc = json::parse(seccomp_to_docker_json(model(r)));
  const json* c = rule_for(doc, "clone", "SCMP_ACT_ALLOW");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->contains("args"));
  EXPECT_TRUE(has(names_of(fallback_rule(doc)), "clone3"));
}

TEST(SeccompGen, Clone3AllowedOnRequestIsFlagged) {
  Recording r = testing::sample_recording();
  r.add_syscall("x86_64", "clone3");
  SeccompOptions o;
  o.clone3 = "allow";
  SeccompModel m = model(r, o);
  json doc = json::parse(seccomp_to_docker_json(m));
  EXPECT_NE(rule_for(doc, "clone3", "SCMP_ACT_ALLOW"), nullptr);
  EXPECT_FALSE(has(names_of(fallback_rule(doc)), "clone3"));
  ASSERT_EQ(m.flagged.count("clone3"), 1u);
  EXPECT_NE(m.flagged["clone3"].find("cannot check"), std::string::npos);
  // Not observed: ENOSYS all the same.
  SeccompModel unseen = model(testing::sample_recording(), o);
  EXPECT_TRUE(has(names_of(fallback_rule(json::parse(seccomp_to_docker_json(unseen)))), "clone3"));
  o.clone3 = "sometimes";
  auto p = load_gen_policy_text("", "x");
  auto bad = build_seccomp_model(r, *p, o);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("expected enosys or allow"), std::string::npos);
}

TEST(SeccompGen, SpoYamlHasTheFallbackRule) {
  std::string y = seccomp_to_spo_yaml(model(testing::sample_recording()), "x");
  EXPECT_NE(y.find("defaultAction: SCMP_ACT_ERRNO\n"), std::string::npos);
  auto at = y.find("errnoRet: 38");
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(y.find("- clone3", at), std::string::npos);
  EXPECT_NE(y.find("- faccessat2", at), std::string::npos);
  EXPECT_EQ(y.find("errnoRet: 1\n"), std::string::npos) << "EPERM is the default, never a rule";
}

TEST(SeccompGen, NoRuleHasTheDefaultAction) {
  for (const char* mode : {"errno", "kill", "log"}) {
    SeccompModel m = model(testing::sample_recording(), SeccompOptions{false, mode});
    for (const auto& r : m.rules) EXPECT_FALSE(r.action == m.default_action && r.errno_ret == m.default_errno) << mode;
  }
}

TEST(SeccompGen, DefaultActionModes) {
  json kill = json::parse(seccomp_to_docker_json(model(testing::sample_recording(), {false, "kill"})));
  EXPECT_EQ(kill["defaultAction"], "SCMP_ACT_KILL_PROCESS");
  EXPECT_FALSE(kill.contains("defaultErrnoRet"));
  EXPECT_EQ(rule_for(kill, "getppid", "SCMP_ACT_KILL_PROCESS"), nullptr) << "the default kills";
  EXPECT_TRUE(has(names_of(fallback_rule(kill)), "clone3")) << "fallbacks get ENOSYS in kill mode too";
  EXPECT_NE(seccomp_to_spo_yaml(model(testing::sample_recording(), {false, "kill"}), "x")
                .find("defaultAction: SCMP_ACT_KILL_PROCESS"),
            std::string::npos);
  json log = json::parse(seccomp_to_docker_json(model(testing::sample_recording(), {false, "log"})));
  EXPECT_EQ(log["defaultAction"], "SCMP_ACT_LOG");
  EXPECT_FALSE(log.contains("defaultErrnoRet"));
  EXPECT_EQ(fallback_rule(log), nullptr) << "log mode denies nothing";
  auto p = load_gen_policy_text("", "x");
  EXPECT_FALSE(build_seccomp_model(testing::sample_recording(), *p, {false, "maybe"}));
}

// i386's multiplexers are filtered by call number, as x86_64's separate calls are.
TEST(SeccompGen, I386SocketcallAndIpcAreFilteredByCall) {
  Recording r = testing::sample_recording();
  r.add_syscall("x86", "socketcall");
  r.add_syscall("x86", "ipc");
  r.args["x86"]["socketcall"] = ArgValues{{0}, {~uint64_t{0}}, {{1}, {3}}};  // SYS_SOCKET, SYS_CONNECT
  r.args["x86"]["ipc"] = ArgValues{{0}, {0xffff}, {{21}}};                   // SHMAT
  json doc = json::parse(seccomp_to_docker_json(model(r)));
  std::set<uint64_t> calls;
  for (const auto& rule : doc["syscalls"]) {
    if (rule["names"] == json{"socketcall"}) {
      ASSERT_TRUE(rule.contains("args"));
      EXPECT_EQ(rule["args"][0]["index"], 0);
      EXPECT_EQ(rule["args"][0]["op"], "SCMP_CMP_EQ");
      calls.insert(rule["args"][0]["value"].get<uint64_t>());
    }
    if (rule["names"] == json{"ipc"}) {
      EXPECT_EQ(rule["args"][0]["op"], "SCMP_CMP_MASKED_EQ");
      EXPECT_EQ(rule["args"][0]["value"], 0xffff) << "the version half is ignored";
      EXPECT_EQ(rule["args"][0]["valueTwo"], 21);
    }
  }
  EXPECT_EQ(calls, (std::set<uint64_t>{1, 3}));
  EXPECT_EQ(rule_for(doc, "socketcall", "SCMP_ACT_ALLOW")->count("args"), 1u);
  const ArgRule* sc = builtin_arg_policy().find("socketcall");
  ASSERT_NE(sc, nullptr);
  EXPECT_EQ(sc->indices, std::vector<unsigned>{0});
  const ArgRule* ipc = builtin_arg_policy().find("ipc");
  ASSERT_NE(ipc, nullptr);
  EXPECT_EQ(ipc->masks, std::vector<uint64_t>{0xffff});
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
