// strip_landlock_writes_below: no rule grants a write at or below the bundle.
// resolve_landlock_roots: ${WORKDIR}/${HOME} rule paths become absolute, or fail.
#include <gtest/gtest.h>

#include "enforce/landlock.h"

namespace profile {
namespace {

constexpr uint64_t kExecute = 1ULL << 0, kWriteFile = 1ULL << 1, kReadFile = 1ULL << 2, kReadDir = 1ULL << 3,
                   kMakeReg = 1ULL << 8, kTruncate = 1ULL << 14;

TEST(LandlockStrip, WritesAtOrBelowTheDirectoryGoReadsStay) {
  LandlockProfile p;
  p.handled_fs = (1ULL << 16) - 1;
  p.fs = {{"/srv", kReadFile | kWriteFile | kMakeReg},               // above: kept (the bind mount covers it)
          {"/srv/app/bundle", kReadFile | kReadDir | kMakeReg},      // the bundle itself
          {"/srv/app/bundle/seccomp.json", kWriteFile | kTruncate},  // below, nothing left: dropped
          {"/srv/app/bundle2", kWriteFile},                          // a sibling whose name only starts alike
          {"/srv/app/bundle/x", kExecute | kReadFile}};              // below, read-only: unchanged
  auto changed = strip_landlock_writes_below(p, "/srv/app/bundle/");
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0], "/srv/app/bundle (make_reg)");
  EXPECT_EQ(changed[1], "/srv/app/bundle/seccomp.json (write_file,truncate)");
  ASSERT_EQ(p.fs.size(), 4u);
  EXPECT_EQ(p.fs[0].access, kReadFile | kWriteFile | kMakeReg);
  EXPECT_EQ(p.fs[1].access, kReadFile | kReadDir);
  EXPECT_EQ(p.fs[2].path, "/srv/app/bundle2");
  EXPECT_EQ(p.fs[3].access, kExecute | kReadFile);
}

TEST(LandlockRoots, RootedPathsParseAndResolveOrFailNamingTheRoot) {
  const std::string text = R"({"format": "profile-landlock/1", "handled_fs": ["read_file", "write_file"],
    "fs": [{"path": "${WORKDIR}/data", "access": ["read_file"]},
           {"path": "${WORKDIR}", "access": ["write_file"]},
           {"path": "/srv/app/data", "access": ["write_file"]},
           {"path": "${HOME}/.config/app", "access": ["read_file"]}]})";
  auto p = parse_landlock_json(text, "landlock.json");
  ASSERT_TRUE(p) << p.error().message;
  LandlockProfile no_home = *p;
  auto missing = resolve_landlock_roots(no_home, {{"WORKDIR", "/srv/app"}}, "landlock.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("${HOME}"), std::string::npos) << missing.error().message;

  ASSERT_TRUE(resolve_landlock_roots(*p, {{"WORKDIR", "/srv/app"}, {"HOME", "/root"}}, "landlock.json"));
  ASSERT_EQ(p->fs.size(), 3u) << "the rules that meet on /srv/app/data are merged";
  EXPECT_EQ(p->fs[0].path, "/root/.config/app");
  EXPECT_EQ(p->fs[1].path, "/srv/app");
  EXPECT_EQ(p->fs[1].access, kWriteFile);
  EXPECT_EQ(p->fs[2].path, "/srv/app/data");
  EXPECT_EQ(p->fs[2].access, kReadFile | kWriteFile);

  for (const char* bad : {"${CHECKOUT}/x", "relative/x", "${WORKDIR}x"}) {
    std::string t = R"({"format": "profile-landlock/1", "handled_fs": ["read_file"], "fs": [{"path": ")" +
                    std::string(bad) + R"(", "access": ["read_file"]}]})";
    EXPECT_FALSE(parse_landlock_json(t, "landlock.json")) << bad;
  }
}

}  // namespace
}  // namespace profile
