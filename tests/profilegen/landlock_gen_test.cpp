#include "profilegen/landlock_gen.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/profilegen/sample.h"

namespace profile {
namespace {

LandlockModel model(const Recording& r) {
  auto p = load_gen_policy_text("", "x");
  EXPECT_TRUE(p);
  return build_landlock_model(r, *p);
}

std::set<std::string> rights(const LandlockModel& m, const std::string& path) {
  for (const auto& r : m.fs)
    if (r.path == path) return landlock_access_set(r.access);
  return {};
}

bool has_rule(const LandlockModel& m, const std::string& path) {
  for (const auto& r : m.fs)
    if (r.path == path) return true;
  return false;
}

TEST(LandlockGen, GoldenForTheSampleRecording) {
  testing::expect_golden("landlock.json", landlock_to_json(model(testing::sample_recording())));
}

TEST(LandlockGen, LibraryTreesGetReadAndExecute) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/usr/lib"), (std::set<std::string>{"execute", "read_dir", "read_file"}));
  EXPECT_FALSE(has_rule(m, "/usr/lib/x86_64-linux-gnu/libc.so.6")) << "covered by the tree";
}

TEST(LandlockGen, ReadOnlyFilesGetPerFileRules) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/etc/hosts"), std::set<std::string>{"read_file"});
  EXPECT_FALSE(has_rule(m, "/etc/missing.conf")) << "failed accesses grant nothing";
  EXPECT_FALSE(has_rule(m, "/etc/passwd")) << "stat needs no Landlock right";
  EXPECT_FALSE(has_rule(m, "/etc"));
}

TEST(LandlockGen, ProcPidBecomesProcSelf) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/proc/self/status"), std::set<std::string>{"read_file"});
  EXPECT_EQ(rights(m, "/proc/thread-self/comm"), std::set<std::string>{"read_file"});
  for (const auto& r : m.fs) EXPECT_EQ(r.path.find("1234"), std::string::npos) << r.path;
}

TEST(LandlockGen, TemporaryFilesGiveOneScratchDirectoryRule) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/tmp"), (std::set<std::string>{"make_reg", "remove_file", "truncate", "write_file"}));
  EXPECT_FALSE(has_rule(m, "/tmp/tmpab12cd"));
}

TEST(LandlockGen, ReadOnlyFileInScratchDirectoryKeepsItsOwnRule) {
  Recording r;
  r.add_file("/tmp/input.txt", Access::Read, kOk, "file");
  auto m = model(r);
  EXPECT_FALSE(has_rule(m, "/tmp"));
  EXPECT_EQ(rights(m, "/tmp/input.txt"), std::set<std::string>{"read_file"});
}

TEST(LandlockGen, CreatedFilesGrantOnTheParent) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/home/u"), (std::set<std::string>{"make_dir", "make_reg", "truncate", "write_file"}));
  EXPECT_EQ(rights(m, "/var/log/app.log"), (std::set<std::string>{"truncate", "write_file"}));
}

TEST(LandlockGen, DirectoriesAndDevices) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/srv/data"), std::set<std::string>{"read_dir"});
  EXPECT_EQ(rights(m, "/srv/data/a.txt"), std::set<std::string>{"read_file"});
  EXPECT_EQ(rights(m, "/dev/null"), (std::set<std::string>{"ioctl_dev", "truncate", "write_file"}));
  EXPECT_EQ(rights(m, "/usr/bin/app"), (std::set<std::string>{"execute", "read_file"}));
}

TEST(LandlockGen, CompactionDropsRulesAnAncestorCovers) {
  Recording r;
  r.add_file("/data", Access::Read, kOk, "dir");
  r.add_file("/data/sub", Access::Read, kOk, "dir");
  r.add_file("/data/sub/x", Access::Read, kOk, "file");
  auto m = model(r);
  EXPECT_TRUE(has_rule(m, "/data"));
  EXPECT_FALSE(has_rule(m, "/data/sub")) << "read_dir on /data covers it";
  EXPECT_TRUE(has_rule(m, "/data/sub/x")) << "read_file is not granted by the ancestor";
}

TEST(LandlockGen, TcpPortsAndScopes) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(m.bind_tcp, std::set<uint16_t>{8080});
  EXPECT_EQ(m.connect_tcp, std::set<uint16_t>{5432}) << "UDP is not Landlock's";
  EXPECT_EQ(m.scoped, std::vector<std::string>{"signal"}) << "an abstract socket was used";
  EXPECT_EQ(m.min_abi, 6);
  Recording plain;
  plain.add_file("/etc/hosts", Access::Read, kOk, "file");
  EXPECT_EQ(model(plain).scoped, (std::vector<std::string>{"abstract_unix_socket", "signal"}));
}

}  // namespace
}  // namespace profile
