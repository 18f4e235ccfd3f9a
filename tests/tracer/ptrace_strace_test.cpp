// Completeness against Debian's strace: for real programs, every syscall name
// `strace -f` prints must be in the ptrace tracer's recording of the same command.
// Both start recording at the command's execve. Runs are separate, so a program
// whose syscalls vary between runs could differ; none of these do.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "tests/support/privileged.h"
#include "tests/tracer/trace_harness.h"

namespace profile::testing {
namespace {

namespace fs = std::filesystem;

bool have_strace() {
  return ::access("/usr/bin/strace", X_OK) == 0;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Syscall names from `strace -f -qq -o FILE CMD` output lines "PID name(...".
std::set<std::string> strace_names(const std::vector<std::string>& argv) {
  std::string out = fs::temp_directory_path() / ("ptrace-strace-" + std::to_string(::getpid()) + ".txt");
  std::string cmd = "/usr/bin/strace -f -qq -o " + out;
  for (const auto& a : argv) cmd += " " + shell_quote(a);
  cmd += " >/dev/null";
  int rc = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(rc)) << cmd;
  std::set<std::string> names;
  std::ifstream in(out);
  std::regex call(R"(^\d+\s+([a-z_][a-z0-9_]*)\()");
  std::string line;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, call)) names.insert(m[1]);
  fs::remove(out);
  return names;
}

void expect_complete(const std::vector<std::string>& argv) {
  PROFILE_REQUIRE(have_strace(), "strace is not installed (scripts/install-deps.sh installs it)");
  auto expected = strace_names(argv);
  ASSERT_GT(expected.size(), 10u) << "strace printed almost nothing for " << argv[0];
  auto t = trace_command(argv, "", true);
  ASSERT_TRUE(WIFEXITED(t.status)) << t.status;
  const auto& got = t.rec.syscalls["x86_64"];
  std::string missing;
  for (const auto& name : expected)
    if (got.count(name) == 0) missing += " " + name;
  EXPECT_EQ(missing, "") << "strace saw syscalls the ptrace tracer did not record for " << argv[0];
  EXPECT_EQ(t.lost, 0u);
}

TEST(PtraceCompleteness, Ls) {
  expect_complete({"/bin/ls", "-la", "/etc", "/proc/self/"});
}
TEST(PtraceCompleteness, Cat) {
  expect_complete({"/bin/cat", "/etc/passwd", "/etc/hostname"});
}
TEST(PtraceCompleteness, Sort) {
  expect_complete({"/usr/bin/sort", "-r", "/etc/passwd"});
}

TEST(PtraceCompleteness, Python) {
  expect_complete({"/usr/bin/python3", "-c",
                   "import json, os, subprocess, threading\n"
                   "t = threading.Thread(target=lambda: os.listdir('/etc')); t.start(); t.join()\n"
                   "print(json.dumps(sorted(os.listdir('/etc'))))\n"
                   "subprocess.run(['/bin/true'])\n"});
}

TEST(PtraceCompleteness, Sqlite) {
  PROFILE_REQUIRE(::access("/usr/bin/sqlite3", X_OK) == 0, "sqlite3 is not installed");
  expect_complete(
      {"/usr/bin/sqlite3", ":memory:", "create table t(x); insert into t values (1), (2); select sum(x) from t;"});
}

TEST(PtraceCompleteness, ShellPipeline) {
  expect_complete({"/bin/sh", "-c", "cat /etc/passwd | sort | head -n 3 | wc -l; ls /etc > /dev/null"});
}

}  // namespace
}  // namespace profile::testing
