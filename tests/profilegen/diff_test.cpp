#include "profilegen/diff.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/json_text.h"
#include "profilegen/bundle.h"
#include "tests/profilegen/sample.h"

namespace profile {
namespace {

AllowedView view(const Recording& r) {
  auto files = render_bundle(r, testing::no_selinux(), "", nullptr);
  EXPECT_TRUE(files) << files.error().message;
  auto v = allowed_view_from_files(files->at("seccomp.json"), files->at("landlock.json"), "x");
  EXPECT_TRUE(v);
  return *v;
}

AllowedView view_with_manifest(const Recording& r) {
  auto files = render_bundle(r, testing::no_selinux(), "", nullptr);
  EXPECT_TRUE(files) << files.error().message;
  auto v =
      allowed_view_from_files(files->at("seccomp.json"), files->at("landlock.json"), "x", files->at("profile.toml"));
  EXPECT_TRUE(v) << v.error().message;
  return *v;
}

TEST(Diff, CapabilitiesKeptByNewAndNotOldAreAdditions) {
  Recording more = testing::sample_recording();
  more.capabilities["CAP_SETUID"] = {"setuid(33)"};
  auto d = diff_views(view_with_manifest(testing::sample_recording()), view_with_manifest(more));
  ASSERT_EQ(d.added.capabilities.size(), 1u);
  EXPECT_EQ(d.added.capabilities[0].first, "CAP_SETUID");
  EXPECT_TRUE(d.added.syscalls.empty());
  EXPECT_NE(diff_to_text(d).find("+ cap     CAP_SETUID\n"), std::string::npos) << diff_to_text(d);
  EXPECT_NE(diff_to_json(d).find("\"more_permissive\":true"), std::string::npos);
  EXPECT_NE(diff_to_json(d).find("\"capabilities\":[{\"name\":\"CAP_SETUID\""), std::string::npos) << diff_to_json(d);
  // Without the manifests (seccomp and Landlock only) capabilities are not compared.
  EXPECT_TRUE(diff_views(view(testing::sample_recording()), view(more)).added.empty());
}

TEST(Diff, IdenticalProfilesHaveNoDifference) {
  auto d = diff_views(view(testing::sample_recording()), view(testing::sample_recording()));
  EXPECT_TRUE(d.added.empty());
  EXPECT_TRUE(d.removed.empty());
  EXPECT_EQ(diff_to_text(d), "no differences in what the profiles allow\n");
}

TEST(Diff, AdditionsAreFoundAndDangerousOnesMarked) {
  Recording more = testing::sample_recording();
  more.add_syscall("x86_64", "mount");
  more.add_syscall("x86_64", "getppid");
  more.args["x86_64"]["socket"].tuples.insert({10, 1, 0});
  more.add_file("/etc/shadow", Access::Read, kOk, "file");
  more.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", 6379, "", kOk});
  auto d = diff_views(view(testing::sample_recording()), view(more));
  EXPECT_EQ(d.added.syscalls, (std::vector<std::string>{"getppid", "mount"}));
  EXPECT_EQ(d.dangerous.count("mount"), 1u);
  ASSERT_EQ(d.added.args.size(), 1u);
  EXPECT_NE(d.added.args[0].find("socket: a0 == 0xa"), std::string::npos) << d.added.args[0];
  ASSERT_EQ(d.added.files.size(), 1u);
  EXPECT_EQ(d.added.files[0].first, "/etc/shadow");
  EXPECT_EQ(d.added.net, std::vector<std::string>{"connect tcp/6379"});
  EXPECT_TRUE(d.removed.empty());
  std::string text = diff_to_text(d);
  EXPECT_NE(text.find("+ syscall mount   [DANGEROUS"), std::string::npos) << text;
  EXPECT_NE(diff_to_json(d).find("\"more_permissive\":true"), std::string::npos);
  // And the reverse direction is reported as removals.
  auto back = diff_views(view(more), view(testing::sample_recording()));
  EXPECT_TRUE(back.added.empty());
  EXPECT_EQ(back.removed.syscalls, (std::vector<std::string>{"getppid", "mount"}));
}

TEST(Diff, AnyArgumentsIsMoreThanSomeValues) {
  auto a = view(testing::sample_recording());
  Recording r = testing::sample_recording();
  r.args["x86_64"].erase("ioctl");
  auto d = diff_views(a, view(r));
  EXPECT_EQ(d.added.args, std::vector<std::string>{"ioctl: any arguments"});
}

// landlock.json stores a path that is not UTF-8 as json text (profile-recording(5)):
// the diff compares and prints the bytes, and --json encodes them exactly once.
TEST(Diff, PathsThatAreNotUtf8AreBytesInTextAndJson) {
  const std::string bad =
      "/etc/in\xfe"
      "dir/bad\xffname";
  Recording more = testing::sample_recording();
  more.add_file(bad, Access::Read, kOk, "file");
  auto d = diff_views(view(testing::sample_recording()), view(more));
  ASSERT_EQ(d.added.files.size(), 1u);
  EXPECT_EQ(d.added.files[0].first, bad);
  EXPECT_NE(diff_to_text(d).find("+ file    " + bad + " ("), std::string::npos) << diff_to_text(d);
  std::string j;
  ASSERT_NO_THROW(j = diff_to_json(d));
  auto parsed = nlohmann::json::parse(j);
  EXPECT_EQ(json_text_to_bytes(parsed["added"]["files"][0]["path"].get<std::string>()), bad) << j;
}

}  // namespace
}  // namespace profile
