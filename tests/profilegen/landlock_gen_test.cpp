#include "profilegen/landlock_gen.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/profilegen/sample.h"

namespace profile {
namespace {

LandlockModel model(const Recording& r, const LandlockGenOptions& o = {}, const std::string& extra_policy = "") {
  auto p = load_gen_policy_text(extra_policy, "extra.toml");
  EXPECT_TRUE(p) << p.error().message;
  return build_landlock_model(r, *p, o);
}

LandlockGenOptions exact() {
  LandlockGenOptions o;
  o.directories = false;
  return o;
}

const PathGeneralisation* generalised(const LandlockModel& m, const std::string& path) {
  for (const auto& g : m.generalised)
    if (g.path == path) return &g;
  return nullptr;
}

const PathGeneralisation* kept(const LandlockModel& m, const std::string& path) {
  for (const auto& g : m.refused)
    if (g.path == path) return &g;
  return nullptr;
}

// Every right the rules give on `path` (a rule on it or on an ancestor).
std::set<std::string> reach(const LandlockModel& m, const std::string& path) {
  std::set<std::string> out;
  for (const auto& r : m.fs)
    if (r.path == path || r.path == "/" || path.rfind(r.path + "/", 0) == 0) {
      auto s = landlock_access_set(r.access);
      out.insert(s.begin(), s.end());
    }
  return out;
}

const std::set<std::string> kRead = {"read_dir", "read_file"};

std::set<std::string> rights(const LandlockModel& m, const std::string& path) {
  for (const auto& r : m.fs)
    if (r.path == path) return landlock_access_set(r.access);
  return {};
}

bool has_rule(const LandlockModel& m, const std::string& path) {
  for (const auto& r : m.fs)
    if (r.path == path) return true;
  return false;
}

TEST(LandlockGen, GoldenForTheSampleRecording) {
  testing::expect_golden("landlock.json", landlock_to_json(model(testing::sample_recording())));
}

TEST(LandlockGen, LibraryTreesGetReadAndExecute) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/usr/lib"), (std::set<std::string>{"execute", "read_dir", "read_file"}));
  EXPECT_FALSE(has_rule(m, "/usr/lib/x86_64-linux-gnu/libc.so.6")) << "covered by the tree";
}

TEST(LandlockGen, ReadOnlyFilesGetPerFileRules) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/etc/hosts"), std::set<std::string>{"read_file"});
  EXPECT_FALSE(has_rule(m, "/etc/missing.conf")) << "failed accesses grant nothing";
  EXPECT_FALSE(has_rule(m, "/etc/passwd")) << "stat needs no Landlock right";
  EXPECT_FALSE(has_rule(m, "/etc"));
}

TEST(LandlockGen, ProcPidBecomesProcSelf) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/proc/self/status"), std::set<std::string>{"read_file"});
  EXPECT_EQ(rights(m, "/proc/thread-self/comm"), std::set<std::string>{"read_file"});
  for (const auto& r : m.fs) EXPECT_EQ(r.path.find("1234"), std::string::npos) << r.path;
}

TEST(LandlockGen, TemporaryFilesGiveOneScratchDirectoryRule) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/tmp"), (std::set<std::string>{"make_reg", "remove_file", "truncate", "write_file"}));
  EXPECT_FALSE(has_rule(m, "/tmp/tmpab12cd"));
}

TEST(LandlockGen, ReadOnlyFileInScratchDirectoryKeepsItsOwnRule) {
  Recording r;
  r.add_file("/tmp/input.txt", Access::Read, kOk, "file");
  auto m = model(r);
  EXPECT_FALSE(has_rule(m, "/tmp"));
  EXPECT_EQ(rights(m, "/tmp/input.txt"), std::set<std::string>{"read_file"});
}

TEST(LandlockGen, CreatedFilesGrantOnTheParent) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(rights(m, "/home/u"), (std::set<std::string>{"make_dir", "make_reg", "truncate", "write_file"}));
  EXPECT_EQ(rights(m, "/var/log/app.log"), (std::set<std::string>{"truncate", "write_file"}));
}

TEST(LandlockGen, DirectoriesAndDevices) {
  auto m = model(testing::sample_recording(), exact());
  EXPECT_EQ(rights(m, "/srv/data"), std::set<std::string>{"read_dir"});
  EXPECT_EQ(rights(m, "/srv/data/a.txt"), std::set<std::string>{"read_file"});
  EXPECT_EQ(rights(m, "/dev/null"), (std::set<std::string>{"ioctl_dev", "truncate", "write_file"}));
  EXPECT_EQ(rights(m, "/usr/bin/app"), (std::set<std::string>{"execute", "read_file"}));
}

TEST(LandlockGen, CompactionDropsRulesAnAncestorCovers) {
  Recording r;
  r.add_file("/data", Access::Read, kOk, "dir");
  r.add_file("/data/sub", Access::Read, kOk, "dir");
  r.add_file("/data/sub/x", Access::Read, kOk, "file");
  auto m = model(r, exact());
  EXPECT_TRUE(has_rule(m, "/data"));
  EXPECT_FALSE(has_rule(m, "/data/sub")) << "read_dir on /data covers it";
  EXPECT_TRUE(has_rule(m, "/data/sub/x")) << "read_file is not granted by the ancestor";
}

TEST(LandlockGen, TcpPortsAndScopes) {
  auto m = model(testing::sample_recording());
  EXPECT_EQ(m.bind_tcp, std::set<uint16_t>{8080});
  EXPECT_EQ(m.connect_tcp, std::set<uint16_t>{5432}) << "UDP is not Landlock's";
  EXPECT_EQ(m.scoped, std::vector<std::string>{"signal"}) << "an abstract socket was used";
  // TCP was used: only Landlock confines its ports (ABI 4). Scope is covered by
  // the container's pid and network namespaces, so it is handled, not required.
  EXPECT_EQ(m.min_abi, 4);
  EXPECT_EQ(m.required, (std::vector<std::string>{"fs", "net_tcp"}));
  Recording plain;
  plain.add_file("/etc/hosts", Access::Read, kOk, "file");
  EXPECT_EQ(model(plain).scoped, (std::vector<std::string>{"abstract_unix_socket", "signal"}));
}

// A feature is required only for an observed use that nothing else confines.
TEST(LandlockGen, FeaturesAreRequiredOnlyWhereTheRecordingNeedsThem) {
  auto required = [](const Recording& r, bool host_network = false) {
    LandlockGenOptions o;
    o.host_network = host_network;
    return model(r, o).required;
  };
  using V = std::vector<std::string>;
  Recording files;
  files.add_file("/etc/hosts", Access::Read, kOk, "file");
  files.add_file("/var/log/app.log", Access::Write, kOk, "file");
  EXPECT_EQ(required(files), V{"fs"});
  EXPECT_EQ(model(files).min_abi, 1);

  Recording renames = files;
  renames.add_file("/srv/spool/new", Access::Rename, kOk, "file");
  EXPECT_EQ(required(renames), (V{"fs", "refer"}));

  Recording truncates = files;
  truncates.add_syscall("x86_64", "truncate");
  EXPECT_EQ(required(truncates), (V{"fs", "truncate"}));

  Recording tcp = files;
  tcp.add_endpoint(NetEndpoint{"AF_INET6", "SOCK_STREAM", "connect", "::1", 5432, "", kOk});
  EXPECT_EQ(required(tcp), (V{"fs", "net_tcp"}));
  Recording udp = files;
  udp.add_endpoint(NetEndpoint{"AF_INET", "SOCK_DGRAM", "connect", "127.0.0.1", 53, "", kOk});
  EXPECT_EQ(required(udp), V{"fs"}) << "Landlock does not confine UDP: nothing to require";

  // Abstract unix sockets: the container's network namespace covers them,
  // unless it shares the host's.
  Recording unix_socket = files;
  unix_socket.add_endpoint(NetEndpoint{"AF_UNIX", "SOCK_STREAM", "connect", "", 0, "@bus", kOk});
  EXPECT_EQ(required(unix_socket), V{"fs"});
  EXPECT_EQ(required(unix_socket, /*host_network=*/true), (V{"fs", "scope"}));
  LandlockGenOptions host;
  host.host_network = true;
  EXPECT_EQ(model(unix_socket, host).min_abi, 6);
}

// --paths directories (the default): widened only with evidence, each widening
// listed with its reason.
TEST(LandlockGen, DataDirectoryFromSeveralReads) {
  Recording r;
  r.add_file("/srv/www/index.html", Access::Read, kOk, "file");
  r.add_file("/srv/www/about.html", Access::Read, kOk, "file");
  r.add_file("/data/one/only.csv", Access::Read, kOk, "file");
  auto m = model(r);
  EXPECT_EQ(rights(m, "/srv/www"), kRead) << "another page of the docroot is read the same way";
  EXPECT_FALSE(has_rule(m, "/srv/www/index.html")) << "covered by the directory";
  const auto* g = generalised(m, "/srv/www");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->kind, "data");
  EXPECT_EQ(g->evidence, "read 2 files in it");
  EXPECT_EQ(rights(m, "/data/one/only.csv"), std::set<std::string>{"read_file"}) << "one file is no evidence";
  EXPECT_FALSE(has_rule(m, "/data/one"));
}

TEST(LandlockGen, DataDirectoryFromAListing) {
  Recording r;
  r.add_file("/data/in", Access::Read, kOk, "dir");
  r.add_file("/data/in/a.csv", Access::Read, kOk, "file");
  auto m = model(r);
  EXPECT_EQ(rights(m, "/data/in"), kRead);
  ASSERT_NE(generalised(m, "/data/in"), nullptr);
  EXPECT_EQ(generalised(m, "/data/in")->evidence, "listed it");
  EXPECT_EQ(rights(model(r, exact()), "/data/in"), std::set<std::string>{"read_dir"}) << "exact mode";
}

TEST(LandlockGen, DataDirectoryNamedInTheArguments) {
  Recording r;
  RunInfo run;
  run.command = {"/usr/bin/python3", "-m", "http.server", "--directory", "/srv/site", "--conf=cfg", "out"};
  run.cwd = "/work/app";
  r.runs.push_back(run);
  r.add_file("/srv/site/index.html", Access::Read, kOk, "file");
  r.add_file("/work/app/cfg/main.conf", Access::Read, kOk, "file");
  r.add_file("/work/app/out", Access::Read, kOk, "file");  // a file argument names no directory
  auto m = model(r);
  EXPECT_EQ(rights(m, "/srv/site"), kRead);
  EXPECT_NE(generalised(m, "/srv/site")->evidence.find("named in the command's arguments"), std::string::npos);
  // The working directory itself: something below it was read. (--conf=cfg,
  // relative to it, is inside.)
  EXPECT_EQ(rights(m, "/work/app"), kRead);
  EXPECT_NE(generalised(m, "/work/app")->evidence.find("working directory"), std::string::npos);
  EXPECT_FALSE(has_rule(m, "/work/app/cfg")) << "covered by /work/app";
  run.cwd = "/";
  run.command = {"/bin/tool", "--conf=work/app/cfg"};
  Recording rel;
  rel.runs.push_back(run);
  rel.add_file("/work/app/cfg/main.conf", Access::Read, kOk, "file");
  EXPECT_EQ(rights(model(rel), "/work/app/cfg"), kRead) << "--conf=DIR, relative to the working directory";
  // Named, but nothing below it read: no evidence of use.
  Recording idle;
  RunInfo run2;
  run2.command = {"/bin/tool", "/srv/unused"};
  run2.cwd = "/";
  idle.runs.push_back(run2);
  idle.add_file("/srv/unused", Access::Stat, kOk, "dir");
  EXPECT_FALSE(has_rule(model(idle), "/srv/unused"));
}

TEST(LandlockGen, WrittenDirectoryGetsReadWriteCreateRemove) {
  Recording r;
  // redis: a temp file renamed over its dump, in its own data directory.
  r.add_file("/var/lib/redis/temp-42.rdb", Access::Create, kOk, "file");
  r.add_file("/var/lib/redis/temp-42.rdb", Access::Write, kOk, "file");
  r.add_file("/var/lib/redis/temp-42.rdb", Access::Rename, kOk, "file");
  r.add_file("/var/lib/redis/dump.rdb", Access::Rename, kOk, "file");
  // A directory it creates itself, with files in it: the rule goes to the
  // ancestor that exists when the rules are made.
  r.add_file("/var/lib/app/cache", Access::Create, kOk, "dir");
  r.add_file("/var/lib/app/cache/x", Access::Create, kOk, "file");
  r.add_file("/var/lib/app/cache/x", Access::Write, kOk, "file");
  auto m = model(r);
  auto redis = rights(m, "/var/lib/redis");
  for (const char* need : {"read_file", "read_dir", "write_file", "truncate", "make_reg", "remove_file", "refer"})
    EXPECT_TRUE(redis.count(need)) << need << " (it reads back the dump it wrote)";
  const auto* g = generalised(m, "/var/lib/redis");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->kind, "written");
  EXPECT_EQ(g->evidence, "created 1 file, wrote 1 file, renamed 2 files");
  EXPECT_FALSE(has_rule(m, "/var/lib/app/cache")) << "it does not exist when a fresh run starts";
  EXPECT_TRUE(rights(m, "/var/lib/app").count("read_file"));
  EXPECT_TRUE(rights(m, "/var/lib/app").count("make_dir"));
  EXPECT_NE(generalised(m, "/var/lib/app")->evidence.find("(created by the workload)"), std::string::npos);
  EXPECT_FALSE(has_rule(m, "/var/lib")) << "a shared root";
}

TEST(LandlockGen, SharedRootsAreNeverGeneralised) {
  Recording r;
  RunInfo run;
  run.command = {"/bin/tool", "/etc", "/", "/home/u"};
  run.cwd = "/root";
  r.runs.push_back(run);
  for (const char* f : {"/etc/passwd", "/etc/group", "/etc/hosts", "/root/.bashrc", "/root/.profile", "/home/u/.bashrc",
                        "/home/u/notes", "/usr/bin/a", "/usr/bin/b", "/var/lib/x", "/var/lib/y", "/tmp/a", "/tmp/b",
                        "/proc/self/status", "/proc/self/maps", "/opt/a", "/opt/b"})
    r.add_file(f, Access::Read, kOk, "file");
  for (const char* d : {"/etc", "/home", "/", "/var/tmp", "/run"}) r.add_file(d, Access::Read, kOk, "dir");
  r.add_file("/var/log/app.log", Access::Create, kOk, "file");
  r.add_file("/var/log/app.log", Access::Write, kOk, "file");
  r.add_file("/home/u/out.txt", Access::Create, kOk, "file");
  r.add_file("/dev/pts/0", Access::Write, kOk, "chr");
  r.add_file("/dev/null", Access::Write, kOk, "chr");
  auto m = model(r);
  for (const char* root : {"/", "/etc", "/home", "/home/u", "/root", "/usr/bin", "/var/lib", "/tmp", "/var/tmp",
                           "/proc/self", "/opt", "/var/log", "/dev", "/dev/pts", "/run"}) {
    EXPECT_EQ(generalised(m, root), nullptr) << root;
    EXPECT_FALSE(rights(m, root).count("read_file")) << root << " must not become readable as a whole";
  }
  EXPECT_EQ(rights(m, "/etc/passwd"), std::set<std::string>{"read_file"}) << "per-file rules stay";
  ASSERT_NE(kept(m, "/etc"), nullptr);
  EXPECT_NE(kept(m, "/etc")->reason.find("shared root /etc"), std::string::npos);
  ASSERT_NE(kept(m, "/home/u"), nullptr);
  EXPECT_NE(kept(m, "/home/u")->reason.find("/home/*"), std::string::npos);
  EXPECT_EQ(kept(m, "/proc/self"), nullptr) << "inside a never-generalised subtree: not worth listing";
  EXPECT_TRUE(m.generalised.empty());
}

// Secrets never become reachable through a generalisation, whatever the evidence.
TEST(LandlockGen, SensitivePathsAreNeverReachableThroughAGeneralisation) {
  Recording r;
  RunInfo run;
  run.command = {"/usr/sbin/app", "/etc/ssh", "/home/u/.ssh"};
  run.cwd = "/etc/ssl";
  r.runs.push_back(run);
  for (const char* f : {"/etc/ssh/sshd_config", "/etc/ssh/moduli", "/etc/ssl/openssl.cnf", "/etc/ssl/certs/a.pem",
                        "/home/u/.ssh/known_hosts", "/home/u/.ssh/config", "/etc/nginx/nginx.conf",
                        "/etc/nginx/mime.types", "/root/.ssh/known_hosts", "/root/.ssh/config"})
    r.add_file(f, Access::Read, kOk, "file");
  r.add_file("/etc/ssh", Access::Read, kOk, "dir");
  r.add_file("/root/.ssh/authorized_keys.tmp", Access::Create, kOk, "file");
  r.add_file("/etc/ssl/private", Access::Read, kOk, "dir");
  auto m = model(r);
  EXPECT_EQ(rights(m, "/etc/nginx"), kRead) << "an ordinary data directory below /etc is fine";
  for (const char* secret :
       {"/etc/shadow", "/etc/gshadow", "/etc/ssh/ssh_host_ed25519_key", "/etc/ssl/private/server.key",
        "/root/.ssh/id_rsa", "/home/u/.ssh/id_ed25519", "/etc/sudoers"})
    EXPECT_FALSE(reach(m, secret).count("read_file")) << secret << " became readable";
  EXPECT_FALSE(reach(m, "/etc/shadow").count("write_file"));
  ASSERT_NE(kept(m, "/etc/ssh"), nullptr);
  EXPECT_NE(kept(m, "/etc/ssl")->reason.find("/etc/ssl/private"), std::string::npos);
  // Under a looser policy that drops the list of shared roots the sensitive
  // paths still hold.
}

TEST(LandlockGen, ExactModeKeepsPerFileRules) {
  Recording r;
  r.add_file("/srv/www/index.html", Access::Read, kOk, "file");
  r.add_file("/srv/www/about.html", Access::Read, kOk, "file");
  r.add_file("/var/lib/redis/dump.rdb", Access::Create, kOk, "file");
  auto m = model(r, exact());
  EXPECT_EQ(rights(m, "/srv/www/index.html"), std::set<std::string>{"read_file"});
  EXPECT_FALSE(has_rule(m, "/srv/www"));
  EXPECT_EQ(rights(m, "/var/lib/redis"), std::set<std::string>{"make_reg"});
  EXPECT_TRUE(m.generalised.empty());
}

TEST(LandlockGen, GeneralisationIsTunableInThePolicy) {
  Recording r;
  r.add_file("/srv/www/index.html", Access::Read, kOk, "file");
  r.add_file("/srv/www/about.html", Access::Read, kOk, "file");
  r.add_file("/srv/db/x", Access::Read, kOk, "file");
  r.add_file("/srv/db/y", Access::Read, kOk, "file");
  auto m = model(r, {}, "[paths.generalise]\ndata_min_files = 3\n");
  EXPECT_FALSE(has_rule(m, "/srv/www")) << "2 files read, 3 needed";
  m = model(r, {}, "[[paths.shared_root]]\npath = \"/srv/www\"\nreason = \"every site\"\n");
  EXPECT_FALSE(has_rule(m, "/srv/www"));
  EXPECT_EQ(rights(m, "/srv/db"), kRead);
  auto bad = load_gen_policy_text("[paths.generalise]\ndata_min_files = 0\n", "extra.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("extra.toml:2"), std::string::npos) << bad.error().message;
}

TEST(LandlockGen, HostTmpIsNeverGrantedAsAWhole) {
  Recording r;
  r.add_file("/tmp/tmpab12cd", Access::Create, kOk, "file");
  r.add_file("/tmp/tmpab12cd", Access::Write, kOk, "file");
  r.add_file("/tmp/job/in.txt", Access::Read, kOk, "file");
  r.add_file("/tmp/job/in2.txt", Access::Read, kOk, "file");
  r.add_file("/tmp/job/out.txt", Access::Create, kOk, "file");
  auto priv = model(r);
  EXPECT_TRUE(priv.assumes_private_tmp) << "/tmp as a whole is granted only as the private tmpfs";
  EXPECT_TRUE(rights(priv, "/tmp").count("make_reg"));
  EXPECT_TRUE(rights(priv, "/tmp/job").count("read_file")) << "a written directory below /tmp";
  LandlockGenOptions host;
  host.private_tmp = false;
  auto m = model(r, host);
  EXPECT_FALSE(m.assumes_private_tmp);
  EXPECT_TRUE(rights(m, "/tmp").empty()) << "the host's /tmp is never granted as a whole";
  EXPECT_NE(kept(m, "/tmp"), nullptr);
  EXPECT_TRUE(rights(m, "/tmp/job").count("write_file")) << "its own directory below /tmp is fine";
}

TEST(LandlockGen, ServerOnAnEphemeralPortMayConnectToItsOwn) {
  Recording r;
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "bind", "127.0.0.1", 0, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "listen", "127.0.0.1", 41234, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", 41234, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", 5432, "", kOk});
  auto m = model(r);
  EXPECT_EQ(m.bind_tcp, std::set<uint16_t>{0}) << "a bind rule on port 0 allows ephemeral binds";
  EXPECT_EQ(m.connect_tcp, std::set<uint16_t>{5432}) << "not pinned to the number it got while learning";
  EXPECT_TRUE(m.connect_tcp_ephemeral);
  EXPECT_NE(m.ephemeral_evidence.find("41234"), std::string::npos);
  auto j = nlohmann::json::parse(landlock_to_json(m));
  EXPECT_EQ(j["net"]["connect_tcp_ephemeral"], true);
  // A connect to a port it did not listen on stays one port.
  Recording client;
  client.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", 41234, "", kOk});
  EXPECT_FALSE(model(client).connect_tcp_ephemeral);
  EXPECT_EQ(model(client).connect_tcp, std::set<uint16_t>{41234});
}

}  // namespace
}  // namespace profile
