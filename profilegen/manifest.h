// The bundle manifest, DIR/profile.toml: what the workload is (command, cwd,
// environment allow-list), the container settings it was learned in (and will be
// enforced in), cgroup limits, and which artifacts apply. Written by
// `profile generate`, read by `profile enforce`. Format: man/profile-bundle.5.
// Pure logic: no system calls.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

struct BindMount {
  std::string source;
  std::string target;
  bool readonly = true;
  bool optional = false;  // a missing source is skipped at enforce (generated binds into the private /tmp)
  bool operator==(const BindMount&) const = default;
};

struct Manifest {
  // [workload]
  std::string name;                  // [a-z][a-z0-9_]*, used for SELinux type names
  std::vector<std::string> command;  // argv
  std::string cwd;
  std::vector<std::string> env;  // names of variables passed through
  // "UID:GID" (or "NAME[:GROUP]") the workload runs as when enforce runs as root;
  // "" = as the caller. Generated when every run started as the same non-root
  // user (learned_user); `enforce --user` overrides it.
  std::string user;
  // [container]
  std::string net = "loopback";         // host | loopback | none
  std::string user_namespace = "auto";  // auto | always | never
  bool private_tmp = true;
  bool readonly_root = false;
  std::vector<BindMount> bind;
  // Kept in the effective, permitted and bounding sets: exactly those the
  // recording shows (set_learned_capabilities); none by default.
  std::vector<std::string> capabilities;
  // Also raised into the ambient set, so that they survive the execve of a
  // non-root program; a subset of `capabilities`, empty unless a run started
  // as a non-root uid (root's execve regains the bounding set without them).
  std::vector<std::string> ambient_capabilities;
  // [limits] 0 = unlimited
  uint64_t memory_max = 0;
  uint64_t pids_max = 0;
  double cpus = 0.0;
  uint64_t cpu_weight = 0;
  // [artifacts]
  std::string seccomp = "seccomp.json";
  std::string landlock = "landlock.json";
  std::vector<std::string> landlock_required;  // e.g. "net_tcp", "scope"
  std::string selinux_module;                  // "" when none
  bool selinux_required = false;
  // Mechanisms the bundle runs without on purpose ("seccomp", "landlock"):
  // enforce refuses an empty seccomp or landlock entry, or a Landlock ruleset
  // that restricts nothing, unless it is named here (and then says so).
  std::vector<std::string> unconfined;

  bool operator==(const Manifest&) const = default;
};

struct Recording;

// Sets m.capabilities to exactly the capabilities `rec` shows (a capability not
// learned is not granted) and m.ambient_capabilities by the rule above.
void set_learned_capabilities(const Recording& rec, Manifest& m);
// Adds to m what set_learned_capabilities would set and m lacks, keeping what
// m has; returns the capabilities added (sorted).
std::vector<std::string> grant_learned_capabilities(const Recording& rec, Manifest& m);

// "UID:GID" when every run of `rec` started as the same non-root uid and gid
// (learned by that user, or through sudo -u); "" when a run started as root, ids
// differ between runs, or a run's ids are unknown (a recording older than them).
// A workload that starts as root and drops to a user itself (setpriv, nginx's
// `user`) keeps doing so under enforce, with the capabilities it was seen using.
std::string learned_user(const Recording& rec);

// Parses profile.toml. `source` names the input in errors; every error is one
// sentence naming source:line and what was expected. Unknown keys are rejected
// (a typo must not silently weaken confinement).
Result<Manifest> parse_manifest(const std::string& text, const std::string& source);

// Deterministic TOML text: the same Manifest gives the same bytes, and
// parse_manifest(manifest_to_toml(m)) == m.
std::string manifest_to_toml(const Manifest& m);

// "myapp" from a command such as {"/usr/bin/My-App.py", ...}: the basename
// lower-cased, non [a-z0-9_] replaced by '_', prefixed with "w_" if it does not
// start with a letter. Never empty.
std::string workload_name_from_command(const std::vector<std::string>& command);

// Where the real program of a command started through wrappers is: for
// {"setpriv", "--reuid", "33", "nginx", "-g", "daemon off;"} the index of
// "nginx"; 0 when command[0] is no wrapper (setpriv, env, nice, timeout, ...,
// see kWrappers in manifest.cpp) or no later argument is a program. A wrapper's
// options and their values are told apart from its target by `is_program`:
// e.g. "its basename is one the recording shows was executed", or, before the
// run, "it resolves in PATH". Wrappers may nest (nice setpriv ... cmd).
size_t wrapped_program_index(const std::vector<std::string>& command,
                             const std::function<bool(const std::string&)>& is_program);

// is_program for wrapped_program_index from a recording's executables (absolute
// paths): an argument whose basename is that of one of them, or that name plus
// a version (python3 -> python3.11: the recording holds a symlink's target).
std::function<bool(const std::string&)> executed_in(const std::map<std::string, uint64_t>& executables);

}  // namespace profile
