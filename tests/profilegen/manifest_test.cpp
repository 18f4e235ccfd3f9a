#include "profilegen/manifest.h"

#include <gtest/gtest.h>

#include "tests/profilegen/sample.h"

namespace profile {
namespace {

Manifest full() {
  Manifest m;
  m.name = "web";
  m.command = {"python3", "-m", "http.server", "8000"};
  m.cwd = "/srv";
  m.env = {"PATH", "HOME"};
  m.net = "none";
  m.user_namespace = "always";
  m.private_tmp = false;
  m.readonly_root = true;
  m.bind = {{"/data", "/data", true}, {"/var/cache/web", "/cache", false}};
  m.capabilities = {"CAP_NET_BIND_SERVICE"};
  m.memory_max = 1 << 30;
  m.pids_max = 64;
  m.cpus = 1.5;
  m.cpu_weight = 200;
  m.landlock_required = {"fs", "net_tcp"};
  m.selinux_module = "selinux/web.pp";
  m.selinux_required = true;
  return m;
}

TEST(Manifest, RoundTripsEveryField) {
  Manifest m = full();
  std::string text = manifest_to_toml(m);
  auto back = parse_manifest(text, "profile.toml");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, m);
  EXPECT_EQ(manifest_to_toml(*back), text) << "emitting is deterministic";
  testing::expect_golden("manifest.toml", text);
}

TEST(Manifest, DefaultsApplyWhenSectionsAreAbsent) {
  auto m = parse_manifest("[workload]\nname = \"a\"\ncommand = [\"true\"]\n", "p.toml");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->net, "loopback");
  EXPECT_TRUE(m->private_tmp);
  EXPECT_EQ(m->seccomp, "seccomp.json");
  EXPECT_EQ(m->memory_max, 0u);
}

TEST(Manifest, BadInputGetsOneSentenceNamingThePlace) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"[workload\nname=1", "p.toml:1"},
      {"[workload]\nname = \"a\"\ncommand = [\"x\"]\ncolour = 1\n", "p.toml:4: unknown key \"colour\" in [workload]"},
      {"[workload]\nname = \"Bad-Name\"\ncommand = [\"x\"]\n", "must match [a-z][a-z0-9_]*"},
      {"[workload]\nname = \"a\"\n", "needs a non-empty \"command\""},
      {"[workload]\nname = \"a\"\ncommand = [\"x\"]\n[container]\nnet = \"wifi\"\n", "\"net\" must be one of"},
      {"[workload]\nname = \"a\"\ncommand = [\"x\"]\n[limits]\npids_max = -1\n", "non-negative integer"},
      {"[workload]\nname = \"a\"\ncommand = [\"x\"]\n[artifacts]\nseccomp = \"/etc/x.json\"\n", "relative"},
      {"[workload]\nname = \"a\"\ncommand = [\"x\"]\n[container]\nbind = [{source = \"rel\", target = \"/x\"}]\n",
       "absolute"},
      {"", "missing the [workload] table"},
  };
  for (const auto& c : cases) {
    auto m = parse_manifest(c.text, "p.toml");
    ASSERT_FALSE(m) << c.text;
    EXPECT_NE(m.error().message.find(c.expect), std::string::npos) << m.error().message;
    EXPECT_EQ(m.error().message.find('\n'), std::string::npos) << "one line: " << m.error().message;
  }
}

TEST(Manifest, WorkloadNameFromCommand) {
  EXPECT_EQ(workload_name_from_command({"/usr/bin/Python3.11"}), "python3_11");
  EXPECT_EQ(workload_name_from_command({"7zip"}), "w_7zip");
  EXPECT_EQ(workload_name_from_command({}), "w_");
}

}  // namespace
}  // namespace profile
