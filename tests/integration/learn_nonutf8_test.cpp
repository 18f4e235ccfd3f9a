// Linux paths are bytes: a workload touching a path that is not valid UTF-8 must
// be learned (recording.json stores it losslessly, see profile-recording(5)),
// not end in "internal error" with the recording lost; and the bundle must enforce.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/atomic_file.h"
#include "common/recording.h"
#include "tests/support/privileged.h"
#include "tests/support/run.h"

namespace profile {
namespace {
using testing::run;
using testing::TempDir;

const std::string kProfile = PROFILE_BINARY;

TEST(LearnNonUtf8, PathThatIsNotUtf8IsRecordedAndEnforced) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  TempDir dir;
  const std::string bad_dir = dir.path() +
                              "/in\xfe"
                              "dir";  // 0xFE never occurs in UTF-8
  const std::string bad_file = dir.path() +
                               "/bad\xff"
                               "name";
  ASSERT_EQ(::mkdir(bad_dir.c_str(), 0755), 0);
  ASSERT_TRUE(write_file_atomic(bad_dir + "/f", "hi\n").ok());
  // The paths also reach the run's command (argv is bytes too).
  const std::vector<std::string> workload = {"/bin/sh", "-c", "cat \"$1/f\" && touch \"$2\"", "sh", bad_dir, bad_file};
  std::vector<std::string> learn = {kProfile, "learn", "--quiet", "--tracer", "ptrace", "-o", dir.path() + "/b", "--"};
  learn.insert(learn.end(), workload.begin(), workload.end());
  auto r = run(learn);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;

  auto rec = load_recording(dir.path() + "/b/recording.json");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  ASSERT_EQ(rec->runs.size(), 1u);
  EXPECT_EQ(rec->runs[0].command, workload);
  ASSERT_TRUE(rec->files.count(bad_file)) << recording_to_json(*rec);
  EXPECT_TRUE(rec->files.at(bad_file).accesses.count(Access::Create) ||
              rec->files.at(bad_file).accesses.count(Access::Write));
  EXPECT_TRUE(rec->files.count(bad_dir + "/f"));

  // Another parser reads both files that hold paths.
  for (const char* f : {"/b/recording.json", "/b/landlock.json"}) {
    auto py = run(
        {"/usr/bin/python3", "-c", "import json, sys; json.load(open(sys.argv[1], encoding='utf-8'))", dir.path() + f});
    EXPECT_EQ(py.status, 0) << f << ": " << py.err;
  }

  // Landlock rules name the real bytes: reading through the bad directory is
  // allowed. The command is given again: profile.toml's TOML writer turns the
  // byte 0xFE into U+00FE, so the manifest's own copy of it is not the same path.
  ASSERT_EQ(::unlink(bad_file.c_str()), 0);
  std::vector<std::string> enforce = {kProfile, "enforce", "--quiet", dir.path() + "/b", "--"};
  enforce.insert(enforce.end(), workload.begin(), workload.end());
  auto e = run(enforce);
  EXPECT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(e.out, "hi\n") << e.err;
  struct stat st {};
  EXPECT_EQ(::stat(bad_file.c_str(), &st), 0) << "the confined workload created the file again";
}

}  // namespace
}  // namespace profile
