#include <gtest/gtest.h>

#include "enforce/cgroup.h"

namespace profile {
namespace {

const char* kHybridMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(CgroupLocation, HybridFindsUnifiedAndV1Controllers) {
  auto loc = parse_cgroup_location(kHybridMountinfo,
                                   "9:name=systemd:/\n8:pids:/a\n4:memory:/p/q\n1:cpu,cpuacct:/\n0::/user/x\n");
  EXPECT_EQ(loc.v2_dir, "/sys/fs/cgroup/unified/user/x");
  std::map<std::string, std::string> v1(loc.v1_dirs.begin(), loc.v1_dirs.end());
  EXPECT_EQ(v1["pids"], "/sys/fs/cgroup/pids/a");
  EXPECT_EQ(v1["memory"], "/sys/fs/cgroup/memory/p/q");
  EXPECT_EQ(v1["cpu"], "/sys/fs/cgroup/cpu");
  EXPECT_EQ(v1["cpuacct"], "/sys/fs/cgroup/cpu");
}

TEST(CgroupLocation, PureV2AndCgroupNamespaceRoot) {
  auto loc = parse_cgroup_location("25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
                                   "0::/user.slice/session-1.scope\n");
  EXPECT_EQ(loc.v2_dir, "/sys/fs/cgroup/user.slice/session-1.scope");
  EXPECT_TRUE(loc.v1_dirs.empty());
  // A bind-mounted subtree: the mount root is stripped from our path.
  auto sub =
      parse_cgroup_location("25 1 0:22 /user.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/user.slice/app\n");
  EXPECT_EQ(sub.v2_dir, "/sys/fs/cgroup/app");
}

TEST(CgroupLocation, NoCgroupMounts) {
  auto loc = parse_cgroup_location("22 1 0:5 / / rw - ext4 /dev/vda rw\n", "0::/\n");
  EXPECT_TRUE(loc.v2_dir.empty());
  EXPECT_TRUE(loc.v1_dirs.empty());
}

}  // namespace
}  // namespace profile
