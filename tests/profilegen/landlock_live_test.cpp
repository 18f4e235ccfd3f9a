// Landlock rules generated from a recording, enforced by the kernel in a child.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "common/atomic_file.h"
#include "enforce/landlock.h"
#include "profilegen/bundle.h"
#include "tests/profilegen/sample.h"
#include "tests/support/privileged.h"

namespace profile {
namespace {

struct Listener {
  int fd = -1;
  uint16_t port = 0;
};

Listener listen_loopback() {
  Listener l;
  l.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(l.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(l.fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&a), &len);
  l.port = ntohs(a.sin_port);
  return l;
}

int connect_errno(uint16_t port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  int rc = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
  ::close(s);
  return rc;
}

int open_errno(const std::string& p, int flags) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

TEST(LandlockLive, GeneratedRulesAllowInsideAndDenyOutside) {
  PROFILE_REQUIRE(landlock_abi() >= 6, "Landlock ABI 6 (fs, TCP, scoping)");
  char tmpl[] = "/tmp/profilegen-ll-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::ofstream(dir + "/inside.txt") << "in\n";
  std::ofstream(dir + "/outside.txt") << "out\n";
  ASSERT_EQ(::mkdir((dir + "/out").c_str(), 0755), 0);
  Listener allowed = listen_loopback(), other = listen_loopback();

  Recording r;
  RunInfo run;
  run.command = {"child"};
  run.tracer = "ptrace";
  r.runs.push_back(run);
  r.add_syscall("x86_64", "openat");
  r.add_file(dir + "/inside.txt", Access::Read, kOk, "file");
  r.add_file(dir + "/out/new.txt", Access::Create, kOk, "file");
  r.add_file(dir + "/out/new.txt", Access::Write, kOk, "file");
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", allowed.port, "", kOk});
  auto files = render_bundle(r, testing::no_selinux(), "", nullptr);
  ASSERT_TRUE(files) << files.error().message;
  auto profile = parse_landlock_json(files->at("landlock.json"), "landlock.json");
  ASSERT_TRUE(profile) << profile.error().message;
  auto prepared = prepare_landlock_from_parent(*profile, false);
  ASSERT_TRUE(prepared) << prepared.error().message;
  ASSERT_TRUE(prepared->enabled());

  ASSERT_EQ(open_errno(dir + "/outside.txt", O_RDONLY), 0) << "readable before Landlock";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    const char* step = nullptr;
    int res[6] = {apply_landlock_in_child(*prepared, &step),
                  open_errno(dir + "/inside.txt", O_RDONLY),
                  open_errno(dir + "/outside.txt", O_RDONLY),
                  open_errno(dir + "/out/other.txt", O_WRONLY | O_CREAT),
                  connect_errno(allowed.port),
                  connect_errno(other.port)};
    (void)!::write(fds[1], res, sizeof res);
    ::_exit(0);
  }
  ::close(fds[1]);
  int res[6] = {-1, -1, -1, -1, -1, -1};
  ASSERT_EQ(::read(fds[0], res, sizeof res), static_cast<ssize_t>(sizeof res));
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  EXPECT_EQ(res[0], 0) << "apply";
  EXPECT_EQ(res[1], 0) << "recorded read is allowed";
  EXPECT_EQ(res[2], EACCES) << "a file outside the rules is denied";
  EXPECT_EQ(res[3], 0) << "files may be created where files were created while learning";
  EXPECT_EQ(res[4], 0) << "recorded TCP port";
  EXPECT_EQ(res[5], EACCES) << "other TCP port";
  ::close(allowed.fd);
  ::close(other.fd);
  (void)std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(LandlockLive, DowngradesAreRefusedUnlessAllowed) {
  LandlockProfile p;
  p.handled_fs = (1ULL << 16) - 1;
  p.handled_net = 3;
  p.scoped = 3;
  auto refused = prepare_landlock_from_parent(p, false, 3);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("ABI 4"), std::string::npos) << refused.error().message;
  auto allowed = prepare_landlock_from_parent(p, true, 3);
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->downgrades.size(), 3u);
  EXPECT_EQ(allowed->handled_net, 0u);
  auto none = prepare_landlock_from_parent(p, false, 0);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("not available"), std::string::npos);
}

TEST(LandlockLive, BadLandlockJsonIsAClearError) {
  EXPECT_FALSE(parse_landlock_json("[]", "l.json"));
  auto r = parse_landlock_json(R"({"format":"profile-landlock/1","handled_fs":["read_file"],
      "fs":[{"path":"/x","access":["fly"]}]})",
                               "l.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("l.json/fs/0: unknown filesystem access"), std::string::npos);
  // "\xc3\xa9" (é) spelled as the two byte code points U+10FFC3 U+10FFA9: a
  // second name for a path the writer spells as plain UTF-8.
  auto twice = parse_landlock_json(
      "{\"format\":\"profile-landlock/1\",\"handled_fs\":[\"read_file\"],"
      "\"fs\":[{\"path\":\"/caf\xf4\x8f\xbf\x83\xf4\x8f\xbe\xa9\",\"access\":[\"read_file\"]}]}",
      "l.json");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("spells bytes"), std::string::npos) << twice.error().message;
}

TEST(LandlockLive, EphemeralConnectsExpandToTheLocalPortRange) {
  auto p = parse_landlock_json(R"({"format":"profile-landlock/1","handled_net":["bind_tcp","connect_tcp"],
      "net":{"bind_tcp":[0],"connect_tcp":[5432],"connect_tcp_ephemeral":true}})",
                               "l.json");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->connect_tcp_ephemeral);
  auto prepared = prepare_landlock_from_parent(*p, true, 6);
  ASSERT_TRUE(prepared) << prepared.error().message;
  unsigned lo = 0, hi = 0;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> lo >> hi;
  ASSERT_GT(hi, lo);
  size_t extra = (5432 >= lo && 5432 <= hi) ? 0 : 1;
  EXPECT_EQ(prepared->connect_tcp.size(), hi - lo + 1 + extra);
  EXPECT_EQ(prepared->ephemeral_range, std::to_string(lo) + "-" + std::to_string(hi));
  auto bad = parse_landlock_json(R"({"format":"profile-landlock/1","net":{"connect_tcp_ephemeral":1}})", "l.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("l.json/net/connect_tcp_ephemeral"), std::string::npos);
}

// profile learn, then profile enforce on another run, as a user runs them.
struct Cmd {
  int status = -1;
  std::string out;
};

Cmd profile_sh(const std::string& args) {
  Cmd r;
  FILE* p = ::popen(("cd / && " + std::string(PROFILE_BINARY) + " -q " + args + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int rc = ::pclose(p);
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
  return r;
}

std::string temp_dir(const std::string& parent, const char* stem) {
  std::string t = parent + "/" + stem + "-XXXXXX";
  EXPECT_NE(::mkdtemp(t.data()), nullptr) << t;
  ::chmod(t.c_str(), 0755);
  return t;
}

std::string parent_dir(const std::string& p) {
  return p.substr(0, p.rfind('/'));
}

// Four inputs and a state directory under `base`: learning reads two inputs and
// writes a file; the enforced run reads the other two and reads back what was
// written, while another service's file in the host's /tmp stays out of reach.
void learn_then_enforce_another_run(const std::string& base) {
  for (const char* d : {"/data", "/state", "/secret"}) ASSERT_EQ(::mkdir((base + d).c_str(), 0755), 0);
  for (int i = 1; i <= 4; ++i) std::ofstream(base + "/data/in" + std::to_string(i)) << "input" << i << "\n";
  std::ofstream(base + "/secret/key") << "not the workload's\n";
  std::string other = temp_dir("/tmp", "another-service");
  std::ofstream(other + "/db") << "another service's data\n";
  std::string bundle = base + "/bundle";
  Cmd learned = profile_sh("learn --net none -o " + bundle + " -- /bin/sh -c 'cat " + base + "/data/in1 " + base +
                           "/data/in2 && echo state > " + base + "/state/saved'");
  ASSERT_EQ(learned.status, 0) << learned.out;
  Cmd shown = profile_sh("show " + bundle);
  EXPECT_NE(shown.out.find(base + "/data/  [read_file,read_dir]"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("read 2 files in it"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("written  " + base + "/state/"), std::string::npos) << shown.out;
  const std::string script = "cat " + base + "/data/in3 " + base + "/data/in4 && cat " + base +
                             "/state/saved && echo again > " + base + "/state/saved2 && cat " + base +
                             "/state/saved2; cat " + other + "/db || echo other-denied; cat " + base +
                             "/secret/key || echo secret-denied";
  Cmd enforced = profile_sh("enforce " + bundle + " -- /bin/sh -c '" + script + "'");
  EXPECT_EQ(enforced.status, 0) << enforced.out;
  EXPECT_NE(enforced.out.find("input3\ninput4\nstate\nagain\n"), std::string::npos)
      << "the inputs not read while learning and the written file read back: " << enforced.out;
  EXPECT_NE(enforced.out.find("other-denied"), std::string::npos) << enforced.out;
  EXPECT_EQ(enforced.out.find("another service's data"), std::string::npos) << enforced.out;
  EXPECT_NE(enforced.out.find("secret-denied"), std::string::npos) << enforced.out;
  EXPECT_EQ(enforced.out.find("not the workload's"), std::string::npos) << enforced.out;
  // Exact rules (--paths exact) deny the other inputs: the generalisation is what lets them through.
  Cmd exact = profile_sh("generate --paths exact " + bundle);
  ASSERT_EQ(exact.status, 0) << exact.out;
  Cmd denied = profile_sh("enforce " + bundle + " -- /bin/sh -c 'cat " + base + "/data/in3'");
  EXPECT_NE(denied.status, 0) << denied.out;
  (void)std::system(("rm -rf '" + other + "'").c_str());
}

TEST(LandlockLive, DataAndWrittenDirectoriesHoldOnAnotherRun) {
  PROFILE_REQUIRE(testing::is_root(), "learn and enforce in container mode as root");
  PROFILE_REQUIRE(landlock_abi() >= 6, "Landlock ABI 6 (fs, TCP, scoping)");
  // Outside the temporary roots: the rules alone let the other run through.
  std::string base = temp_dir(parent_dir(PROFILE_BINARY), "ll-live");
  learn_then_enforce_another_run(base);
  (void)std::system(("rm -rf '" + base + "'").c_str());
}

TEST(LandlockLive, DirectoriesBelowTmpWorkThroughTheBindIntoThePrivateTmp) {
  PROFILE_REQUIRE(testing::is_root(), "learn and enforce in container mode as root");
  PROFILE_REQUIRE(landlock_abi() >= 6, "Landlock ABI 6 (fs, TCP, scoping)");
  std::string base = temp_dir("/tmp", "ll-live-tmp");
  learn_then_enforce_another_run(base);
  auto manifest = read_file(base + "/bundle/profile.toml");
  ASSERT_TRUE(manifest);
  EXPECT_NE(manifest->find("private_tmp = true"), std::string::npos) << *manifest;
  EXPECT_NE(manifest->find("source = \"" + base + "/data\""), std::string::npos) << *manifest;
  (void)std::system(("rm -rf '" + base + "'").c_str());
}

// Files created directly in /tmp get a rule on /tmp as a whole only because it
// is the private one: a manifest turned to the host's /tmp is refused.
TEST(LandlockLive, ARuleOnThePrivateTmpIsNeverAppliedToTheHostsTmp) {
  PROFILE_REQUIRE(testing::is_root(), "learn and enforce in container mode as root");
  PROFILE_REQUIRE(landlock_abi() >= 6, "Landlock ABI 6 (fs, TCP, scoping)");
  std::string base = temp_dir(parent_dir(PROFILE_BINARY), "ll-privtmp");
  std::string name = "/tmp/ll-scratch-" + std::to_string(::getpid());
  Cmd learned = profile_sh("learn --net none -o " + base + "/b -- /bin/sh -c 'echo x > " + name + " && cat " + name +
                           " && rm " + name + "'");
  ASSERT_EQ(learned.status, 0) << learned.out;
  Cmd ok = profile_sh("enforce " + base + "/b -- /bin/sh -c 'echo y > " + name + "-2 && cat " + name + "-2'");
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("y\n"), std::string::npos) << "another random name in the private /tmp: " << ok.out;
  struct stat st {};
  EXPECT_NE(::stat((name + "-2").c_str(), &st), 0) << "written to the host's /tmp";
  auto toml = read_file(base + "/b/profile.toml");
  ASSERT_TRUE(toml);
  std::string host = *toml;
  host.replace(host.find("private_tmp = true"), 18, "private_tmp = false");
  std::ofstream(base + "/b/profile.toml") << host;
  Cmd refused = profile_sh("enforce " + base + "/b");
  EXPECT_EQ(refused.status, 125) << refused.out;
  EXPECT_NE(refused.out.find("private_tmp = false"), std::string::npos) << refused.out;
  (void)std::system(("rm -rf '" + base + "'").c_str());
}

// A server that bound port 0 connects to the port it got, another one each run.
TEST(LandlockLive, ServerOnAnEphemeralPortConnectsToItsOwnPortOnAnotherRun) {
  PROFILE_REQUIRE(testing::is_root(), "learn and enforce in container mode as root");
  PROFILE_REQUIRE(landlock_abi() >= 6, "Landlock ABI 6 (fs, TCP, scoping)");
  std::string base = temp_dir(parent_dir(PROFILE_BINARY), "ll-ephemeral");
  std::ofstream(base + "/server.py") << "import socket\n"
                                        "s = socket.socket()\n"
                                        "s.bind(('127.0.0.1', 0))\n"
                                        "s.listen(1)\n"
                                        "c = socket.create_connection(s.getsockname())\n"
                                        "a, _ = s.accept()\n"
                                        "c.sendall(b'x')\n"
                                        "print('self-connect', a.recv(1).decode())\n";
  Cmd learned = profile_sh("learn --net loopback -o " + base + "/b -- python3 " + base + "/server.py");
  ASSERT_EQ(learned.status, 0) << learned.out;
  auto ll = read_file(base + "/b/landlock.json");
  ASSERT_TRUE(ll);
  EXPECT_NE(ll->find("\"connect_tcp_ephemeral\": true"), std::string::npos) << *ll;
  EXPECT_NE(profile_sh("show " + base + "/b").out.find("TCP connect: any port of the local"), std::string::npos);
  for (int run = 0; run < 3; ++run) {  // three other ports
    Cmd enforced = profile_sh("enforce " + base + "/b");
    EXPECT_EQ(enforced.status, 0) << enforced.out;
    EXPECT_NE(enforced.out.find("self-connect x"), std::string::npos) << enforced.out;
  }
  (void)std::system(("rm -rf '" + base + "'").c_str());
}

}  // namespace
}  // namespace profile
