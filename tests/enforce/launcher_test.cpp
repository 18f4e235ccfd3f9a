// The launcher against the real kernel: namespaces, cgroup, supervisor, signals.
#include "enforce/launcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "enforce/cgroup.h"
#include "tests/support/privileged.h"

namespace profile {
namespace {

using std::chrono::milliseconds;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool pid_alive(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// A temp directory per test, world-accessible so the unprivileged tests can use it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/launcher-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    ::chmod(path_.c_str(), 0777);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

Result<ExitInfo> run(LaunchSpec spec, const LaunchHooks& hooks = {}) {
  auto c = spawn_container(spec, hooks);
  if (!c) return c.error();
  if (auto st = (*c)->release(); !st) return st.error();
  return (*c)->wait();
}

LaunchSpec sh(const std::string& script, bool container = true) {
  LaunchSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.container = container;
  return spec;
}

pid_t find_pid_by_comm(const std::string& comm) {
  DIR* d = ::opendir("/proc");
  pid_t found = -1;
  while (dirent* e = ::readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::string c = slurp("/proc/" + std::to_string(pid) + "/comm");
    if (c == comm + "\n") found = pid;
  }
  ::closedir(d);
  return found;
}

// Polls `cond` for up to `ms` milliseconds.
template <class F>
bool eventually(F cond, int ms = 5000) {
  for (int i = 0; i < ms / 10; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return cond();
}

pid_t start_helper(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(99);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

class LauncherModes : public ::testing::TestWithParam<bool> {};

TEST_P(LauncherModes, ExitCodesAndSignalsPropagate) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root (the unprivileged test covers user namespaces)");
  bool container = GetParam();
  LaunchSpec t;
  t.argv = {"true"};
  t.container = container;
  auto r = run(t);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status(), 0);

  r = run(sh("exit 7", container));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->code, 7);
  EXPECT_EQ(r->status(), 7);

  r = run(sh("kill -TERM $$", container));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->signal, SIGTERM);
  EXPECT_EQ(r->status(), 143);
}

TEST_P(LauncherModes, CommandNotFoundFailsBeforeAnythingStarts) {
  LaunchSpec spec;
  spec.argv = {"no-such-command-for-launcher-test"};
  spec.container = GetParam();
  auto c = spawn_container(spec, {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().errno_value, ENOENT);
  EXPECT_NE(c.error().message.find("not found"), std::string::npos) << c.error().message;
  EXPECT_EQ(launch_error_exit_code(c.error()), 127);
}

int failing_hook(void*) {
  return EPERM;
}

TEST_P(LauncherModes, FailingBeforeExecStopsTheLaunch) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  LaunchSpec spec = sh("touch " + tmp.file("ran"), GetParam());
  LaunchHooks hooks;
  hooks.before_exec = &failing_hook;
  hooks.before_exec_what = "install the test filter";
  auto r = run(spec, hooks);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("install the test filter: EPERM"), std::string::npos) << r.error().message;
  EXPECT_EQ(launch_error_exit_code(r.error()), kLauncherFailure);
  EXPECT_FALSE(exists(tmp.file("ran")));
}

TEST_P(LauncherModes, WorkloadGetsNoInheritedDescriptors) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  int leak = ::open("/dev/null", O_RDONLY);  // deliberately not O_CLOEXEC
  ASSERT_GE(::dup2(leak, 42), 0);
  auto r = run(sh("ls /proc/self/fd > " + tmp.file("fds"), GetParam()));
  ::close(42);
  ::close(leak);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string fds = slurp(tmp.file("fds"));
  EXPECT_NE(fds.find("0\n1\n2\n"), std::string::npos) << fds;
  EXPECT_EQ(fds.find("42"), std::string::npos) << fds;
  std::istringstream lines(fds);
  for (std::string fd; std::getline(lines, fd);) {
    EXPECT_LE(std::stoi(fd), 3) << "only stdio and ls's own directory fd may be open:\n" << fds;
  }
}

INSTANTIATE_TEST_SUITE_P(Launcher, LauncherModes, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "Container" : "NoContainer"; });

TEST(Launcher, SupervisorIsPidOneAndWorkloadIsTwo) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  auto r = run(sh("echo $$ > " + tmp.file("out") + "; cat /proc/1/comm >> " + tmp.file("out")));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(slurp(tmp.file("out")), "2\nprofile-init\n");
}

TEST(Launcher, UtsIpcPidAndMountNamespacesDifferFromTheHost) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  auto r =
      run(sh("readlink /proc/self/ns/uts /proc/self/ns/ipc /proc/self/ns/pid /proc/self/ns/mnt > " + tmp.file("ns")));
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::istringstream inside(slurp(tmp.file("ns")));
  for (const char* ns : {"uts", "ipc", "pid", "mnt"}) {
    std::string line;
    ASSERT_TRUE(std::getline(inside, line));
    char host[64] = {};
    ASSERT_GT(::readlink((std::string("/proc/self/ns/") + ns).c_str(), host, sizeof host - 1), 0);
    EXPECT_EQ(line.rfind(std::string(ns) + ":[", 0), 0u) << line;
    EXPECT_NE(line, host) << ns << " namespace is the host's";
  }
}

const char* kLoopbackProbe =
    "/usr/bin/python3 -c \"import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
    "c=socket.create_connection(s.getsockname(), timeout=5); print('connected')\"";

TEST(Launcher, NetNoneHasOnlyLoopbackAndItIsDown) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  LaunchSpec spec =
      sh("cat /proc/net/dev > " + tmp.file("dev") + "; " + kLoopbackProbe + " > " + tmp.file("probe") + " 2>&1");
  spec.net = NetMode::None;
  auto r = run(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->status(), 0) << "binding 127.0.0.1 must fail with lo down";
  std::string dev = slurp(tmp.file("dev"));
  EXPECT_NE(dev.find(" lo:"), std::string::npos) << dev;
  EXPECT_EQ(std::count(dev.begin(), dev.end(), ':'), 1) << "lo is the only interface:\n" << dev;
  // Depending on the kernel, bind or connect fails while lo is down.
  EXPECT_EQ(slurp(tmp.file("probe")).find("connected"), std::string::npos) << slurp(tmp.file("probe"));
  EXPECT_NE(slurp(tmp.file("probe")).find("Error"), std::string::npos) << slurp(tmp.file("probe"));
}

TEST(Launcher, NetLoopbackHasLoopbackUp) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  LaunchSpec spec = sh("cat /proc/net/dev > " + tmp.file("dev") + "; " + kLoopbackProbe + " > " + tmp.file("probe"));
  spec.net = NetMode::Loopback;
  auto r = run(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status(), 0);
  EXPECT_EQ(slurp(tmp.file("probe")), "connected\n");
  std::string dev = slurp(tmp.file("dev"));
  EXPECT_EQ(std::count(dev.begin(), dev.end(), ':'), 1) << dev;
}

TEST(Launcher, CgroupIdIsTheV2InodeAndTheWorkloadIsInIt) {
  PROFILE_REQUIRE(testing::is_root(), "creating cgroups needs root or delegation");
  TempDir tmp;
  auto c = spawn_container(sh("cat /proc/self/cgroup > " + tmp.file("cg")), {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto dirs = (*c)->cgroup_dirs();
  ASSERT_FALSE(dirs.empty());
  struct stat st {};
  ASSERT_EQ(::stat(dirs[0].c_str(), &st), 0);
  EXPECT_EQ((*c)->cgroup_id(), st.st_ino);
  EXPECT_NE((*c)->pidns_inode(), 0u);
  ASSERT_TRUE((*c)->release().ok());
  auto r = (*c)->wait();
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::string name = dirs[0].substr(dirs[0].rfind('/') + 1);
  EXPECT_NE(slurp(tmp.file("cg")).find("0::/" + name), std::string::npos) << slurp(tmp.file("cg"));
  EXPECT_FALSE(exists(dirs[0])) << "cgroup left behind";
}

TEST_P(LauncherModes, OrphansAreKilledAndTheCgroupRemoved) {
  PROFILE_REQUIRE(testing::is_root(), "creating cgroups needs root or delegation");
  TempDir tmp;
  // A uniquely named sleeper (comm is the name it was executed under) that the
  // workload double-forks and abandons.
  std::string name = "orphan" + std::to_string(::getpid() % 100000);
  std::string link = tmp.file(name);
  ASSERT_EQ(::symlink("/bin/sleep", link.c_str()), 0);
  auto c = spawn_container(sh("( '" + link + "' 1000 & ) ; sleep 1", GetParam()), {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto dirs = (*c)->cgroup_dirs();
  ASSERT_FALSE(dirs.empty());
  ASSERT_TRUE((*c)->release().ok());
  pid_t orphan = -1;
  ASSERT_TRUE(eventually([&] { return (orphan = find_pid_by_comm(name)) > 0; })) << "the sleeper never started";
  auto r = (*c)->wait();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status(), 0);
  EXPECT_TRUE(eventually([&] { return !pid_alive(orphan); }, 2000)) << "orphan " << orphan << " survived";
  for (const auto& d : dirs) EXPECT_FALSE(exists(d)) << d;
}

TEST(Launcher, SignalsSentToTheLauncherReachTheWorkload) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  std::string script = "trap 'echo got-usr1 > " + tmp.file("got") + "; exit 3' USR1; touch " + tmp.file("ready") +
                       "; while :; do sleep 0.05; done";
  pid_t helper = start_helper({LAUNCH_HELPER, "--", "/bin/sh", "-c", script});
  ASSERT_TRUE(eventually([&] { return exists(tmp.file("ready")); }));
  ::kill(helper, SIGUSR1);
  EXPECT_EQ(wait_exit(helper), 3);
  EXPECT_EQ(slurp(tmp.file("got")), "got-usr1\n");

  // An untrapped SIGTERM kills the workload; the launcher exits 128+15.
  ::unlink(tmp.file("ready").c_str());
  helper = start_helper({LAUNCH_HELPER, "--", "/bin/sh", "-c", "touch " + tmp.file("ready") + "; sleep 1000"});
  ASSERT_TRUE(eventually([&] { return exists(tmp.file("ready")); }));
  ::kill(helper, SIGTERM);
  EXPECT_EQ(wait_exit(helper), 143);
}

TEST_P(LauncherModes, KillingTheLauncherKillsTheWorkload) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  std::string name = "victim" + std::to_string(::getpid() % 100000) + (GetParam() ? "c" : "h");
  std::string link = tmp.file(name);
  ASSERT_EQ(::symlink("/bin/sleep", link.c_str()), 0);
  std::vector<std::string> args = {LAUNCH_HELPER};
  if (!GetParam()) args.emplace_back("--no-container");
  args.insert(args.end(), {"--", link, "1000"});
  pid_t helper = start_helper(args);
  pid_t victim = -1;
  ASSERT_TRUE(eventually([&] { return (victim = find_pid_by_comm(name)) > 0; }));
  ::kill(helper, SIGKILL);
  EXPECT_EQ(wait_exit(helper), 128 + SIGKILL);
  EXPECT_TRUE(eventually([&] { return !pid_alive(victim); }, 3000)) << "workload " << victim << " survived";
}

// A SIGKILLed launcher cannot remove its cgroup; the next launch below the same
// parent removes it when its pid is gone and it is older than a minute, and
// leaves a recent one (another pid namespace's launcher may be starting) alone.
// Run in a helper process: the sweep runs once per process and parent.
TEST(Launcher, NextLaunchRemovesTheCgroupsOfKilledLaunchers) {
  PROFILE_REQUIRE(testing::is_root(), "creating cgroups needs root or delegation");
  auto loc = locate_own_cgroups();
  ASSERT_TRUE(loc.ok()) << loc.error().message;
  PROFILE_REQUIRE(!loc->v2_dir.empty(), "needs a cgroup v2 hierarchy");
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_EQ(wait_exit(dead), 0);
  std::string stale = loc->v2_dir + "/profile-" + std::to_string(dead) + "-1";
  std::string fresh = loc->v2_dir + "/profile-" + std::to_string(dead) + "-2";
  ASSERT_EQ(::mkdir(stale.c_str(), 0755), 0) << stale;
  ASSERT_EQ(::mkdir(fresh.c_str(), 0755), 0) << fresh;
  struct timespec old_times[2] = {{::time(nullptr) - 600, 0}, {::time(nullptr) - 600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, stale.c_str(), old_times, 0), 0) << "cgroupfs must take utimensat";
  pid_t helper = start_helper({LAUNCH_HELPER, "--", "/bin/true"});
  EXPECT_EQ(wait_exit(helper), 0);
  EXPECT_FALSE(exists(stale)) << "the dead launcher's cgroup was left behind";
  EXPECT_TRUE(exists(fresh)) << "a cgroup younger than a minute was removed";
  ::rmdir(fresh.c_str());
  ::rmdir(stale.c_str());
}

TEST(Launcher, UnprivilegedUserGetsAUserNamespace) {
  PROFILE_REQUIRE(testing::is_root(), "needs root to switch to uid 65534 for the test");
  PROFILE_REQUIRE(exists("/usr/bin/setpriv"), "setpriv (util-linux) is needed");
  TempDir tmp;
  auto as_nobody = [&](const std::vector<std::string>& rest) {
    std::vector<std::string> args = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                     LAUNCH_HELPER};
    args.insert(args.end(), rest.begin(), rest.end());
    return wait_exit(start_helper(args));
  };
  // Inside: pid 2 under our supervisor, still uid 65534, own user namespace.
  std::string script =
      "test $$ = 2 || exit 1; test $(id -u) = 65534 || exit 2; "
      "cat /proc/self/uid_map > " +
      tmp.file("map") + "; exit 7";
  EXPECT_EQ(as_nobody({"--", "/bin/sh", "-c", script}), 7);
  EXPECT_NE(slurp(tmp.file("map")).find("65534"), std::string::npos) << slurp(tmp.file("map"));
  EXPECT_EQ(as_nobody({"--", "/bin/sh", "-c", "kill -TERM $$"}), 143);
  EXPECT_EQ(as_nobody({"--net", "loopback", "--", "/bin/sh", "-c", kLoopbackProbe}), 0);
  EXPECT_EQ(as_nobody({"--no-container", "--", "/bin/sh", "-c", "exit 5"}), 5);
  // Without delegation no cgroup can be made: --require-cgroup refuses to start.
  EXPECT_EQ(as_nobody({"--require-cgroup", "--", "/bin/sh", "-c", "touch " + tmp.file("ran")}), kLauncherFailure);
  EXPECT_FALSE(exists(tmp.file("ran")));
  EXPECT_EQ(as_nobody({"--", "no-such-command-xyz"}), 127);
}

// The workload runs in the supervisor's new session: the caller's terminal is
// not its controlling terminal, so TIOCSTI (without CAP_SYS_ADMIN in the initial
// user namespace) cannot push input into it.
TEST(Launcher, WorkloadCannotPushInputIntoTheCallersTerminal) {
  PROFILE_REQUIRE(testing::is_root(), "needs root to switch to uid 65534 for the test");
  PROFILE_REQUIRE(exists("/usr/bin/setpriv"), "setpriv (util-linux) is needed");
  PROFILE_REQUIRE(slurp("/proc/sys/dev/tty/legacy_tiocsti") != "0\n", "TIOCSTI is disabled on this kernel anyway");
  TempDir tmp;
  std::string probe = std::string(PROFILE_PROGS_DIR) + "/enforce_probe";
  auto in_terminal = [&](const std::vector<std::string>& launcher) {
    int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    ::grantpt(master);
    ::unlockpt(master);
    std::string slave = ::ptsname(master);
    std::string out = tmp.file("tiocsti");
    std::vector<std::string> args = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    args.insert(args.end(), launcher.begin(), launcher.end());
    args.insert(args.end(), {"/bin/sh", "-c", probe + " tiocsti > " + out});
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setsid();  // the pty becomes this session's controlling terminal, like a user's shell
      int fd = ::open(slave.c_str(), O_RDWR);
      ::dup2(fd, 0);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(99);
    }
    wait_exit(pid);
    ::close(master);
    return slurp(out);
  };
  EXPECT_EQ(in_terminal({}), "tiocsti ok\n") << "control: directly in the terminal's session";
  std::string contained = in_terminal({LAUNCH_HELPER, "--"});
  EXPECT_NE(contained, "tiocsti ok\n");
  EXPECT_EQ(contained.rfind("tiocsti E", 0), 0u) << contained;
}

}  // namespace
}  // namespace profile
