#include "profilegen/gate.h"

#include <gtest/gtest.h>

namespace profile {
namespace {

ProfileDiff sample_diff() {
  ProfileDiff d;
  auto add = [&](const char* cls, const char* risk, const char* subject) {
    Change c;
    c.cls = cls;
    c.risk = risk;
    c.subject = subject;
    c.reason = "because";
    d.changes.push_back(c);
  };
  add("capability", "high", "CAP_SYS_ADMIN");
  add("file", "medium", "/srv/app/new.db");
  add("syscall", "low", "getppid");
  Change removed;
  removed.widens = false;
  removed.cls = "syscall";
  removed.risk = "low";
  removed.subject = "mount";
  d.changes.push_back(removed);
  return d;
}

TEST(Gate, DefaultFailsOnHighRiskOnly) {
  GateResult r = apply_gate(sample_diff(), GateRules{}, {});
  ASSERT_EQ(r.failing.size(), 1u);
  EXPECT_EQ(r.failing[0].subject, "CAP_SYS_ADMIN");
  EXPECT_EQ(r.passing.size(), 2u);  // the removal is not a widening at all
}

TEST(Gate, FailOnAnyAndNoneAndClassRisks) {
  GateRules any;
  any.fail_on = "any";
  EXPECT_EQ(apply_gate(sample_diff(), any, {}).failing.size(), 3u);
  GateRules none;
  none.fail_on = "none";
  EXPECT_TRUE(apply_gate(sample_diff(), none, {}).failing.empty());
  auto rules = parse_gate_rules("fail_on = \"high\"\n[risk]\nfile = \"high\"\n", "p.toml");
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_EQ(apply_gate(sample_diff(), *rules, {}).failing.size(), 2u);
  EXPECT_FALSE(parse_gate_rules("fail_on = \"sometimes\"\n", "p.toml"));
  EXPECT_FALSE(parse_gate_rules("failon = \"high\"\n", "p.toml"));  // a typo must not weaken the gate
}

TEST(Gate, AllowlistEntriesNeedAReasonAndAcceptTheirChange) {
  auto bad = parse_allowlist("[[allow]]\nclass = \"capability\"\nsubject = \"CAP_SYS_ADMIN\"\n", "a.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("a.toml:1: the [[allow]] entry for \"CAP_SYS_ADMIN\" has no \"reason\""),
            std::string::npos)
      << bad.error().message;
  EXPECT_FALSE(parse_allowlist("[[allow]]\nsubject = \"x\"\nreason = \"r\"\nrisk = \"low\"\n", "a.toml"));
  auto ok = parse_allowlist(
      "[[allow]]\nclass = \"capability\"\nsubject = \"CAP_SYS_ADMIN\"\nreason = \"mounts its FUSE file system\"\n"
      "[[allow]]\nsubject = \"/etc/never/*\"\nreason = \"stale\"\n",
      "a.toml");
  ASSERT_TRUE(ok) << ok.error().message;
  GateResult r = apply_gate(sample_diff(), GateRules{}, *ok);
  EXPECT_TRUE(r.failing.empty());
  ASSERT_EQ(r.allowed.size(), 1u);
  EXPECT_EQ(r.allowed[0].second, "mounts its FUSE file system");
  EXPECT_EQ(r.unused_allow, std::vector<std::string>{"/etc/never/*"});
  // The class must match when given.
  auto other = parse_allowlist("[[allow]]\nclass = \"bind\"\nsubject = \"CAP_SYS_ADMIN\"\nreason = \"r\"\n", "a");
  ASSERT_TRUE(other);
  EXPECT_EQ(apply_gate(sample_diff(), GateRules{}, *other).failing.size(), 1u);
}

}  // namespace
}  // namespace profile
