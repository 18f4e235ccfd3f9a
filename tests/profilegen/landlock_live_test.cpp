// Landlock rules generated from a recording, enforced by the kernel in a child.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

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

}  // namespace
}  // namespace profile
