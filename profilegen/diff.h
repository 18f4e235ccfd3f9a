// `profile diff OLD NEW`: what NEW grants that OLD did not (and the reverse), over
// the whole bundle: seccomp (syscalls, argument values, architectures, default and
// fallback actions), Landlock (file rights, ports, ephemeral ports, handled rights),
// profile.toml (capabilities, ambient, user namespace, network mode, binds,
// private /tmp, read-only root, limits, environment names), the SELinux module's
// allow rules (profilegen/diff_selinux.h) and executables. Each
// change has a class and a risk with a reason (policies/gate.toml,
// policies/dangerous.toml). OLD and NEW are bundle directories or recording.json
// files (rendered in memory with the built-in policy first).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "profilegen/diff_selinux.h"
#include "profilegen/manifest.h"

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
  // Compared when both sides have them (has_seccomp: seccomp.json was read).
  bool has_seccomp = false;
  std::string default_action;                             // "SCMP_ACT_ERRNO(1)"
  std::set<std::string> architectures;                    // "SCMP_ARCH_X86_64"
  std::set<std::string> enosys;                           // names answered with ENOSYS (the libc fallback rule)
  bool has_landlock = false;                              // landlock.json was read
  std::set<std::string> handled_fs, handled_net, scoped;  // unhandled = not restricted
  bool connect_ephemeral = false;                         // net.connect_tcp_ephemeral
  Manifest manifest;                                      // valid when has_manifest
  // The container runtime's rule of seccomp.json (profilegen/runtime_part.h):
  // listed apart, never counted as the workload's.
  std::set<std::string> runtime;
  // The allow rules of selinux/<name>.cil; compared when both sides have a module.
  bool has_selinux = false;
  SelinuxAllowRules selinux;
  std::string selinux_file;  // "selinux/<name>.cil"
};

// One difference, classified for a reviewer.
struct Change {
  bool widens = true;   // NEW grants it (or a setting widened); false: removed or narrowed
  std::string cls;      // "syscall", "args", "arch", "seccomp_action", "file", "sensitive_path",
                        // "executable", "capability", "ambient_capability", "network", "namespace",
                        // "bind", "private_tmp", "readonly_root", "limits", "env", "landlock"
  std::string risk;     // "high" | "medium" | "low"
  std::string subject;  // what changed: a syscall, a path, "CAP_SYS_ADMIN", "net", ...
  std::string detail;   // rights, values ("loopback -> host")
  std::string reason;   // why it carries that risk, in a sentence
  std::string file;     // the bundle file it lives in: "seccomp.json", "landlock.json", "profile.toml"
  bool operator<(const Change& o) const;
};

int risk_rank(const std::string& risk);  // high 3, medium 2, low 1, else 0

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
    return syscalls.empty() && args.empty() && files.empty() && net.empty() && capabilities.empty() && runtime.empty();
  }
};

struct ProfileDiff {
  DiffSide added;                                // NEW allows, OLD did not
  DiffSide removed;                              // OLD allowed, NEW does not
  std::map<std::string, std::string> dangerous;  // added syscall -> reason
  std::vector<Change> changes;                   // every difference, classified; sorted
  // NEW grants something OLD did not (an added change; `added` above is the
  // seccomp/Landlock/capability part of it).
  [[nodiscard]] bool more_permissive() const;
};

// policies/gate.toml (see there): sensitive paths, shells and interpreters, and
// capability risks. Parsed once; errors are fatal for the built-in file.
struct GatePolicy {
  struct Sensitive {
    std::string path;  // may hold '*' (one path component)
    bool subtree = false;
    std::set<std::string> rights;  // empty: any
    std::string reason;
  };
  struct Program {
    std::string pattern, reason;
  };
  std::vector<Sensitive> sensitive;
  std::vector<Program> programs;
  std::map<std::string, std::string> capability_risk;
  std::map<std::string, std::string> selinux_types;  // [selinux] sensitive_types: type -> reason
  std::set<std::string> selinux_ordinary_write;      // [selinux] ordinary_write_types
  // The reason `path` granted `rights` is sensitive, or "" when it is not. A rule
  // on a directory that covers a sensitive path below it matches too.
  [[nodiscard]] std::string sensitive_reason(const std::string& path, const std::set<std::string>& rights) const;
  [[nodiscard]] std::string program_reason(const std::string& path) const;
};
Result<GatePolicy> parse_gate_policy(std::string_view text, const std::string& source);
const GatePolicy& builtin_gate_policy();

Result<AllowedView> load_allowed_view(const std::string& path);
// `manifest_toml` is the bundle's profile.toml, `selinux_cil` its CIL module named
// `selinux_file` ("" = not compared).
Result<AllowedView> allowed_view_from_files(const std::string& seccomp_json, const std::string& landlock_json,
                                            const std::string& source, const std::string& manifest_toml = "",
                                            const std::string& selinux_cil = "", const std::string& selinux_file = "");
ProfileDiff diff_views(const AllowedView& old_view, const AllowedView& new_view);
std::string diff_to_text(const ProfileDiff& d);
std::string diff_to_json(const ProfileDiff& d);

}  // namespace profile
