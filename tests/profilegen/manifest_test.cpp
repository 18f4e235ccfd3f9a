#include "profilegen/manifest.h"

#include <gtest/gtest.h>

#include "common/recording.h"
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
  m.capabilities = {"CAP_NET_BIND_SERVICE", "CAP_SETUID"};
  m.ambient_capabilities = {"CAP_NET_BIND_SERVICE"};
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

TEST(Manifest, KeepsExactlyTheLearnedCapabilitiesAndAmbientOnlyForANonRootStart) {
  Recording rec;
  RunInfo root;
  root.uid = 0;
  rec.runs.push_back(root);
  rec.capabilities["CAP_SETUID"] = {"setuid(33)"};
  rec.capabilities["CAP_NET_BIND_SERVICE"] = {"bind AF_INET SOCK_STREAM 0.0.0.0:80: ok"};
  Manifest m;
  m.capabilities = {"CAP_SYS_ADMIN"};  // not learned: not granted
  set_learned_capabilities(rec, m);
  EXPECT_EQ(m.capabilities, (std::vector<std::string>{"CAP_NET_BIND_SERVICE", "CAP_SETUID"}));
  EXPECT_TRUE(m.ambient_capabilities.empty()) << "root's execve regains the bounding set";

  RunInfo user;
  user.uid = 1000;
  rec.runs.push_back(user);
  set_learned_capabilities(rec, m);
  EXPECT_EQ(m.ambient_capabilities, m.capabilities) << "a non-root start keeps them across execve only as ambient";

  Recording none;
  none.runs.push_back(root);
  set_learned_capabilities(none, m);
  EXPECT_TRUE(m.capabilities.empty());
}

TEST(Manifest, GrantingAddsWhatARunShowedAndKeepsWhatTheManifestHas) {
  Recording rec;
  RunInfo root;
  root.uid = 0;
  rec.runs.push_back(root);
  rec.capabilities["CAP_SETGID"] = {"setgroups"};
  rec.capabilities["CAP_CHOWN"] = {"chown(owner 33, group -1)"};
  Manifest m = full();
  m.capabilities = {"CAP_SETGID", "CAP_KILL"};
  m.ambient_capabilities = {};
  EXPECT_EQ(grant_learned_capabilities(rec, m), std::vector<std::string>{"CAP_CHOWN"});
  EXPECT_EQ(m.capabilities, (std::vector<std::string>{"CAP_CHOWN", "CAP_KILL", "CAP_SETGID"}));
  auto back = parse_manifest(manifest_to_toml(m), "p.toml");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, m);
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
      {"[workload]\nname = \"a\"\ncommand = [\"x\"]\n[container]\ncapabilities = [\"CAP_CHOWN\"]\n"
       "ambient_capabilities = [\"CAP_SETUID\"]\n",
       "p.toml:6: ambient capability \"CAP_SETUID\" is not in \"capabilities\""},
  };
  for (const auto& c : cases) {
    auto m = parse_manifest(c.text, "p.toml");
    ASSERT_FALSE(m) << c.text;
    EXPECT_NE(m.error().message.find(c.expect), std::string::npos) << m.error().message;
    EXPECT_EQ(m.error().message.find('\n'), std::string::npos) << "one line: " << m.error().message;
  }
}

// Paths and argv are bytes: profile.toml stores those that are not UTF-8 with the
// encoding of recording.json (profile-recording(5)), so that enforce runs the same
// command in the same directory. toml++ alone would write 0xFE as \u00FE (U+00FE).
TEST(Manifest, BytesThatAreNotUtf8RoundTrip) {
  Manifest m = full();
  m.command = {
      "/srv/in\xfe"
      "dir/run",
      "--file=bad\xff", "caf\xc3\xa9", "\xf4\x8f\xbf\xbf"};
  m.cwd =
      "/srv/in\xfe"
      "dir";
  m.bind = {{"/data/\x80\x81", "/x\xc3", false}};
  m.env = {"V\xe9"};
  std::string text = manifest_to_toml(m);
  auto back = parse_manifest(text, "profile.toml");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, m);
  EXPECT_EQ(manifest_to_toml(*back), text);
  // The text is UTF-8 that any TOML reader accepts; U+00FE would be a different path.
  EXPECT_EQ(text.find("\\u00FE"), std::string::npos) << text;
  EXPECT_EQ(text.find("\xc3\xbe"), std::string::npos) << text;
}

TEST(Manifest, AnotherSpellingOfTheSameBytesIsRejected) {
  // U+10FFC3 U+10FFA9 decode to C3 A9, which is "\u00e9" itself: two spellings of
  // one path must not both be accepted.
  auto m =
      parse_manifest("[workload]\nname = \"a\"\ncommand = [\"x\"]\ncwd = \"/caf\\U0010FFC3\\U0010FFA9\"\n", "p.toml");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("p.toml:4"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("U+10FF80..U+10FFFF"), std::string::npos) << m.error().message;
  EXPECT_EQ(m.error().message.find('\n'), std::string::npos) << m.error().message;
  // The writer's own spelling is accepted.
  auto ok = parse_manifest("[workload]\nname = \"a\"\ncommand = [\"x\\U0010FFFF\"]\n", "p.toml");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->command, std::vector<std::string>{"x\xff"});
}

TEST(Manifest, WorkloadNameFromCommand) {
  EXPECT_EQ(workload_name_from_command({"/usr/bin/Python3.11"}), "python3_11");
  EXPECT_EQ(workload_name_from_command({"7zip"}), "w_7zip");
  EXPECT_EQ(workload_name_from_command({}), "w_");
}

TEST(Manifest, WrappedProgramIsFoundFromWhatRan) {
  std::map<std::string, uint64_t> ran = {{"/usr/bin/setpriv", 1}, {"/usr/sbin/nginx", 1}, {"/usr/bin/nice", 1}};
  auto executed = executed_in(ran);
  using V = std::vector<std::string>;
  EXPECT_EQ(wrapped_program_index(V{"setpriv", "--reuid", "33", "--regid", "33", "nginx", "-g", "x"}, executed), 5u);
  // "test" names a user here, and is a program too: only what ran counts.
  std::map<std::string, uint64_t> ran2 = {{"/usr/sbin/runuser", 1}, {"/usr/bin/sleep", 1}};
  EXPECT_EQ(wrapped_program_index(V{"runuser", "-u", "test", "--", "/bin/sleep", "1"}, executed_in(ran2)), 4u);
  // Nested wrappers; env's NAME=VALUE is not a program.
  EXPECT_EQ(wrapped_program_index(V{"nice", "-n", "5", "env", "A=nginx", "/usr/sbin/nginx"}, executed), 5u);
  // Not a wrapper, or a wrapper whose program is not found: the command itself.
  EXPECT_EQ(wrapped_program_index(V{"nginx", "setpriv"}, executed), 0u);
  EXPECT_EQ(wrapped_program_index(V{"setpriv", "--help"}, executed), 0u);
  EXPECT_EQ(wrapped_program_index(V{}, executed), 0u);
  // A program named through a versioned symlink: the recording holds its target.
  std::map<std::string, uint64_t> ran3 = {{"/usr/bin/setpriv", 1}, {"/usr/bin/python3.11", 1}};
  EXPECT_EQ(wrapped_program_index(V{"setpriv", "--reuid=65534", "/usr/bin/python3", "-c", "1"}, executed_in(ran3)), 2u);
  EXPECT_EQ(wrapped_program_index(V{"setpriv", "--reuid=65534", "python", "-c", "1"}, executed_in(ran3)), 2u);
  EXPECT_EQ(wrapped_program_index(V{"setpriv", "--reuid=65534", "py", "-c", "1"}, executed_in(ran3)), 0u)
      << "a prefix that is not a version is another name";
}

}  // namespace
}  // namespace profile
