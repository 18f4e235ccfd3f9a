// `profile label`: the bundle's seccomp profile travels with the image, in the
// label io.containers.seccomp.profile that podman applies with
// `podman run --seccomp-policy=image`. The label is set by `podman build
// --label` on a one-line Containerfile (FROM IMAGE): no layer is added and no
// container runs; the result is tagged TAG.
// Needs podman and the image in its local storage (nothing is pulled).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

inline constexpr const char* kSeccompProfileLabel = "io.containers.seccomp.profile";

struct LabelRequest {
  std::string bundle;                    // DIR: its seccomp.json is the label's value
  std::string image;                     // the image to start from
  std::string tag;                       // what to name the result; "" = image (retag it)
  std::vector<std::string> podman_opts;  // global podman options (--root, --runroot, --storage-driver...)
};

// The seccomp.json of a bundle as one line of JSON (what the label holds);
// an error naming the file when it is not a seccomp profile.
Result<std::string> label_value_of(const std::string& seccomp_json_text, const std::string& source);

// The podman command that builds the labelled image from `context_dir`
// (which holds `containerfile`).
std::vector<std::string> label_build_argv(const LabelRequest& req, const std::string& value,
                                          const std::string& containerfile, const std::string& context_dir);

// Labels the image; returns the tag written.
Result<std::string> label_image(const LabelRequest& req);

}  // namespace profile
