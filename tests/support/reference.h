// Data from other projects (Docker's default seccomp profile, the OCI runtime-spec
// and security-profiles-operator schemas) is not in the repository: scripts/test.sh
// points PROFILE_REFERENCE at ../shared/reference when that exists. Without it the
// checks that need it skip with the reason, so a clone anywhere passes the suite.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace profile::testing {

// The reference directory, or "" when PROFILE_REFERENCE is not set.
inline std::string reference_dir() {
  const char* v = std::getenv("PROFILE_REFERENCE");
  return v != nullptr ? std::string(v) : std::string();
}

}  // namespace profile::testing

// Declares `var` = the reference directory, or skips the test saying why.
#define PROFILE_REFERENCE_OR_SKIP(var)                                                                      \
  const std::string var = ::profile::testing::reference_dir();                                              \
  if (var.empty())                                                                                          \
  GTEST_SKIP() << "PROFILE_REFERENCE is not set (scripts/test.sh sets it to ../shared/reference when that " \
                  "exists): no reference data from other projects to compare against"
