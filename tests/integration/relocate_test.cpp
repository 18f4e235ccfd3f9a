// Relocatable bundles end to end (issue 16 §4): a workload learned in checkout A
// (reading A/app/data, writing A/app/out) is enforced in a copy B with
// `--workdir B/app`: it runs with nothing outside the profile and reads B's
// files; A's path is in neither landlock.json nor profile.toml; a file outside
// the working directory (and A's own data) stays denied; a bundle whose
// ${WORKDIR} cannot be resolved, or a --workdir that would widen it, is refused.
//
// The checkouts live below /srv, not /var/tmp: enforce gives a private /var/tmp,
// where a file outside the binds would be missing rather than denied.
#include <gtest/gtest.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/privileged.h"
#include "tests/support/run.h"
#include "tests/support/service.h"

namespace profile {
namespace {
using testing::contains;
using testing::run;
using testing::run_in;
using testing::RunResult;
using testing::show;
using testing::slurp;
using testing::spit;

const std::string kProfile = PROFILE_BINARY;
const std::string kSh = "/bin/sh";
// cat copies with copy_file_range: echo makes the workload write(2), which its
// messages (a denial's "Permission denied") need too.
const std::string kWorkload = "cat data/a.txt data/b.txt > out/result.txt && echo done";

// A directory made from a mkdtemp template, removed with its content.
class Scratch {
 public:
  explicit Scratch(std::string tmpl) {
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~Scratch() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  [[nodiscard]] std::string file(const std::string& n) const { return path_ + "/" + n; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Relocate : public ::testing::Test {
 protected:
  void SetUp() override {
    PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
    PROFILE_REQUIRE(::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION) >= 1,
                    "enforce needs Landlock");
    ASSERT_FALSE(a_.path().empty() || b_.path().empty() || bundle_dir_.path().empty()) << "mkdtemp below /srv";
    ASSERT_EQ(::mkdir(a_.file("app").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(a_.file("app/data").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(a_.file("app/out").c_str(), 0755), 0);
    spit(a_.file("app/data/a.txt"), "learned a\n");
    spit(a_.file("app/data/b.txt"), "learned b\n");
    auto r =
        run_in(a_.file("app"), {kProfile, "-q", "learn", "--net", "none", "-o", bundle(), "--", kSh, "-c", kWorkload});
    ASSERT_EQ(r.status, 0) << show(r);
    ASSERT_EQ(slurp(a_.file("app/out/result.txt")), "learned a\nlearned b\n");
    // B: a copy of the checkout with other data and no output yet.
    auto cp = run({"/bin/cp", "-a", a_.file("app"), b_.file("app")});
    ASSERT_EQ(cp.status, 0) << show(cp);
    spit(b_.file("app/data/a.txt"), "deployed a\n");
    ASSERT_EQ(::unlink(b_.file("app/out/result.txt").c_str()), 0);
    spit(b_.file("secret.txt"), "outside the working directory\n");
  }

  [[nodiscard]] std::string bundle() const { return bundle_dir_.file("bundle"); }
  RunResult enforce(const std::vector<std::string>& extra) const {
    std::vector<std::string> argv = {kProfile, "enforce", bundle(), "--timeout", "60"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_in("/", argv);
  }

  Scratch a_{"/srv/profile-reloc-a-XXXXXX"};
  Scratch b_{"/srv/profile-reloc-b-XXXXXX"};
  Scratch bundle_dir_{"/var/tmp/profile-reloc-bundle-XXXXXX"};
};

TEST_F(Relocate, LearnedInOneCheckoutEnforcedInAnother) {
  const std::string landlock = slurp(bundle() + "/landlock.json");
  const std::string manifest = slurp(bundle() + "/profile.toml");
  ASSERT_FALSE(landlock.empty() || manifest.empty());
  EXPECT_FALSE(contains(landlock, a_.path())) << landlock;
  EXPECT_FALSE(contains(manifest, a_.path())) << manifest;
  EXPECT_TRUE(contains(landlock, "\"path\": \"${WORKDIR}")) << landlock;
  EXPECT_TRUE(contains(manifest, "cwd = \"${WORKDIR}\"")) << manifest;

  // Nothing outside the profile in B: complain mode traces the run and compares.
  auto complain = enforce({"--workdir", b_.file("app"), "--complain"});
  EXPECT_EQ(complain.status, 0) << show(complain);
  EXPECT_TRUE(contains(complain.err, "nothing outside the profile")) << show(complain);
  ASSERT_EQ(::unlink(b_.file("app/out/result.txt").c_str()), 0);

  // Confined in B: B's data read, B's output written, A left alone.
  ::unlink(a_.file("app/out/result.txt").c_str());
  auto r = enforce({"--workdir", b_.file("app")});
  EXPECT_EQ(r.status, 0) << show(r);
  EXPECT_EQ(r.out, "done\n") << show(r);
  EXPECT_EQ(slurp(b_.file("app/out/result.txt")), "deployed a\nlearned b\n");
  EXPECT_FALSE(testing::exists(a_.file("app/out/result.txt"))) << "ran in A, not B";

  // Still confined: a file beside the working directory, and A's own data,
  // which the rules named before they were relocated.
  EXPECT_EQ(run({"/bin/cat", b_.file("secret.txt")}).status, 0) << "control: readable unconfined";
  auto outside = enforce({"--workdir", b_.file("app"), "--", "/bin/cat", b_.file("secret.txt")});
  EXPECT_NE(outside.status, 0) << show(outside);
  EXPECT_TRUE(contains(outside.err, "Permission denied")) << show(outside);
  auto old = enforce({"--workdir", b_.file("app"), "--", "/bin/cat", a_.file("app/data/a.txt")});
  EXPECT_NE(old.status, 0) << show(old);
  EXPECT_TRUE(contains(old.err, "Permission denied")) << show(old);

  // show prints the stored form; check proves the recording is covered through
  // the recording's own roots.
  auto shown = run({kProfile, "show", bundle()});
  EXPECT_EQ(shown.status, 0) << show(shown);
  EXPECT_TRUE(contains(shown.out, "Working directory: ${WORKDIR}")) << shown.out;
  auto check = run({kProfile, "check", bundle(), "--landlock"});
  EXPECT_EQ(check.status, 0) << show(check);

  // A relative --workdir is the caller's directory.
  ASSERT_EQ(::unlink(b_.file("app/out/result.txt").c_str()), 0);
  auto rel = run_in(b_.path(), {kProfile, "enforce", bundle(), "--workdir", "app"});
  EXPECT_EQ(rel.status, 0) << show(rel);
  EXPECT_EQ(slurp(b_.file("app/out/result.txt")), "deployed a\nlearned b\n");
}

TEST_F(Relocate, WithoutWorkdirTheLearnedDirectoryIsUsedAndWhenGoneItFailsClosed) {
  // The checkout still exists: the default is where it was learned.
  ASSERT_EQ(::unlink(a_.file("app/out/result.txt").c_str()), 0);
  auto here = enforce({});
  EXPECT_EQ(here.status, 0) << show(here);
  EXPECT_EQ(slurp(a_.file("app/out/result.txt")), "learned a\nlearned b\n");

  // Gone (as on the machine it is deployed to): one sentence, exit 2, nothing ran.
  auto rm = run({"/bin/rm", "-rf", a_.file("app")});
  ASSERT_EQ(rm.status, 0);
  auto gone = enforce({});
  EXPECT_EQ(gone.status, 2) << show(gone);
  EXPECT_TRUE(contains(gone.err, "${WORKDIR}")) << show(gone);
  EXPECT_TRUE(contains(gone.err, "--workdir")) << show(gone);
  EXPECT_EQ(std::count(gone.err.begin(), gone.err.end(), '\n'), 1) << show(gone);
}

// ${HOME} is the workload's HOME: learned with one, enforced with another.
TEST_F(Relocate, HomeIsTheWorkloadsHomeAtEnforce) {
  ASSERT_EQ(::mkdir(a_.file("home").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(b_.file("home").c_str(), 0755), 0);
  spit(a_.file("home/.apprc"), "learned rc\n");
  spit(b_.file("home/.apprc"), "deployed rc\n");
  const std::string bundle2 = bundle_dir_.file("home-bundle");
  auto learn = run({"/usr/bin/env", "-C", a_.file("app"), "HOME=" + a_.file("home"), kProfile, "-q", "learn", "--net",
                    "none", "-o", bundle2, "--", kSh, "-c", "cat \"$HOME/.apprc\" && echo done"});
  ASSERT_EQ(learn.status, 0) << show(learn);
  const std::string landlock = slurp(bundle2 + "/landlock.json");
  EXPECT_TRUE(contains(landlock, "\"${HOME}/.apprc\"")) << landlock;
  EXPECT_FALSE(contains(landlock, a_.path())) << landlock;

  auto r = run({"/usr/bin/env", "HOME=" + b_.file("home"), kProfile, "enforce", bundle2, "--workdir", b_.file("app")});
  EXPECT_EQ(r.status, 0) << show(r);
  EXPECT_EQ(r.out, "deployed rc\ndone\n") << show(r);
  // A HOME that would widen the rules: refused before anything runs.
  auto bad = run({"/usr/bin/env", "HOME=/", kProfile, "enforce", bundle2, "--workdir", b_.file("app")});
  EXPECT_EQ(bad.status, 2) << show(bad);
  EXPECT_TRUE(contains(bad.err, "${HOME}")) << show(bad);
  EXPECT_EQ(bad.out, "");
}

TEST_F(Relocate, AWorkdirThatWouldWidenTheRulesIsRefused) {
  struct Case {
    std::string dir, says;
  };
  for (const Case& c : std::vector<Case>{{"/", "whole filesystem"},
                                         {"/srv", "shared root"},
                                         {"/proc/self/root", "whole filesystem"},
                                         {"/etc", "shared root"},
                                         {b_.file("missing"), "realpath"}}) {
    auto r = enforce({"--workdir", c.dir});
    EXPECT_EQ(r.status, 2) << c.dir << "\n" << show(r);
    EXPECT_TRUE(contains(r.err, c.says)) << c.dir << "\n" << show(r);
  }
  EXPECT_FALSE(testing::exists(b_.file("app/out/result.txt"))) << "the workload never ran";
}

}  // namespace
}  // namespace profile
