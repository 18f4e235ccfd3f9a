// What an OCI runtime hands a hook, and the hooks.d file that asks for it.
// Pure parsing and formatting: no system calls, so tests need no container.
//
// The state (runtime-spec "State", on the hook's stdin): ociVersion, id, status,
// pid (the runtime's init in the host pid namespace), bundle, annotations. The
// bundle's config.json gives the root filesystem and the workload's process.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

// The annotation that turns learning on: its value is the output directory.
inline constexpr const char* kLearnAnnotation = "io.profile.learn";
// "true": a container that cannot be learned does not start.
inline constexpr const char* kRequiredAnnotation = "io.profile.learn.required";
// Where `profile oci-hook --install` writes by default: the directory podman
// (with /etc/containers/oci/hooks.d) and CRI-O read hooks from.
inline constexpr const char* kDefaultHooksDir = "/usr/share/containers/oci/hooks.d";
inline constexpr const char* kHookFileName = "profile-learn.json";

struct OciState {
  std::string id;
  std::string status;  // "creating", "created", "running", "stopped"
  pid_t pid = 0;       // 0 when absent (poststop)
  std::string bundle;
  std::map<std::string, std::string> annotations;
};

// `source` names the input in errors. One sentence on anything that is not a
// state document with an id and a bundle.
Result<OciState> parse_oci_state(const std::string& text, const std::string& source = "the OCI state on stdin");

struct OciConfig {
  std::string root;  // absolute host path of the root filesystem (root.path made absolute against the bundle)
  std::vector<std::string> args;
  std::vector<std::string> env;  // NAME=VALUE
  std::string cwd;
  uint32_t uid = 0, gid = 0;
};

Result<OciConfig> parse_oci_config(const std::string& text, const std::string& bundle,
                                   const std::string& source = "config.json");

// What the annotations ask for. `out_dir` is the learn annotation's value
// (empty when the annotation is absent).
struct LearnRequest {
  std::string out_dir;
  bool required = false;
};
LearnRequest learn_request(const OciState& state);

// The hooks.d file (oci-hooks(5), version 1.0.0): run `binary oci-hook ARGS...`
// at prestart of every container whose annotations have io.profile.learn.
std::string hooks_json(const std::string& binary, const std::vector<std::string>& extra_args);

}  // namespace profile
