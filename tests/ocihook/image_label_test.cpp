// The label `profile label` writes and the podman command that writes it.
#include "ocihook/image_label.h"

#include <gtest/gtest.h>

namespace profile {
namespace {

TEST(ImageLabel, ValueIsTheProfileOnOneLine) {
  auto v = label_value_of("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": []\n}\n", "s.json");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]})");
}

TEST(ImageLabel, RefusesWhatIsNotASeccompProfile) {
  for (const char* bad : {"", "[]", "{}", R"({"defaultAction":1})", "not json"}) {
    auto v = label_value_of(bad, "DIR/seccomp.json");
    ASSERT_FALSE(v) << bad;
    EXPECT_EQ(v.error().kind, ErrorKind::BadInput);
    EXPECT_NE(v.error().message.find("DIR/seccomp.json is not a seccomp profile"), std::string::npos);
  }
}

TEST(ImageLabel, BuildsWithTheLabelWithoutPulling) {
  LabelRequest req;
  req.image = "localhost/web:1";
  req.podman_opts = {"--root=/s"};
  auto argv = label_build_argv(req, "{}", "/t/Containerfile", "/t");
  EXPECT_EQ(argv, (std::vector<std::string>{"podman", "--root=/s", "build", "--pull=never", "--quiet", "--label",
                                            "io.containers.seccomp.profile={}", "--tag", "localhost/web:1", "--file",
                                            "/t/Containerfile", "/t"}));
  req.tag = "localhost/web:1-confined";
  EXPECT_EQ(label_build_argv(req, "{}", "/t/Containerfile", "/t")[8], "localhost/web:1-confined");
}

TEST(ImageLabel, RefusesAnImageReferenceThatIsNotOne) {
  LabelRequest req;
  req.bundle = "/nonexistent";
  req.image = "a b";
  auto r = label_image(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::BadInput);
  req.image = "localhost/x";
  r = label_image(req);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent is not a profile bundle"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace profile
