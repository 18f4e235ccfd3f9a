// `profile enforce --complain`: the same container and confinement minus
// seccomp and Landlock, under the ptrace tracer; whatever the run needed that
// the bundle does not allow is reported, and with --update merged and
// regenerated.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/log.h"
#include "common/names.h"
#include "common/syscalls.h"
#include "profilegen/bundle.h"
#include "profilegen/diff.h"
#include "profilegen/manifest.h"
#include "session/learn.h"
#include "session/run_bundle.h"

namespace profile {

namespace {

// The capabilities the run needed that the manifest does not keep, each with
// its evidence.
std::vector<std::pair<std::string, std::string>> missing_capabilities(const Recording& run, const Manifest& m) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [cap, evidence] : run.capabilities) {
    if (std::find(m.capabilities.begin(), m.capabilities.end(), cap) != m.capabilities.end()) continue;
    std::string why;
    for (const auto& e : evidence) why += (why.empty() ? "" : "; ") + e;
    out.emplace_back(cap, why);
  }
  return out;
}

}  // namespace

Result<EnforceReport> run_complain(const EnforceOptions& options, const Manifest& manifest, const LaunchSpec& spec) {
  EnforceReport report;
  report.complain = true;
  report.applied = {"namespaces", "cgroup", "capabilities", "no_new_privs", "ptrace (complain)"};
  auto allowed = load_allowed_view(options.dir);
  if (!allowed) return allowed.error().wrap("read what the bundle allows");

  LearnOptions lo;
  lo.spec = spec;
  lo.tracer = TracerKind::Ptrace;
  lo.timeout_s = options.timeout_s;
  // The run has only the manifest's capabilities: what failed for lack of one
  // (EACCES, EPERM) is evidence too.
  lo.capability_failures = true;
  auto learned = learn(lo);
  if (!learned) return learned.error();
  report.exit = learned->exit;
  report.timed_out = learned->timed_out;
  report.killed_after_signal = learned->killed_after_signal;

  // What this run needs, rendered with the same generator, compared with what
  // the bundle allows: the additions are the accesses outside the profile.
  GenerateOptions go;
  go.manifest = manifest;
  go.allow_incomplete = true;
  auto files = render_bundle(learned->recording, go, "", nullptr);
  if (!files) return files.error().wrap("render this run's profile");
  auto needed = allowed_view_from_files((*files)["seccomp.json"], (*files)["landlock.json"], "this run");
  if (!needed) return needed.error();
  report.outside = diff_views(*allowed, *needed).added;
  report.outside.capabilities = missing_capabilities(learned->recording, manifest);
  // seccomp.json names syscalls across architectures: where each was made, an
  // architecture the profile lacks and calls without a name come from the run.
  const Recording& run = learned->recording;
  for (const auto& name : report.outside.syscalls)
    for (const auto& [arch, calls] : run.syscalls)
      if (calls.count(name)) report.outside_arches[name].push_back(arch_display_name(arch));
  for (const auto& [arch, calls] : run.syscalls) {
    if (calls.empty()) continue;
    if (allowed->has_seccomp && !allowed->architectures.count(scmp_arch_name(arch)))
      report.outside_architectures.push_back(arch_display_name(arch));
    for (const auto& [name, count] : calls)
      if (is_numeric_syscall(name)) report.outside_unnamed.push_back(arch_display_name(arch) + ":" + name);
  }

  if (options.update) {
    std::string rec_path = options.dir + "/recording.json";
    auto rec = load_recording(rec_path);
    if (!rec) return rec.error();
    if (auto st = rec->merge(learned->recording); !st) return st.error().wrap(rec_path);
    GenerateOptions keep;  // keeps DIR/profile.toml, adding the capabilities this run showed
    keep.grant_capabilities_of = &learned->recording;
    auto gen = generate_bundle(options.dir, *rec, keep);
    if (!gen) return gen.error().wrap("regenerate " + options.dir);
    report.updated_files = gen->files;
  }
  return report;
}

}  // namespace profile
