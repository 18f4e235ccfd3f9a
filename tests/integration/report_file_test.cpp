// `--report FILE` of learn and enforce: the workload's stdout stays exactly the
// workload's bytes, and the machine-readable result is in FILE.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/privileged.h"
#include "tests/support/run.h"
#include "tests/support/workdir.h"

namespace profile {
namespace {
using testing::run;
using testing::slurp;

const std::string kProfile = PROFILE_BINARY;
// Bytes a JSON-looking line could be confused with, and no final newline.
const std::string kWorkload = "printf '{\"not\": \"the report\"}\\nline two\\n\\tend'";
const std::string kWorkloadOut = "{\"not\": \"the report\"}\nline two\n\tend";

struct WorkDir : testing::WorkDir {
  WorkDir() : testing::WorkDir("report-file") {}
};

nlohmann::json parse(const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << text;
    return nullptr;
  }
}

TEST(ReportFile, LearnWritesTheReportToItsFileAndLeavesStdoutToTheWorkload) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  WorkDir w;
  auto r = run({kProfile, "-q", "learn", "--tracer", "ptrace", "--net", "loopback", "-o", w.file("b"), "--report",
                w.file("learn.json"), "--", "/bin/sh", "-c", kWorkload + "; exit 4"});
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_EQ(r.out, kWorkloadOut);
  auto j = parse(slurp(w.file("learn.json")));
  ASSERT_TRUE(j.is_object()) << j;
  EXPECT_EQ(j["recording"], w.file("b") + "/recording.json");
  EXPECT_EQ(j["tracer"], "ptrace");
  EXPECT_EQ(j["exit_status"], 4);
  EXPECT_EQ(j["lost_events"], 0);

  // --json alone (kept as it was): the result follows the workload's bytes on the same stream.
  auto shared = run({kProfile, "-q", "learn", "--tracer", "ptrace", "--net", "loopback", "-o", w.file("c"), "--json",
                     "--", "/bin/sh", "-c", kWorkload});
  EXPECT_EQ(shared.status, 0) << shared.err;
  ASSERT_EQ(shared.out.rfind(kWorkloadOut, 0), 0u) << shared.out;
  EXPECT_TRUE(parse(shared.out.substr(kWorkloadOut.size())).is_object());
}

TEST(ReportFile, EnforceWritesTheReportToItsFileAndLeavesStdoutToTheWorkload) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  WorkDir w;
  auto l = run({kProfile, "-q", "learn", "--tracer", "ptrace", "--net", "loopback", "-o", w.file("b"), "--", "/bin/sh",
                "-c", kWorkload});
  ASSERT_EQ(l.status, 0) << l.err;
  ASSERT_EQ(l.out, kWorkloadOut);
  // Over an existing file, through a symbolic link: the target is replaced, the link stays.
  ASSERT_EQ(::symlink("enforce.json", w.file("link.json").c_str()), 0);
  { std::ofstream(w.file("enforce.json")) << "old"; }
  auto r = run({kProfile, "-q", "enforce", w.file("b"), "--report", w.file("link.json")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, kWorkloadOut);
  auto j = parse(slurp(w.file("enforce.json")));
  ASSERT_TRUE(j.is_object()) << j;
  EXPECT_EQ(j["exit"]["status"], 0);
  EXPECT_FALSE(j["applied"].empty()) << j;
  struct stat st {};
  ASSERT_EQ(::lstat(w.file("link.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

TEST(ReportFile, AReportThatWouldShareTheWorkloadsStreamIsRefusedBeforeItRuns) {
  WorkDir w;
  const std::string marker = w.file("ran");
  for (const std::string& report : {std::string("-"), w.file("no-such-dir/r.json"), w.path()}) {
    auto r =
        run({kProfile, "-q", "learn", "-o", w.file("b"), "--report", report, "--", "/bin/sh", "-c", "touch " + marker});
    EXPECT_EQ(r.status, 2) << report << ": " << r.err;
    EXPECT_NE(r.err.find("--report"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    struct stat st {};
    EXPECT_NE(::stat(marker.c_str(), &st), 0) << "the workload ran although --report " << report << " was refused";
  }
  // The file stdout already goes to.
  auto same = run({"/bin/sh", "-c",
                   "exec '" + kProfile + "' -q learn -o '" + w.file("b") + "' --report '" + w.file("out") +
                       "' -- /bin/sh -c 'touch " + marker + "' > '" + w.file("out") + "'"});
  EXPECT_EQ(same.status, 2) << same.err;
  EXPECT_NE(same.err.find("stdout"), std::string::npos) << same.err;
  struct stat st {};
  EXPECT_NE(::stat(marker.c_str(), &st), 0);
  auto e = run({kProfile, "-q", "enforce", w.path(), "--report", "-"});
  EXPECT_EQ(e.status, 2) << e.err;
  EXPECT_NE(e.err.find("--report -"), std::string::npos) << e.err;
}

}  // namespace
}  // namespace profile
