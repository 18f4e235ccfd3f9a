// Which commands start a container through an engine (learn refuses them).
#include "profilegen/engine_command.h"

#include <gtest/gtest.h>

namespace profile {
namespace {

// A program is anything that is neither an option nor an option's value here:
// the wrapper tests of manifest_test.cpp cover that part.
bool known(const std::string& a) {
  return a == "podman" || a == "docker" || a == "/usr/bin/runc" || a == "ctr" || a == "python3";
}

std::string launch(std::vector<std::string> command) {
  return container_engine_launch(command, known).value_or("-");
}

TEST(EngineCommand, ClientsThatStartContainers) {
  EXPECT_EQ(launch({"podman", "run", "--rm", "img", "true"}), "podman run");
  EXPECT_EQ(launch({"/usr/bin/docker", "-H", "unix:///tmp/d.sock", "run", "img"}), "docker run");
  EXPECT_EQ(launch({"podman", "--root", "/x", "--log-level", "debug", "start", "c1"}), "podman start");
  EXPECT_EQ(launch({"docker", "exec", "c1", "sh"}), "docker exec");
  EXPECT_EQ(launch({"docker", "container", "run", "img"}), "docker container run");
  EXPECT_EQ(launch({"docker", "compose", "up"}), "docker compose up");
  EXPECT_EQ(launch({"podman", "kube", "play", "pod.yaml"}), "podman kube play");
  EXPECT_EQ(launch({"podman", "play", "kube", "pod.yaml"}), "podman play");
  EXPECT_EQ(launch({"nerdctl", "run", "img"}), "nerdctl run");
}

TEST(EngineCommand, RuntimesThatStartContainers) {
  EXPECT_EQ(launch({"/usr/bin/runc", "--root", "/run/x", "run", "-b", "bundle", "id"}), "runc run");
  EXPECT_EQ(launch({"crun", "create", "id"}), "crun create");
  EXPECT_EQ(launch({"ctr", "run", "--rm", "docker.io/library/x:1", "id"}), "ctr run");
  EXPECT_EQ(launch({"ctr", "t", "start", "id"}), "ctr t start");
  EXPECT_EQ(launch({"ctr", "task", "exec", "--exec-id", "e", "id", "sh"}), "ctr task exec");
}

TEST(EngineCommand, ThroughWrappers) {
  EXPECT_EQ(launch({"sudo", "-E", "podman", "run", "img"}), "podman run");
  EXPECT_EQ(launch({"env", "A=1", "nice", "-n", "5", "docker", "run", "img"}), "docker run");
}

TEST(EngineCommand, EverythingElseIsNoLaunch) {
  EXPECT_EQ(launch({"podman", "images"}), "-");
  EXPECT_EQ(launch({"podman", "--version"}), "-");
  EXPECT_EQ(launch({"docker", "container", "ls"}), "-");
  EXPECT_EQ(launch({"docker", "logs", "run"}), "-") << "a container named run";
  EXPECT_EQ(launch({"runc", "list"}), "-");
  EXPECT_EQ(launch({"python3", "-m", "http.server"}), "-");
  EXPECT_EQ(launch({"/usr/bin/run", "start"}), "-");
  EXPECT_EQ(launch({}), "-");
}

}  // namespace
}  // namespace profile
