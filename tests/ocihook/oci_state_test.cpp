// The OCI state and config.json as runc and crun hand them to a prestart hook,
// the hooks.d file, and recordings mapped into the container's root.
#include "ocihook/oci_state.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tracer/root_paths.h"

namespace profile {
namespace {

// What podman 4.3 + runc 1.1 wrote on a prestart hook's stdin (id shortened).
constexpr const char* kPrestartState = R"({"ociVersion":"1.0.2-dev","id":"4c1e","status":"created","pid":81234,
  "bundle":"/var/lib/containers/storage/overlay-containers/4c1e/userdata",
  "annotations":{"io.container.manager":"libpod","io.profile.learn":"/srv/out","io.profile.learn.required":"true"}})";

TEST(OciState, ParsesThePrestartState) {
  auto s = parse_oci_state(kPrestartState);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->id, "4c1e");
  EXPECT_EQ(s->status, "created");
  EXPECT_EQ(s->pid, 81234);
  EXPECT_EQ(s->bundle, "/var/lib/containers/storage/overlay-containers/4c1e/userdata");
  auto req = learn_request(*s);
  EXPECT_EQ(req.out_dir, "/srv/out");
  EXPECT_TRUE(req.required);
}

TEST(OciState, WithoutTheAnnotationsNothingIsAsked) {
  auto s = parse_oci_state(R"({"id":"x","status":"stopped","bundle":"/b"})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->pid, 0);
  auto req = learn_request(*s);
  EXPECT_TRUE(req.out_dir.empty());
  EXPECT_FALSE(req.required);
}

TEST(OciState, RefusesWhatIsNotAState) {
  for (const char* bad : {"", "[]", "not json", R"({"id":"x"})", R"({"id":"x","bundle":"/b","pid":"12"})",
                          R"({"id":"x","bundle":"/b","pid":-3})", R"({"id":"x","bundle":"/b","annotations":[]})",
                          R"({"id":"x","bundle":"/b","annotations":{"a":1}})", R"({"id":7,"bundle":"/b"})"}) {
    auto s = parse_oci_state(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().kind, ErrorKind::BadInput) << bad;
    EXPECT_NE(s.error().message.find("OCI state"), std::string::npos) << s.error().message;
  }
}

TEST(OciConfig, RootIsMadeAbsoluteAgainstTheBundle) {
  auto c = parse_oci_config(R"({"root":{"path":"rootfs/"},"process":{"args":["/bin/sh","-c","true"],
    "env":["PATH=/bin","HOME=/root"],"cwd":"/srv","user":{"uid":33,"gid":44}}})",
                            "/run/b");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->root, "/run/b/rootfs");
  EXPECT_EQ(c->args, (std::vector<std::string>{"/bin/sh", "-c", "true"}));
  EXPECT_EQ(c->cwd, "/srv");
  EXPECT_EQ(c->uid, 33u);
  EXPECT_EQ(c->gid, 44u);
  auto abs = parse_oci_config(R"({"root":{"path":"/var/lib/x/merged"}})", "/run/b");
  ASSERT_TRUE(abs);
  EXPECT_EQ(abs->root, "/var/lib/x/merged");
  EXPECT_FALSE(parse_oci_config(R"({"process":{}})", "/run/b"));
  EXPECT_FALSE(parse_oci_config(R"({"root":{"path":""}})", "/run/b"));
  EXPECT_FALSE(parse_oci_config(R"({"root":{"path":"/r"},"process":{"args":"sh"}})", "/run/b"));
}

TEST(HooksJson, IsTheOciHooksSchemaMatchedByTheAnnotation) {
  auto j = nlohmann::json::parse(hooks_json("/usr/bin/profile", {"--log", "/var/log/p.log"}));
  EXPECT_EQ(j["version"], "1.0.0");
  EXPECT_EQ(j["hook"]["path"], "/usr/bin/profile");
  EXPECT_EQ(j["hook"]["args"], nlohmann::json::array({"profile", "oci-hook", "--log", "/var/log/p.log"}));
  EXPECT_EQ(j["when"]["annotations"]["^io\\.profile\\.learn$"], ".+");
  EXPECT_EQ(j["stages"], nlohmann::json::array({"prestart"}));
}

TEST(RootPaths, TakesTheRootOffComponentWise) {
  EXPECT_EQ(image_relative_path("/var/r/etc/passwd", "/var/r"), "/etc/passwd");
  EXPECT_EQ(image_relative_path("/var/r/etc/passwd", "/var/r/"), "/etc/passwd");
  EXPECT_EQ(image_relative_path("/var/r", "/var/r"), "/");
  EXPECT_EQ(image_relative_path("/var/r2/etc", "/var/r"), "/var/r2/etc");
  EXPECT_EQ(image_relative_path("/proc/self/status", "/var/r"), "/proc/self/status");
  EXPECT_EQ(image_relative_path("/etc/x", "/"), "/etc/x");
}

TEST(RootRecording, MapsFilesExecutablesAndSocketsAndMergesDuplicates) {
  Recording rec;
  rec.add_file("/r/bin/busybox", Access::Exec, kOk, "file");
  rec.add_file("/r/etc/passwd", Access::Read, kOk, "file", 2);
  rec.add_file("/etc/passwd", Access::Read, kOk, "file", 3);  // seen through a container mount
  rec.add_file("/proc/self/status", Access::Read, kOk, "file");
  rec.add_exec("/r/bin/busybox");
  NetEndpoint ep;
  ep.family = "AF_UNIX";
  ep.op = "connect";
  ep.path = "/r/run/s.sock";
  rec.add_endpoint(ep);
  Recording in = rec;
  make_paths_image_relative(in, "/r");
  EXPECT_EQ(in.files.count("/r/bin/busybox"), 0u);
  ASSERT_EQ(in.files.count("/bin/busybox"), 1u);
  ASSERT_EQ(in.files.count("/etc/passwd"), 1u);
  EXPECT_EQ(in.files["/etc/passwd"].accesses[Access::Read][kOk], 5u);
  EXPECT_EQ(in.files.count("/proc/self/status"), 1u);
  EXPECT_EQ(in.executables.count("/bin/busybox"), 1u);
  ASSERT_EQ(in.network.size(), 1u);
  EXPECT_EQ(in.network.begin()->first.path, "/run/s.sock");
}

}  // namespace
}  // namespace profile
