// The container on an image's root filesystem (LaunchSpec::rootfs,
// enforce/rootfs.h), with a static busybox as the whole image: what the
// workload sees (its own root, /proc, /dev, /sys, the /etc files engines
// write), and that the directory on disk is never written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "enforce/launcher.h"
#include "tests/support/privileged.h"

namespace profile {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class RootfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PROFILE_REQUIRE(testing::is_root(), "container mode as root");
    PROFILE_REQUIRE(::access("/bin/busybox", X_OK) == 0, "a static /bin/busybox (busybox-static)");
    char tmpl[] = "/tmp/rootfs-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    root_ = dir_ + "/root";
    ASSERT_EQ(std::system(("mkdir -p " + root_ + "/bin " + root_ + "/etc && cp /bin/busybox " + root_ +
                           "/bin/busybox && echo image-hosts > " + root_ + "/etc/hosts")
                              .c_str()),
              0);
  }
  void TearDown() override {
    if (!dir_.empty()) (void)std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  // Runs `script` with busybox sh in the root filesystem; its stdout in out.
  ExitInfo run(const std::string& script, std::string& out) {
    LaunchSpec spec;
    spec.rootfs = root_;
    std::string out_file = dir_ + "/out";
    // stdout: a file of the host, inherited (the container cannot name it).
    int saved = ::dup(1);
    int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ::dup2(fd, 1);
    ::close(fd);
    spec.argv = {"/bin/busybox", "sh", "-c", script};
    auto c = spawn_container(spec, {});
    ExitInfo exit{255, 0};
    if (c && (*c)->release()) {
      auto e = (*c)->wait();
      if (e) exit = *e;
    }
    ::fflush(stdout);
    ::dup2(saved, 1);
    ::close(saved);
    EXPECT_TRUE(c.ok()) << (c ? "" : c.error().message);
    out = slurp(out_file);
    return exit;
  }
  std::string dir_, root_;
};

TEST_F(RootfsTest, TheWorkloadSeesTheImageWithEngineMounts) {
  std::string out;
  ExitInfo e =
      run("cd /; /bin/busybox ls /; "
          "/bin/busybox test -c /dev/null && echo devnull; /bin/busybox test -c /dev/urandom && echo urandom; "
          "/bin/busybox test -d /proc/self && echo proc; /bin/busybox test -d /sys/kernel && echo sys; "
          "/bin/busybox touch /sys/x 2>/dev/null || echo sys-ro; "
          "/bin/busybox cat /etc/hostname; /bin/busybox grep -q localhost /etc/hosts && echo hosts; "
          "echo written > /new-file && /bin/busybox cat /new-file; "
          "/bin/busybox test -e " +
              dir_ + " || echo no-host-tmp",
          out);
  EXPECT_EQ(e.status(), 0) << out;
  EXPECT_NE(out.find("devnull\nurandom\nproc\nsys\nsys-ro\n"), std::string::npos) << out;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_NE(out.find(std::string(host) + "\nhosts\nwritten\nno-host-tmp\n"), std::string::npos) << out;
  // The image on disk: unchanged (the overlay's upper layer was a tmpfs).
  EXPECT_FALSE(::access((root_ + "/new-file").c_str(), F_OK) == 0);
  EXPECT_EQ(slurp(root_ + "/etc/hosts"), "image-hosts\n");
  EXPECT_FALSE(::access((root_ + "/etc/hostname").c_str(), F_OK) == 0);
  EXPECT_FALSE(::access((root_ + "/proc").c_str(), F_OK) == 0);
}

TEST_F(RootfsTest, CommandIsLookedUpInTheImage) {
  LaunchSpec spec;
  spec.rootfs = root_;
  spec.argv = {"busybox", "true"};
  spec.env = {"PATH=/bin"};
  auto c = spawn_container(spec, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE((*c)->release().ok());
  auto e = (*c)->wait();
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->status(), 0);
  // On the host /bin/sh exists; in this image it does not.
  spec.argv = {"/bin/sh", "-c", "true"};
  auto missing = spawn_container(spec, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(launch_error_exit_code(missing.error()), kCommandNotFound) << missing.error().message;
  EXPECT_NE(missing.error().message.find("not found in the root filesystem"), std::string::npos);
}

}  // namespace
}  // namespace profile
