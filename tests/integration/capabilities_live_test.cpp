// Capabilities learned, kept and enforced, live: tests/progs/caps_probe (as root:
// bind 127.0.0.1:80 in a loopback network namespace, read a 0600 file of another
// uid, setgroups + setgid + setuid to 65534) is learned with each tracer; the
// bundle must keep exactly the four capabilities that took, enforce must run it,
// and a manifest without one of them must fail exactly that step, with
// `--complain` naming the capability and `--update` granting it again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/atomic_file.h"
#include "common/recording.h"
#include "profilegen/manifest.h"
#include "tests/support/privileged.h"
#include "tests/support/run.h"

namespace profile {
namespace {
using testing::run;
using testing::TempDir;

const std::string kProfile = PROFILE_BINARY;
const std::string kProbe = std::string(PROFILE_PROGS_DIR) + "/caps_probe";
const std::string kAllOk = "bind ok\nread ok\nsetgroups ok\nsetgid ok\nsetuid ok\n";

class CapabilitiesLive : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    PROFILE_REQUIRE(testing::is_root(), "the probe needs root's capabilities to have any to learn");
    secret_ = dir_.path() + "/secret";
    std::ofstream(secret_) << "secret\n";
    ASSERT_EQ(::chown(secret_.c_str(), 1234, 1234), 0);
    ASSERT_EQ(::chmod(secret_.c_str(), 0600), 0);
    bundle_ = dir_.path() + "/b";
    auto r = run(
        {kProfile, "learn", "-q", "--tracer", GetParam(), "-o", bundle_, "--net", "loopback", "--", kProbe, secret_});
    ASSERT_EQ(r.status, 0) << r.err << r.out;
    ASSERT_EQ(r.out, kAllOk) << "learning runs with every capability";
  }

  Manifest manifest() {
    auto text = read_file(bundle_ + "/profile.toml");
    EXPECT_TRUE(text.ok());
    auto m = parse_manifest(text ? *text : "", "profile.toml");
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m ? *m : Manifest{};
  }

  void drop(const std::string& cap) {
    Manifest m = manifest();
    std::erase(m.capabilities, cap);
    ASSERT_TRUE(write_file_atomic(bundle_ + "/profile.toml", manifest_to_toml(m)).ok());
  }

  TempDir dir_;
  std::string secret_, bundle_;
};

TEST_P(CapabilitiesLive, TheRecordingNamesEachCapabilityWithItsEvidence) {
  auto rec = load_recording(bundle_ + "/recording.json");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  using Set = std::set<std::string>;
  std::map<std::string, Set> want = {
      {"CAP_DAC_READ_SEARCH", Set{"read " + secret_ + ": ok (mode 0600, owner 1234:1234)"}},
      {"CAP_NET_BIND_SERVICE", Set{"bind AF_INET SOCK_STREAM 127.0.0.1:80: ok"}},
      {"CAP_SETGID", Set{"setgid(65534)", "setgroups"}},
      {"CAP_SETUID", Set{"setuid(65534)"}},
  };
  EXPECT_EQ(rec->capabilities, want) << recording_to_json(*rec);
  Manifest m = manifest();
  EXPECT_EQ(m.capabilities,
            (std::vector<std::string>{"CAP_DAC_READ_SEARCH", "CAP_NET_BIND_SERVICE", "CAP_SETGID", "CAP_SETUID"}));
  EXPECT_TRUE(m.ambient_capabilities.empty()) << "a root workload needs none in the ambient set";
  auto show = run({kProfile, "show", bundle_});
  EXPECT_EQ(show.status, 0) << show.err;
  EXPECT_NE(show.out.find("Capabilities: 4"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("  CAP_SETGID\n    setgid(65534)\n    setgroups\n"), std::string::npos) << show.out;
}

TEST_P(CapabilitiesLive, EnforceGrantsTheLearnedCapabilitiesAndNothingElse) {
  auto r = run({kProfile, "enforce", bundle_});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, kAllOk);

  // CAP_SETUID and CAP_SETGID are kept, but seccomp allows switching only to
  // the ids learned (policies/args.toml records them).
  r = run({kProfile, "enforce", bundle_, "--", kProbe, secret_, "4242"});
  EXPECT_EQ(r.status, 1) << r.err;
  // The errno for a value outside the learned ones is seccomp's business
  // (ENOSYS, or EPERM): here it matters that the switch is refused. setgroups'
  // list is in memory, which seccomp cannot compare.
  EXPECT_TRUE(r.out == "bind ok\nread ok\nsetgroups ok\nsetgid EPERM\nsetuid EPERM\n" ||
              r.out == "bind ok\nread ok\nsetgroups ok\nsetgid ENOSYS\nsetuid ENOSYS\n")
      << r.out;

  drop("CAP_SETGID");
  r = run({kProfile, "enforce", bundle_});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out, "bind ok\nread ok\nsetgroups EPERM\nsetgid EPERM\nsetuid ok\n");
  auto shown = run({kProfile, "show", bundle_});
  EXPECT_NE(shown.out.find("CAP_SETGID  [NOT KEPT by profile.toml"), std::string::npos) << shown.out;
}

TEST_P(CapabilitiesLive, ComplainNamesTheMissingCapabilityAndUpdateGrantsIt) {
  drop("CAP_NET_BIND_SERVICE");
  drop("CAP_DAC_READ_SEARCH");
  auto r = run({kProfile, "enforce", bundle_, "--complain"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out, "bind EACCES\nread EACCES\nsetgroups ok\nsetgid ok\nsetuid ok\n");
  EXPECT_NE(r.err.find("  capability CAP_NET_BIND_SERVICE not kept: bind AF_INET SOCK_STREAM 127.0.0.1:80: EACCES\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("  capability CAP_DAC_READ_SEARCH not kept: read " + secret_ +
                       ": EACCES (mode 0600, owner 1234:1234)\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("capability CAP_SETGID"), std::string::npos) << "kept ones are not reported";

  r = run({kProfile, "enforce", bundle_, "--complain", "--json"});
  EXPECT_NE(r.out.find("\"capabilities\": [\n      {\n        \"name\": \"CAP_DAC_READ_SEARCH\""), std::string::npos)
      << r.out;

  r = run({kProfile, "enforce", bundle_, "--complain", "--update"});
  EXPECT_NE(r.err.find("updated profile.toml"), std::string::npos) << r.err;
  r = run({kProfile, "enforce", bundle_});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, kAllOk);
}

INSTANTIATE_TEST_SUITE_P(Tracers, CapabilitiesLive, ::testing::Values("ptrace", "ebpf"));

}  // namespace
}  // namespace profile
