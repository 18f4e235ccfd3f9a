// The eBPF tracer's user-space path resolution (no root needed): symlinks are
// resolved as the syscall would, a missing final component keeps its resolved
// parent, and /proc/self is left as the traced process wrote it.
#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tracer/ebpf/ebpf_paths.h"

namespace profile::ebpf {
namespace {

class EbpfPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/profile-ebpf-paths-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    char buf[PATH_MAX];
    ASSERT_NE(::realpath(tmpl, buf), nullptr);
    dir_ = buf;
    ASSERT_EQ(::mkdir((dir_ + "/real").c_str(), 0700), 0);
    std::ofstream(dir_ + "/real/file") << "x";
    ASSERT_EQ(::symlink("real", (dir_ + "/link").c_str()), 0);
    ASSERT_EQ(::symlink("real/file", (dir_ + "/filelink").c_str()), 0);
  }
  void TearDown() override { (void)std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string dir_;
  PathResolver resolver_;  // no root set: the tracer's own root
};

TEST_F(EbpfPaths, FollowsDirectorySymlinksAlways) {
  Resolved r = resolver_.resolve(dir_ + "/link/file", false);
  EXPECT_EQ(r.path, dir_ + "/real/file");
  EXPECT_EQ(r.type, "file");
  EXPECT_TRUE(r.exists);
}

TEST_F(EbpfPaths, FinalSymlinkOnlyWhenTheSyscallFollows) {
  Resolved followed = resolver_.resolve(dir_ + "/filelink", true);
  EXPECT_EQ(followed.path, dir_ + "/real/file");
  EXPECT_EQ(followed.type, "file");
  Resolved kept = resolver_.resolve(dir_ + "/filelink", false);
  EXPECT_EQ(kept.path, dir_ + "/filelink");
  EXPECT_EQ(kept.type, "symlink");
}

TEST_F(EbpfPaths, MissingNameKeepsItsResolvedParent) {
  Resolved r = resolver_.resolve(dir_ + "/link/new.txt", true);
  EXPECT_EQ(r.path, dir_ + "/real/new.txt");
  EXPECT_FALSE(r.exists);
  EXPECT_EQ(r.type, "");
}

TEST_F(EbpfPaths, ModeFromTheCallSavesTheLookupOnlyWhenNotFollowing) {
  // The mode the kernel side read from the call describes the final component
  // itself only when the call did not follow it: then it is taken as is.
  Resolved told = resolver_.resolve(dir_ + "/link/file", false, S_IFDIR | 0755);
  EXPECT_EQ(told.path, dir_ + "/real/file");
  EXPECT_EQ(told.type, "dir") << "the call's own view wins over a later lookup";
  // A following call's mode is its target's: the path must still be resolved.
  Resolved followed = resolver_.resolve(dir_ + "/filelink", true, S_IFREG | 0644);
  EXPECT_EQ(followed.path, dir_ + "/real/file");
  EXPECT_EQ(followed.type, "file");
}

TEST_F(EbpfPaths, ProcSelfStaysAsWritten) {
  Resolved r = resolver_.resolve("/proc/self/status", true);
  EXPECT_EQ(r.path, "/proc/self/status");
}

}  // namespace
}  // namespace profile::ebpf
