// The container runtime's part of an engine profile.
//
// A runtime (runc, crun) loads the container's seccomp filter and then still
// runs its own code before it execs the workload: with no_new_privileges off
// (the default of Docker, Podman and Kubernetes) it drops capabilities and
// switches uid under the filter. A profile learned from the workload alone
// denies those calls and the container never starts. Which calls they are
// depends on the runtime, its version and NNP, so they are data
// (policies/runtimes.toml, each entry with the version measured and how;
// scripts/measure-runtime.sh regenerates an entry), not code.
//
// The part is added to the engine formats only (seccomp.json, seccomp.oci.json,
// seccompprofile.yaml) as one separate ALLOW rule whose comment starts with
// kRuntimePartComment; the recording and the manifest never hold it, and
// `profile enforce` (our own launcher, which loads the filter immediately
// before execve) skips that rule. In seccompprofile.yaml the part is a separate
// SeccompProfile resource that the workload's profile names as its
// baseProfileName, which security-profiles-operator unions into it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "profilegen/seccomp_gen.h"

namespace profile {

// The comment of the runtime rule in seccomp.json; how enforce, show and diff
// tell it from the workload's rules.
inline constexpr const char* kRuntimePartComment = "runtime part";

struct RuntimeEntry {
  std::string name;         // runc | crun
  std::string engine;       // what ran the runtime when measured (runc, podman-crun, docker, ...)
  std::string min_version;  // inclusive, "" = any
  std::string max_version;  // exclusive, "" = any
  bool nnp = false;         // process.noNewPrivileges when measured
  std::string measured;     // version measured and how
  std::vector<std::string> syscalls;
  std::vector<std::string> enosys_ok;  // of those, the ones the runtime copes with getting ENOSYS
};

struct RuntimeData {
  std::vector<RuntimeEntry> entries;
  std::map<std::string, std::vector<std::string>> engines;  // engine -> runtimes it runs containers with
};

// The built-in policies/runtimes.toml, or `file` instead when not empty.
Result<RuntimeData> load_runtime_data(const std::string& file);
Result<RuntimeData> parse_runtime_data(const std::string& text, const std::string& source);

struct RuntimePart {
  std::string selection;             // as given: all | none | ENGINE[@VERSION][,...]
  std::set<std::string> syscalls;    // the union of the selected entries
  std::set<std::string> enosys_ok;   // names every selected entry that lists them copes with as ENOSYS
  std::vector<std::string> sources;  // one line per entry used
  bool empty() const { return syscalls.empty(); }
};

// selection: "all" (every entry: works for every engine listed), "none", or a
// comma-separated list of engines (runc, crun, podman, docker, containerd,
// cri-o, kubernetes), each optionally "@VERSION" of its runtime. nnp: "any"
// (the default: both modes, as the engine decides at run time), "on", "off".
// Fails on an unknown engine, or a version no entry was measured for.
Result<RuntimePart> select_runtime_part(const RuntimeData& data, const std::string& selection, const std::string& nnp);

// The engine model: `workload` plus one ALLOW rule with the runtime's calls the
// workload does not already allow unconditionally; those calls leave the ENOSYS
// fallback rule, except enosys_ok ones. clone3 is never added (its flags cannot
// be checked). `added` receives the names the rule holds.
SeccompModel with_runtime_part(const SeccompModel& workload, const RuntimePart& part,
                               std::vector<std::string>* added = nullptr);

// seccompprofile.yaml: with a runtime part, two documents: the SeccompProfile
// NAME-runtime holding the part, then the workload's profile naming it as
// baseProfileName (the workload's ENOSYS rule minus the names the base allows,
// which an ERRNO rule would contradict after the union).
std::string spo_yaml_with_runtime(const SeccompModel& workload, const RuntimePart& part, const std::string& name);

// The names of the runtime rule of a seccomp.json (empty when none) and the
// comment lines that say where they come from.
struct RuntimeRuleView {
  std::vector<std::string> names;
  std::string comment;
};
Result<RuntimeRuleView> runtime_rule_of(const std::string& seccomp_json, const std::string& source);

}  // namespace profile
