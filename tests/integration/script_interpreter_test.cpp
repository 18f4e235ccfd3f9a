// A script started by its #! line: the kernel opens and runs the interpreter
// (here /usr/bin/env, which then runs sh) inside execve, with no syscall of its
// own. Learned with either tracer, the bundle must let the script run: the
// interpreter needs Landlock's execute right like any executed file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "common/recording.h"
#include "tests/support/privileged.h"
#include "tests/support/run.h"

namespace profile {
namespace {
using testing::run;
using testing::TempDir;

const std::string kProfile = PROFILE_BINARY;

void learn_then_enforce(const std::string& tracer) {
  TempDir dir;
  const std::string script = dir.path() + "/hello.sh";
  std::ofstream(script) << "#!/usr/bin/env sh\necho hello from the script\n";
  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  const std::string bundle = dir.path() + "/b";
  auto l = run({kProfile, "learn", "--quiet", "--tracer", tracer, "-o", bundle, "--", script});
  ASSERT_EQ(l.status, 0) << l.err;
  auto rec = load_recording(bundle + "/recording.json");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(rec->executables.count("/usr/bin/env"), 1u) << tracer << " missed the #! interpreter";

  auto e = run({kProfile, "enforce", "--quiet", bundle});
  EXPECT_EQ(e.status, 0) << tracer << ": " << e.err;
  EXPECT_NE(e.out.find("hello from the script"), std::string::npos) << e.out;
}

TEST(ScriptInterpreter, LearnedWithPtraceTheScriptRunsUnderItsProfile) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  learn_then_enforce("ptrace");
}

TEST(ScriptInterpreter, LearnedWithEbpfTheScriptRunsUnderItsProfile) {
  PROFILE_REQUIRE(testing::is_root(), "the eBPF tracer needs root");
  learn_then_enforce("ebpf");
}

}  // namespace
}  // namespace profile
