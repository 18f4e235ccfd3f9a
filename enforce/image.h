// Container images as the root of the learning and enforcing container
// (learn/enforce --image REF, --rootfs DIR): where an image comes from, its
// unpacked root filesystem in a cache keyed by its digest, and what its config
// (entrypoint, cmd, env, working directory, user) makes of the launch.
//
// Images are read with skopeo (every transport it knows: containers-storage,
// docker-daemon, oci, oci-archive, docker-archive, dir) and unpacked with
// `umoci unpack` (--rootless when not root). Nothing reaches a registry unless
// the reference names one (docker://).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "enforce/launcher.h"

namespace profile {

// The parts of an OCI image config (or of an OCI runtime bundle's
// config.json, for --rootfs) that decide how the workload starts.
struct ImageConfig {
  std::vector<std::string> entrypoint, cmd, env;
  std::string working_dir;
  std::string user;  // "", "name", "uid", "name:group", "uid:gid"
};

struct Image {
  std::string ref;     // as given; "" for --rootfs
  std::string digest;  // the image ID: "sha256:" + the digest of its config; "" for --rootfs
  std::string rootfs;  // the unpacked root filesystem, absolute
  ImageConfig config;
};

// --image REF: finds the image (a bare name in podman's storage first, then
// docker's), unpacks it into `cache_dir`/<digest>/ unless that is there from
// an earlier run. Errors are one sentence: which image, which transport, and
// what to do (rootless storage, a tool missing or failing).
Result<Image> open_image(const std::string& ref, const std::string& cache_dir);

// --rootfs DIR: a root filesystem as it is, or an OCI runtime bundle (DIR with
// config.json and rootfs/, as `umoci unpack` writes), whose process args, env,
// cwd and user are then its config.
Result<Image> open_rootfs(const std::string& dir);

// /var/cache/profile/images for root, else $XDG_CACHE_HOME/profile/images or
// ~/.cache/profile/images; $PROFILE_CACHE_DIR/images when that is set.
std::string default_image_cache_dir();

// Makes `spec` run in the image: its root, and, unless given on the command
// line, its entrypoint and cmd (`command` replaces the cmd, as `podman run
// IMAGE CMD` does; `entrypoint` replaces the entrypoint and drops the image's
// cmd), its environment (plus HOME and PATH when it sets none), its working
// directory and its user (looked up in the image's /etc/passwd and /etc/group).
// A user other than root needs profile to run as root, or to be that user.
Status apply_image(const Image& image, const std::vector<std::string>& command,
                   const std::optional<std::string>& entrypoint, LaunchSpec& spec);

// The ids an image's "user[:group]" names, from the image's passwd and group
// files; nullopt groups = the user's own.
struct ImageUser {
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> groups;
  std::string home;  // from passwd, "" if none
};
Result<ImageUser> resolve_image_user(const std::string& rootfs, const std::string& user);

}  // namespace profile
