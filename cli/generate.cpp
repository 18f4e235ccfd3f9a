// `profile generate DIR`: rebuild every artifact of a bundle from its recording.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "common/log.h"
#include "common/recording.h"
#include "profilegen/bundle.h"

namespace profile::cli {
namespace {

struct GenerateArgs {
  std::string dir;
  GenerateOptions opts;
  bool json = false;
};

}  // namespace

// Shared by generate and merge: the options that shape generation.
void add_generate_options(CLI::App* cmd, GenerateOptions& o, bool& json) {
  cmd->add_option("--policy", o.policy_file, "Extra policy TOML (see profile-generate(1))")->check(CLI::ExistingFile);
  cmd->add_flag("--no-args", o.no_args, "Name-only seccomp rules: do not restrict argument values");
  cmd->add_option("--default-action", o.default_action,
                  "What a denied syscall gets: errno (EPERM, the default), kill (the process) or log (allow and log)")
      ->check(CLI::IsMember({"errno", "kill", "log"}));
  cmd->add_option("--clone3", o.clone3,
                  "clone3 when observed: enosys (the default: glibc falls back to clone, whose flags are checked) or "
                  "allow (reported as dangerous: its flags cannot be checked)")
      ->check(CLI::IsMember({"enosys", "allow"}));
  cmd->add_option("--paths", o.paths,
                  "Landlock path rules: directories (the default: a data or written directory gets a subtree rule, "
                  "with evidence, never a shared root; see policies/paths.toml) or exact (one rule per path used)")
      ->check(CLI::IsMember({"directories", "exact"}));
  cmd->add_option("--runtime", o.runtime,
                  "Container runtime calls to add to the engine formats: all (the default: works with every engine "
                  "listed), none, or a comma list of runc, crun, podman, docker, containerd, cri-o, kubernetes, "
                  "each optionally @VERSION (profile enforce needs none of them)");
  cmd->add_option("--runtime-nnp", o.runtime_nnp,
                  "no_new_privileges of the containers: any (the default), on or off (fewer runtime calls)")
      ->check(CLI::IsMember({"any", "on", "off"}));
  cmd->add_option("--runtimes", o.runtimes_file,
                  "Runtime data to use instead of policies/runtimes.toml (scripts/measure-runtime.sh writes entries)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--allow-incomplete", o.allow_incomplete,
                "Generate even when the tracer lost events (the profile may deny what the workload needs)");
  cmd->add_flag("--json", json, "Print the report as JSON on stdout");
}

void print_report(const GenerateReport& r, bool json) {
  // Warnings reach the user whatever the verbosity (the report is --verbose's).
  if (json || log::level() < log::Level::Info)
    for (const auto& w : r.warnings) log::warn(w);
  if (json)
    std::fputs(report_to_json(r).c_str(), stdout);
  else if (log::level() >= log::Level::Info)
    std::fputs(report_to_text(r).c_str(), stderr);
}

void register_generate(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand("generate", "Rebuild a bundle's profiles from its recording");
  cmd->add_option("DIR", a->dir, "Bundle directory holding recording.json")->required();
  add_generate_options(cmd, a->opts, a->json);
  cmd->footer(
      "\nWrites DIR/profile.toml (kept if present), seccomp.json, seccomp.oci.json, seccompprofile.yaml and\n"
      "landlock.json atomically; other files in DIR are kept. Exit status: 0 done, 2 bad input.\n");
  cmd->callback([a, &ctx] {
    auto rec = load_recording(a->dir + "/recording.json");
    if (!rec) fail(rec.error().message, kExitUsage);
    a->opts.keep_recording = true;  // rec was just read from DIR/recording.json
    auto report = generate_bundle(a->dir, *rec, a->opts);
    if (!report) fail(report.error().message, kExitUsage);
    print_report(*report, a->json);
    ctx.exit_code = kExitOk;
  });
}

}  // namespace profile::cli
