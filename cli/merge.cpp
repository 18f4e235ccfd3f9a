// `profile merge A B ... -o OUT`: the union of recordings, regenerated.
#include <sys/stat.h>

#include <memory>

#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "common/recording.h"
#include "profilegen/bundle.h"

namespace profile::cli {

void add_generate_options(CLI::App* cmd, GenerateOptions& o, bool& json);
void print_report(const GenerateReport& r, bool json);

namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out;
  GenerateOptions opts;
  bool json = false;
};

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Which runs saw what, in one line: a reviewer of a merge across replicas or CI
// jobs sees how much of the profile only some runs needed.
std::string coverage_line(const Recording& rec, const std::string& out) {
  size_t n = rec.runs.size();
  if (n < 2) return "coverage: one run";
  if (!rec.coverage.known)
    return "coverage: unknown (an input of several runs was recorded before profile counted which run saw what)";
  size_t sys = 0, sys_partial = 0;
  for (const auto& [arch, names] : rec.coverage.syscalls) sys_partial += names.size();
  for (const auto& [arch, names] : rec.syscalls) sys += names.size();
  return "coverage: of " + std::to_string(n) + " runs, every run saw " + std::to_string(sys - sys_partial) + " of " +
         std::to_string(sys) + " syscalls and " + std::to_string(rec.files.size() - rec.coverage.files.size()) +
         " of " + std::to_string(rec.files.size()) + " files; `profile show " + out + "` marks the rest [runs/" +
         std::to_string(n) + "]. Every item any run needed stays allowed.";
}

}  // namespace

void register_merge(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<MergeArgs>();
  auto* cmd = app.add_subcommand("merge", "Merge recordings (bundles or recording.json files) into one bundle");
  cmd->add_option("INPUT", a->inputs, "Bundle directories or recording.json files")->required()->expected(1, -1);
  cmd->add_option("-o,--output", a->out, "Bundle directory to write")->required();
  add_generate_options(cmd, a->opts, a->json);
  cmd->footer(
      "\nThe union of the inputs' recordings (sets joined, counts added, runs listed) is written to\n"
      "OUT/recording.json and every profile is regenerated from it. The manifest comes from OUT/profile.toml\n"
      "if present, else from the first input bundle's. Exit status: 0 done, 2 bad input.\n\n"
      "Coverage: the merged recording counts, for each syscall, file, executable, endpoint and capability,\n"
      "how many of the runs saw it (`profile show OUT` marks those fewer than all runs saw, e.g. [2/5]).\n"
      "It is informational: every item any run needed stays in the profile.\n\n"
      "Examples:\n  profile merge ci-job-1/web ci-job-2/web ci-job-3/web -o web\n"
      "  profile merge a.profile b/recording.json -o merged --paths exact\n");
  cmd->callback([a, &ctx] {
    Recording merged;
    std::optional<Manifest> manifest;
    for (const auto& in : a->inputs) {
      std::string path = is_dir(in) ? in + "/recording.json" : in;
      auto rec = load_recording(path);
      if (!rec) fail(rec.error().message, kExitUsage);
      if (auto st = merged.merge(*rec); !st) fail(path + ": " + st.error().message, kExitUsage);
      if (!manifest && is_dir(in) && !is_dir(a->out)) {
        if (auto text = read_file(in + "/profile.toml")) {
          auto m = parse_manifest(*text, in + "/profile.toml");
          if (!m) fail(m.error().message, kExitUsage);
          manifest = *m;
        }
      }
    }
    if (!is_dir(a->out)) a->opts.manifest = manifest;
    auto report = generate_bundle(a->out, merged, a->opts);
    if (!report) fail(report.error().message, kExitUsage);
    print_report(*report, a->json);
    if (!a->json) log::info(coverage_line(merged, a->out));
    ctx.exit_code = kExitOk;
  });
}

}  // namespace profile::cli
