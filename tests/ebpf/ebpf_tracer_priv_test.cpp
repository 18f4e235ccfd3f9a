// The eBPF tracer against real workloads, in a real cgroup, with the kernel's
// BPF: what it records, what it must not record, that it loses nothing, and
// how it says it cannot run. Needs root (CAP_BPF, CAP_PERFMON) and cgroup v2.
#include <bpf/btf.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "common/log.h"
#include "tests/ebpf/ebpf_harness.h"
#include "tests/support/privileged.h"

namespace profile::testing {
namespace {

class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/profile-ebpf-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    if (d != nullptr) path_ = d;
  }
  ~ScratchDir() {
    if (!path_.empty()) (void)std::system(("rm -rf '" + path_ + "'").c_str());
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool ebpf_usable(std::string& why) {
  if (!is_root()) {
    why = "needs root";
    return false;
  }
  auto t = make_ebpf_tracer();
  if (!t) {
    why = t.error().message;
    return false;
  }
  if (cgroup2_root().empty()) {
    why = "needs a writable cgroup v2 hierarchy";
    return false;
  }
  return true;
}

#define REQUIRE_EBPF()              \
  do {                              \
    std::string why;                \
    bool usable = ebpf_usable(why); \
    PROFILE_REQUIRE(usable, why);   \
  } while (0)

bool has_access(const Recording& rec, const std::string& path, Access kind, const std::string& outcome) {
  auto f = rec.files.find(path);
  if (f == rec.files.end()) return false;
  auto a = f->second.accesses.find(kind);
  return a != f->second.accesses.end() && a->second.count(outcome) != 0;
}

std::string real(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) != nullptr ? buf : p;
}

// A file access is one event the first time and a count in the kernel after:
// the recording must carry the total, the same as the ptrace tracer's. The
// counts are read by key from a run with few keys, from the mapped slot table
// from one with many (here 9,000 more).
TEST(EbpfTracer, FileAccessCountsAreTotals) {
  REQUIRE_EBPF();
  for (int others : {0, 3000}) {
    ScratchDir dir;
    ASSERT_FALSE(dir.path().empty());
    const std::string d = real(dir.path());
    std::ofstream(d + "/five.txt") << "5\n";
    std::ofstream(d + "/once.txt") << "1\n";
    ASSERT_EQ(::mkdir((d + "/many").c_str(), 0700), 0);
    std::string script = "for i in 1 2 3 4 5; do read x < " + d + "/five.txt; done; read x < " + d + "/once.txt";
    if (others > 0) script += "; " PROFILE_PROGS_DIR "/ebpf_many_files " + d + "/many " + std::to_string(others);
    auto run = run_ebpf({"/bin/sh", "-c", script});
    ASSERT_EQ(run.error, "");
    ASSERT_EQ(run.lost, 0u);
    auto count = [&](const std::string& path) -> uint64_t {
      auto f = run.recording.files.find(path);
      if (f == run.recording.files.end()) return 0;
      auto a = f->second.accesses.find(Access::Read);
      if (a == f->second.accesses.end()) return 0;
      auto o = a->second.find("ok");
      return o == a->second.end() ? 0 : o->second;
    };
    EXPECT_EQ(count(d + "/five.txt"), 5u) << others << " other files";
    EXPECT_EQ(count(d + "/once.txt"), 1u) << others << " other files";
    if (others > 0) {
      EXPECT_GE(run.recording.files.size(), 3000u);
    }
  }
}

TEST(EbpfTracer, RecordsFilesArgumentsNetworkAndArchitectures) {
  REQUIRE_EBPF();
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string d = real(dir.path());
  auto run = run_ebpf({PROFILE_PROGS_DIR "/ebpf_probe", d});
  ASSERT_EQ(run.error, "");
  ASSERT_TRUE(WIFEXITED(run.status));
  ASSERT_EQ(WEXITSTATUS(run.status), 0) << "ebpf_probe step failed";
  const Recording& rec = run.recording;
  EXPECT_EQ(run.lost, 0u);

  // i386 int 0x80 is its own architecture; native syscalls are x86_64.
  ASSERT_TRUE(rec.syscalls.count("x86"));
  EXPECT_GE(rec.syscalls.at("x86").count("getpid"), 1u);
  const auto& native = rec.syscalls.at("x86_64");
  for (const char* s : {"execve", "openat", "mkdir", "rename", "unlink", "rmdir", "socket", "connect", "bind", "listen",
                        "prctl", "clone", "exit_group"})
    EXPECT_TRUE(native.count(s)) << s;

  // Argument values selected by policies/args.toml.
  const auto& sock = rec.args.at("x86_64").at("socket");
  EXPECT_TRUE(sock.tuples.count({2, 1, 0})) << "socket(AF_INET, SOCK_STREAM, 0)";
  EXPECT_TRUE(sock.tuples.count({1, 1, 0})) << "socket(AF_UNIX, SOCK_STREAM, 0)";
  EXPECT_TRUE(rec.args.at("x86_64").at("prctl").tuples.count({3})) << "prctl(PR_GET_DUMPABLE)";

  // Files: relative to the cwd, through a dirfd, after chdir and fchdir,
  // with their access kinds and outcomes (ENOENT included).
  EXPECT_TRUE(has_access(rec, d + "/created.txt", Access::Create, "ok"));
  EXPECT_TRUE(has_access(rec, d + "/created.txt", Access::Write, "ok"));
  EXPECT_TRUE(has_access(rec, d + "/created.txt", Access::Rename, "ok"));
  EXPECT_TRUE(has_access(rec, d + "/missing/none", Access::Read, "ENOENT"));
  EXPECT_TRUE(has_access(rec, d + "/sub", Access::Create, "ok"));
  EXPECT_TRUE(has_access(rec, d + "/sub", Access::Stat, "ok")) << "chdir(\"sub\")";
  EXPECT_TRUE(has_access(rec, d + "/sub", Access::Delete, "ok")) << "rmdir after fchdir";
  EXPECT_TRUE(has_access(rec, d + "/sub/moved.txt", Access::Rename, "ok"));
  EXPECT_TRUE(has_access(rec, d + "/sub/moved.txt", Access::Read, "ok"));
  EXPECT_TRUE(has_access(rec, d + "/sub/moved.txt", Access::Delete, "ok"));
  EXPECT_TRUE(has_access(rec, d + "/probe.sock", Access::Create, "ok")) << "unix socket bind";
  EXPECT_FALSE(rec.files.count(d + "/sub/sub"));
  // Shared libraries mapped executable, the binaries executed (symlinks resolved).
  EXPECT_TRUE(has_access(rec, real("/lib/x86_64-linux-gnu/libc.so.6"), Access::Exec, "ok"));
  EXPECT_TRUE(rec.executables.count(real("/bin/true")));
  EXPECT_TRUE(rec.executables.count(real(PROFILE_PROGS_DIR "/ebpf_probe")));

  bool refused = false, bound = false, listening = false;
  for (const auto& [ep, n] : rec.network) {
    if (ep.op == "connect" && ep.family == "AF_INET" && ep.address == "127.0.0.1" && ep.port == 1 &&
        ep.type == "SOCK_STREAM" && ep.result == "ECONNREFUSED")
      refused = true;
    if (ep.op == "bind" && ep.family == "AF_UNIX" && ep.path == d + "/probe.sock" && ep.result == "ok") bound = true;
    if (ep.op == "listen" && ep.family == "AF_UNIX" && ep.path == d + "/probe.sock") listening = true;
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(bound);
  EXPECT_TRUE(listening);
}

// Starts a process outside the container that keeps making a distinctive
// syscall and opening a distinctive path until it is killed.
pid_t start_outsider(const std::string& marker) {
  pid_t pid = ::fork();
  if (pid == 0) {
    for (;;) {
      int fd = ::open(marker.c_str(), O_RDONLY);
      if (fd >= 0) ::close(fd);
      ::syscall(SYS_sched_getparam, 0, nullptr);
      ::getppid();
    }
  }
  return pid;
}

// clone3's flags are read from struct clone_args in memory at sys_exit. The new
// thread returns from clone3 as well, when the parent may have reused the stack
// that struct was on: its read gave garbage flags (CLONE_NEWUSER|NEWNS|...),
// which the profile would turn into an allowed clone. Threads make no namespace.
TEST(EbpfTracer, Clone3FlagsAreTheParentsNotGarbage) {
  REQUIRE_EBPF();
  auto run = run_ebpf({PROFILE_PROGS_DIR "/ebpf_clone3_race"});
  ASSERT_EQ(run.error, "");
  ASSERT_TRUE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0) << run.status;
  const auto& args = run.recording.args.at("x86_64");
  ASSERT_TRUE(args.count("clone3")) << "glibc makes threads with clone3";
  ASSERT_FALSE(args.at("clone3").tuples.empty());
  for (const auto& t : args.at("clone3").tuples) {
    ASSERT_EQ(t.size(), 1u);
    // Threads: CLONE_VM (kept to tell glibc's clone3 from a direct one), and
    // no namespace flag, CLONE_NEWTIME or CLONE_INTO_CGROUP.
    EXPECT_EQ(t[0], 0x100u) << "namespace flags recorded for a thread: 0x" << std::hex << t[0];
  }
}

// syscall(-1) on x86_64 and i386, and 0x7fffffff (the x32 bit, but no x32
// syscall), run nothing: no architecture may come of them.
TEST(EbpfTracer, BogusNumbersAddNoArchitecture) {
  REQUIRE_EBPF();
  auto run = run_ebpf({PROFILE_PROGS_DIR "/ptrace_i386_mux", "bogus"});
  ASSERT_EQ(run.error, "");
  ASSERT_TRUE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0) << run.status;
  for (const auto& [arch, calls] : run.recording.syscalls)
    EXPECT_TRUE(arch == "x86_64" || calls.empty()) << arch << " added by a bogus number";
  EXPECT_EQ(run.lost, 0u);
}

// The call numbers of i386 socketcall and ipc are recorded (policies/args.toml).
TEST(EbpfTracer, RecordsI386SocketcallAndIpcCallNumbers) {
  REQUIRE_EBPF();
  auto run = run_ebpf({PROFILE_PROGS_DIR "/ptrace_i386_mux", "mux"});
  ASSERT_EQ(run.error, "");
  ASSERT_TRUE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0) << run.status;
  ASSERT_TRUE(run.recording.args.count("x86"));
  const auto& args = run.recording.args.at("x86");
  ASSERT_TRUE(args.count("socketcall"));
  EXPECT_EQ(args.at("socketcall").tuples, (std::set<std::vector<uint64_t>>{{1}})) << "SYS_SOCKET";
  ASSERT_TRUE(args.count("ipc"));
  EXPECT_EQ(args.at("ipc").tuples, (std::set<std::vector<uint64_t>>{{3}})) << "SEMCTL, version bits masked";
}

TEST(EbpfTracer, OnlyTheContainersWorkloadIsRecorded) {
  REQUIRE_EBPF();
  std::string marker = "/tmp/profile-ebpf-outside-" + std::to_string(::getpid());
  pid_t outsider = start_outsider(marker);
  ASSERT_GT(outsider, 0);
  auto run = run_ebpf({"/bin/sh", "-c", "ls / >/dev/null; sleep 0.2"});
  ::kill(outsider, SIGKILL);
  ::waitpid(outsider, nullptr, 0);
  ASSERT_EQ(run.error, "");
  const auto& native = run.recording.syscalls.at("x86_64");
  EXPECT_FALSE(run.recording.files.count(marker));
  EXPECT_FALSE(native.count("sched_getparam"));
  EXPECT_TRUE(native.count("execve"));
  EXPECT_TRUE(run.recording.executables.count(real("/bin/ls")));
}

std::set<std::string> strace_syscalls(const std::vector<std::string>& argv) {
  ScratchDir dir;
  std::string out = dir.path() + "/strace.out";
  std::vector<std::string> full = {"strace", "-f", "-qq", "-o", out};
  full.insert(full.end(), argv.begin(), argv.end());
  std::vector<char*> cargv;
  for (auto& a : full) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execvp("strace", cargv.data());
    ::_exit(127);
  }
  ::waitpid(pid, nullptr, 0);
  std::ifstream in(out);
  std::set<std::string> names;
  std::string line;
  static const std::regex call(R"(^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)(?:\(| resumed>))");
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, call)) names.insert(m[1]);
  return names;
}

TEST(EbpfTracer, CompleteAgainstStrace) {
  REQUIRE_EBPF();
  PROFILE_REQUIRE(::access("/usr/bin/strace", X_OK) == 0, "needs strace");
  std::vector<std::vector<std::string>> workloads = {
      {"/bin/sh", "-c", "ls -la / >/dev/null; cat /etc/passwd | wc -l >/dev/null"},
      {"/usr/bin/python3", "-B", "-c", "import json, os, socket; os.listdir('/'); json.dumps({'a': 1})"},
  };
  if (::access("/usr/bin/sqlite3", X_OK) == 0)
    workloads.push_back(
        {"/usr/bin/sqlite3", ":memory:", "create table t(x); insert into t values(1); select * from t;"});
  for (const auto& argv : workloads) {
    auto expected = strace_syscalls(argv);
    ASSERT_FALSE(expected.empty()) << argv[0];
    auto run = run_ebpf(argv);
    ASSERT_EQ(run.error, "");
    EXPECT_EQ(run.lost, 0u);
    const auto& got = run.recording.syscalls.at("x86_64");
    for (const auto& name : expected) EXPECT_TRUE(got.count(name)) << argv[0] << " " << argv.back() << ": " << name;
  }
}

TEST(EbpfTracer, LosesNoEventsOnTenThousandFiles) {
  REQUIRE_EBPF();
  ScratchDir dir;
  const std::string d = real(dir.path());
  auto run = run_ebpf({PROFILE_PROGS_DIR "/ebpf_many_files", d, "10000"});
  ASSERT_EQ(run.error, "");
  ASSERT_TRUE(WIFEXITED(run.status));
  ASSERT_EQ(WEXITSTATUS(run.status), 0);
  EXPECT_EQ(run.lost, 0u);
  size_t complete = 0;
  for (const auto& [path, rec] : run.recording.files) {
    if (path.rfind(d + "/f", 0) != 0) continue;
    bool c =
        rec.accesses.count(Access::Create) && rec.accesses.count(Access::Stat) && rec.accesses.count(Access::Delete);
    complete += c ? 1 : 0;
  }
  EXPECT_EQ(complete, 10000u);
  EXPECT_EQ(run.recording.syscalls.at("x86_64").at("unlink"), 10000u) << "counted in the kernel, exactly";
}

TEST(EbpfTracer, SaysClearlyWhenBpfIsNotPermitted) {
  PROFILE_REQUIRE(is_root(), "needs root to drop to uid 65534");
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    auto t = make_ebpf_tracer();
    std::string msg = t ? "" : t.error().message;
    (void)!::write(p[1], msg.data(), msg.size());
    ::_exit(t ? 1 : 0);
  }
  ::close(p[1]);
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<size_t>(n));
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "uid 65534 without capabilities could load BPF";
  EXPECT_NE(msg.find("needs root, or CAP_BPF with CAP_PERFMON"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one sentence: " << msg;
}

// The cached kernel BTF subset is a shortcut, never a way to lose the tracer:
// an entry that no longer relocates (here: an empty BTF under a valid header)
// makes the load retry against the full kernel BTF, and says so in the log.
TEST(EbpfTracer, ABadCachedBtfSubsetFallsBackToTheFullBtf) {
  PROFILE_REQUIRE(is_root(), "needs root to load BPF");
  char tmpl[] = "/tmp/profile-btf-fallback-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string root = tmpl;
  ::setenv("PROFILE_CACHE_DIR", root.c_str(), 1);
  {
    auto first = make_ebpf_tracer();
    ASSERT_TRUE(first.ok()) << first.error().message;
  }
  std::string dir = root + "/btf";
  std::string entry;
  for (const auto& e : std::filesystem::directory_iterator(dir)) entry = e.path();
  ASSERT_FALSE(entry.empty()) << "the first load cached no subset";
  std::string data;
  {
    std::ifstream in(entry, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string magic = "profile-btf-cache 1\n";
  ASSERT_EQ(data.compare(0, magic.size(), magic), 0);
  uint32_t len = 0;
  std::memcpy(&len, data.data() + magic.size(), sizeof len);
  std::string header = data.substr(0, magic.size() + sizeof len + len);
  btf* empty = btf__new_empty();
  uint32_t size = 0;
  const void* raw = btf__raw_data(empty, &size);
  std::ofstream(entry, std::ios::binary | std::ios::trunc)
      << header << std::string(static_cast<const char*>(raw), size);
  btf__free(empty);

  log::Level before = log::level();
  log::set_level(log::Level::Debug);
  ::testing::internal::CaptureStderr();
  auto second = make_ebpf_tracer();
  std::string err = ::testing::internal::GetCapturedStderr();
  log::set_level(before);
  ::unsetenv("PROFILE_CACHE_DIR");
  std::filesystem::remove_all(root);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_NE(err.find("retrying with the full kernel BTF"), std::string::npos) << "the broken entry was not tried";
}

}  // namespace
}  // namespace profile::testing
