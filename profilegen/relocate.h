// Relocatable bundles: which learned paths are stored relative to a named root
// (common/path_roots.h has the ${WORKDIR}/${HOME} syntax), and what a root may
// stand for.
//
// The recording stays absolute and faithful (it is the evidence). Generation
// maps, in landlock.json and profile.toml (cwd, binds, command arguments that
// are paths), every path at or below a run's working directory to
// ${WORKDIR}/... and every path at or below its home to ${HOME}/... (the more
// specific root wins; ${HOME} when both are the same directory). Runs learned
// in different checkouts map to the same ${WORKDIR}, which is how `merge`
// unifies them. A directory that a root must not stand for (root_refusal: "/",
// a shared root, one holding a shared root or reaching a sensitive path) is
// never a root: its paths stay absolute. `profile enforce` resolves the roots
// and refuses a value root_refusal refuses, so relocation never widens.
// Pure logic: no system calls.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/recording.h"
#include "profilegen/gen_policy.h"
#include "profilegen/landlock_gen.h"
#include "profilegen/manifest.h"

namespace profile {

struct PathRoot {
  std::string name;  // roots::kWorkdir or roots::kHome
  std::string path;  // absolute, normalised
  bool operator==(const PathRoot&) const = default;
};

// Why `value` (absolute, normalised) may not stand for the root `name`, as a
// phrase ("is the whole filesystem", "is the shared root /tmp (...)"), or ""
// when it may. A home directory (/root, /home/USER) may stand for ${HOME}
// although it is a shared root: generation never gives a home a subtree rule,
// so ${HOME} only relocates the per-file rules below it.
std::string root_refusal(const std::string& name, const std::string& value, const GenPolicy& policy);

// The roots of a recording: every run's working directory and home that
// root_refusal accepts; a working directory below another run's is not a root
// of its own (its paths are below the outer one). Sorted, distinct.
std::vector<PathRoot> learned_roots(const Recording& rec, const GenPolicy& policy);

// "${NAME}/rest" for the most specific root at or above `path`, else `path`.
std::string relocate_path(const std::string& path, const std::vector<PathRoot>& roots);
// Every root path in free text (reasons, evidence) written as its root.
std::string relocate_text(const std::string& text, const std::vector<PathRoot>& roots);

// In place: rule paths (rules that meet on one path are merged), the
// explanations, sorted again by path.
void relocate_landlock(LandlockModel& m, const std::vector<PathRoot>& roots);
// In place: cwd, bind sources and targets, and command arguments that are
// absolute paths at or below a root.
void relocate_manifest(Manifest& m, const std::vector<PathRoot>& roots);

// The roots `m` and the landlock rule paths name, sorted ("HOME", "WORKDIR").
std::vector<std::string> roots_named(const Manifest& m, const std::vector<std::string>& rule_paths);

}  // namespace profile
