// A fixed recording exercising every generation rule, and golden-file helpers.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/recording.h"
#include "profilegen/bundle.h"

namespace profile::testing {

inline Recording sample_recording() {
  Recording r;
  RunInfo run;
  run.command = {"/usr/bin/app", "--serve"};
  run.cwd = "/srv";
  run.tracer = "ptrace";
  run.arch = "x86_64";
  run.container = {{"net", "loopback"}};
  r.runs.push_back(run);
  for (const char* s :
       {"read", "write", "openat", "close", "mmap", "mprotect", "socket", "ioctl", "exit_group", "getpid", "newfstatat",
        "clone", "bind", "listen", "connect", "execve", "ptrace", "io_uring_setup"})
    r.add_syscall("x86_64", s, 3);
  r.add_syscall("x86_64", "461", 1);  // a syscall libseccomp cannot name
  ArgValues sock{{0, 1, 2}, {~uint64_t{0}, 0xf, ~uint64_t{0}}, {{2, 1, 0}, {1, 1, 0}}};
  r.args["x86_64"]["socket"] = sock;
  r.args["x86_64"]["ioctl"] = ArgValues{{1}, {0xffffffff}, {{0x5401}, {0x541b}}};
  r.args["x86_64"]["mmap"] = ArgValues{{2}, {0x4}, {{0}, {4}}};
  r.args["x86_64"]["clone"] = ArgValues{{0}, {0x7e020000}, {{0}}};
  r.add_file("/usr/lib/x86_64-linux-gnu/libc.so.6", Access::Read, kOk, "file");
  r.add_file("/usr/lib/x86_64-linux-gnu/libc.so.6", Access::Exec, kOk, "file");
  r.add_file("/etc/hosts", Access::Read, kOk, "file");
  r.add_file("/etc/missing.conf", Access::Read, "ENOENT", "");
  r.add_file("/etc/passwd", Access::Stat, kOk, "file");
  r.add_file("/tmp/tmpab12cd", Access::Create, kOk, "file");
  r.add_file("/tmp/tmpab12cd", Access::Write, kOk, "file");
  r.add_file("/tmp/tmpab12cd", Access::Delete, kOk, "file");
  r.add_file("/proc/1234/status", Access::Read, kOk, "file");
  r.add_file("/proc/1234/task/1240/comm", Access::Read, kOk, "file");
  r.add_file("/var/log/app.log", Access::Write, kOk, "file");
  r.add_file("/srv/data", Access::Read, kOk, "dir");
  r.add_file("/srv/data/a.txt", Access::Read, kOk, "file");
  r.add_file("/dev/null", Access::Write, kOk, "chr");
  r.add_file("/home/u/out.txt", Access::Create, kOk, "file");
  r.add_file("/home/u/out.txt", Access::Write, kOk, "file");
  r.add_file("/home/u/cache", Access::Create, kOk, "dir");
  r.add_exec("/usr/bin/app");
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "bind", "0.0.0.0", 8080, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", 5432, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_DGRAM", "connect", "127.0.0.1", 53, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_UNIX", "SOCK_STREAM", "connect", "", 0, "@dbus", kOk});
  return r;
}

// Generation without the SELinux module (seconds per bundle; tested once, in
// BundleTest.SelinuxModuleIsPartOfTheBundle).
inline GenerateOptions no_selinux() {
  GenerateOptions o;
  o.selinux = false;
  return o;
}

// Compares `content` with tests/profilegen/golden/<name>; PROFILE_UPDATE_GOLDEN=1
// rewrites the file instead (then review the diff before committing).
inline void expect_golden(const std::string& name, const std::string& content) {
  std::string path = std::string(PROFILE_SOURCE_DIR) + "/tests/profilegen/golden/" + name;
  const char* update = std::getenv("PROFILE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << content;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing golden file " << path << " (run with PROFILE_UPDATE_GOLDEN=1)";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), content) << "output differs from " << path;
}

}  // namespace profile::testing
