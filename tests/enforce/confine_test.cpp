// Each confinement mechanism against the real kernel: an attempt that must fail
// next to a control that must succeed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "common/fd.h"
#include "enforce/landlock.h"
#include "enforce/launcher.h"
#include "enforce/seccomp_filter.h"
#include "tests/support/privileged.h"

namespace profile {
namespace {

const std::string kProbe = std::string(PROFILE_PROGS_DIR) + "/enforce_probe";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/confine-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    ::chmod(path_.c_str(), 0755);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs spec to completion (killing the container after 30 s, so a runaway test
// is bounded) and returns its exit, plus what it wrote to stdout/stderr in *out.
// The output file is made the launcher's stdout while the container is cloned,
// so the workload inherits it without a shell in between.
// `before_release` runs in the launcher between clone and release.
Result<ExitInfo> run(const LaunchSpec& spec, const TempDir& tmp, std::string* out = nullptr,
                     const std::function<void()>& before_release = {}) {
  std::string out_file = tmp.file("stdout");
  Fd file(::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  std::fflush(stdout);
  Fd saved_out(::fcntl(1, F_DUPFD_CLOEXEC, 10)), saved_err(::fcntl(2, F_DUPFD_CLOEXEC, 10));
  ::dup2(file.get(), 1);
  ::dup2(file.get(), 2);
  auto c = spawn_container(spec, {});
  ::dup2(saved_out.get(), 1);
  ::dup2(saved_err.get(), 2);
  if (!c) return c.error();
  if (before_release) before_release();
  if (auto st = (*c)->release(); !st) return st.error();
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, (*c)->top_pid(), 0)));
  struct pollfd p {
    pidfd.get(), POLLIN, 0
  };
  if (::poll(&p, 1, 30000) == 0) (void)(*c)->kill_all();
  auto r = (*c)->wait();
  if (out != nullptr) *out = slurp(out_file);
  return r;
}

LaunchSpec probe(const std::vector<std::string>& args) {
  LaunchSpec spec;
  spec.argv = {kProbe};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  return spec;
}

// The syscalls enforce_probe and /bin/sh need, and nothing else.
const char* kAllowList =
    R"("read","write","openat","close","fstat","newfstatat","statx","lseek","mmap","mprotect","munmap","brk",
       "rt_sigaction","rt_sigprocmask","rt_sigreturn","ioctl","pread64","access","faccessat","faccessat2","execve",
       "exit","exit_group","arch_prctl","set_tid_address","set_robust_list","rseq","prlimit64","getrandom","futex",
       "clone","madvise","mremap","getpid","gettid","getppid","socket","connect","getdents64","fcntl","dup","dup2",
       "dup3","uname","readlink","sched_getaffinity","sched_yield","wait4","kill","tgkill","getuid","geteuid",
       "getgid","getegid","getcwd","chdir","pipe2","vfork","clock_gettime","clock_nanosleep","sysinfo")";

Result<PreparedSeccomp> allow_list_filter() {
  std::string json = std::string(R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
    "syscalls":[{"names":[)") +
                     kAllowList + R"(],"action":"SCMP_ACT_ALLOW"},
                {"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]})";
  return compile_seccomp_json(json, "test-allow-list.json");
}

TEST(Confine, SeccompDeniesWhatIsOutsideTheProfile) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  auto filter = allow_list_filter();
  ASSERT_TRUE(filter.ok()) << filter.error().message;
  TempDir tmp;
  std::string out;
  for (const char* op : {"mount", "unshare", "ptrace", "bpf", "io_uring"}) {
    SCOPED_TRACE(op);
    // Control: without the filter, as root in the container, each call works
    // (or, for bpf with a zeroed attribute, fails for another reason than EPERM).
    auto r = run(probe({op}), tmp, &out);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_NE(out, std::string(op) + " EPERM\n");
    LaunchSpec spec = probe({op});
    spec.confine.seccomp = &*filter;
    r = run(spec, tmp, &out);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(out, std::string(op) + " EPERM\n");
  }
  LaunchSpec ok = probe({"open", "/etc/hostname"});
  ok.confine.seccomp = &*filter;
  auto r = run(ok, tmp, &out);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(out, "open ok\n") << "an allowed syscall must still work";
}

// `profile enforce` compiles while the container is set up and publishes the
// filter into shared memory before release: the filter must then be the one
// loaded, and a slot never published must stop the launch, not run unfiltered.
TEST(Confine, SharedSeccompIsLoadedWhenPublishedAndFailsClosedOtherwise) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  auto filter = allow_list_filter();
  ASSERT_TRUE(filter.ok()) << filter.error().message;
  TempDir tmp;
  std::string out;

  auto slot = SharedSeccomp::create();
  ASSERT_TRUE(slot.ok()) << slot.error().message;
  LaunchSpec spec = probe({"mount"});
  spec.confine.seccomp_slot = slot->slot();
  bool published = false;
  auto r = run(spec, tmp, &out, [&] { published = slot->publish(*filter).ok(); });  // after clone, as run_bundle
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(published);
  EXPECT_EQ(out, "mount EPERM\n");

  auto unpublished = SharedSeccomp::create();
  ASSERT_TRUE(unpublished.ok());
  spec = probe({"write", tmp.file("ran")});
  spec.confine.seccomp_slot = unpublished->slot();
  r = run(spec, tmp, &out);
  ASSERT_FALSE(r.ok()) << "the workload ran without its filter: " << out;
  EXPECT_NE(r.error().message.find("published no filter"), std::string::npos) << r.error().message;
  struct stat st {};
  EXPECT_NE(::stat(tmp.file("ran").c_str(), &st), 0) << "the workload ran";
}

// A filter that denies execve also denies the send and the exit the launcher
// uses to report it: the failure must still come back as a launch error naming
// execve, not as a workload "killed by SIGSEGV".
TEST(Confine, ExecveDeniedByTheFilterIsReportedAsALaunchError) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  auto deny_all = compile_seccomp_json(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]})", "deny-all.json");
  ASSERT_TRUE(deny_all.ok()) << deny_all.error().message;
  TempDir tmp;
  LaunchSpec spec = probe({"open", "/etc/hostname"});
  spec.confine.seccomp = &*deny_all;
  auto r = run(spec, tmp);
  ASSERT_FALSE(r.ok()) << "exit " << r->status();
  EXPECT_NE(r.error().message.find("execve: EPERM"), std::string::npos) << r.error().message;
}

TEST(Confine, Clone3GetsEnosysAndThreadsStillStart) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  auto filter = allow_list_filter();
  ASSERT_TRUE(filter.ok()) << filter.error().message;
  TempDir tmp;
  std::string out;
  LaunchSpec spec = probe({"clone3"});
  spec.confine.seccomp = &*filter;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "clone3 ENOSYS\n");
  spec = probe({"threads"});
  spec.confine.seccomp = &*filter;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "threads ok\n") << "glibc must fall back from clone3 to clone";
}

TEST(Confine, OtherX86AbisAreDenied) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  auto filter = allow_list_filter();
  ASSERT_TRUE(filter.ok()) << filter.error().message;
  TempDir tmp;
  std::string out;
  ASSERT_TRUE(run(probe({"i386"}), tmp, &out).ok());
  EXPECT_EQ(out, "i386 ok\n") << "control: int 0x80 works without the filter";
  LaunchSpec spec = probe({"i386"});
  spec.confine.seccomp = &*filter;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "i386 EPERM\n");

  ASSERT_TRUE(run(probe({"x32"}), tmp, &out).ok());
  bool kernel_has_x32 = out == "x32 ok\n";
  spec = probe({"x32"});
  spec.confine.seccomp = &*filter;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  if (kernel_has_x32) {
    EXPECT_EQ(out, "x32 EPERM\n");
  } else {
    // Without CONFIG_X86_X32_ABI the kernel answers ENOSYS itself; the filter
    // must still not let it through as an x86_64 getpid.
    EXPECT_NE(out, "x32 ok\n");
  }
}

TEST(Confine, CapabilitiesAreGoneUnlessKept) {
  PROFILE_REQUIRE(testing::is_root(), "needs root to have capabilities to drop");
  TempDir tmp;
  std::string target = tmp.file("owned");
  std::ofstream(target) << "x";
  std::string out;
  LaunchSpec spec = probe({"chown", target});
  spec.confine.drop_capabilities = true;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "chown EPERM\n") << "root without CAP_CHOWN";
  spec.confine.keep_capabilities = {"CAP_CHOWN"};
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "chown ok\n") << "control: CAP_CHOWN kept";
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);

  // The bounding set is empty too: nothing can come back through an exec.
  spec = LaunchSpec{};
  spec.argv = {"/bin/grep", "^CapBnd\\|^CapAmb\\|^CapEff", "/proc/self/status"};
  spec.confine.drop_capabilities = true;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nCapAmb:\t0000000000000000\n");
}

TEST(Confine, KeptCapabilitiesAreAmbientOnlyWhenAskedFor) {
  PROFILE_REQUIRE(testing::is_root(), "needs root to have capabilities to drop");
  TempDir tmp;
  LaunchSpec spec;
  spec.argv = {"/bin/grep", "^CapEff\\|^CapBnd\\|^CapAmb", "/proc/self/status"};
  spec.confine.drop_capabilities = true;
  spec.confine.keep_capabilities = {"CAP_CHOWN", "CAP_KILL"};  // bits 0 and 5
  std::string out;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "CapEff:\t0000000000000021\nCapBnd:\t0000000000000021\nCapAmb:\t0000000000000000\n")
      << "kept, but not raised into the ambient set";
  spec.confine.ambient_capabilities = {"CAP_KILL"};
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "CapEff:\t0000000000000021\nCapBnd:\t0000000000000021\nCapAmb:\t0000000000000020\n");
  spec.confine.ambient_capabilities = {"CAP_SYS_ADMIN"};
  auto c = spawn_container(spec, LaunchHooks{});
  ASSERT_FALSE(c.ok()) << "an ambient capability that is not kept";
  EXPECT_NE(c.error().message.find("CAP_SYS_ADMIN"), std::string::npos) << c.error().message;
}

TEST(Confine, NoNewPrivsMakesSetuidBinariesGainNothing) {
  PROFILE_REQUIRE(testing::is_root(), "needs root to make a setuid-root binary");
  PROFILE_REQUIRE(::access("/usr/bin/setpriv", X_OK) == 0, "setpriv (util-linux) is needed");
  TempDir tmp;
  std::string suid = tmp.file("id-suid");
  ASSERT_EQ(std::system(("cp /usr/bin/id " + suid + " && chmod 4755 " + suid).c_str()), 0);
  // Become uid 65534 inside, then run the setuid-root copy of id.
  LaunchSpec spec;
  spec.argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", suid, "-u"};
  spec.confine.drop_capabilities = true;
  spec.confine.keep_capabilities = {"CAP_SETUID", "CAP_SETGID"};
  std::string out;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "0\n") << "control: without no_new_privs the setuid bit works";
  spec.confine.no_new_privs = true;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "65534\n") << "with no_new_privs the setuid bit must be ignored";
}

Result<PreparedLandlock> landlock_from(const std::string& json) {
  auto profile = parse_landlock_json(json, "test-landlock.json");
  if (!profile) return profile.error();
  return prepare_landlock_from_parent(*profile, false);
}

TEST(Confine, LandlockDeniesFilesOutsideTheRules) {
  PROFILE_REQUIRE(landlock_abi() >= 1, "Landlock is not available on this kernel");
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  ::mkdir(tmp.file("allowed").c_str(), 0755);
  ::mkdir(tmp.file("secret").c_str(), 0755);
  std::ofstream(tmp.file("allowed/f")) << "ok";
  std::ofstream(tmp.file("secret/f")) << "no";
  const std::string rx = R"(["execute","read_file","read_dir"])";
  std::string json = R"({"format":"profile-landlock/1","min_abi":1,
    "handled_fs":["execute","read_file","read_dir","write_file","make_reg"],
    "fs":[{"path":"/usr","access":)" +
                     rx + R"(},{"path":"/etc","access":["read_file","read_dir"]},
          {"path":"/dev","access":["read_file","write_file"]},
          {"path":")" +
                     std::string(PROFILE_PROGS_DIR) + R"(","access":)" + rx + R"(},
          {"path":")" +
                     tmp.path() + R"(","access":["write_file","make_reg"]},
          {"path":")" +
                     tmp.file("allowed") + R"(","access":["read_file","read_dir"]}]})";
  auto ll = landlock_from(json);
  ASSERT_TRUE(ll.ok()) << ll.error().message;
  std::string out;
  for (const char* dir : {"allowed", "secret"}) {
    LaunchSpec spec = probe({"open", tmp.file(std::string(dir) + "/f")});
    spec.confine.landlock = &*ll;
    auto r = run(spec, tmp, &out);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(out, std::string("open ") + (dir == std::string("allowed") ? "ok" : "EACCES") + "\n") << dir;
  }
}

TEST(Confine, LandlockDeniesConnectToAnUnlearnedPort) {
  PROFILE_REQUIRE(landlock_abi() >= 4, "TCP rules need Landlock ABI 4");
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  auto listen_any = [](uint16_t& port) {
    Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(s.get(), 8);
    socklen_t len = sizeof a;
    ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    return s;
  };
  uint16_t learned = 0, other = 0;
  Fd l1 = listen_any(learned), l2 = listen_any(other);
  auto ll = landlock_from(R"({"format":"profile-landlock/1","min_abi":4,"handled_fs":[],"fs":[],
      "handled_net":["connect_tcp"],"net":{"connect_tcp":[)" +
                          std::to_string(learned) + "]}}");
  ASSERT_TRUE(ll.ok()) << ll.error().message;
  TempDir tmp;
  std::string out;
  LaunchSpec spec = probe({"connect", std::to_string(learned)});
  spec.confine.landlock = &*ll;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "connect ok\n");
  spec = probe({"connect", std::to_string(other)});
  spec.confine.landlock = &*ll;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_EQ(out, "connect EACCES\n");
}

TEST(Confine, MemoryLimitOomKillsTheHog) {
  PROFILE_REQUIRE(testing::is_root(), "cgroup limits need root or delegation");
  TempDir tmp;
  auto hog = [](int mb) {
    LaunchSpec spec;
    spec.argv = {"/usr/bin/python3", "-c",
                 "b = bytearray(" + std::to_string(mb) +
                     " * 1024 * 1024)\n"
                     "for i in range(0, len(b), 4096): b[i] = 1\n"
                     "print('survived')"};
    spec.limits.memory_max = 64ull << 20;
    return spec;
  };
  std::string out;
  auto r = run(hog(8), tmp, &out);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(out, "survived\n") << "control: 8 MiB fits in 64 MiB";
  r = run(hog(256), tmp, &out);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(out.find("survived"), std::string::npos) << out;
  EXPECT_NE(r->status(), 0);
}

TEST(Confine, PidsLimitHoldsAForkBomb) {
  PROFILE_REQUIRE(testing::is_root(), "cgroup limits need root or delegation");
  TempDir tmp;
  LaunchSpec spec;
  // Forks until refused (bounded: at most 200), then reports how many it got.
  spec.argv = {"/usr/bin/python3", "-c",
               "import os, time\n"
               "n = 0\n"
               "try:\n"
               "    for _ in range(200):\n"
               "        if os.fork() == 0:\n"
               "            time.sleep(30); os._exit(0)\n"
               "        n += 1\n"
               "    print('no limit', n)\n"
               "except OSError as e:\n"
               "    print('refused after', n, e.errno)\n"};
  spec.limits.pids_max = 16;
  std::string out;
  auto r = run(spec, tmp, &out);
  ASSERT_TRUE(r.ok()) << r.error().message;
  // 16 tasks: python itself plus 15 children (sh -c of the test harness counts too).
  EXPECT_EQ(out.rfind("refused after ", 0), 0u) << out;
  EXPECT_NE(out.find(" 11\n"), std::string::npos) << "EAGAIN expected: " << out;
  spec.limits.pids_max = 0;
  spec.argv[2] = "import os\nfor _ in range(40):\n    if os.fork() == 0: os._exit(0)\nprint('forked 40')\n";
  r = run(spec, tmp, &out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(out, "forked 40\n") << "control: no limit";
}

TEST(Confine, MountsPrivateTmpReadOnlyRootAndBinds) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  ::mkdir(tmp.file("data").c_str(), 0755);
  ::mkdir(tmp.file("rw").c_str(), 0755);
  std::ofstream(tmp.file("data/f")) << "data\n";
  std::string host_marker = "/tmp/confine-host-marker-" + std::to_string(::getpid());
  std::ofstream(host_marker) << "host";
  std::string private_marker = "/tmp/confine-private-" + std::to_string(::getpid());
  // The private /tmp hides the host's; the root is read-only; the rw bind
  // (/srv) is writable, the read-only one (/mnt) is not. The report goes to
  // the rw bind, which the test reads on the host side.
  LaunchSpec spec;
  spec.cwd = "/";
  spec.argv = {"/bin/sh", "-c",
               "exec > /srv/out 2>/dev/null; test -e " + host_marker + " && echo tmp-shared; touch " + private_marker +
                   " && echo tmp-writable; "
                   "touch /etc/confine-test && echo root-writable; cat /mnt/f; "
                   "touch /mnt/z && echo ro-bind-writable; true"};
  spec.confine.private_tmp = true;
  spec.confine.readonly_root = true;
  spec.confine.binds = {{tmp.file("rw"), "/srv", false}, {tmp.file("data"), "/mnt", true}};
  auto c = spawn_container(spec, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE((*c)->release().ok());
  auto r = (*c)->wait();
  ::unlink(host_marker.c_str());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(slurp(tmp.file("rw/out")), "tmp-writable\ndata\n");
  struct stat st {};
  EXPECT_NE(::stat("/etc/confine-test", &st), 0) << "read-only root was written";
  EXPECT_NE(::stat(private_marker.c_str(), &st), 0) << "private /tmp leaked to the host";
}

// A bind whose target lies below the private /tmp: the tmpfs is fresh, so the
// launcher creates the mount point (a directory, or an empty file for a file
// source, with missing parents) before mounting. The rest of the host's /tmp
// stays hidden.
TEST(Confine, BindTargetsBelowThePrivateTmpAreCreated) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;  // below the host's /tmp
  ::mkdir(tmp.file("data").c_str(), 0755);
  ::mkdir(tmp.file("out").c_str(), 0755);
  std::ofstream(tmp.file("data/f")) << "dir-bind\n";
  std::ofstream(tmp.file("single")) << "file-bind\n";
  std::ofstream(tmp.file("other")) << "other service\n";
  LaunchSpec spec;
  spec.cwd = "/";
  spec.argv = {"/bin/sh", "-c",
               "exec > " + tmp.file("out/report") + " 2>/dev/null; cat " + tmp.file("data/f") + " " +
                   tmp.file("single") + " /tmp/deeper/nested/single; test -e " + tmp.file("other") +
                   " && echo other-visible; touch " + tmp.file("data/z") + " && echo ro-writable; true"};
  spec.confine.private_tmp = true;
  spec.confine.binds = {{tmp.file("data"), tmp.file("data"), true},
                        {tmp.file("single"), tmp.file("single"), true},
                        {tmp.file("single"), "/tmp/deeper/nested/single", true},
                        {tmp.file("out"), tmp.file("out"), false}};
  auto c = spawn_container(spec, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE((*c)->release().ok());
  auto r = (*c)->wait();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status(), 0);
  EXPECT_EQ(slurp(tmp.file("out/report")), "dir-bind\nfile-bind\nfile-bind\n");
  struct stat st {};
  EXPECT_NE(::stat("/tmp/deeper", &st), 0) << "a mount point was created in the host's /tmp";
  EXPECT_NE(::stat(tmp.file("data/z").c_str(), &st), 0) << "the read-only bind was written";
}

// The exec context is written before Landlock is applied: once applied, a
// ruleset that handles write_file refuses the write to /proc (EACCES) on an
// enforcing host. SELinux is not active here, so the write itself fails with the
// kernel's EINVAL; EACCES would mean Landlock came first.
TEST(Confine, SelinuxExecContextIsWrittenBeforeLandlock) {
  PROFILE_REQUIRE(landlock_abi() >= 1, "Landlock is not available on this kernel");
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  auto ll = landlock_from(R"({"format":"profile-landlock/1","min_abi":1,"handled_fs":["read_file","write_file"],
    "fs":[{"path":"/usr","access":["read_file"]}]})");
  ASSERT_TRUE(ll.ok()) << ll.error().message;
  LaunchSpec spec;
  spec.argv = {"/bin/sh", "-c", "touch " + tmp.file("ran")};
  spec.confine.landlock = &*ll;
  spec.confine.selinux_exec_context = "system_u:system_r:profile_test_t:s0";
  auto r = run(spec, tmp);
  ASSERT_FALSE(r.ok()) << "no LSM here takes an exec context, yet exit " << r->status();
  EXPECT_NE(r.error().message.find("attr/exec"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("EACCES"), std::string::npos)
      << "the exec context was written after Landlock: " << r.error().message;
  struct stat st {};
  EXPECT_NE(::stat(tmp.file("ran").c_str(), &st), 0) << "the workload ran";
}

// runc's masked and read-only paths: the kernel's memory image and keys read
// as empty, firmware tables are gone, /proc/sys cannot be written (control: in
// the container's own UTS namespace the hostname write succeeds unmasked).
TEST(Confine, KernelPathsAreMaskedAndReadOnlyAsInRunc) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  const std::string script =
      "printf 'timer_list=%s ' $(wc -c < /proc/timer_list); printf 'keys=%s ' $(wc -c < /proc/keys); "
      "printf 'firmware=%s ' $(ls /sys/firmware | wc -l); "
      "if echo masked-test > /proc/sys/kernel/hostname 2>/dev/null; then echo sys=rw; else echo sys=ro; fi";
  LaunchSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  std::string out;
  auto open_run = run(spec, tmp, &out);
  ASSERT_TRUE(open_run.ok()) << open_run.error().message;
  EXPECT_NE(out.find("sys=rw"), std::string::npos) << "control: " << out;
  EXPECT_EQ(out.find("timer_list=0 "), std::string::npos) << "control: " << out;
  EXPECT_EQ(out.find("firmware=0 "), std::string::npos) << "control: " << out;

  spec.confine.mask_kernel_paths = true;
  auto masked = run(spec, tmp, &out);
  ASSERT_TRUE(masked.ok()) << masked.error().message;
  EXPECT_NE(out.find("timer_list=0 "), std::string::npos) << out;  // /proc/kcore is not on this kernel
  EXPECT_NE(out.find("keys=0 "), std::string::npos) << out;
  EXPECT_NE(out.find("firmware=0 "), std::string::npos) << out;
  EXPECT_NE(out.find("sys=ro"), std::string::npos) << out;
}

// An inherited personality (setarch -R: ADDR_NO_RANDOMIZE) is reset as runc does.
TEST(Confine, PersonalityIsReset) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  int before = ::personality(0xffffffff);
  ASSERT_NE(::personality(static_cast<unsigned long>(before) | ADDR_NO_RANDOMIZE), -1);
  LaunchSpec spec;
  spec.argv = {"/bin/cat", "/proc/self/personality"};
  std::string inherited, reset;
  auto a = run(spec, tmp, &inherited);
  spec.confine.reset_personality = true;
  auto b = run(spec, tmp, &reset);
  ::personality(static_cast<unsigned long>(before));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(inherited, "00040000\n") << "control: the launcher's personality is inherited";
  EXPECT_EQ(reset, "00000000\n");
}

TEST(Confine, AFailingStepStopsTheLaunchAndNamesIt) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  LaunchSpec spec;
  spec.argv = {"/bin/sh", "-c", "touch " + tmp.file("ran")};
  spec.confine.binds = {{tmp.path(), "/no/such/target", true}};
  auto c = spawn_container(spec, {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("bind mount"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("ENOENT"), std::string::npos) << c.error().message;
  struct stat st {};
  EXPECT_NE(::stat(tmp.file("ran").c_str(), &st), 0) << "the workload ran";

  spec.confine.binds.clear();
  spec.confine.keep_capabilities = {"CAP_NO_SUCH_THING"};
  spec.confine.drop_capabilities = true;
  c = spawn_container(spec, {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("CAP_NO_SUCH_THING"), std::string::npos);
}

TEST(Confine, WorkloadCannotReachTheLauncherBinaryOrTheTerminal) {
  PROFILE_REQUIRE(testing::is_root(), "container mode as root");
  TempDir tmp;
  std::string out;
  // pid 1 is the supervisor, whose executable is the launcher: with
  // capabilities dropped the workload can neither write it nor even open it.
  LaunchSpec spec = probe({"write", "/proc/1/exe"});
  spec.confine.drop_capabilities = true;
  spec.confine.no_new_privs = true;
  ASSERT_TRUE(run(spec, tmp, &out).ok());
  EXPECT_NE(out, "write ok\n");
  EXPECT_EQ(out.rfind("write E", 0), 0u) << out;
}

}  // namespace
}  // namespace profile
