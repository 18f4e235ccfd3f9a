// cgroup v2's "no internal processes" rule: controllers can be enabled for the
// container's cgroup from inside a non-root cgroup that holds processes (a
// systemd session or service), because the launcher first moves into a leaf.
//
// This machine is hybrid: cgroup2 (at /sys/fs/cgroup/unified) offers only the
// hugetlb controller, memory, pids and cpu are on v1. The rule is the same for
// every controller, so hugetlb stands for them here.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "common/atomic_file.h"
#include "enforce/cgroup.h"
#include "tests/support/privileged.h"

namespace profile {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool put(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

// A cgroup2 hierarchy whose root offers hugetlb, or "".
std::string v2_root_with_hugetlb() {
  auto loc = locate_own_cgroups();
  if (!loc || loc->v2_dir.empty()) return "";
  std::string root = loc->v2_dir;
  // Our own cgroup must be the root for this test to make its own child.
  if (slurp("/proc/self/cgroup").find("\n0::/\n") == std::string::npos &&
      slurp("/proc/self/cgroup").rfind("0::/\n", 0) != 0)
    return "";
  if (slurp(root + "/cgroup.controllers").find("hugetlb") == std::string::npos) return "";
  return root;
}

// Runs `body` in a child process moved into a fresh non-root cgroup `dir` (as
// a launcher in a systemd service is), and returns the child's exit status.
int in_cgroup(const std::string& dir, const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (!put(dir + "/cgroup.procs", std::to_string(::getpid()))) _exit(90);
    _exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(CgroupV2, ControllersAreEnabledFromANonRootCgroupWithProcesses) {
  PROFILE_REQUIRE(testing::is_root(), "creating cgroups needs root");
  std::string root = v2_root_with_hugetlb();
  PROFILE_REQUIRE(!root.empty(), "no cgroup2 hierarchy with a controller to enable (hugetlb) at our own cgroup");
  // The root is exempt from the rule; its children get hugetlb only when it enables it.
  // The machine's setting is put back at the end (this test is not the only user).
  bool was_enabled = slurp(root + "/cgroup.subtree_control").find("hugetlb") != std::string::npos;
  ASSERT_TRUE(put(root + "/cgroup.subtree_control", "+hugetlb"));
  std::string dir = root + "/profile-test-service-" + std::to_string(::getpid());
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);

  // Control: the kernel refuses the plain write there (what the launcher did before).
  int control = in_cgroup(dir, [&] { return put(dir + "/cgroup.subtree_control", "+hugetlb") ? 1 : 0; });
  EXPECT_EQ(control, 0) << "the kernel let a cgroup with processes enable a controller: the test proves nothing";

  int moved = in_cgroup(dir, [&] {
    auto st = enable_v2_controllers(dir, {"hugetlb"});
    if (!st) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      return 1;
    }
    // The launcher is in the leaf now, and locates its own cgroup as `dir`.
    if (slurp("/proc/self/cgroup")
            .find("/profile-test-service-" + std::to_string(::getppid()) + "/" + kLauncherLeaf + "\n") ==
        std::string::npos)
      return 2;
    auto loc = locate_own_cgroups();
    if (!loc || loc->v2_dir != dir) return 3;
    // A container's cgroup beside the leaf gets the controller.
    std::string child = dir + "/profile-" + std::to_string(::getpid()) + "-1";
    if (::mkdir(child.c_str(), 0755) != 0) return 4;
    bool has = slurp(child + "/cgroup.controllers").find("hugetlb") != std::string::npos;
    ::rmdir(child.c_str());
    if (!has) return 5;
    // Again, as a second launch does: nothing to do.
    return enable_v2_controllers(dir, {"hugetlb"}).ok() ? 0 : 6;
  });
  EXPECT_EQ(moved, 0);
  EXPECT_NE(slurp(dir + "/cgroup.subtree_control").find("hugetlb"), std::string::npos);
  ASSERT_TRUE(put(dir + "/cgroup.subtree_control", "-hugetlb"));

  // Another process (not ours to move) in the cgroup: refused in one sentence naming it.
  pid_t other = ::fork();
  if (other == 0) {
    put(dir + "/cgroup.procs", std::to_string(::getpid()));
    ::pause();
    _exit(0);
  }
  for (int i = 0; i < 200 && slurp(dir + "/cgroup.procs").find(std::to_string(other)) == std::string::npos; ++i)
    ::usleep(5000);
  int refused = in_cgroup(dir, [&] {
    auto st = enable_v2_controllers(dir, {"hugetlb"});
    if (st) return 1;
    bool named = st.error().message.find("holds other processes (pids " + std::to_string(other)) != std::string::npos;
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return named ? 0 : 2;
  });
  EXPECT_EQ(refused, 0);
  ::kill(other, SIGKILL);
  ::waitpid(other, nullptr, 0);

  for (int i = 0; i < 200 && ::rmdir((dir + "/" + kLauncherLeaf).c_str()) != 0; ++i) ::usleep(5000);
  for (int i = 0; i < 200 && ::rmdir(dir.c_str()) != 0; ++i) ::usleep(5000);
  if (!was_enabled) {
    EXPECT_TRUE(put(root + "/cgroup.subtree_control", "-hugetlb"));
  }
}

}  // namespace
}  // namespace profile
