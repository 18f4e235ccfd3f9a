// `profile learn` against a workload that tries to take it over: one that stops
// or traces the learning container's pid 1 (so that nobody forwards signals or
// reaps), and one that pushes input into the caller's terminal with TIOCSTI.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include "tests/support/privileged.h"
#include "tests/support/run.h"

namespace profile {
namespace {
using testing::TempDir;

const std::string kProfile = PROFILE_BINARY;
const std::string kProgs = PROFILE_PROGS_DIR;

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `profile` started in the background with stdout/stderr in files and stdin
// from `stdin_fd` (/dev/null when -1).
struct Background {
  pid_t pid = -1;
  std::string out, err;
  Background(const std::vector<std::string>& argv, const std::string& dir, int stdin_fd = -1)
      : out(dir + "/stdout"), err(dir + "/stderr") {
    pid = ::fork();
    if (pid == 0) {
      int in = stdin_fd >= 0 ? stdin_fd : ::open("/dev/null", O_RDONLY);
      ::dup2(in, 0);
      ::dup2(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
      ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  // The exit status (128+N for a signal), or -1 if it had not ended within
  // `seconds` (then it is SIGKILLed and reaped).
  int wait_for(double seconds) {
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      int st = 0;
      if (::waitpid(pid, &st, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
    return -1;
  }
  ~Background() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

bool wait_for_file(const std::string& path, double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

struct Hijack {
  const char* tracer;
  const char* mode;
};

class LearnHijack : public ::testing::TestWithParam<Hijack> {};

// Without the watchdog, SIGTERM goes to a pid 1 that cannot act on it and
// profile waits forever: only SIGKILL ends it, and no bundle is written.
TEST_P(LearnHijack, SigtermStillEndsLearningAndWritesTheBundle) {
  PROFILE_REQUIRE(testing::is_root(), "a root workload in the learning container");
  TempDir dir;
  std::string mark = dir.path() + "/hijacked";
  std::string out = dir.path() + "/b";
  Background p({kProfile, "learn", "--tracer", GetParam().tracer, "-o", out, "--", kProgs + "/hijack_init",
                GetParam().mode, mark},
               dir.path());
  ASSERT_TRUE(wait_for_file(mark, 30)) << slurp(p.err);
  EXPECT_NE(slurp(p.out).find(std::string("hijacked ") + GetParam().mode + ": OK"), std::string::npos)
      << "the attack itself must work, or this test proves nothing: " << slurp(p.out);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(p.pid, SIGTERM), 0);
  int status = p.wait_for(20);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_NE(status, -1) << "profile learn still ran 20 s after SIGTERM: " << slurp(p.err);
  EXPECT_LT(secs, 8.0);
  EXPECT_EQ(status, 128 + SIGTERM) << slurp(p.err);
  EXPECT_NE(slurp(p.err).find("did not end after SIGTERM"), std::string::npos) << slurp(p.err);
  EXPECT_TRUE(exists(out + "/recording.json")) << slurp(p.err);
  EXPECT_TRUE(exists(out + "/profile.toml")) << slurp(p.err);
  EXPECT_NE(slurp(out + "/recording.json").find("hijack_init"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Tracers, LearnHijack,
                         ::testing::Values(Hijack{"ebpf", "seize"}, Hijack{"ebpf", "attach"},
                                           Hijack{"ptrace", "sigstop"}),
                         [](const auto& p) { return std::string(p.param.tracer) + "_" + p.param.mode; });

// A second SIGTERM (or SIGINT) does not wait for the grace period; and a
// workload that is merely slow to end on SIGTERM is not killed by the first.
TEST(LearnSignals, SlowShutdownIsLeftAloneUntilASecondSignal) {
  PROFILE_REQUIRE(testing::is_root(), "the learning container needs root or user namespaces");
  TempDir dir;
  std::string mark = dir.path() + "/started";
  std::string out = dir.path() + "/b";
  Background p({kProfile, "learn", "-o", out, "--", "/bin/sh", "-c",
                "trap 'echo got-signal' TERM INT; touch " + mark + "; while :; do sleep 0.2; done"},
               dir.path());
  ASSERT_TRUE(wait_for_file(mark, 30)) << slurp(p.err);
  ASSERT_EQ(::kill(p.pid, SIGTERM), 0);
  std::this_thread::sleep_for(std::chrono::seconds(4));  // past the 2 s grace
  int st = 0;
  ASSERT_EQ(::waitpid(p.pid, &st, WNOHANG), 0) << "a healthy container must get all the time it needs";
  ASSERT_EQ(::kill(p.pid, SIGINT), 0);
  int status = p.wait_for(10);
  EXPECT_EQ(status, 128 + SIGTERM) << slurp(p.err);
  EXPECT_NE(slurp(p.err).find("a second signal"), std::string::npos) << slurp(p.err);
  EXPECT_TRUE(exists(out + "/profile.toml")) << slurp(p.err);
}

// A pty pair whose slave stands for the caller's terminal, raw so that an
// injected byte is readable at once, without a newline.
struct Pty {
  int master = -1, slave = -1;
  Pty() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return;
    slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    termios t{};
    if (slave < 0 || ::tcgetattr(slave, &t) != 0) return;
    ::cfmakeraw(&t);
    ::tcsetattr(slave, TCSANOW, &t);
  }
  ~Pty() {
    ::close(slave);
    ::close(master);
  }
  // What was pushed into the terminal's input, "" when nothing.
  [[nodiscard]] std::string injected() const {
    ::fcntl(slave, F_SETFL, O_NONBLOCK);
    char buf[16];
    ssize_t n = ::read(slave, buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
};

const std::string kTiocsti =
    "import fcntl, termios\n"
    "try:\n"
    "    fcntl.ioctl(0, termios.TIOCSTI, b'Z')\n"
    "    print('injected')\n"
    "except OSError as e:\n"
    "    print('errno', e.errno)\n";

// `profile ARGS...` started with the pty's slave as its stdin.
std::unique_ptr<Background> start_on_terminal(const Pty& pty, const std::vector<std::string>& args,
                                              const std::string& dir) {
  int in = ::fcntl(pty.slave, F_DUPFD, 10);  // without close-on-exec, for the child's dup2
  auto p = std::make_unique<Background>(args, dir, in);
  ::close(in);
  return p;
}

// As root the workload has CAP_SYS_ADMIN, with which TIOCSTI works on any
// terminal it holds: here a pty slave as its stdin, as a user's terminal would be.
class LearnTerminal : public ::testing::TestWithParam<const char*> {};

TEST_P(LearnTerminal, TiocstiIntoTheCallersTerminalIsRefused) {
  PROFILE_REQUIRE(testing::is_root(), "a root workload (CAP_SYS_ADMIN) in the learning container");
  TempDir dir;
  Pty pty;
  ASSERT_GE(pty.slave, 0);
  auto p = start_on_terminal(pty,
                             {kProfile, "learn", "-q", "--tracer", GetParam(), "-o", dir.path() + "/b", "--",
                              "/usr/bin/python3", "-c", kTiocsti},
                             dir.path());
  int status = p->wait_for(60);
  EXPECT_EQ(status, 0) << slurp(p->err);
  EXPECT_NE(slurp(p->out).find("errno 1"), std::string::npos) << slurp(p->out) << slurp(p->err);
  EXPECT_EQ(pty.injected(), "") << "the workload pushed input into the terminal";
}

INSTANTIATE_TEST_SUITE_P(Tracers, LearnTerminal, ::testing::Values("ebpf", "ptrace"));

// Under enforce only a profile that keeps CAP_SYS_ADMIN could use TIOCSTI on a
// terminal that is not its controlling one; here with no seccomp or Landlock
// artifact either, so that nothing but the guard stands in the way.
TEST(EnforceTerminal, TiocstiIsRefusedEvenWithCapSysAdmin) {
  PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");
  TempDir dir;
  std::string b = dir.path() + "/b";
  auto l = testing::run({kProfile, "-q", "learn", "-o", b, "--", "/usr/bin/python3", "-c", kTiocsti});
  ASSERT_EQ(l.status, 0) << l.err;
  std::string py =
      "import re,sys\n"
      "p=sys.argv[1]+'/profile.toml'\n"
      "t=open(p).read()\n"
      "t=re.sub(r'(?m)^capabilities = .*$', 'capabilities = [ \"CAP_SYS_ADMIN\" ]', t)\n"
      "t=re.sub(r'(?m)^(seccomp|landlock) = .*$', r'\\1 = \"\"', t)\n"
      // Running without them must be said explicitly ([artifacts] is the last table).
      "t+='unconfined = [\"landlock\", \"seccomp\"]\\n'\n"
      "open(p,'w').write(t)\n";
  ASSERT_EQ(testing::run({"/usr/bin/python3", "-c", py, b}).status, 0);
  Pty pty;
  ASSERT_GE(pty.slave, 0);
  auto p = start_on_terminal(pty, {kProfile, "-q", "enforce", b}, dir.path());
  int status = p->wait_for(60);
  EXPECT_EQ(status, 0) << slurp(p->err);
  EXPECT_NE(slurp(p->out).find("errno 1"), std::string::npos) << slurp(p->out) << slurp(p->err);
  EXPECT_EQ(pty.injected(), "") << "the workload pushed input into the terminal";
}

}  // namespace
}  // namespace profile
