// Real services under the profile learned from them: nginx (master
// as root, `user www-data;`), redis-server, a python3 + sqlite3 service started
// through `setpriv --reuid`, `python3 -m http.server` and sqlite3. Each is
// learned on one run with `profile learn`, then enforced on a *different* run:
// files it never read in the same docroot or data directory, a restart on the
// data it wrote, requests the learning run did not make. The service must
// answer them all (zero false denials).
//
// Next to each, the attacks of the issue, each with a control that works:
//   a file of another service in the host /tmp (/tmp/profile-other-*/secret,
//   readable by anyone on the host): out of reach, through the service where
//   it can be made to serve or write it, and from the learned interpreter;
//   clone3 with namespace flags from the learned python3 (ENOSYS: glibc falls
//   back to clone, whose flags the filter checks), and clone with them (EPERM);
//   a rewrite of the bundle from inside, where the bundle lies in a directory
//   the service writes, then a second enforce that is still fully confined;
//   a shell exec'd from the service.
//
// Every workspace is below the host /tmp, as `mktemp -d` gives users: enforce
// must bind exactly what the service used into its private /tmp, and nothing
// else of the host /tmp. Servers listen on 127.0.0.1 with a free high port and
// are stopped through the pid of `profile` (it forwards the signal); no test
// depends on a default port or a default configuration file.
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>
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
using testing::http_get;
using testing::Proc;
using testing::RunResult;
using testing::show;
using testing::slurp;
using testing::spit;
using testing::status_of;

const std::string kProfile = PROFILE_BINARY;
const std::string kPython = "/usr/bin/python3";
const std::string kSqlite = "/usr/bin/sqlite3";
const std::string kNginx = "/usr/sbin/nginx";
const std::string kRedis = "/usr/bin/redis-server";
const std::string kRedisCli = "/usr/bin/redis-cli";
const std::string kSetpriv = "/usr/bin/setpriv";
const std::string kSh = "/bin/sh";
const std::string kSecret = "another service's secret\n";

int landlock_abi() {
  return static_cast<int>(::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION));
}

#define REQUIRE_SERVICE(...)                                                                                \
  do {                                                                                                      \
    PROFILE_REQUIRE(testing::is_root(), "the services run as root (nginx's master, setpriv)");              \
    PROFILE_REQUIRE(landlock_abi() >= 6, "profile enforce needs Landlock ABI 6 for the profiles it makes"); \
    for (const std::string& bin : {__VA_ARGS__})                                                            \
      PROFILE_REQUIRE(::access(bin.c_str(), X_OK) == 0, bin + " is needed (scripts/install-deps.sh)");      \
  } while (0)

// The service's directory tree, ROOT = /tmp/profile-svc-XXXXXX (mode 0755:
// nginx's workers and setpriv's user traverse it), and another service's
// directory next to it in the host /tmp, with a secret file any user may read
// on the host: only the profile keeps it from the workload.
class Workspace {
 public:
  Workspace() {
    char root[] = "/tmp/profile-svc-XXXXXX";
    char other[] = "/tmp/profile-other-XXXXXX";
    if (::mkdtemp(root) == nullptr || ::mkdtemp(other) == nullptr) return;
    root_ = root;
    other_ = other;
    ::chmod(root, 0755);
    ::chmod(other, 0755);
    spit(secret(), kSecret);
    ::chmod(secret().c_str(), 0644);
    std::filesystem::create_directory(markers());
    ::chmod(markers().c_str(), 0777);  // the unconfined controls run as the service's user too
  }
  ~Workspace() {
    std::error_code ec;
    if (!root_.empty()) std::filesystem::remove_all(root_, ec);
    if (!other_.empty()) std::filesystem::remove_all(other_, ec);
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  [[nodiscard]] bool ok() const { return !root_.empty() && exists(secret()); }
  [[nodiscard]] const std::string& root() const { return root_; }
  [[nodiscard]] std::string path(const std::string& rel) const { return root_ + "/" + rel; }
  [[nodiscard]] std::string secret() const { return other_ + "/secret"; }
  [[nodiscard]] const std::string& other() const { return other_; }
  // Where an attack that got a shell would leave its mark (outside everything learned).
  [[nodiscard]] std::string markers() const { return other_ + "/markers"; }
  std::string mkdir(const std::string& rel, mode_t mode = 0755) const {
    std::filesystem::create_directories(path(rel));
    ::chmod(path(rel).c_str(), mode);
    return path(rel);
  }
  void file(const std::string& rel, const std::string& text) const {
    spit(path(rel), text);
    ::chmod(path(rel).c_str(), 0644);
  }

 private:
  std::string root_, other_;
};

// Every test checks at its end that it left nothing running: each command it
// starts names its workspace.
class Services : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!w_.ok()) return;
    auto left = testing::processes_mentioning(w_.root());
    EXPECT_TRUE(left.empty()) << left.size() << " process(es) of the test still running, first pid " << left[0];
    for (pid_t pid : left) ::kill(pid, SIGKILL);
  }
  Workspace w_;
};

std::vector<std::string> learn_argv(const std::string& bundle, const std::string& tracer,
                                    const std::vector<std::string>& command) {
  std::vector<std::string> argv = {kProfile, "-q", "learn", "--tracer", tracer};
  if (!bundle.empty()) argv.insert(argv.end(), {"-o", bundle});  // else ./CMD.profile, in the cwd
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

std::vector<std::string> enforce_argv(const std::string& bundle, const std::vector<std::string>& command = {}) {
  std::vector<std::string> argv = {kProfile, "enforce", bundle, "--timeout", "60"};
  if (!command.empty()) argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

RunResult enforce(const std::string& bundle, const std::vector<std::string>& command) {
  return testing::run_in("/", enforce_argv(bundle, command));
}

// What `profile enforce` and the service said on a run that must have had no
// false denial: no refused access, whoever reports it.
#define EXPECT_NO_DENIAL(text)                                                                         \
  do {                                                                                                 \
    const std::string& t_ = (text);                                                                    \
    for (const char* word : {"denied", "not permitted", "EACCES", "EPERM", "Function not implemented", \
                             "Read-only file system", "No such file or directory"})                    \
      EXPECT_FALSE(contains(t_, word)) << "false denial (" << word << ")\n" << t_;                     \
  } while (0)

// A service that did not come up (it died, or accepts but never answers, as
// nginx's master does when its workers died): stop it and say what it printed.
#define ASSERT_SERVING(proc, up)                                               \
  do {                                                                         \
    if (!(up)) {                                                               \
      (proc).signal(SIGTERM);                                                  \
      auto r_ = (proc).wait(std::chrono::seconds(10));                         \
      FAIL() << "the service did not come up under the profile\n" << show(r_); \
    }                                                                          \
  } while (0)

// Whether `server` listens on `port` before it ends (15 s at most).
bool serving(const Proc& server, int port) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (server.running() && std::chrono::steady_clock::now() < deadline)
    if (testing::listening(port, std::chrono::milliseconds(100))) return true;
  return false;
}

// Every file below a bundle, by path, with its bytes.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file()) files[e.path().string()] = slurp(e.path().string());
  return files;
}

// ---- attacks from a learned python3 ----------------------------------------

// `interpreter` runs python3 as the service does (e.g. through setpriv).
RunResult python(const std::string& bundle, const std::vector<std::string>& interpreter, const std::string& script) {
  std::vector<std::string> cmd = interpreter;
  cmd.insert(cmd.end(), {"-c", script});
  return enforce(bundle, cmd);
}

const std::string kClone3 =
    "import ctypes, os, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "libc.syscall.restype = ctypes.c_long\n"
    "args = (ctypes.c_uint64 * 11)()  # struct clone_args, 88 bytes\n"
    "args[0] = 0x10000000 | 0x00020000 | 0x40000000  # CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET\n"
    "args[4] = 17  # exit_signal = SIGCHLD\n"
    "r = libc.syscall(435, ctypes.byref(args), ctypes.c_size_t(88))\n"
    "if r == 0: os._exit(0)\n"
    "if r > 0: sys.exit('clone3 made a child in new namespaces')  # it exits at once, reaped by pid 1\n"
    "sys.exit('clone3: ' + os.strerror(ctypes.get_errno()))\n";
const std::string kCloneNs =
    "import ctypes, os, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "libc.syscall.restype = ctypes.c_long\n"
    "r = libc.syscall(56, ctypes.c_ulong(0x10000000 | 0x00020000 | 17), 0, 0, 0, 0)  # clone(NEWUSER|NEWNS|SIGCHLD)\n"
    "if r == 0: os._exit(0)\n"
    "if r > 0: sys.exit('clone made a child in new namespaces')\n"
    "sys.exit('clone: ' + os.strerror(ctypes.get_errno()))\n";
const std::string kThread =
    "import threading\n"
    "t = threading.Thread(target=print, args=('thread ran',))\n"
    "t.start(); t.join()\n";

// The attacks any python3 service can be made to do, as `interpreter` runs it.
// `unread` is a file of its data it never read while learning (the control of
// the file attack: the profile does let it read its own data).
void python_attacks(const Workspace& w, const std::string& bundle, const std::vector<std::string>& interpreter,
                    const std::string& unread) {
  auto py = [&](const std::string& script) { return python(bundle, interpreter, script); };
  auto host = [&](const std::string& script) {  // the same, unconfined: the attack works without the profile
    std::vector<std::string> cmd = interpreter;
    cmd.insert(cmd.end(), {"-c", script});
    return testing::run_in("/", cmd);
  };
  {
    SCOPED_TRACE("read another service's file in the host /tmp");
    const std::string steal = "import sys\nsys.stdout.write(open('" + w.secret() + "').read())";
    auto r = py(steal);
    EXPECT_NE(r.status, 0) << "NOT DENIED\n" << show(r);
    EXPECT_FALSE(contains(r.out, kSecret)) << show(r);
    EXPECT_TRUE(contains(r.err, "Error: [Errno")) << show(r);
    EXPECT_EQ(host(steal).out, kSecret) << "control: the file is readable without the profile";
    auto control = py("import sys\nsys.stdout.write(open('" + unread + "').read())");
    EXPECT_WORKS(control);
    EXPECT_EQ(control.out, slurp(unread));
  }
  {
    SCOPED_TRACE("clone3 with namespace flags");
    auto r = py(kClone3);
    EXPECT_DENIED(r, "clone3: Function not implemented");
    EXPECT_TRUE(contains(host(kClone3).err, "clone3 made a child")) << "control: clone3 works without the profile";
    EXPECT_DENIED(py(kCloneNs), "clone: Operation not permitted");
    // Control: glibc falls back from clone3 to clone for a thread, whose flags are learned.
    auto thread = py(kThread);
    EXPECT_WORKS(thread);
    EXPECT_EQ(thread.out, "thread ran\n");
  }
  {
    SCOPED_TRACE("a shell exec'd from the service");
    std::string marker = w.markers() + "/shell-ran";
    const std::string shell =
        "import os, sys\nrc = os.system('touch " + marker + "')\nsys.exit(rc and 'shell ' + str(rc))";
    auto r = py(shell);
    EXPECT_NE(r.status, 0) << "NOT DENIED\n" << show(r);
    EXPECT_FALSE(exists(marker)) << "the shell ran";
    EXPECT_WORKS(host(shell));
    EXPECT_TRUE(exists(marker)) << "control: the shell runs without the profile";
    ::unlink(marker.c_str());
  }
}

// What a workload that can write its bundle makes of it: seccomp allow-all,
// a Landlock ruleset that handles nothing, and CAP_SYS_ADMIN kept (on a bundle
// that accepted them, the next enforce runs a shell that reads /etc/shadow).
const std::string kAllowAllSeccomp = R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []})";
const std::string kNoLandlock = R"({"format": "profile-landlock/1", "min_abi": 1, "handled_fs": [], "fs": []})";
const std::string kNoCapabilities = "capabilities = []";
const std::string kSysAdmin = R"(capabilities = ["CAP_SYS_ADMIN"])";

// A rewrite of the bundle from inside by the learned python3. None of it may
// land, and the next enforce is as confined as before.
void python_rewrites_bundle(const Workspace& w, const std::string& bundle,
                            const std::vector<std::string>& interpreter) {
  auto before = snapshot(bundle);
  ASSERT_FALSE(before.empty());
  const std::string rewrite = "import os\nb = '" + bundle + "'\n" +
                              "def attempt(what, f):\n"
                              "    try:\n"
                              "        f(); print('rewrote', what)\n"
                              "    except OSError as e:\n"
                              "        print('refused', what, e)\n"
                              "def caps():\n"
                              "    t = open(b + '/profile.toml').read().replace('" +
                              kNoCapabilities + "', '" + kSysAdmin +
                              "')\n"
                              "    open(b + '/profile.toml', 'w').write(t)\n"
                              "attempt('seccomp.json', lambda: open(b + '/seccomp.json', 'w').write('" +
                              kAllowAllSeccomp + "'))\n" +
                              "attempt('landlock.json', lambda: open(b + '/landlock.json', 'w').write('" + kNoLandlock +
                              "'))\n" +
                              "attempt('profile.toml', caps)\n"
                              "attempt('a new file', lambda: open(b + '/planted', 'w').write('x'))\n"
                              "attempt('a rename in it', lambda: os.rename(b + '/recording.json', b + '/moved'))\n";
  auto r = python(bundle, interpreter, rewrite);
  EXPECT_FALSE(contains(r.out, "rewrote")) << show(r);
  EXPECT_EQ(snapshot(bundle), before) << "the bundle changed from inside\n" << show(r);
  SCOPED_TRACE("the next enforce is still fully confined");
  auto steal = python(bundle, interpreter, "print(open('/etc/shadow').read())");
  EXPECT_DENIED(steal, "Error: [Errno");
  EXPECT_FALSE(contains(steal.out, "root:"));
  EXPECT_DENIED(python(bundle, interpreter, kCloneNs), "clone: Operation not permitted");
  std::string marker = w.markers() + "/shell-ran";
  auto shell =
      python(bundle, interpreter, "import os, sys\nsys.exit(os.system('touch " + marker + "') and 'no shell')");
  EXPECT_DENIED(shell, "no shell");
  EXPECT_FALSE(exists(marker));
}

// ---- python3 -m http.server ------------------------------------------------

// ROOT/www, a docroot with more files than one run fetches.
void make_docroot(const Workspace& w) {
  w.mkdir("www/docs");
  w.mkdir("www/img");
  w.file("www/index.html", "<h1>index</h1>\n");
  w.file("www/b.html", "<p>b, never fetched while learning</p>\n");
  w.file("www/docs/a.txt", "doc a\n");
  w.file("www/docs/c.txt", "doc c, never fetched while learning\n");
  w.file("www/img/logo.txt", "a logo in a directory never listed while learning\n");
}

// Learns http.server on its docroot with three requests; the bundle is ROOT/bundle.
void learn_http_server(const Workspace& w, const std::string& tracer, int port) {
  make_docroot(w);
  Proc learning(learn_argv(w.path("bundle"), tracer,
                           {kPython, "-m", "http.server", std::to_string(port), "--bind", "127.0.0.1", "--directory",
                            w.path("www")}),
                w.root());
  EXPECT_EQ(body_of(http_get(port, "/index.html")), "<h1>index</h1>\n");
  EXPECT_TRUE(contains(http_get(port, "/docs/"), "a.txt"));
  EXPECT_EQ(body_of(http_get(port, "/docs/a.txt")), "doc a\n");
  learning.signal(SIGINT);  // http.server exits 0 on KeyboardInterrupt
  auto r = learning.wait();
  ASSERT_EQ(r.status, 0) << show(r);
}

void http_server_different_run(const Workspace& w, int port) {
  w.file("www/docs/new.txt", "created after learning\n");
  Proc served(enforce_argv(w.path("bundle")), "/");
  ASSERT_SERVING(served, serving(served, port));
  std::string b = http_get(port, "/b.html");
  ASSERT_SERVING(served, status_of(b) != 0);
  EXPECT_EQ(status_of(b), 200) << b;
  EXPECT_EQ(body_of(b), "<p>b, never fetched while learning</p>\n");
  EXPECT_EQ(body_of(http_get(port, "/docs/c.txt")), "doc c, never fetched while learning\n");
  EXPECT_EQ(body_of(http_get(port, "/docs/new.txt")), "created after learning\n");
  std::string listing = http_get(port, "/img/");
  EXPECT_EQ(status_of(listing), 200) << listing;
  EXPECT_TRUE(contains(listing, "logo.txt")) << listing;
  EXPECT_EQ(body_of(http_get(port, "/img/logo.txt")), "a logo in a directory never listed while learning\n");
  EXPECT_EQ(status_of(http_get(port, "/docs/missing.txt")), 404);
  served.signal(SIGINT);
  auto r = served.wait();
  EXPECT_EQ(r.status, 0) << show(r);
  EXPECT_NO_DENIAL(r.err);
}

TEST_F(Services, PythonHttpServerDifferentRun) {
  REQUIRE_SERVICE(kPython);
  ASSERT_TRUE(w_.ok());
  int port = testing::free_port();
  learn_http_server(w_, "auto", port);
  http_server_different_run(w_, port);
}

TEST_F(Services, PythonHttpServerDifferentRunPtrace) {
  REQUIRE_SERVICE(kPython);
  ASSERT_TRUE(w_.ok());
  int port = testing::free_port();
  learn_http_server(w_, "ptrace", port);
  http_server_different_run(w_, port);
}

TEST_F(Services, PythonHttpServerAttacks) {
  REQUIRE_SERVICE(kPython);
  ASSERT_TRUE(w_.ok());
  int port = testing::free_port();
  learn_http_server(w_, "auto", port);
  {
    SCOPED_TRACE("a symlink in the docroot to another service's file");
    ASSERT_EQ(::symlink(w_.secret().c_str(), w_.path("www/leak").c_str()), 0);
    ASSERT_EQ(::symlink(w_.path("www/docs/c.txt").c_str(), w_.path("www/link").c_str()), 0);
    Proc served(enforce_argv(w_.path("bundle")), "/");
    ASSERT_SERVING(served, serving(served, port));
    std::string leak = http_get(port, "/leak");
    ASSERT_SERVING(served, status_of(leak) != 0);
    EXPECT_NE(status_of(leak), 200) << leak;
    EXPECT_FALSE(contains(leak, kSecret)) << leak;
    EXPECT_EQ(body_of(http_get(port, "/link")), "doc c, never fetched while learning\n") << "control";
    served.signal(SIGINT);
    EXPECT_EQ(served.wait().status, 0);
  }
  python_attacks(w_, w_.path("bundle"), {kPython}, w_.path("www/docs/c.txt"));
  SCOPED_TRACE("rewrite of the bundle");
  python_rewrites_bundle(w_, w_.path("bundle"), {kPython});
}

// ---- a python3 + sqlite3 service started through setpriv ----------------------

// A key-value service as an unprivileged user: /put and /get in DATA/kv.db,
// /files/NAME from DATA/files. Threads (ThreadingHTTPServer), sqlite3, a
// listener: what a small real service does.
const std::string kKvService = R"(import http.server, os, sqlite3, sys, urllib.parse
data, port = sys.argv[1], int(sys.argv[2])
db = os.path.join(data, 'kv.db')

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        code, body = 200, b''
        try:
            if url.path == '/put':
                with sqlite3.connect(db) as c:
                    c.execute('create table if not exists kv(k text primary key, v text)')
                    c.execute('insert or replace into kv values (?, ?)', (q['k'], q['v']))
                body = b'stored\n'
            elif url.path == '/get':
                with sqlite3.connect(db) as c:
                    row = c.execute('select v from kv where k = ?', (q['k'],)).fetchone()
                code, body = (200, (row[0] + '\n').encode()) if row else (404, b'no such key\n')
            elif url.path.startswith('/files/'):
                with open(os.path.join(data, 'files', os.path.basename(url.path)), 'rb') as f:
                    body = f.read()
            else:
                code = 404
        except OSError as e:
            code, body = 500, (str(e) + '\n').encode()
        self.send_response(code)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler)
print('serving as uid', os.getuid(), flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
)";

std::vector<std::string> as_nobody() {
  return {kSetpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
}

// How the attacks run python3 as that service: it runs a script, so python3
// never put its working directory on sys.path (getcwd(2) was never learned,
// and `python3 -c` would call it before any attack); -I keeps the path as the
// service has it.
std::vector<std::string> as_nobody_python() {
  auto argv = as_nobody();
  argv.insert(argv.end(), {kPython, "-I"});
  return argv;
}

// ROOT/kv.py, ROOT/data owned by nobody (it writes its database there).
void learn_kv_service(const Workspace& w, int port) {
  w.file("kv.py", kKvService);
  std::string data = w.mkdir("data");
  w.mkdir("data/files");
  w.file("data/files/one.txt", "file one\n");
  w.file("data/files/two.txt", "file two, never read while learning\n");
  w.file("data/files/four.txt", "file four, never read by the service\n");
  const passwd* nobody = ::getpwnam("nobody");
  const group* nogroup = ::getgrnam("nogroup");
  ASSERT_TRUE(nobody != nullptr && nogroup != nullptr);
  ASSERT_EQ(::chown(data.c_str(), nobody->pw_uid, nogroup->gr_gid), 0);
  std::vector<std::string> cmd = as_nobody();
  cmd.insert(cmd.end(), {kPython, w.path("kv.py"), data, std::to_string(port)});
  Proc learning(learn_argv(w.path("bundle"), "auto", cmd), w.root());
  EXPECT_EQ(body_of(http_get(port, "/put?k=a&v=1")), "stored\n");
  EXPECT_EQ(body_of(http_get(port, "/get?k=a")), "1\n");
  EXPECT_EQ(body_of(http_get(port, "/files/one.txt")), "file one\n");
  EXPECT_EQ(status_of(http_get(port, "/get?k=missing")), 404);
  learning.signal(SIGINT);
  auto r = learning.wait();
  ASSERT_EQ(r.status, 0) << show(r);
  ASSERT_EQ(r.out, "serving as uid " + std::to_string(nobody->pw_uid) + "\n");
}

TEST_F(Services, SetprivServiceDifferentRun) {
  REQUIRE_SERVICE(kPython, kSetpriv);
  ASSERT_TRUE(w_.ok());
  int port = testing::free_port();
  learn_kv_service(w_, port);
  w_.file("data/files/three.txt", "file three, created after learning\n");
  for (int run = 0; run < 2; ++run) {  // the second run restarts on the database the first one changed
    SCOPED_TRACE("enforced run " + std::to_string(run + 1));
    Proc served(enforce_argv(w_.path("bundle")), "/");
    ASSERT_SERVING(served, serving(served, port));
    std::string learned = http_get(port, "/get?k=a");
    ASSERT_SERVING(served, status_of(learned) != 0);
    EXPECT_EQ(status_of(learned), 200) << learned;
    EXPECT_EQ(body_of(learned), "1\n") << "the row written while learning";
    if (run == 0) {
      EXPECT_EQ(body_of(http_get(port, "/put?k=b&v=2")), "stored\n");
    } else {
      EXPECT_EQ(body_of(http_get(port, "/get?k=b")), "2\n") << "the row written by the first enforced run";
    }
    EXPECT_EQ(body_of(http_get(port, "/files/two.txt")), "file two, never read while learning\n");
    EXPECT_EQ(body_of(http_get(port, "/files/three.txt")), "file three, created after learning\n");
    served.signal(SIGINT);
    auto r = served.wait();
    EXPECT_EQ(r.status, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "serving as uid 65534")) << show(r);
    EXPECT_NO_DENIAL(r.err);
  }
}

TEST_F(Services, SetprivServiceAttacks) {
  REQUIRE_SERVICE(kPython, kSetpriv);
  ASSERT_TRUE(w_.ok());
  int port = testing::free_port();
  learn_kv_service(w_, port);
  python_attacks(w_, w_.path("bundle"), as_nobody_python(), w_.path("data/files/four.txt"));
  SCOPED_TRACE("rewrite of the bundle");
  python_rewrites_bundle(w_, w_.path("bundle"), as_nobody_python());
}

// ---- sqlite3 ----------------------------------------------------------------

// Learned from its data directory ROOT/data with the default bundle,
// ./sqlite3.profile: the bundle lies in the directory the workload writes.
std::string learn_sqlite(const Workspace& w, const std::string& tracer) {
  std::string data = w.mkdir("data");
  auto r = testing::run_in(
      data, learn_argv(
                "", tracer,
                {kSqlite, data + "/app.db", "create table t(a); insert into t values (1),(2); select sum(a) from t;"}));
  EXPECT_EQ(r.status, 0) << show(r);
  EXPECT_EQ(r.out, "3\n");
  return data + "/sqlite3.profile";
}

void sqlite_different_run(const Workspace& w, const std::string& bundle) {
  std::string data = w.path("data");
  auto sql = [&](const std::vector<std::string>& args) {
    std::vector<std::string> cmd = {kSqlite};
    cmd.insert(cmd.end(), args.begin(), args.end());
    return enforce(bundle, cmd);
  };
  // Reopen its database, write another table, read both back.
  auto again = sql({data + "/app.db",
                    "create table notes(body text); insert into notes values ('x'), ('yy'); insert into t values (40); "
                    "select sum(a) from t; select group_concat(body, '+') from notes;"});
  EXPECT_EQ(again.status, 0) << show(again);
  EXPECT_EQ(again.out, "43\nx+yy\n");
  EXPECT_NO_DENIAL(again.err);
  auto reopened = sql({data + "/app.db", "select count(*) from notes; select count(*) from t;"});
  EXPECT_EQ(reopened.out, "2\n3\n") << show(reopened);
  // Another database in the same directory, and a file there it never read.
  w.file("data/rows.csv", "a\n7\n8\n9\n");
  auto other = sql({data + "/other.db", ".import --csv " + data + "/rows.csv rows", "select sum(a) from rows;"});
  EXPECT_EQ(other.status, 0) << show(other);
  EXPECT_EQ(other.out, "24\n");
  EXPECT_NO_DENIAL(other.err);
}

TEST_F(Services, Sqlite3DifferentRun) {
  REQUIRE_SERVICE(kSqlite);
  ASSERT_TRUE(w_.ok());
  sqlite_different_run(w_, learn_sqlite(w_, "auto"));
}

TEST_F(Services, Sqlite3DifferentRunPtrace) {
  REQUIRE_SERVICE(kSqlite);
  ASSERT_TRUE(w_.ok());
  sqlite_different_run(w_, learn_sqlite(w_, "ptrace"));
}

TEST_F(Services, Sqlite3Attacks) {
  REQUIRE_SERVICE(kSqlite);
  ASSERT_TRUE(w_.ok());
  std::string bundle = learn_sqlite(w_, "auto");
  std::string db = w_.path("data/app.db");
  w_.file("data/rows.csv", "a\n7\n8\n9\n");
  auto sql = [&](const std::vector<std::string>& args) {
    std::vector<std::string> cmd = {kSqlite, db};
    cmd.insert(cmd.end(), args.begin(), args.end());
    return enforce(bundle, cmd);
  };
  auto file_attack = [&] {
    SCOPED_TRACE(".import another service's file in the host /tmp");
    EXPECT_DENIED(sql({".import --csv " + w_.secret() + " stolen"}), "cannot open \"" + w_.secret() + "\"");
    auto control = sql({"drop table if exists rows;", ".import --csv " + w_.path("data/rows.csv") + " rows",
                        "select count(*) from rows;"});
    EXPECT_WORKS(control);
    EXPECT_EQ(control.out, "3\n");
  };
  auto shell_attack = [&] {
    SCOPED_TRACE(".system: a shell from sqlite3");
    std::string marker = w_.markers() + "/shell-ran";
    auto shell = sql({".system touch " + marker});
    // sqlite3 reports a failed .system but does not fail for it: the shell never started.
    EXPECT_TRUE(contains(shell.err, "System command returns")) << show(shell);
    EXPECT_FALSE(exists(marker)) << "the shell ran";
  };
  file_attack();
  shell_attack();
  {
    SCOPED_TRACE("writefile() into its own bundle, ./sqlite3.profile in its data directory");
    auto before = snapshot(bundle);
    const std::string toml = bundle + "/profile.toml";
    auto r = sql({"select writefile('" + bundle + "/seccomp.json', '" + kAllowAllSeccomp + "');",
                  "select writefile('" + bundle + "/landlock.json', '" + kNoLandlock + "');",
                  "select writefile('" + toml + "', replace(readfile('" + toml + "'), '" + kNoCapabilities + "', '" +
                      kSysAdmin + "'));"});
    EXPECT_EQ(snapshot(bundle), before) << "the bundle changed from inside\n" << show(r);
    // Control: writefile() itself works under the profile, in its data directory.
    auto control = sql({"select writefile('" + w_.path("data/written.txt") + "', 'ok');"});
    EXPECT_WORKS(control);
    EXPECT_EQ(slurp(w_.path("data/written.txt")), "ok");
  }
  SCOPED_TRACE("after the rewrite attempt: still fully confined");
  file_attack();
  shell_attack();
  EXPECT_DENIED(sql({".import --csv /etc/shadow shadow"}), "cannot open \"/etc/shadow\"");
}

// ---- redis-server -----------------------------------------------------------

// A redis on its own configuration (ROOT/redis.conf): loopback, a free port,
// its data in ROOT/data, where it is learned from with the default bundle
// ./redis-server.profile. `enable-protected-configs yes` lets a client move
// `dir`, as a deployment that allows it does: then only the profile keeps the
// writes of SAVE in the data directory.
class Redis {
 public:
  Redis(const Workspace& w, int port) : w_(w), port_(port) {
    data_ = w.mkdir("data");
    w.file("redis.conf", "bind 127.0.0.1\nport " + std::to_string(port) + "\ndaemonize no\nsupervised no\n" + "dir " +
                             data_ + "\ndbfilename dump.rdb\nlogfile \"\"\nsave \"\"\nappendonly no\n" +
                             "enable-protected-configs yes\n");
  }
  [[nodiscard]] std::vector<std::string> command() const { return {kRedis, w_.path("redis.conf")}; }
  [[nodiscard]] std::string bundle() const { return data_ + "/redis-server.profile"; }
  [[nodiscard]] const std::string& data() const { return data_; }

  // One command through redis-cli (unconfined, from the test); its reply.
  std::string cli(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {kRedisCli, "-h", "127.0.0.1", "-p", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_in("/", argv).out;
  }
  // Whether the redis that `server` runs answers PING (false as soon as it ended).
  [[nodiscard]] bool up(const Proc& server) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (server.running() && std::chrono::steady_clock::now() < deadline) {
      if (testing::listening(port_, std::chrono::milliseconds(200)) && cli({"PING"}) == "PONG\n") return true;
    }
    return false;
  }

 private:
  const Workspace& w_;
  int port_;
  std::string data_;
};

std::string learn_redis(const Redis& redis) {
  Proc learning(learn_argv("", "auto", redis.command()), redis.data());
  EXPECT_TRUE(redis.up(learning));
  EXPECT_EQ(redis.cli({"SET", "greeting", "hello"}), "OK\n");
  EXPECT_EQ(redis.cli({"SET", "n", "1"}), "OK\n");
  EXPECT_EQ(redis.cli({"SAVE"}), "OK\n");
  learning.signal(SIGTERM);
  auto r = learning.wait();
  EXPECT_EQ(r.status, 0) << show(r);
  EXPECT_TRUE(exists(redis.data() + "/dump.rdb"));
  return redis.bundle();
}

TEST_F(Services, RedisDifferentRun) {
  REQUIRE_SERVICE(kRedis, kRedisCli);
  ASSERT_TRUE(w_.ok());
  Redis redis(w_, testing::free_port());
  std::string bundle = learn_redis(redis);
  for (int run = 0; run < 2; ++run) {  // each run restarts on the dump the previous one wrote
    SCOPED_TRACE("enforced run " + std::to_string(run + 1));
    Proc served(enforce_argv(bundle), "/");
    ASSERT_SERVING(served, redis.up(served));
    EXPECT_EQ(redis.cli({"GET", "greeting"}), "hello\n") << "the dump written while learning";
    if (run == 0) {
      EXPECT_EQ(redis.cli({"INCR", "n"}), "2\n");
      EXPECT_EQ(redis.cli({"HSET", "h", "field", "value"}), "1\n");
      EXPECT_EQ(redis.cli({"RPUSH", "l", "a", "b", "c"}), "3\n");
      EXPECT_EQ(redis.cli({"SAVE"}), "OK\n");
    } else {
      EXPECT_EQ(redis.cli({"GET", "n"}), "2\n") << "the dump written by the first enforced run";
      EXPECT_EQ(redis.cli({"HGET", "h", "field"}), "value\n");
      EXPECT_EQ(redis.cli({"LRANGE", "l", "0", "-1"}), "a\nb\nc\n");
    }
    served.signal(SIGTERM);
    auto r = served.wait();
    EXPECT_EQ(r.status, 0) << show(r);
    EXPECT_FALSE(contains(r.out, "Fatal error")) << show(r);
    EXPECT_NO_DENIAL(r.out + r.err);
  }
}

TEST_F(Services, RedisAttacks) {
  REQUIRE_SERVICE(kRedis, kRedisCli);
  ASSERT_TRUE(w_.ok());
  Redis redis(w_, testing::free_port());
  std::string bundle = learn_redis(redis);
  auto save_into = [&](const std::string& dir, const std::string& name) {
    // One statement each: the operands of + are not sequenced.
    std::string replies = redis.cli({"CONFIG", "SET", "dir", dir});
    replies += redis.cli({"CONFIG", "SET", "dbfilename", name});
    replies += redis.cli({"SAVE"});
    redis.cli({"CONFIG", "SET", "dir", redis.data()});
    redis.cli({"CONFIG", "SET", "dbfilename", "dump.rdb"});
    return replies;
  };
  auto overwrite_other = [&] {
    SCOPED_TRACE("SAVE over another service's file in the host /tmp");
    std::string replies = save_into(w_.other(), "secret");
    EXPECT_TRUE(contains(replies, "ERR")) << replies;
    EXPECT_EQ(slurp(w_.secret()), kSecret);
    EXPECT_EQ(save_into(redis.data(), "other.rdb"), "OK\nOK\nOK\n") << "control: SAVE into its data directory";
    EXPECT_TRUE(exists(redis.data() + "/other.rdb"));
  };
  auto before = snapshot(bundle);
  {
    Proc served(enforce_argv(bundle), "/");
    ASSERT_SERVING(served, redis.up(served));
    overwrite_other();
    SCOPED_TRACE("SAVE over its own bundle, ./redis-server.profile in its data directory");
    for (const char* name : {"seccomp.json", "profile.toml", "landlock.json"})
      EXPECT_TRUE(contains(save_into(bundle, name), "ERR")) << name;
    EXPECT_EQ(snapshot(bundle), before) << "the bundle changed from inside";
    served.signal(SIGTERM);
    EXPECT_EQ(served.wait().status, 0);
  }
  {
    SCOPED_TRACE("the next enforce is still fully confined");
    Proc served(enforce_argv(bundle), "/");
    ASSERT_SERVING(served, redis.up(served));
    EXPECT_EQ(redis.cli({"GET", "greeting"}), "hello\n");
    overwrite_other();
    served.signal(SIGTERM);
    EXPECT_EQ(served.wait().status, 0);
  }
  {
    SCOPED_TRACE("a shell under the redis bundle");
    std::string marker = w_.markers() + "/shell-ran";
    auto shell = enforce(bundle, {kSh, "-c", "touch " + marker});
    EXPECT_EQ(shell.status, 126) << show(shell);
    EXPECT_FALSE(exists(marker)) << "the shell ran";
    auto control = enforce(bundle, {kRedis, "--version"});
    EXPECT_WORKS(control);
    EXPECT_TRUE(contains(control.out, "Redis server v=")) << show(control);
  }
}

// ---- nginx ------------------------------------------------------------------

// nginx as packaged: the master runs as root and its workers as www-data
// (`user www-data;`), in the foreground with a master (`daemon off;
// master_process on;`), every path of its own below ROOT: -p ROOT, the
// configuration in ROOT/conf, the docroot ROOT/www, logs in ROOT/logs, temp
// files in ROOT/cache and its pid file in ROOT itself, where it is learned from
// with the default bundle ./nginx.profile.
class Nginx {
 public:
  Nginx(const Workspace& w, int port) : w_(w), port_(port) {
    make_docroot(w);
    w.mkdir("conf");
    w.mkdir("logs");
    w.mkdir("cache");
    configure("");
  }
  // The configuration, with `extra` in its server block.
  void configure(const std::string& extra, const std::string& pid = "") const {
    const std::string& r = w_.root();
    w_.file("conf/nginx.conf",
            "user www-data;\ndaemon off;\nmaster_process on;\nworker_processes 2;\n" +
                ("pid " + (pid.empty() ? r + "/nginx.pid" : pid) + ";\n") + "error_log " + r +
                "/logs/error.log info;\n" + "events { worker_connections 64; }\nhttp {\n  access_log " + r +
                "/logs/access.log;\n" + "  client_body_temp_path " + r + "/cache/body;\n" + "  proxy_temp_path " + r +
                "/cache/proxy;\n  fastcgi_temp_path " + r + "/cache/fastcgi;\n  uwsgi_temp_path " + r +
                "/cache/uwsgi;\n  scgi_temp_path " + r + "/cache/scgi;\n  server {\n    listen 127.0.0.1:" +
                std::to_string(port_) + ";\n    root " + r + "/www;\n" + extra + "  }\n}\n");
  }
  [[nodiscard]] std::vector<std::string> command() const {
    return {kNginx, "-p", w_.root() + "/", "-e", w_.path("logs/error.log"), "-c", w_.path("conf/nginx.conf")};
  }
  [[nodiscard]] std::string bundle() const { return w_.path("nginx.profile"); }
  [[nodiscard]] std::string error_log() const { return slurp(w_.path("logs/error.log")); }

 private:
  const Workspace& w_;
  int port_;
};

std::string learn_nginx(const Workspace& w, const Nginx& nginx, int port) {
  Proc learning(learn_argv("", "auto", nginx.command()), w.root());
  EXPECT_EQ(body_of(http_get(port, "/index.html")), "<h1>index</h1>\n");
  EXPECT_EQ(body_of(http_get(port, "/docs/a.txt")), "doc a\n");
  EXPECT_EQ(status_of(http_get(port, "/missing.html")), 404);
  learning.signal(SIGTERM);
  auto r = learning.wait();
  EXPECT_EQ(r.status, 0) << show(r);
  return nginx.bundle();
}

// The worker processes' failures end up in the error log, not in a status:
// any [emerg], [alert] or [crit], and any [error] but the 404s the tests ask
// for (paths named missing.*).
void expect_nginx_healthy(const Nginx& nginx) {
  std::istringstream log(nginx.error_log());
  for (std::string line; std::getline(log, line);) {
    bool asked_404 = contains(line, "[error]") && contains(line, "/missing.") &&
                     contains(line, "failed (2: No such file or directory)");
    for (const char* level : {"[emerg]", "[alert]", "[crit]", "[error]"})
      EXPECT_FALSE(contains(line, level) && !asked_404) << "nginx logged " << level << ": " << line;
  }
}

TEST_F(Services, NginxDifferentRun) {
  REQUIRE_SERVICE(kNginx);
  ASSERT_TRUE(w_.ok());
  int port = testing::free_port();
  Nginx nginx(w_, port);
  std::string bundle = learn_nginx(w_, nginx, port);
  w_.file("www/docs/new.txt", "created after learning\n");
  for (int run = 0; run < 2; ++run) {  // the second run restarts on the logs and temp dirs of the first
    SCOPED_TRACE("enforced run " + std::to_string(run + 1));
    Proc served(enforce_argv(bundle), "/");
    ASSERT_SERVING(served, serving(served, port));
    std::string b = http_get(port, "/b.html");
    ASSERT_SERVING(served, status_of(b) != 0);
    EXPECT_EQ(status_of(b), 200) << b;
    EXPECT_EQ(body_of(b), "<p>b, never fetched while learning</p>\n");
    EXPECT_EQ(body_of(http_get(port, "/docs/c.txt")), "doc c, never fetched while learning\n");
    EXPECT_EQ(body_of(http_get(port, "/docs/new.txt")), "created after learning\n");
    EXPECT_EQ(body_of(http_get(port, "/img/logo.txt")), "a logo in a directory never listed while learning\n");
    EXPECT_EQ(body_of(http_get(port, "/")), "<h1>index</h1>\n");
    EXPECT_EQ(status_of(http_get(port, "/img/missing.txt")), 404);
    served.signal(SIGTERM);
    auto r = served.wait();
    EXPECT_EQ(r.status, 0) << show(r);
    EXPECT_NO_DENIAL(r.err);
    expect_nginx_healthy(nginx);
  }
  EXPECT_TRUE(contains(slurp(w_.path("logs/access.log")), "GET /img/logo.txt")) << "it logged the second run";
}

TEST_F(Services, NginxAttacks) {
  REQUIRE_SERVICE(kNginx);
  ASSERT_TRUE(w_.ok());
  int port = testing::free_port();
  Nginx nginx(w_, port);
  std::string bundle = learn_nginx(w_, nginx, port);
  auto serve_other = [&] {
    SCOPED_TRACE("a location serving another service's directory of the host /tmp");
    nginx.configure("    location /other/ { alias " + w_.other() + "/; }\n    location /mine/ { alias " +
                    w_.path("www/docs") + "/; }\n");
    Proc served(enforce_argv(bundle), "/");
    ASSERT_SERVING(served, serving(served, port));
    std::string leak = http_get(port, "/other/secret");
    ASSERT_SERVING(served, status_of(leak) != 0);
    EXPECT_NE(status_of(leak), 200) << leak;
    EXPECT_FALSE(contains(leak, kSecret)) << leak;
    EXPECT_EQ(body_of(http_get(port, "/mine/c.txt")), "doc c, never fetched while learning\n") << "control";
    served.signal(SIGTERM);
    EXPECT_EQ(served.wait().status, 0);
    nginx.configure("");
  };
  serve_other();
  {
    SCOPED_TRACE("its pid file and error log in its own bundle, ./nginx.profile");
    auto before = snapshot(bundle);
    nginx.configure("    error_log " + bundle + "/seccomp.json;\n", bundle + "/profile.toml");
    Proc attack(enforce_argv(bundle), "/");
    // nginx must fail to start; if it did start, stop it.
    if (testing::listening(port, std::chrono::milliseconds(3000))) attack.signal(SIGTERM);
    auto r = attack.wait();
    EXPECT_NE(r.status, 0) << "nginx started with its pid file in the bundle\n" << show(r);
    EXPECT_EQ(snapshot(bundle), before) << "the bundle changed from inside\n" << show(r);
    nginx.configure("");
  }
  SCOPED_TRACE("the next enforce is still fully confined");
  serve_other();
  {
    SCOPED_TRACE("a shell under the nginx bundle");
    std::string marker = w_.markers() + "/shell-ran";
    auto shell = enforce(bundle, {kSh, "-c", "touch " + marker});
    EXPECT_EQ(shell.status, 126) << show(shell);
    EXPECT_FALSE(exists(marker)) << "the shell ran";
    auto control = enforce(bundle, {kNginx, "-v"});
    EXPECT_WORKS(control);
    EXPECT_TRUE(contains(control.err, "nginx version")) << show(control);
  }
}

}  // namespace
}  // namespace profile
