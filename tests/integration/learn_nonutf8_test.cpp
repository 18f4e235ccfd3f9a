// Linux paths, argv and cwd are bytes: a workload whose command, working directory
// and files are not valid UTF-8 must be learned (recording.json stores them
// losslessly, see profile-recording(5)), enforced as learned (profile.toml keeps
// the bytes, profile-bundle(5)), and every --json output must be valid JSON that
// maps back to the same bytes, never "internal error" (nlohmann's type_error.316).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/atomic_file.h"
#include "common/recording.h"
#include "tests/support/privileged.h"
#include "tests/support/run.h"

namespace profile {
namespace {
using testing::run;
using testing::RunResult;
using testing::TempDir;

const std::string kProfile = PROFILE_BINARY;

// Parses `json_text` with python's json (strict UTF-8, as any consumer would),
// maps every string and key back to bytes as profile-recording(5) says, and
// evaluates `expr` with j = that document and a = `args` as bytes.
RunResult py_check(const std::string& json_text, const std::string& expr, const std::vector<std::string>& args) {
  static const char* kScript = R"(
import json, os, sys
def b(s):
    return b"".join(bytes([ord(c) - 0x10FF00]) if 0x10FF80 <= ord(c) <= 0x10FFFF else c.encode() for c in s)
def walk(v):
    if isinstance(v, dict): return {b(k): walk(x) for k, x in v.items()}
    if isinstance(v, list): return [walk(x) for x in v]
    return b(v) if isinstance(v, str) else v
with open(sys.argv[1], encoding="utf-8") as f:
    j = walk(json.load(f))
a = [os.fsencode(x) for x in sys.argv[3:]]
ok = eval(sys.argv[2])
if not ok: print(repr(j)[:3000], file=sys.stderr)
sys.exit(0 if ok else 1)
)";
  TempDir t;
  EXPECT_TRUE(write_file_atomic(t.path() + "/doc.json", json_text).ok());
  std::vector<std::string> argv = {"/usr/bin/python3", "-c", kScript, t.path() + "/doc.json", expr};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

// Learns, in a directory whose name is not UTF-8, a shell that reads a file there
// by a relative name, prints its working directory and creates a file named by a
// non-UTF-8 argument, into a bundle directory whose name is not UTF-8 either.
class LearnNonUtf8 : public ::testing::Test {
 protected:
  void SetUp() override {
    PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
    bad_dir_ = dir_.path() +
               "/in\xfe"
               "dir";  // 0xFE never occurs in UTF-8
    bad_file_ = bad_dir_ +
                "/bad\xff"
                "name";
    bundle_ = dir_.path() + "/b\xfd";
    ASSERT_EQ(::mkdir(bad_dir_.c_str(), 0755), 0);
    ASSERT_TRUE(write_file_atomic(bad_dir_ + "/f", "hi\n").ok());
    command_ = {"/bin/sh", "-c", "cat f && pwd -P && touch \"$1\"", "sh", bad_file_};
    // env -C: profile learn records its own working directory as the run's.
    std::vector<std::string> learn = {"/usr/bin/env", "-C",     bad_dir_, kProfile, "learn", "--quiet",
                                      "--tracer",     "ptrace", "--json", "-o",     bundle_, "--"};
    learn.insert(learn.end(), command_.begin(), command_.end());
    auto r = run(learn, {"PWD=" + bad_dir_});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
    ASSERT_EQ(r.out.rfind(workload_output(), 0), 0u) << r.out;
    learn_json_ = r.out.substr(workload_output().size());
  }

  [[nodiscard]] std::string workload_output() const { return "hi\n" + bad_dir_ + "\n"; }

  TempDir dir_;
  std::string bad_dir_, bad_file_, bundle_, learn_json_;
  std::vector<std::string> command_;
};

TEST_F(LearnNonUtf8, EnforceRunsTheLearnedCommandInTheLearnedDirectory) {
  auto rec = load_recording(bundle_ + "/recording.json");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  ASSERT_EQ(rec->runs.size(), 1u);
  EXPECT_EQ(rec->runs[0].command, command_);
  EXPECT_EQ(rec->runs[0].cwd, bad_dir_);
  ASSERT_TRUE(rec->files.count(bad_file_)) << recording_to_json(*rec);
  EXPECT_TRUE(rec->files.at(bad_file_).accesses.count(Access::Create) ||
              rec->files.at(bad_file_).accesses.count(Access::Write));
  EXPECT_TRUE(rec->files.count(bad_dir_ + "/f"));

  // Another parser reads every file of the bundle that holds paths.
  for (const char* f : {"/recording.json", "/landlock.json"}) {
    auto py = run(
        {"/usr/bin/python3", "-c", "import json, sys; json.load(open(sys.argv[1], encoding='utf-8'))", bundle_ + f});
    EXPECT_EQ(py.status, 0) << f << ": " << py.err;
  }
  auto toml = run({"/usr/bin/python3", "-c", "import tomllib, sys; tomllib.load(open(sys.argv[1], 'rb'))",
                   bundle_ + "/profile.toml"});
  EXPECT_EQ(toml.status, 0) << toml.err;

  // No command and another working directory: the manifest's own argv and cwd
  // are used. `cat f` finds the file only in the learned directory, pwd prints
  // its bytes, and touch recreates the file named by the non-UTF-8 argument,
  // which the Landlock rules (real bytes) allow.
  ASSERT_EQ(::unlink(bad_file_.c_str()), 0);
  auto e = run({kProfile, "enforce", "--quiet", bundle_});
  EXPECT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(e.out, workload_output()) << e.err;
  struct stat st {};
  EXPECT_EQ(::stat(bad_file_.c_str(), &st), 0) << "the confined workload did not create the file again";
}

TEST_F(LearnNonUtf8, EveryJsonOutputMapsBackToTheBytes) {
  auto expect_json = [](const RunResult& r, const std::string& skip, const std::string& expr,
                        const std::vector<std::string>& args, const char* what) {
    EXPECT_EQ(r.status, 0) << what << ": " << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << what << ": " << r.err;
    ASSERT_EQ(r.out.rfind(skip, 0), 0u) << what << ": " << r.out;
    auto py = py_check(r.out.substr(skip.size()), expr, args);
    EXPECT_EQ(py.status, 0) << what << ": " << expr << "\n" << py.err;
  };
  expect_json({0, learn_json_, ""}, "", "j[b'recording'] == a[0] + b'/recording.json'", {bundle_}, "learn --json");

  expect_json(run({kProfile, "show", "--json", bundle_}), "",
              "b'f' in j[b'files'][a[0]] and b'bad\\xffname' in j[b'files'][a[0]]", {bad_dir_}, "show --json");

  // With a reference policy the SELinux step gives bad_dir, where the workload
  // creates a file, a private type, and says so in a note.
  auto gen = run({kProfile, "generate", "--json", bundle_});
  struct stat st {};
  const bool selinux = ::stat((bundle_ + "/selinux/sh.pp").c_str(), &st) == 0;
  expect_json(gen, "",
              std::string("j[b'dir'] == a[0]") +
                  (selinux ? " and any(n.startswith(a[1] + b' gets the private type') for n in j[b'notes'])" : ""),
              {bundle_, bad_dir_}, "generate --json");

  // The manifest's command and cwd; the notices name nothing but bundle files here.
  expect_json(run({kProfile, "enforce", "--quiet", "--json", bundle_}), workload_output(),
              "j[b'exit'][b'code'] == 0 and isinstance(j[b'notices'], list)", {}, "enforce --json");

  // A read outside the profile, of a file whose name is not UTF-8, is reported by name.
  TempDir other;
  const std::string outside = other.path() + "/r\xfc";
  ASSERT_TRUE(write_file_atomic(outside, "x\n").ok());
  expect_json(run({kProfile, "enforce", "--quiet", "--json", "--complain", bundle_, "--", "/bin/cat", outside}), "x\n",
              "any(f[b'path'] == a[0] for f in j[b'outside_profile'][b'files'])", {outside},
              "enforce --complain --json");

  PROFILE_REQUIRE(selinux, "no SELinux module was generated (Debian's selinux-policy-default is not installed)");
  expect_json(run({kProfile, "check", "--json", bundle_}), "",
              "j[b'dir'] == a[0] and all(c[b'passed'] for c in j[b'checks']) and len(j[b'checks']) > 0", {bundle_},
              "check --json");
}

}  // namespace
}  // namespace profile
