// JSON Schema validation of the three seccomp outputs with a real validator
// (Debian's python3-jsonschema) against the reference schemas (PROFILE_REFERENCE).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "profilegen/bundle.h"
#include "tests/profilegen/sample.h"
#include "tests/support/reference.h"

namespace profile {
namespace {

int validate(const std::string& dir, const std::string& reference) {
  std::string cmd = std::string("/usr/bin/python3 ") + PROFILE_SOURCE_DIR + "/tests/profilegen/validate_schemas.py '" +
                    dir + "' '" + reference + "'";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

TEST(Schemas, AllThreeSeccompOutputsValidateInEveryMode) {
  PROFILE_REFERENCE_OR_SKIP(reference);
  struct stat st {};
  ASSERT_EQ(::stat((reference + "/oci-schema").c_str(), &st), 0) << "reference schemas missing under " << reference;
  char tmpl[] = "/tmp/profilegen-schema-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  for (const char* mode : {"errno", "kill", "log"}) {
    for (bool no_args : {false, true}) {
      std::string dir = std::string(tmpl) + "/" + mode + (no_args ? "-noargs" : "");
      GenerateOptions o = testing::no_selinux();
      o.default_action = mode;
      o.no_args = no_args;
      ASSERT_TRUE(generate_bundle(dir, testing::sample_recording(), o));
      EXPECT_EQ(validate(dir, reference), 0) << mode;
    }
  }
  (void)std::system((std::string("rm -rf ") + tmpl).c_str());
}

TEST(Schemas, TheValidatorRejectsABrokenProfile) {
  PROFILE_REFERENCE_OR_SKIP(reference);
  char tmpl[] = "/tmp/profilegen-schema-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = std::string(tmpl) + "/b";
  ASSERT_TRUE(generate_bundle(dir, testing::sample_recording(), testing::no_selinux()));
  // An action name no runtime knows must fail validation of the OCI object.
  ASSERT_EQ(std::system(("sed -i 's/SCMP_ACT_ALLOW/SCMP_ACT_PERMIT/' '" + dir + "/seccomp.oci.json'").c_str()), 0);
  EXPECT_NE(validate(dir, reference), 0);
  (void)std::system((std::string("rm -rf ") + tmpl).c_str());
}

}  // namespace
}  // namespace profile
