// image_relative_path and make_paths_image_relative (tracer/root_paths.h), and
// the ELF interpreter lookup (tracer/elf_interp.h).
#include "tracer/root_paths.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "tracer/elf_interp.h"

namespace profile {
namespace {

TEST(ImageRelativePath, StripsTheRootOnly) {
  const std::string root = "/var/cache/profile/images/ab12/rootfs";
  EXPECT_EQ(image_relative_path(root + "/usr/bin/python3", root), "/usr/bin/python3");
  EXPECT_EQ(image_relative_path(root, root), "/");
  EXPECT_EQ(image_relative_path(root + "/", root), "/");
  EXPECT_EQ(image_relative_path(root + "/app/x", root + "/"), "/app/x");
  // Already the image's, or a sibling that shares the prefix: unchanged.
  EXPECT_EQ(image_relative_path("/usr/bin/python3", root), "/usr/bin/python3");
  EXPECT_EQ(image_relative_path(root + "2/etc/passwd", root), root + "2/etc/passwd");
  EXPECT_EQ(image_relative_path("/etc/hosts", "/"), "/etc/hosts");
  EXPECT_EQ(image_relative_path("/etc/hosts", ""), "/etc/hosts");
}

TEST(ImageRelativePath, OneNamePerFileAfterwards) {
  const std::string root = "/srv/rootfs";
  Recording rec;
  rec.add_file("/app/server.py", Access::Read, kOk, "file", 2);
  rec.add_file(root + "/app/server.py", Access::Read, kOk, "", 3);
  rec.add_file(root + "/app/server.py", Access::Stat, "ENOENT");
  rec.add_file("/tmp/host-only", Access::Write, kOk, "file");
  rec.add_exec(root + "/usr/bin/python3.11");
  rec.add_exec("/usr/bin/python3.11", 2);
  NetEndpoint ep;
  ep.family = "AF_UNIX";
  ep.op = "connect";
  ep.path = root + "/run/app.sock";
  rec.add_endpoint(ep);
  make_paths_image_relative(rec, root);
  ASSERT_EQ(rec.files.size(), 2U);
  const FileRecord& f = rec.files.at("/app/server.py");
  EXPECT_EQ(f.type, "file");
  EXPECT_EQ(f.accesses.at(Access::Read).at(kOk), 5U);
  EXPECT_EQ(f.accesses.at(Access::Stat).at("ENOENT"), 1U);
  EXPECT_TRUE(rec.files.count("/tmp/host-only"));
  ASSERT_EQ(rec.executables.size(), 1U);
  EXPECT_EQ(rec.executables.at("/usr/bin/python3.11"), 3U);
  ASSERT_EQ(rec.network.size(), 1U);
  EXPECT_EQ(rec.network.begin()->first.path, "/run/app.sock");
}

TEST(ElfInterpreter, DynamicAndStatic) {
  // This test binary is dynamically linked: its loader is an absolute path.
  // (By its own name: an image's symbolic links are not followed.)
  char self[4096] = {};
  ASSERT_GT(::readlink("/proc/self/exe", self, sizeof self - 1), 0);
  EXPECT_FALSE(elf_interpreter("/proc/self/exe").has_value());
  auto interp = elf_interpreter(self);
  ASSERT_TRUE(interp.has_value());
  EXPECT_EQ(interp->front(), '/');
  EXPECT_NE(interp->find("ld-"), std::string::npos) << *interp;
  EXPECT_FALSE(elf_interpreter("/etc/passwd").has_value());  // not ELF
  EXPECT_FALSE(elf_interpreter("/no/such/file").has_value());
}

}  // namespace
}  // namespace profile
