// `profile diff OLD NEW`: what NEW allows that OLD did not, and the reverse.
#include "profilegen/diff.h"

#include <cstdio>
#include <memory>

#include "cli/commands.h"

namespace profile::cli {
namespace {

struct DiffArgs {
  std::string old_path, new_path;
  bool json = false;
};

}  // namespace

void register_diff(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<DiffArgs>();
  auto* cmd = app.add_subcommand("diff", "Show what NEW allows that OLD did not (and the reverse)");
  cmd->add_option("OLD", a->old_path, "Bundle directory or recording.json")->required();
  cmd->add_option("NEW", a->new_path, "Bundle directory or recording.json")->required();
  cmd->add_flag("--json", a->json, "Print the difference as JSON (classified changes, arrays, stable order)");
  cmd->footer(
      "\nCompares the whole bundle: seccomp (syscalls, arguments, architectures, actions), Landlock (files,\n"
      "ports, handled rights), profile.toml (capabilities, namespaces, network, binds, private /tmp,\n"
      "read-only root, limits, environment names) and executables. Changes are grouped by class; '+'\n"
      "lines are granted by NEW only, each with its risk (high/medium/low) and reason; '-' by OLD only.\n"
      "Exit status: 0 NEW allows nothing more, 1 NEW allows more, 2 bad input.\n");
  cmd->callback([a, &ctx] {
    auto o = load_allowed_view(a->old_path);
    if (!o) fail(o.error().message, kExitUsage);
    auto n = load_allowed_view(a->new_path);
    if (!n) fail(n.error().message, kExitUsage);
    ProfileDiff d = diff_views(*o, *n);
    std::fputs((a->json ? diff_to_json(d) : diff_to_text(d)).c_str(), stdout);
    ctx.exit_code = d.more_permissive() ? kExitFindings : kExitOk;
  });
}

}  // namespace profile::cli
