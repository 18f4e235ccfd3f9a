// Skipping tests whose kernel feature or privilege is missing.
//
// On a user's machine a missing feature is a skip with the reason. Where the
// environment says the feature must exist (PROFILE_STRICT=1, which
// scripts/test.sh sets by default and CI always), the same condition is a
// failure: a privileged test that silently skipped in CI would prove nothing.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace profile::testing {

inline bool strict_mode() {
  const char* v = std::getenv("PROFILE_STRICT");
  return v != nullptr && std::string(v) == "1";
}

inline bool is_root() {
  return ::geteuid() == 0;
}

}  // namespace profile::testing

// Use at the top of a test body: PROFILE_REQUIRE(condition, "reason it is needed").
#define PROFILE_REQUIRE(cond, reason)                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      if (::profile::testing::strict_mode()) {                                 \
        FAIL() << "required feature missing (PROFILE_STRICT=1): " << (reason); \
      } else {                                                                 \
        GTEST_SKIP() << (reason);                                              \
      }                                                                        \
    }                                                                          \
  } while (0)
