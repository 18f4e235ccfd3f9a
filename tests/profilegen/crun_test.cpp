// A real consumer: Debian's crun runs a container whose config.json carries the
// generated seccomp.oci.json. What was learned still works; a call that was not
// learned (mkfifo -> mknodat) fails with EPERM.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "tests/support/privileged.h"

namespace profile {
namespace {

std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
  return out;
}

TEST(Crun, RunsAContainerUnderTheGeneratedOciProfile) {
  PROFILE_REQUIRE(testing::is_root(), "root for crun and cgroup2 mounts");
  PROFILE_REQUIRE(::access("/usr/bin/crun", X_OK) == 0, "crun (Debian package crun)");
  PROFILE_REQUIRE(::access("/bin/busybox", X_OK) == 0, "a static busybox (Debian package busybox-static)");
  char tmpl[] = "/tmp/profilegen-crun-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  for (const char* d : {"/rootfs", "/rootfs/bin", "/rootfs/proc", "/rootfs/dev", "/rootfs/tmp", "/rootfs/sys"})
    ASSERT_EQ(::mkdir((dir + d).c_str(), 0755), 0);
  int st = 0;
  run("cp /bin/busybox '" + dir + "/rootfs/bin/busybox'", &st);
  ASSERT_EQ(st, 0);

  // Learn the workload with profile itself.
  std::string learned = "echo hello; /bin/busybox true; /bin/busybox ls /tmp";
  run(std::string(PROFILE_BINARY) + " -q learn -o '" + dir + "/prof' -- /bin/busybox sh -c '" + learned +
          "' >/dev/null 2>&1",
      &st);
  ASSERT_EQ(st, 0) << "profile learn failed";
  auto oci = read_file(dir + "/prof/seccomp.oci.json");
  ASSERT_TRUE(oci) << oci.error().message;

  run("cd '" + dir + "' && crun spec", &st);
  ASSERT_EQ(st, 0);
  auto cfg = nlohmann::json::parse(*read_file(dir + "/config.json"));
  cfg["process"]["args"] = {"/bin/busybox", "sh", "-c",
                            "echo hello; /bin/busybox true; echo true=$?; /bin/busybox mkfifo /tmp/f; echo mkfifo=$?"};
  cfg["process"]["terminal"] = false;
  cfg["root"] = {{"path", "rootfs"}, {"readonly", false}};
  cfg["linux"]["seccomp"] = nlohmann::json::parse(*oci);
  std::ofstream(dir + "/config.json") << cfg.dump(1);

  // KERNEL.md: crun refuses hybrid cgroups; give it a private cgroup2 mount.
  std::string id = "profilegen-" + std::to_string(::getpid());
  std::string out = run("cd '" + dir +
                            "' && unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && "
                            "crun --cgroup-manager=disabled run " +
                            id + "' 2>&1",
                        &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("hello"), std::string::npos) << out;
  EXPECT_NE(out.find("true=0"), std::string::npos) << "learned behaviour works: " << out;
  EXPECT_NE(out.find("mkfifo=1"), std::string::npos) << "mknodat was not learned: " << out;
  EXPECT_NE(out.find("Operation not permitted"), std::string::npos) << out;
  (void)std::system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace
}  // namespace profile
