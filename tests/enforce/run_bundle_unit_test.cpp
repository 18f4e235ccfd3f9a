// The pure checks of `profile enforce` (enforce/run_bundle.cpp) that decide
// whether a bundle may run at all on this kernel and with these limits.
#include <gtest/gtest.h>

#include "enforce/landlock.h"
#include "enforce/run_bundle.h"

namespace profile {
namespace {

constexpr uint64_t kReadFile = 1ULL << 2, kRefer = 1ULL << 13, kTruncate = 1ULL << 14, kIoctlDev = 1ULL << 15;

LandlockProfile everything() {
  LandlockProfile p;
  p.handled_fs = (1ULL << 16) - 1;
  p.handled_net = 3;
  p.scoped = 3;
  return p;
}

using Features = std::vector<std::string>;

TEST(MissingLandlockFeatures, EachFeatureIsMissingBelowTheAbiThatBroughtIt) {
  LandlockProfile p = everything();
  EXPECT_EQ(missing_landlock_features(p, 0), (Features{"fs", "refer", "truncate", "net_tcp", "ioctl_dev", "scope"}));
  EXPECT_EQ(missing_landlock_features(p, 1), (Features{"refer", "truncate", "net_tcp", "ioctl_dev", "scope"}));
  EXPECT_EQ(missing_landlock_features(p, 2), (Features{"truncate", "net_tcp", "ioctl_dev", "scope"}));
  EXPECT_EQ(missing_landlock_features(p, 3), (Features{"net_tcp", "ioctl_dev", "scope"}));
  EXPECT_EQ(missing_landlock_features(p, 4), (Features{"ioctl_dev", "scope"}));
  EXPECT_EQ(missing_landlock_features(p, 5), (Features{"scope"}));
  EXPECT_EQ(missing_landlock_features(p, 6), Features{});
  EXPECT_EQ(missing_landlock_features(p, 7), Features{});
}

TEST(MissingLandlockFeatures, OnlyWhatTheProfileUses) {
  LandlockProfile p;
  p.handled_fs = kReadFile | kTruncate;
  EXPECT_EQ(missing_landlock_features(p, 2), Features{"truncate"});
  EXPECT_EQ(missing_landlock_features(p, 0), (Features{"fs", "truncate"}));
  p.handled_fs = kReadFile | kRefer | kIoctlDev;
  EXPECT_EQ(missing_landlock_features(p, 4), Features{"ioctl_dev"});
  EXPECT_EQ(missing_landlock_features(p, 1), (Features{"refer", "ioctl_dev"}));
}

TEST(ParseSize, SizesInBytes) {
  EXPECT_EQ(*parse_size("0"), 0u);
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size("512M"), 512ull << 20);
  EXPECT_EQ(*parse_size("1.5G"), 3ull << 29);
  EXPECT_EQ(*parse_size("0.5K"), 512u);
}

TEST(ParseSize, AFractionOfAByteIsNotUnlimited) {
  // 0 is "unlimited": "0.4" must not silently become it.
  for (const char* s : {"0.4", "0.999", "0.5B", "1e-4K"}) {
    auto r = parse_size(s);
    ASSERT_FALSE(r) << s << " gave " << *r;
    EXPECT_NE(r.error().message.find("less than one byte"), std::string::npos) << r.error().message;
  }
}

TEST(ParseSize, TooLargeIsRefusedNotUndefined) {
  for (const char* s : {"1e300", "20000000000G", "9223372036854775808", "1e19"}) {
    auto r = parse_size(s);
    ASSERT_FALSE(r) << s << " gave " << *r;
    EXPECT_NE(r.error().message.find("larger than any memory limit"), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(parse_size("8000000000G"));  // below 2^63
}

}  // namespace
}  // namespace profile
