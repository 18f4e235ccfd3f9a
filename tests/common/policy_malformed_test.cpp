// The readers of policies/args.toml and dangerous.toml (common/policy.cpp) on
// crafted files: one sentence naming the file and line, never an exception.
#include <gtest/gtest.h>

#include "common/policy.h"

namespace profile {
namespace {

template <class R>
void expect_refused(const R& r, const std::string& place) {
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(place), std::string::npos)
      << "expected \"" << place << "\" in: " << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line: " << r.error().message;
}

TEST(PolicyMalformed, ArgPolicy) {
  expect_refused(parse_arg_policy("clone = 1\n", "args.toml"), "args.toml:1: [clone] must be a table");
  expect_refused(parse_arg_policy("[nosuchcall]\nargs = [{index = 0}]\n", "args.toml"),
                 "args.toml:1: unknown syscall name \"nosuchcall\"");
  expect_refused(parse_arg_policy("[clone]\nargs = []\n", "args.toml"),
                 "args.toml:1: [clone] needs a non-empty \"args\"");
  expect_refused(parse_arg_policy("[clone]\nargs = [{index = 6}]\n", "args.toml"),
                 "args.toml:2: each entry of \"args\"");
  expect_refused(parse_arg_policy("[clone]\nargs = [{index = 99999999999999999999}]\n", "args.toml"), "args.toml:2");
  expect_refused(parse_arg_policy("[clone]\nargs = [{index = \"0\"}]\n", "args.toml"),
                 "args.toml:2: each entry of \"args\"");
  expect_refused(parse_arg_policy("[clone]\nargs = [1]\n", "args.toml"), "args.toml:2: each entry of \"args\"");
  expect_refused(parse_arg_policy("[clone]\nargs = [{index = 0, mask = -1}]\n", "args.toml"),
                 "args.toml:2: \"mask\" must be a positive integer");
  expect_refused(parse_arg_policy("[clone]\nargs = " + std::string(5000, '[') + "\n", "args.toml"), "args.toml:2");
  expect_refused(parse_arg_policy("[clone]\nfilter = \"no\"\nargs = [{index = 0}]\n", "args.toml"),
                 "args.toml:2: [clone] \"filter\" must be true or false");
  // Recorded only: never compared by seccomp, a register value or one from memory.
  auto recorded = parse_arg_policy(
      "[syslog]\nfilter = false\nargs = [{index = 0}]\n"
      "[setrlimit]\nargs = [{index = 0}, {index = 1, source = \"rlimit.rlim_max\"}]\n",
      "args.toml");
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  EXPECT_FALSE(recorded->find("syslog")->filter);
  EXPECT_FALSE(recorded->find("setrlimit")->filter);
  EXPECT_EQ(recorded->find("setrlimit")->sources, (std::vector<std::string>{"", "rlimit.rlim_max"}));
  auto ok = parse_arg_policy("[clone]\nargs = [{index = 0, mask = 255, name = \"flags\"}]\n", "args.toml");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->rules.at("clone").masks, std::vector<uint64_t>{255});
}

TEST(PolicyMalformed, DangerousList) {
  expect_refused(parse_dangerous_list("ptrace = \"x\"\n", "d.toml"), "d.toml:1: [ptrace] must be a table");
  expect_refused(parse_dangerous_list("[ptrace]\nreason = 1\n", "d.toml"), "d.toml:1: [ptrace] needs a \"reason\"");
  expect_refused(parse_dangerous_list("[\"\xff\"]\nreason = \"x\"\n", "d.toml"), "d.toml:1");
  expect_refused(parse_dangerous_list("[ptrace\n", "d.toml"), "d.toml:1");
  // toml++ 3.3 cannot classify this character outside a string (common/toml_guard.h).
  expect_refused(parse_dangerous_list("[ptrace]\nreason = \"x\" \xcc\xaa\n", "d.toml"),
                 "d.toml:2:14: a character that is not ASCII outside a string or comment");
}

}  // namespace
}  // namespace profile
