// `profile enforce` fails closed: a bundle that would run without a mechanism,
// or with a limit that means something else than it says, is refused in one
// sentence, unless the bundle says so explicitly (and then it is said on stderr).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "tests/support/privileged.h"
#include "tests/support/run.h"

namespace profile {
namespace {
using testing::run;

const std::string kProfile = PROFILE_BINARY;

class WorkDir {
 public:
  WorkDir() {
    char tmpl[] = "/var/tmp/enforce-failclosed-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~WorkDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  [[nodiscard]] std::string file(const std::string& n) const { return path_ + "/" + n; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

testing::RunResult sh_in(const WorkDir& w, const std::string& cmd) {
  return run({"/bin/sh", "-c", "cd '" + w.path() + "' && " + cmd});
}

testing::RunResult enforce(const WorkDir& w, const std::vector<std::string>& args) {
  std::string cmd = "exec '" + kProfile + "' enforce bundle";
  for (const auto& a : args) cmd += " '" + a + "'";
  return sh_in(w, cmd);
}

// A bundle of `cat in.txt > out.txt`, learned here.
void learn_cat(const WorkDir& w) {
  spit(w.file("in.txt"), "payload\n");
  auto r = sh_in(w, "exec '" + kProfile + "' -q learn --tracer ptrace -o bundle -- /bin/sh -c 'cat in.txt > out.txt'");
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(::unlink(w.file("out.txt").c_str()), 0);
}

// Replaces `key = ...` in profile.toml's [artifacts] and appends `extra` to it.
void set_artifact(const WorkDir& w, const std::string& key, const std::string& value, const std::string& extra = "") {
  std::string toml = slurp(w.file("bundle/profile.toml"));
  toml = std::regex_replace(toml, std::regex("\n" + key + " = [^\n]*"), "\n" + key + " = " + value);
  spit(w.file("bundle/profile.toml"), toml + extra);
}

bool ran(const WorkDir& w) {
  struct stat st {};
  bool r = ::stat(w.file("out.txt").c_str(), &st) == 0;
  ::unlink(w.file("out.txt").c_str());
  return r;
}

TEST(EnforceFailClosed, EmptySeccompIsRefusedUnlessDeclaredUnconfined) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  learn_cat(w);
  set_artifact(w, "seccomp", "''");
  auto refused = enforce(w, {});
  EXPECT_EQ(refused.status, 2) << refused.err;
  EXPECT_NE(refused.err.find("[artifacts] seccomp is empty: refusing to run the workload without seccomp"),
            std::string::npos)
      << refused.err;
  EXPECT_FALSE(ran(w)) << "the workload ran without seccomp";

  set_artifact(w, "selinux_required", "false", "unconfined = ['seccomp']\n");
  auto declared = enforce(w, {});
  EXPECT_EQ(declared.status, 0) << declared.err;
  EXPECT_TRUE(ran(w));
  EXPECT_NE(declared.err.find("running without seccomp"), std::string::npos) << "not said on stderr: " << declared.err;
}

TEST(EnforceFailClosed, EmptyLandlockIsRefusedUnlessDeclaredUnconfined) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  learn_cat(w);
  std::string landlock = slurp(w.file("bundle/landlock.json"));
  std::string manifest = slurp(w.file("bundle/profile.toml"));
  // Both ways of running without Landlock: no file, and a file that handles nothing.
  set_artifact(w, "landlock", "''");
  auto no_file = enforce(w, {});
  EXPECT_EQ(no_file.status, 2) << no_file.err;
  EXPECT_NE(no_file.err.find("[artifacts] landlock is empty: refusing"), std::string::npos) << no_file.err;
  EXPECT_FALSE(ran(w));

  set_artifact(w, "landlock", "'landlock.json'");
  spit(w.file("bundle/landlock.json"), "{\"format\": \"profile-landlock/1\", \"min_abi\": 1}\n");
  auto empty = enforce(w, {});
  EXPECT_EQ(empty.status, 2) << empty.err;
  EXPECT_NE(empty.err.find("landlock.json handles no access (an empty ruleset): refusing"), std::string::npos)
      << empty.err;
  EXPECT_FALSE(ran(w));

  spit(w.file("bundle/profile.toml"), manifest + "unconfined = ['landlock']\n");
  auto declared = enforce(w, {});
  EXPECT_EQ(declared.status, 0) << declared.err;
  EXPECT_TRUE(ran(w));
  EXPECT_NE(declared.err.find("running without landlock"), std::string::npos) << declared.err;

  spit(w.file("bundle/landlock.json"), landlock);
  spit(w.file("bundle/profile.toml"), manifest + "unconfined = ['apparmor']\n");
  auto bad = enforce(w, {});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("unknown mechanism \"apparmor\""), std::string::npos) << bad.err;
}

TEST(EnforceFailClosed, MemorySizesThatDoNotMeanWhatTheySayAreRefused) {
  WorkDir w;
  for (const char* size : {"0.4", "0.9B", "1e300", "20000000000G"}) {
    auto r = run({kProfile, "enforce", w.path(), "--memory", size});
    EXPECT_EQ(r.status, 2) << size;
    EXPECT_NE(r.err.find("--memory"), std::string::npos) << size << ": " << r.err;
  }
}

}  // namespace
}  // namespace profile
