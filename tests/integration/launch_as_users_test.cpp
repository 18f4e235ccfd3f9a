// Launching as users launch: `enforce --cwd` and `--env`, the environment the
// workload was learned with, and a bundle named after what a wrapper runs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/privileged.h"
#include "tests/support/run.h"
#include "tests/support/workdir.h"

namespace profile {
namespace {
using testing::run;
// Not under /tmp: enforce gives the workload a private /tmp.
struct WorkDir : testing::WorkDir {
  WorkDir() : testing::WorkDir("launch-as") {}
};

const std::string kProfile = PROFILE_BINARY;

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

testing::RunResult sh_in(const std::string& dir, const std::string& cmd, const std::vector<std::string>& env = {}) {
  return run({"/bin/sh", "-c", "cd '" + dir + "' && " + cmd}, env);
}

TEST(LaunchAsUsers, CwdAndEnvReachTheWorkload) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  ASSERT_EQ(::mkdir(w.file("sub").c_str(), 0755), 0);
  // Learned printing two variables and the working directory, from sub/.
  std::string script = "echo \"a=$PROFILE_T_A b=$PROFILE_T_B\"; pwd";
  auto l = sh_in(w.file("sub"), "exec '" + kProfile + "' -q learn -o ../bundle -- /bin/sh -c '" + script + "'",
                 {"PROFILE_T_A=learned"});
  ASSERT_EQ(l.status, 0) << l.err;

  auto plain = sh_in(w.path(), "exec '" + kProfile + "' enforce bundle", {"PROFILE_T_A=1", "PROFILE_T_B=2"});
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_NE(plain.out.find("b=\n" + w.file("sub") + "\n"), std::string::npos) << plain.out;
  EXPECT_NE(plain.err.find("PROFILE_T_B"), std::string::npos) << "dropped variables are named: " << plain.err;
  EXPECT_NE(plain.err.find("--env NAME"), std::string::npos) << plain.err;

  auto with =
      sh_in(w.path(), "exec '" + kProfile + "' enforce --json --cwd . --env PROFILE_T_B --env PROFILE_T_A=given bundle",
            {"PROFILE_T_A=1", "PROFILE_T_B=2", "PROFILE_T_C=3"});
  ASSERT_EQ(with.status, 0) << with.err;
  EXPECT_NE(with.out.find("a=given b=2\n" + w.path() + "\n"), std::string::npos) << with.out;
  EXPECT_NE(with.out.find("\"PROFILE_T_C\""), std::string::npos) << "dropped_env in --json: " << with.out;
  EXPECT_EQ(with.out.find("\"PROFILE_T_B\""), std::string::npos) << with.out;
}

TEST(LaunchAsUsers, TheManifestListsTheLearnedEnvironmentNames) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  WorkDir w;
  auto l = sh_in(w.path(), "exec '" + kProfile + "' -q learn -o bundle -- /bin/true", {"PROFILE_T_LEARNED=x"});
  ASSERT_EQ(l.status, 0) << l.err;
  std::ifstream in(w.file("bundle/profile.toml"));
  std::string toml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(toml.find("\"PROFILE_T_LEARNED\""), std::string::npos) << toml;
  EXPECT_EQ(toml.find("=x"), std::string::npos) << "names, never values: " << toml;
}

TEST(LaunchAsUsers, AWrappersProgramNamesTheBundle) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  WorkDir w;
  // Nested wrappers, with option values ("5", "0") between them and sleep.
  auto l = sh_in(w.path(), "exec '" + kProfile + "' -q learn -- nice -n 5 setpriv --reuid 0 timeout 5 sleep 0.01");
  ASSERT_EQ(l.status, 0) << l.err;
  EXPECT_TRUE(exists(w.file("sleep.profile/profile.toml"))) << l.err;
  EXPECT_FALSE(exists(w.file("nice.profile")));
  std::ifstream in(w.file("sleep.profile/profile.toml"));
  std::string toml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(toml.find("name = \"sleep\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("selinux/sleep.pp"), std::string::npos) << toml;
}

}  // namespace
}  // namespace profile
