// `profile diff OLD NEW`: what NEW allows that OLD did not (and the reverse), for
// syscalls, syscall argument values, Landlock file rights and TCP ports. OLD and
// NEW are bundle directories (their seccomp.json and landlock.json are compared)
// or recording.json files (rendered in memory with the built-in policy first).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

// What a bundle allows, in comparable form.
struct AllowedView {
  bool default_allows = false;                            // defaultAction ALLOW/LOG: everything
  std::map<std::string, std::set<std::string>> syscalls;  // name -> arg conditions; {""} = any arguments
  std::map<std::string, std::set<std::string>> files;     // path -> Landlock rights
  std::set<uint16_t> bind_tcp, connect_tcp;
  bool net_restricted = false;
  bool has_manifest = false;           // profile.toml was read: `capabilities` is known
  std::set<std::string> capabilities;  // kept by profile.toml
  // The container runtime's rule of seccomp.json (profilegen/runtime_part.h):
  // listed apart, never counted as the workload's.
  std::set<std::string> runtime;
};

struct DiffSide {
  std::vector<std::string> syscalls;                       // allowed in one, not at all in the other
  std::vector<std::string> args;                           // "socket: a0 == 10 && ..." or "socket: any arguments"
  std::vector<std::pair<std::string, std::string>> files;  // path, rights
  std::vector<std::string> net;                            // "bind tcp/8080"
  // Capabilities kept by one and not the other; complain: needed by the run and
  // not kept. Name and evidence ("" when only the manifests were compared).
  std::vector<std::pair<std::string, std::string>> capabilities;
  std::vector<std::string> runtime;  // runtime part names in one only
  [[nodiscard]] bool empty() const {
    return syscalls.empty() && args.empty() && files.empty() && net.empty() && capabilities.empty() &&
           runtime.empty();
  }
};

struct ProfileDiff {
  DiffSide added;                                // NEW allows, OLD did not
  DiffSide removed;                              // OLD allowed, NEW does not
  std::map<std::string, std::string> dangerous;  // added syscall -> reason
};

Result<AllowedView> load_allowed_view(const std::string& path);
// `manifest_toml` is the bundle's profile.toml ("" = not compared).
Result<AllowedView> allowed_view_from_files(const std::string& seccomp_json, const std::string& landlock_json,
                                            const std::string& source, const std::string& manifest_toml = "");
ProfileDiff diff_views(const AllowedView& old_view, const AllowedView& new_view);
std::string diff_to_text(const ProfileDiff& d);
std::string diff_to_json(const ProfileDiff& d);

}  // namespace profile
