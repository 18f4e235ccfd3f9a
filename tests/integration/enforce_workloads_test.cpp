// End to end: the five real workloads of bench/generate_minimality.sh, each
// learned once with `profile learn`, then enforced with `profile enforce`: a
// second run with different inputs must work, and attacks injected into the
// same workload under the same bundle (the same interpreter or binary, told to
// do something else) must each be denied, while a matching control shows that
// the denial is the profile's doing.
//
// What denies what (asserted as the user sees it, not by mechanism):
//   reading /etc/shadow, writing outside the learned directories: Landlock (EACCES);
//   a shell from python3, sqlite3 or tar: seccomp (fork/pipe were never learned, EPERM);
//   mount, strace, unshare, cat from the learned shell: Landlock execute (EACCES, 126);
//   mount(2), ptrace(2) from python3: seccomp (EPERM; no capabilities either);
//   an unlearned TCP port: Landlock bind_tcp/connect_tcp (EACCES).
//
// The workloads' directories are not under /tmp or /var/tmp: those are scratch
// directories in policies/paths.toml, so a workload that creates files below
// them is granted all of them and "writing outside its directories" would be
// allowed there by design. A data directory elsewhere (here below /run) gets
// rules of its own, and its sibling `outside/` is outside them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/landlock.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/privileged.h"
#include "tests/support/run.h"
#include "tests/support/service.h"

namespace profile {
namespace {
using testing::body_of;
using testing::contains;
using testing::exists;
using testing::free_port;
using testing::http_get;
using testing::Proc;
using testing::run_in;
using testing::RunResult;
using testing::show;
using testing::slurp;
using testing::spit;

const std::string kProfile = PROFILE_BINARY;
const std::string kPython = "/usr/bin/python3";  // not a pyenv shim first in PATH
const std::string kSqlite = "/usr/bin/sqlite3";
const std::string kTar = "/usr/bin/tar";
const std::string kSh = "/bin/sh";

int landlock_abi() {
  return static_cast<int>(::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION));
}

// The test's directory tree: ROOT/<workload dirs>, ROOT/outside (never
// learned), ROOT/bundle (the profile bundle, written by learn).
class Workspace {
 public:
  Workspace() {
    char tmpl[] = "/run/profile-e2e-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) root_ = tmpl;
    if (!root_.empty()) std::filesystem::create_directory(outside());
  }
  ~Workspace() {
    std::error_code ec;
    if (!root_.empty()) std::filesystem::remove_all(root_, ec);
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  [[nodiscard]] bool ok() const { return !root_.empty(); }
  [[nodiscard]] std::string path(const std::string& rel) const { return root_ + "/" + rel; }
  std::string mkdir(const std::string& rel) const {
    std::filesystem::create_directories(path(rel));
    return path(rel);
  }
  [[nodiscard]] std::string outside() const { return path("outside"); }
  [[nodiscard]] std::string bundle() const { return path("bundle"); }

 private:
  std::string root_;
};

// Where the tests can run at all; a missing piece is a skip, or a failure
// under PROFILE_STRICT=1 (CI).
#define REQUIRE_E2E()                                                                                       \
  do {                                                                                                      \
    PROFILE_REQUIRE(testing::is_root(), "the container needs root or user namespaces");                     \
    PROFILE_REQUIRE(landlock_abi() >= 6, "profile enforce needs Landlock ABI 6 for the profiles it makes"); \
    for (const auto& bin : {kPython, kSqlite, kTar, kSh})                                                   \
      PROFILE_REQUIRE(::access(bin.c_str(), X_OK) == 0, bin + " is needed (scripts/install-deps.sh)");      \
  } while (0)

RunResult enforce(const Workspace& w, const std::vector<std::string>& command) {
  std::vector<std::string> argv = {kProfile, "enforce", w.bundle(), "--timeout", "60"};
  if (!command.empty()) argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return run_in("/", argv);
}

std::vector<std::string> learn_argv(const Workspace& w, const std::vector<std::string>& command) {
  std::vector<std::string> argv = {kProfile, "-q", "learn", "-o", w.bundle(), "--"};
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

// Attacks any python3 workload can be made to do, each with its control.
// `socket_ctor` makes a TCP socket the way the workload did: the profile
// allows socket(2) only with the arguments learned (a server's socket() passes
// protocol 0, a client's create_connection() IPPROTO_TCP; another is EPERM),
// and the point here is the port.
void python_attacks(const Workspace& w, const std::string& learned_readable, const std::string& socket_ctor,
                    int unlearned_port) {
  auto py = [&](const std::string& script) { return enforce(w, {kPython, "-c", script}); };
  {
    SCOPED_TRACE("read /etc/shadow");
    EXPECT_DENIED(py("print(open('/etc/shadow').read())"), "PermissionError: [Errno 13] Permission denied");
    EXPECT_WORKS(py("print(len(open('" + learned_readable + "', 'rb').read()))"));
  }
  {
    SCOPED_TRACE("write outside its directories");
    std::string target = w.outside() + "/pwned";
    EXPECT_DENIED(py("open('" + target + "', 'w').write('x')"), "PermissionError: [Errno 13] Permission denied");
    EXPECT_FALSE(exists(target));
  }
  {
    SCOPED_TRACE("spawn a shell that mounts");
    std::string marker = w.outside() + "/shell-ran";
    auto r =
        py("import subprocess; subprocess.run(['/bin/sh', '-c', 'touch " + marker + "; mount -t tmpfs none /mnt'])");
    EXPECT_DENIED(r, "PermissionError: [Errno 1] Operation not permitted");
    EXPECT_FALSE(exists(marker)) << "the shell ran";
  }
  {
    SCOPED_TRACE("mount(2) and ptrace(2) directly");
    const std::string libc = "import ctypes, os, sys\nlibc = ctypes.CDLL(None, use_errno=True)\n";
    auto fail = [](const std::string& what) {
      return "sys.exit(0 if r == 0 else '" + what + ": ' + os.strerror(ctypes.get_errno()))";
    };
    EXPECT_DENIED(py(libc + "r = libc.mount(b'none', b'/mnt', b'tmpfs', 0, None)\n" + fail("mount")),
                  "mount: Operation not permitted");
    EXPECT_DENIED(py(libc + "r = libc.ptrace(16, os.getppid(), 0, 0)\n" + fail("ptrace")),  // PTRACE_ATTACH
                  "ptrace: Operation not permitted");
    // Control: ctypes itself works under the profile, a learned call goes through.
    EXPECT_WORKS(py(libc + "r = 0 if libc.write(1, b'ctypes\\n', 7) == 7 else -1\n" + fail("write")));
  }
  {
    SCOPED_TRACE("connect to an unlearned port");
    EXPECT_DENIED(
        py("import socket\ns = " + socket_ctor + "\ns.connect(('127.0.0.1', " + std::to_string(unlearned_port) + "))"),
        "PermissionError: [Errno 13] Permission denied");
  }
}

// (1) python3 http.server answering one request on loopback.
TEST(EnforceWorkloads, PythonHttpServer) {
  REQUIRE_E2E();
  Workspace w;
  ASSERT_TRUE(w.ok());
  std::string www = w.mkdir("www");
  spit(www + "/index.html", "learned page\n");
  int port = free_port();
  const std::string server = "import http.server as h\ns = h.HTTPServer(('127.0.0.1', " + std::to_string(port) +
                             "), h.SimpleHTTPRequestHandler)\ns.handle_request()";
  {
    Proc learning(learn_argv(w, {kPython, "-c", server}), www);
    std::string resp = http_get(port, "/index.html");
    EXPECT_TRUE(contains(resp, " 200 ")) << resp;
    EXPECT_EQ(body_of(resp), "learned page\n");
    auto r = learning.wait();
    ASSERT_EQ(r.status, 0) << show(r);
  }

  // Second run: the bundle's own command, other content, another request.
  spit(www + "/index.html", "second run, other content\n");
  {
    Proc enforced({kProfile, "enforce", w.bundle(), "--timeout", "60"}, "/");
    std::string resp = http_get(port, "/?page=2");
    EXPECT_TRUE(contains(resp, " 200 ")) << resp;
    EXPECT_EQ(body_of(resp), "second run, other content\n");
    auto r = enforced.wait();
    EXPECT_EQ(r.status, 0) << show(r);
  }

  // The server only read its docroot: it cannot write there either.
  {
    SCOPED_TRACE("write into its own docroot");
    EXPECT_DENIED(enforce(w, {kPython, "-c", "open('" + www + "/index.html', 'w').write('defaced')"}),
                  "PermissionError: [Errno 13] Permission denied");
    EXPECT_EQ(slurp(www + "/index.html"), "second run, other content\n");
  }
  {
    SCOPED_TRACE("listen on an unlearned port");
    auto bind_to = [&](int p) {
      return enforce(w, {kPython, "-c",
                         "import socket\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                         "s.bind(('127.0.0.1', " +
                             std::to_string(p) + "))\ns.listen()\nprint('listening')"});
    };
    EXPECT_DENIED(bind_to(free_port()), "PermissionError: [Errno 13] Permission denied");
    auto control = bind_to(port);
    EXPECT_WORKS(control);
    EXPECT_EQ(control.out, "listening\n");
  }
  // A server never connects anywhere: any port is unlearned. Ours listens.
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len), 0);
  python_attacks(w, "/etc/ld.so.cache", "socket.socket()", ntohs(a.sin_port));
  ::close(listener);
}

// (2) a sqlite3 query.
TEST(EnforceWorkloads, Sqlite3) {
  REQUIRE_E2E();
  Workspace w;
  ASSERT_TRUE(w.ok());
  std::string home = w.mkdir("db");
  w.mkdir("db/data");
  auto r = run_in(home, learn_argv(w, {kSqlite, "data/learned.db",
                                       "create table t(a); insert into t values (1),(2); select sum(a) from t;"}));
  ASSERT_EQ(r.status, 0) << show(r);
  ASSERT_EQ(r.out, "3\n");

  auto sql = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kSqlite};
    argv.insert(argv.end(), args.begin(), args.end());
    return enforce(w, argv);
  };
  // Second runs: the learned database with other rows, and a new database with another schema.
  auto again = sql({"data/learned.db", "insert into t values (40); select sum(a) from t;"});
  EXPECT_EQ(again.status, 0) << show(again);
  EXPECT_EQ(again.out, "43\n");
  auto other = sql({"data/notes.db",
                    "create table notes(body text); insert into notes values ('x'), ('yy'); "
                    "select group_concat(body, '+') from notes;"});
  EXPECT_EQ(other.status, 0) << show(other);
  EXPECT_EQ(other.out, "x+yy\n");

  {
    SCOPED_TRACE(".system: a shell from sqlite3");
    std::string marker = w.outside() + "/shell-ran";
    auto shell = sql({"data/learned.db", ".system touch " + marker + "; mount -t tmpfs none /mnt"});
    // sqlite3 reports a failed .system but does not fail for it: the shell never started.
    EXPECT_TRUE(contains(shell.err, "System command returns")) << show(shell);
    EXPECT_FALSE(exists(marker)) << "the shell ran";
  }
  {
    SCOPED_TRACE("read /etc/shadow");
    EXPECT_DENIED(sql({"data/learned.db", ".import /etc/shadow shadow"}), "cannot open \"/etc/shadow\"");
    spit(home + "/data/rows.csv", "a\n1\n2\n");
    auto control = sql({"data/learned.db", ".import data/rows.csv rows", "select count(*) from rows;"});
    EXPECT_WORKS(control);
    EXPECT_EQ(control.out, "2\n");
  }
  {
    SCOPED_TRACE("ATTACH a database outside its directory");
    std::string stolen = w.outside() + "/stolen.db";
    EXPECT_DENIED(sql({"data/learned.db", "attach '" + stolen + "' as o; create table o.t(a);"}),
                  "unable to open database");
    EXPECT_FALSE(exists(stolen));
    EXPECT_WORKS(sql({"data/learned.db", "attach 'data/other.db' as o; create table o.t(a);"}));
  }
  {
    SCOPED_TRACE(".output outside its directory");
    std::string dump = w.outside() + "/dump.txt";
    EXPECT_DENIED(sql({"data/learned.db", ".output " + dump, "select * from t;"}), "cannot open \"" + dump + "\"");
    EXPECT_FALSE(exists(dump));
    EXPECT_WORKS(sql({"data/learned.db", ".output data/dump.txt", "select * from t;"}));
    EXPECT_EQ(slurp(home + "/data/dump.txt"), "1\n2\n40\n");
  }
}

// (3) a coreutils pipeline.
TEST(EnforceWorkloads, CoreutilsPipeline) {
  REQUIRE_E2E();
  Workspace w;
  ASSERT_TRUE(w.ok());
  std::string home = w.mkdir("pipe");
  w.mkdir("pipe/data");
  auto r = run_in(home, learn_argv(w, {kSh, "-c",
                                       "seq 1 10000 | sort -rn | head -100 | tr 0-9 a-j > data/top.txt && "
                                       "wc -l < data/top.txt"}));
  ASSERT_EQ(r.status, 0) << show(r);
  ASSERT_EQ(r.out, "100\n");

  auto sh = [&](const std::string& script) { return enforce(w, {kSh, "-c", script}); };
  // Second run: other numbers, order, count, mapping and output file.
  auto second = sh("seq 7 9000 | sort -n | head -25 | tr 0-9 k-t > data/low.txt && wc -l < data/low.txt");
  EXPECT_EQ(second.status, 0) << show(second);
  EXPECT_EQ(second.out, "25\n");
  EXPECT_EQ(slurp(home + "/data/low.txt").substr(0, 4), "r\ns\n");  // 7, 8
  // Nothing of the second run may be refused either (a false denial says so on
  // stderr). The shell learned with PWD set, as every shell user has it; a run
  // without PWD makes it call getcwd(2), which it never did while learning.
  EXPECT_FALSE(contains(second.err, "not permitted") || contains(second.err, "denied"))
      << "false denial in the learned workload\n"
      << show(second);

  {
    // As the workload read its file: wc from a redirection. (sort FILE would
    // be refused anyway: sort never opened a named file, and fdopen's fcntl
    // F_GETFL was never learned.)
    SCOPED_TRACE("read /etc/shadow with a learned binary");
    EXPECT_DENIED(sh("wc -l < /etc/shadow"), "cannot open /etc/shadow: Permission denied");
    auto control = sh("wc -l < data/low.txt");
    EXPECT_WORKS(control);
    EXPECT_EQ(control.out, "25\n");
  }
  {
    SCOPED_TRACE("a binary it never ran");
    auto cat = sh("cat /etc/shadow");
    EXPECT_DENIED(cat, "cat: Permission denied");
    EXPECT_EQ(cat.status, 126);
    EXPECT_FALSE(contains(cat.out, "root:"));
  }
  {
    SCOPED_TRACE("write outside its directories");
    std::string target = w.outside() + "/pwned";
    EXPECT_DENIED(sh("seq 3 > " + target), "cannot create " + target + ": Permission denied");
    EXPECT_FALSE(exists(target));
    EXPECT_WORKS(sh("seq 3 > data/ok.txt"));
    EXPECT_EQ(slurp(home + "/data/ok.txt"), "1\n2\n3\n");
  }
  for (const char* tool : {"mount -t tmpfs none /mnt", "strace -o /dev/null true", "unshare -U true"}) {
    SCOPED_TRACE(std::string("the shell runs: ") + tool);
    std::string name = std::string(tool).substr(0, std::string(tool).find(' '));
    auto attack = sh(tool);
    EXPECT_DENIED(attack, name + ": Permission denied");
    EXPECT_EQ(attack.status, 126);
  }
}

// (4) tar creating an archive.
TEST(EnforceWorkloads, TarCreatesAnArchive) {
  REQUIRE_E2E();
  Workspace w;
  ASSERT_TRUE(w.ok());
  std::string home = w.mkdir("tar");
  w.mkdir("tar/src");
  w.mkdir("tar/data");
  spit(home + "/src/a.txt", "alpha\n");
  spit(home + "/src/b.txt", "beta\n");
  auto r = run_in(home, learn_argv(w, {kTar, "-cf", "data/learned.tar", "-C", "src", "."}));
  ASSERT_EQ(r.status, 0) << show(r);

  auto tar = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kTar};
    argv.insert(argv.end(), args.begin(), args.end());
    return enforce(w, argv);
  };
  auto member = [&](const std::string& archive, const std::string& name) {
    return run_in(home, {kTar, "-xOf", archive, name}).out;  // unconfined, to check what was made
  };
  // Second run: other contents, another archive name.
  spit(home + "/src/a.txt", "alpha, second run\n");
  spit(home + "/src/b.txt", "beta, second run\n");
  auto second = tar({"-cf", "data/second.tar", "-C", "src", "."});
  EXPECT_EQ(second.status, 0) << show(second);
  EXPECT_EQ(member("data/second.tar", "./a.txt"), "alpha, second run\n");
  EXPECT_EQ(member("data/second.tar", "./b.txt"), "beta, second run\n");

  {
    SCOPED_TRACE("archive written outside its directories");
    std::string stolen = w.outside() + "/stolen.tar";
    EXPECT_DENIED(tar({"-cf", stolen, "-C", "src", "."}), stolen + ": Cannot open: Permission denied");
    EXPECT_FALSE(exists(stolen));
  }
  {
    SCOPED_TRACE("archive /etc/shadow");
    auto leak = tar({"-cf", "data/leak.tar", "/etc/shadow"});
    EXPECT_DENIED(leak, "/etc/shadow: Cannot open: Permission denied");
    EXPECT_FALSE(contains(run_in(home, {kTar, "-tf", "data/leak.tar"}).out, "shadow"));
    // Control: a file of /etc the workload did read (tar looks up owner names).
    EXPECT_WORKS(tar({"-cf", "data/passwd.tar", "/etc/passwd"}));
    EXPECT_EQ(member("data/passwd.tar", "etc/passwd"), slurp("/etc/passwd"));
  }
  {
    SCOPED_TRACE("--checkpoint-action=exec: a shell from tar");
    std::string marker = w.outside() + "/shell-ran";
    EXPECT_DENIED(tar({"-cf", "data/x.tar", "-C", "src", ".", "--checkpoint=1",
                       "--checkpoint-action=exec=touch " + marker + "; mount -t tmpfs none /mnt"}),
                  "Cannot fork: Operation not permitted");
    EXPECT_FALSE(exists(marker)) << "the shell ran";
    EXPECT_WORKS(tar({"-cf", "data/x.tar", "-C", "src", ".", "--checkpoint=1", "--checkpoint-action=echo"}));
  }
  {
    SCOPED_TRACE("-I: a compressor that is a shell");
    std::string marker = w.outside() + "/compressor-ran";
    EXPECT_DENIED(tar({"-cf", "data/y.tar", "-I", "sh -c 'touch " + marker + "; cat'", "-C", "src", "."}),
                  "Operation not permitted");
    EXPECT_FALSE(exists(marker)) << "the compressor ran";
  }
}

// (5) a python3 HTTP client fetching from a loopback server.
TEST(EnforceWorkloads, PythonHttpClient) {
  REQUIRE_E2E();
  Workspace w;
  ASSERT_TRUE(w.ok());
  std::string home = w.mkdir("client");
  std::string www = w.mkdir("www");
  spit(www + "/index.html", "learned page\n");
  spit(www + "/doc.txt", "another document\n");
  // Two peers started by the test: the one the client learned, and one it did not.
  int learned = free_port(), other = free_port();
  Proc peer({kPython, "-m", "http.server", std::to_string(learned), "--bind", "127.0.0.1", "--directory", www}, www);
  Proc stranger({kPython, "-m", "http.server", std::to_string(other), "--bind", "127.0.0.1", "--directory", www}, www);
  ASSERT_TRUE(contains(http_get(learned, "/index.html"), " 200 "));
  ASSERT_TRUE(contains(http_get(other, "/doc.txt"), "another document")) << "the unlearned peer must be reachable";

  const std::string client =
      "import sys, urllib.request\nsys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())";
  auto url = [](int port, const std::string& path) { return "http://127.0.0.1:" + std::to_string(port) + path; };
  auto r = run_in(home, learn_argv(w, {kPython, "-c", client, url(learned, "/index.html")}));
  ASSERT_EQ(r.status, 0) << show(r);
  ASSERT_EQ(r.out, "learned page\n");

  // Second run: another document, with a query.
  auto second = enforce(w, {kPython, "-c", client, url(learned, "/doc.txt?v=2")});
  EXPECT_EQ(second.status, 0) << show(second);
  EXPECT_EQ(second.out, "another document\n");
  {
    SCOPED_TRACE("the same client, another port");
    auto attack = enforce(w, {kPython, "-c", client, url(other, "/doc.txt")});
    EXPECT_DENIED(attack, "urlopen error [Errno 13] Permission denied");
    EXPECT_EQ(attack.out, "");
  }
  python_attacks(w, "/etc/ld.so.cache", "socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)", other);
}

}  // namespace
}  // namespace profile
