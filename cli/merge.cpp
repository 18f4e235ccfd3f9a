// `profile merge A B ... -o OUT`: the union of recordings, regenerated.
#include <sys/stat.h>

#include <memory>

#include "cli/commands.h"
#include "common/atomic_file.h"
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

[[noreturn]] void fail(const std::string& message, int code) {
  throw FatalError{make_error(message), code};
}

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
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
      "if present, else from the first input bundle's. Exit status: 0 done, 2 bad input.\n");
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
    ctx.exit_code = kExitOk;
  });
}

}  // namespace profile::cli
