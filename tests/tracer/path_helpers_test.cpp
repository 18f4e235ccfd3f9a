// Pure helpers of the ptrace tracer: lexical paths, /proc/self rewriting, access
// kinds from open flags, sockaddr decoding. No tracing, no root.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>

#include "tracer/ptrace/net_decoder.h"
#include "tracer/ptrace/path_resolver.h"
#include "tracer/ptrace/syscall_decoder.h"

namespace profile::ptrace {
namespace {

TEST(PathHelpers, NormalizeFoldsSlashesAndDotsButKeepsDotDot) {
  EXPECT_EQ(normalize_lexical("/a//b/./c/"), "/a/b/c");
  EXPECT_EQ(normalize_lexical("/"), "/");
  EXPECT_EQ(normalize_lexical("//"), "/");
  EXPECT_EQ(normalize_lexical("/a/../b"), "/a/../b");  // a may be a symlink
}

TEST(PathHelpers, RewritesProcSelfToTheTraceesNamespacePid) {
  std::string p = "/proc/self/status";
  EXPECT_TRUE(rewrite_proc_self(p, 42, 43));
  EXPECT_EQ(p, "/proc/42/status");
  p = "/proc/thread-self/comm";
  EXPECT_TRUE(rewrite_proc_self(p, 42, 43));
  EXPECT_EQ(p, "/proc/42/task/43/comm");
  p = "/proc/selfish";
  EXPECT_FALSE(rewrite_proc_self(p, 42, 43));
  p = "/proc/self";
  EXPECT_TRUE(rewrite_proc_self(p, 7, 7));
  EXPECT_EQ(p, "/proc/7");
}

TEST(PathHelpers, MapsOwnProcEntriesBackToSelf) {
  std::string p = "/proc/42/maps";
  map_back_proc_self(p, 42, 43);
  EXPECT_EQ(p, "/proc/self/maps");
  p = "/proc/42/task/43/stat";
  map_back_proc_self(p, 42, 43);
  EXPECT_EQ(p, "/proc/thread-self/stat");
  p = "/proc/420/maps";  // another process: unchanged
  map_back_proc_self(p, 42, 43);
  EXPECT_EQ(p, "/proc/420/maps");
  p = "/proc/42";
  map_back_proc_self(p, 42, 43);
  EXPECT_EQ(p, "/proc/self");
}

TEST(PathHelpers, FileTypeNames) {
  EXPECT_STREQ(file_type_name(S_IFREG | 0644), "file");
  EXPECT_STREQ(file_type_name(S_IFDIR), "dir");
  EXPECT_STREQ(file_type_name(S_IFLNK), "symlink");
  EXPECT_STREQ(file_type_name(S_IFSOCK), "sock");
  EXPECT_STREQ(file_type_name(0), "");
}

std::vector<Access> kinds(uint64_t flags, bool existed) {
  Access out[3];
  int n = open_accesses(flags, existed, out);
  return {out, out + n};
}

TEST(OpenAccesses, FollowTheFlags) {
  EXPECT_EQ(kinds(O_RDONLY, true), std::vector<Access>{Access::Read});
  EXPECT_EQ(kinds(O_WRONLY, true), std::vector<Access>{Access::Write});
  EXPECT_EQ(kinds(O_RDWR, true), (std::vector<Access>{Access::Read, Access::Write}));
  EXPECT_EQ(kinds(O_RDONLY | O_TRUNC, true), (std::vector<Access>{Access::Read, Access::Write}));
  EXPECT_EQ(kinds(O_WRONLY | O_CREAT, false), (std::vector<Access>{Access::Write, Access::Create}));
  EXPECT_EQ(kinds(O_WRONLY | O_CREAT, true), std::vector<Access>{Access::Write});  // existed: not a create
  EXPECT_EQ(kinds(O_PATH, true), std::vector<Access>{Access::Stat});
  EXPECT_TRUE(open_follows(O_RDONLY));
  EXPECT_FALSE(open_follows(O_RDONLY | O_NOFOLLOW));
  EXPECT_FALSE(open_follows(O_CREAT | O_EXCL | O_WRONLY));
  EXPECT_TRUE(open_follows(O_CREAT | O_WRONLY));
}

TEST(SyscallTable, KnowsPathSyscallsAndArgRulesPerArchitecture) {
  ArgPolicy policy;
  ArgRule rule;
  rule.syscall = "socket";
  rule.indices = {0};
  rule.masks = {~0ULL};
  policy.rules["socket"] = rule;
  SyscallTable table;
  table.build(policy);
  const auto& openat = table.lookup(Arch::X86_64, 257);
  ASSERT_NE(openat.spec, nullptr);
  EXPECT_STREQ(openat.spec->name, "openat");
  EXPECT_EQ(table.lookup(Arch::X86, 5).spec->op, Op::Open);  // i386 open
  EXPECT_STREQ(table.lookup(Arch::X32, kX32Bit | 257).spec->name, "openat");
  EXPECT_NE(table.lookup(Arch::X86_64, 41).rule, nullptr);  // socket
  EXPECT_EQ(table.lookup(Arch::X86_64, 39).spec, nullptr);  // getpid: count only
  EXPECT_EQ(table.lookup(Arch::X86_64, 100000).spec, nullptr);
}

TEST(Sockaddr, DecodesInetInet6AndUnix) {
  NetEndpoint ep;
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(8080);
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  ASSERT_TRUE(decode_sockaddr(&in, sizeof in, ep));
  EXPECT_EQ(ep.family, "AF_INET");
  EXPECT_EQ(ep.address, "127.0.0.1");
  EXPECT_EQ(ep.port, 8080u);

  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(443);
  inet_pton(AF_INET6, "::1", &in6.sin6_addr);
  ASSERT_TRUE(decode_sockaddr(&in6, sizeof in6, ep));
  EXPECT_EQ(ep.family, "AF_INET6");
  EXPECT_EQ(ep.address, "::1");
  EXPECT_EQ(ep.port, 443u);

  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strcpy(un.sun_path, "/run/x.sock");
  ASSERT_TRUE(decode_sockaddr(&un, offsetof(sockaddr_un, sun_path) + 12, ep));
  EXPECT_EQ(ep.family, "AF_UNIX");
  EXPECT_EQ(ep.path, "/run/x.sock");
  EXPECT_EQ(ep.address, "");
  EXPECT_EQ(ep.port, 0u);

  sockaddr_un abs{};
  abs.sun_family = AF_UNIX;
  std::memcpy(abs.sun_path, "\0name", 5);
  ASSERT_TRUE(decode_sockaddr(&abs, offsetof(sockaddr_un, sun_path) + 5, ep));
  EXPECT_EQ(ep.path, "@name");

  EXPECT_FALSE(decode_sockaddr(&abs, 1, ep));
  EXPECT_EQ(socket_type_name(SOCK_STREAM | SOCK_CLOEXEC), "SOCK_STREAM");
  EXPECT_EQ(socket_family_name(AF_NETLINK), "AF_NETLINK");
}

}  // namespace
}  // namespace profile::ptrace
