// The TOML readers of user-given files on crafted input: profile.toml and the
// policy files (runtimes, --policy, the gate's rules and allowlist, gate.toml,
// selinux.toml). Each refusal is one sentence naming the file and the place,
// never an exception (std::stoul's out_of_range escaped the runtimes reader's
// wording) and never a stack overflow or an exponential match.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <tuple>

#include "profilegen/diff.h"
#include "profilegen/gate.h"
#include "profilegen/gen_policy.h"
#include "profilegen/manifest.h"
#include "profilegen/runtime_part.h"
#include "profilegen/selinux/policy.h"

namespace profile {
namespace {

template <class R>
void expect_refused(const R& r, const std::string& place, const std::string& input) {
  ASSERT_FALSE(r) << "accepted: " << input.substr(0, 300);
  EXPECT_NE(r.error().message.find(place), std::string::npos)
      << "expected \"" << place << "\" in: " << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line: " << r.error().message;
}

const std::string kWorkload = "[workload]\nname = \"a\"\ncommand = [\"x\"]\n";

void manifest_refused(const std::string& text, const std::string& place) {
  auto m = parse_manifest(text, "b/profile.toml");
  expect_refused(m, place, text);
  if (!m) {
    EXPECT_EQ(m.error().kind, ErrorKind::BadInput) << "profile enforce exits 2 on it";
  }
}

TEST(MalformedInput, ManifestWrongTypesHugeNumbersNesting) {
  manifest_refused(kWorkload + "[limits]\nmemory_max = 1.5\n",
                   "b/profile.toml:5: \"memory_max\" must be a non-negative integer");
  manifest_refused(kWorkload + "[limits]\nmemory_max = 99999999999999999999\n", "b/profile.toml:5");
  manifest_refused(kWorkload + "[limits]\ncpus = nan\n", "b/profile.toml:5: \"cpus\" must be a non-negative number");
  manifest_refused(kWorkload + "[limits]\ncpus = -inf\n", "b/profile.toml:5: \"cpus\"");
  manifest_refused(kWorkload + "[limits]\ncpu_weight = 10001\n", "b/profile.toml:5: \"cpu_weight\" must be 0..10000");
  manifest_refused(kWorkload + "[container]\nprivate_tmp = \"yes\"\n",
                   "b/profile.toml:5: \"private_tmp\" must be true or false");
  manifest_refused(kWorkload + "[container]\nbind = [1]\n", "b/profile.toml:5: each \"bind\" entry must be a table");
  manifest_refused("workload = 1\n", "b/profile.toml:1: [workload] must be a table");
  manifest_refused("[workload]\nname = \"a\"\ncommand = [[\"x\"]]\n",
                   "b/profile.toml:3: \"command\" must hold strings only");
  manifest_refused(kWorkload + "[container]\nnet = " + std::string(300, '[') + std::string(300, ']') + "\n",
                   "b/profile.toml:5");
  manifest_refused("[workload]\nname = \"\xff\"\n", "b/profile.toml:2");
  manifest_refused(kWorkload + "[artifacts]\nseccomp = \"../x\"\n",
                   "b/profile.toml: [artifacts] paths must be relative");
}

// Found by fuzz/fuzz_manifest: toml++ 3.3 reached __builtin_unreachable on a
// non-ASCII character outside a string (common/toml_guard.h); the gcc-built
// library accepted the malformed file. Every TOML reader goes through the guard.
TEST(MalformedInput, NonAsciiOutsideStringsIsRefusedByEveryTomlReader) {
  for (const char* name : {"regress-toml-unreachable.toml", "regress-toml-bare-value.toml"}) {
    std::ifstream in(std::string(PROFILE_SOURCE_DIR) + "/fuzz/corpus/manifest/" + name, std::ios::binary);
    std::string found{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    ASSERT_FALSE(found.empty()) << name;
    manifest_refused(found, "b/profile.toml:");
    manifest_refused(found, "a character that is not ASCII outside a string or comment");
  }
  const std::string bad = "a = 1\xcc\xaa\n";
  const std::string place = "f.toml:1:6: a character that is not ASCII outside a string or comment";
  expect_refused(parse_manifest(bad, "f.toml"), place, bad);
  expect_refused(load_gen_policy_text(bad, "f.toml"), place, bad);
  expect_refused(parse_runtime_data(bad, "f.toml"), "f.toml:1: a character that is not ASCII", bad);
  expect_refused(parse_gate_rules(bad, "f.toml"), "f.toml:1: a character that is not ASCII", bad);
  expect_refused(parse_allowlist(bad, "f.toml"), "f.toml:1: a character that is not ASCII", bad);
  expect_refused(parse_gate_policy(bad, "f.toml"), "f.toml:1: a character that is not ASCII", bad);
  expect_refused(parse_selinux_policy(bad, "f.toml"), "f.toml:1: a character that is not ASCII", bad);
  // In strings it is data: a command with a non-ASCII byte sequence still reads.
  auto m = parse_manifest("[workload]\nname = \"a\"\ncommand = [\"caf\xc3\xa9\"]\n", "f.toml");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->command[0], "caf\xc3\xa9");
}

TEST(MalformedInput, RuntimesFileHugeVersionIsABadBoundNotAnException) {
  std::string text =
      "[[runtime]]\nname = \"runc\"\nmeasured = \"x\"\nnnp = false\nsyscalls = [\"read\"]\n"
      "versions = [\">=99999999999999999999999.1\"]\n";
  expect_refused(parse_runtime_data(text, "rt.toml"), "rt.toml:1: a version bound is \">=X.Y\" or \"<X.Y\"", text);
  expect_refused(parse_runtime_data("[[runtime]]\nname = 1\n", "rt.toml"), "rt.toml:1: [[runtime]] needs \"name\"", "");
  expect_refused(parse_runtime_data("runtime = 1\n", "rt.toml"), "rt.toml: no [[runtime]] entry", "");
  expect_refused(parse_runtime_data("[engines]\nrunc = \"runc\"\n", "rt.toml"), "rt.toml: [engines] runc", "");
}

TEST(MalformedInput, GenerationPolicyFile) {
  auto refused = [](const std::string& text, const std::string& place) {
    expect_refused(load_gen_policy_text(text, "p.toml"), place, text);
  };
  refused("[deny]\nptrace = 1\n", "p.toml:2: deny.ptrace must be a table with a \"reason\"");
  refused("[deny]\nnot_a_syscall = { reason = \"x\" }\n", "p.toml:2: unknown syscall name \"not_a_syscall\"");
  refused("[paths.generalise]\ndata_min_files = 0\n", "p.toml:2: \"data_min_files\" must be an integer >= 1");
  refused("[[paths.tree]]\npath = \"rel\"\naccess = [\"read_file\"]\n", "p.toml:1: \"path\" must be absolute");
  refused("[[paths.tree]]\npath = \"/x\"\naccess = [\"fly\"]\n",
          "p.toml:3: \"access\" holds an unknown Landlock access name");
  refused("[[paths.rewrite]]\npattern = \"(\"\nreplace = \"x\"\n",
          "p.toml:1: \"pattern\" is not a valid regular expression");
  refused("colour = 1\n", "p.toml:1: \"colour\" must be a table");
}

TEST(MalformedInput, GateRulesAllowlistAndGatePolicy) {
  expect_refused(parse_gate_rules("fail_on = 3\n", "g.toml"), "g.toml: fail_on must be", "");
  expect_refused(parse_gate_rules("[risk]\nfile = \"extreme\"\n", "g.toml"), "g.toml: [risk] file must be", "");
  expect_refused(parse_allowlist("[[allow]]\nsubject = 1\n", "a.toml"), "a.toml:1: [[allow]] key \"subject\"", "");
  expect_refused(parse_allowlist("allow = [1]\n", "a.toml"), "a.toml:1: [[allow]] entries must be tables", "");
  expect_refused(parse_gate_policy("[[sensitive]]\npath = 1\n", "gp.toml"), "gp.toml: every [[sensitive]] needs", "");
  expect_refused(parse_gate_policy("[[program]]\npattern = \"[\"\nreason = \"x\"\n", "gp.toml"),
                 "gp.toml: [[program]] pattern \"[\" is not a valid regular expression", "");
  expect_refused(parse_gate_policy("[capabilities]\nCAP_X = 1\n", "gp.toml"), "gp.toml: [capabilities] CAP_X", "");
}

// An allowlist subject with many stars against a long path: the recursive
// matcher took time exponential in the stars (minutes for this one).
TEST(MalformedInput, AllowlistStarsMatchInLinearTime) {
  Change c;
  c.widens = true;
  c.cls = "file";
  c.risk = "high";
  c.subject = "/" + std::string(4000, 'a');
  ProfileDiff d;
  d.changes.push_back(c);
  std::string stars;
  for (int i = 0; i < 40; ++i) stars += "*a";
  auto t0 = std::chrono::steady_clock::now();
  GateResult miss = apply_gate(d, GateRules{}, {AllowEntry{"", stars + "*b", "r"}});
  GateResult hit = apply_gate(d, GateRules{}, {AllowEntry{"", "/" + stars + "*", "r"}});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(miss.failing.size(), 1U);
  EXPECT_EQ(hit.allowed.size(), 1U);
  EXPECT_LT(secs, 2.0);
  // The matcher's meaning is unchanged: '*' is any run, including none and '/'.
  for (auto [pattern, subject, match] :
       std::vector<std::tuple<std::string, std::string, bool>>{{"/etc/*", "/etc/a/b", true},
                                                               {"/etc/*", "/etc/", true},
                                                               {"*", "", true},
                                                               {"a*b*c", "aXbYc", true},
                                                               {"a*b*c", "aXbY", false},
                                                               {"*.conf", "/x.conf.bak", false},
                                                               {"*a*a", "aaa", true},
                                                               {"/etc/x", "/etc/x", true},
                                                               {"/etc/x", "/etc/xy", false}}) {
    Change one = c;
    one.subject = subject;
    ProfileDiff single;
    single.changes.push_back(one);
    EXPECT_EQ(apply_gate(single, GateRules{}, {AllowEntry{"", pattern, "r"}}).allowed.size(), match ? 1U : 0U)
        << pattern << " vs " << subject;
  }
}

TEST(MalformedInput, SelinuxPolicy) {
  expect_refused(parse_selinux_policy("broad_types = 1\n", "s.toml"),
                 "s.toml: broad_types: expected an array of strings", "");
  expect_refused(
      parse_selinux_policy("broad_types = []\nkeep_dirs = []\nkeep_dir_types = []\ninterface = [1]\n", "s.toml"),
      "s.toml: interface: expected [[interface]] tables", "");
}

TEST(MalformedInput, TomlSyntaxErrorsNameTheLine) {
  const std::string bad = "a = 1\nb = [1,\n";
  expect_refused(parse_manifest(bad, "f.toml"), "f.toml:2", bad);
  expect_refused(parse_runtime_data(bad, "f.toml"), "f.toml:2", bad);
  expect_refused(load_gen_policy_text(bad, "f.toml"), "f.toml:2", bad);
  expect_refused(parse_gate_rules(bad, "f.toml"), "f.toml:2", bad);
  expect_refused(parse_gate_policy(bad, "f.toml"), "f.toml:2", bad);
  expect_refused(parse_selinux_policy(bad, "f.toml"), "f.toml:2", bad);
  // Deeper than toml++'s nesting limit: refused, not a stack overflow.
  const std::string deep = "a = " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  expect_refused(parse_manifest(deep, "f.toml"), "f.toml:1", "deep");
  expect_refused(load_gen_policy_text("a = " + std::string(100000, '{'), "f.toml"), "f.toml:1", "deep");
}

}  // namespace
}  // namespace profile
