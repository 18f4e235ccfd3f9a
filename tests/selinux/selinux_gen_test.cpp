// The SELinux generator and offline verifier on recordings of five real workloads
// (fixtures/*.json, made by fixtures/make_fixtures.sh with `profile learn`), checked
// against Debian's reference policy (selinux-policy-default) with the real toolchain.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/recording.h"
#include "profilegen/selinux/gen.h"
#include "profilegen/selinux/refpolicy.h"
#include "profilegen/selinux/verify.h"
#include "tests/support/privileged.h"

namespace profile {
namespace {

const std::string kFixtures = std::string(PROFILE_SOURCE_DIR) + "/tests/selinux/fixtures/";

Recording fixture(const std::string& name) {
  auto r = load_recording(kFixtures + name + ".json");
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? std::move(r).value() : Recording{};
}

bool reference_policy_present() {
  return find_selinux_policy("").ok();
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

class FiveWorkloads : public ::testing::TestWithParam<std::string> {};

// Generation, both compilations and verification of both forms: every recorded
// access allowed to <name>_t in the linked policy, and no sensitive one.
TEST_P(FiveWorkloads, ModuleCompilesBothWaysAndVerifies) {
  PROFILE_REQUIRE(reference_policy_present(), "Debian's selinux-policy-default is not installed");
  const std::string name = GetParam();
  Recording rec = fixture(name);
  auto t0 = std::chrono::steady_clock::now();
  auto gen = generate_selinux(rec, name, SelinuxOptions{});
  const double gen_s = seconds_since(t0);
  ASSERT_TRUE(gen.ok()) << gen.error().message;
  for (const char* ext : {".te", ".fc", ".if", ".cil", ".pp"})
    ASSERT_EQ(gen->files.count("selinux/" + name + ext), 1u) << ext;
  ASSERT_EQ(gen->files.count("selinux/selinuxprofile.yaml"), 1u);
  EXPECT_EQ(gen->module_path, "selinux/" + name + ".pp");
  EXPECT_NE(gen->files.at("selinux/" + name + ".te").find("type " + name + "_t;"), std::string::npos);

  auto ref = find_selinux_policy("");
  ASSERT_TRUE(ref.ok());
  for (const char* ext : {".pp", ".cil"}) {
    auto v = verify_selinux_module(rec, name, name + ext, gen->files.at("selinux/" + name + ext), *ref,
                                   builtin_selinux_policy());
    ASSERT_TRUE(v.ok()) << ext << ": " << v.error().message;
    std::string all;
    for (const auto& f : v->failures) all += "\n  " + f;
    EXPECT_TRUE(v->passed()) << name << ext << all;
    EXPECT_GT(v->accesses_checked, 10u);
    EXPECT_GE(v->sensitive_checked, 15u);
    std::printf(
        "[figures] %s%s: %zu allow rules, %zu types, %zu interfaces; generate+compile %.2fs, "
        "link %.2fs, check %.3fs (%zu accesses, %zu sensitive)\n",
        name.c_str(), ext, gen->allow_rules, gen->types, gen->interfaces, gen_s, v->link_seconds, v->check_seconds,
        v->accesses_checked, v->sensitive_checked);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FiveWorkloads,
                         ::testing::Values("httpserver", "sqlite3", "pipeline", "tar", "httpclient"));

// Paths are bytes: a file whose name has a space or is not valid UTF-8 gets a
// file_contexts entry that setfiles accepts (it refuses non-ASCII, and a space
// would split the line) and that matches those bytes, so the module links and verifies.
TEST(SelinuxPaths, FileNamesWithSpacesOrBytesThatAreNotUtf8Verify) {
  PROFILE_REQUIRE(reference_policy_present(), "Debian's selinux-policy-default is not installed");
  Recording rec = fixture("pipeline");
  const std::string dir =
      "/tmp/in\xfe"
      "dir with space";
  // An existing /tmp directory the workload creates a file in gets a private type,
  // with an exact entry for the file: both paths are written into pipeline.fc.
  rec.add_file(dir, Access::Read, kOk, "dir");
  rec.add_file(dir + "/bad\xffname", Access::Create, kOk, "file");
  rec.add_file(dir + "/bad\xffname", Access::Write, kOk, "file");
  auto gen = generate_selinux(rec, "pipeline", SelinuxOptions{});
  ASSERT_TRUE(gen.ok()) << gen.error().message;
  const std::string& fc = gen->files.at("selinux/pipeline.fc");
  EXPECT_NE(fc.find("/tmp/in\\xfedir\\x20with\\x20space(/.*)?\t"), std::string::npos) << fc;
  EXPECT_NE(fc.find("/tmp/in\\xfedir\\x20with\\x20space/bad\\xffname\t--\t"), std::string::npos) << fc;
  for (const char* ext : {".fc", ".cil"})
    for (unsigned char c : gen->files.at(std::string("selinux/pipeline") + ext)) ASSERT_LT(c, 0x80) << ext;
  auto ref = find_selinux_policy("");
  ASSERT_TRUE(ref.ok());
  for (const char* ext : {".pp"}) {  // the .cil holds the same regexes; linking costs ~10 s each
    auto v =
        verify_selinux_module(rec, "pipeline", std::string("pipeline") + ext,
                              gen->files.at(std::string("selinux/pipeline") + ext), *ref, builtin_selinux_policy());
    ASSERT_TRUE(v.ok()) << ext << ": " << v.error().message;
    std::string all;
    for (const auto& f : v->failures) all += "\n  " + f;
    EXPECT_TRUE(v->passed()) << ext << all;
  }
}

}  // namespace
}  // namespace profile
