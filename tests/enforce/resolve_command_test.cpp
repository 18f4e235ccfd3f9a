#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "enforce/launcher.h"

namespace profile {
namespace {

TEST(ResolveCommand, SearchesPathLikeExecvp) {
  auto r = resolve_command("sh", "/nonexistent:/usr/bin:/bin");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "/usr/bin/sh");
}

TEST(ResolveCommand, MissingCommandIsEnoentAndExit127) {
  auto r = resolve_command("no-such-command-xyz", "/usr/bin:/bin");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().errno_value, ENOENT);
  EXPECT_NE(r.error().message.find("no-such-command-xyz\" not found"), std::string::npos) << r.error().message;
  EXPECT_EQ(launch_error_exit_code(r.error()), kCommandNotFound);
  auto abs = resolve_command("/no/such/file", "");
  ASSERT_FALSE(abs.ok());
  EXPECT_EQ(abs.error().errno_value, ENOENT);
}

TEST(ResolveCommand, NonExecutableIsEaccesAndExit126) {
  if (::geteuid() == 0) {
    // root passes access(X_OK) for any file with an x bit, so use one without.
  }
  char dir[] = "/tmp/resolve-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string file = std::string(dir) + "/script";
  std::ofstream(file) << "#!/bin/sh\n";
  ::chmod(file.c_str(), 0644);
  auto r = resolve_command(file, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().errno_value, EACCES);
  EXPECT_EQ(launch_error_exit_code(r.error()), kCommandNotExecutable);
  auto d = resolve_command(dir, "");  // a directory is not executable either
  EXPECT_FALSE(d.ok());
  auto viapath = resolve_command("script", dir);
  ASSERT_FALSE(viapath.ok());
  EXPECT_EQ(viapath.error().errno_value, EACCES);
  ::unlink(file.c_str());
  ::rmdir(dir);
}

TEST(ResolveCommand, OtherLaunchErrorsUse125) {
  EXPECT_EQ(launch_error_exit_code(Error{"chdir to the working directory: ENOENT", ENOENT}), kLauncherFailure);
}

}  // namespace
}  // namespace profile
