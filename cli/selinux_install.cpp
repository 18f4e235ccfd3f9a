// `profile selinux-install DIR [--remove]`: install (or remove) a bundle's SELinux
// module in the machine's policy with semodule, so that `profile enforce` can run the
// workload in <name>_t; then relabel the paths its file contexts name (restorecon)
// when SELinux is active. Needs root and policycoreutils (semodule, restorecon).
#include <selinux/selinux.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "profilegen/manifest.h"
#include "profilegen/selinux/te.h"
#include "profilegen/selinux/tool.h"

namespace profile::cli {
namespace {

struct InstallArgs {
  std::string dir;
  bool remove = false;
};

// The paths of the .fc that exist here: what restorecon must relabel.
std::vector<std::string> existing_fc_paths(const std::string& fc) {
  std::vector<std::string> out;
  for (auto& path : fc_exact_paths(fc))
    if (std::filesystem::exists(path)) out.push_back(std::move(path));
  return out;
}

}  // namespace

void register_selinux_install(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<InstallArgs>();
  auto* cmd = app.add_subcommand("selinux-install", "Install a bundle's SELinux module into this machine's policy");
  cmd->add_option("DIR", a->dir, "Bundle directory")->required();
  cmd->add_flag("--remove", a->remove, "Remove the module instead");
  cmd->footer(
      "\nRuns semodule -i DIR/selinux/NAME.pp (semodule -r NAME with --remove), then restorecon on the\n"
      "paths the module labels when SELinux is active. Exit status: 0 done, 2 bad input or failure.\n");
  cmd->callback([a, &ctx] {
    auto toml = read_file(a->dir + "/profile.toml");
    if (!toml) fail(a->dir + " is not a profile bundle: " + toml.error().message, kExitUsage);
    auto m = parse_manifest(*toml, a->dir + "/profile.toml");
    if (!m) fail(m.error().message, kExitUsage);
    const std::string name = m->name;
    if (a->remove) {
      auto r = run_selinux_tool({"semodule", "-r", name}, ".");
      if (!r) fail(r.error().message, kExitUsage);
      log::info("removed the SELinux module " + name);
      ctx.exit_code = kExitOk;
      return;
    }
    const std::string pp = a->dir + "/" + (m->selinux_module.empty() ? "selinux/" + name + ".pp" : m->selinux_module);
    if (!std::filesystem::exists(pp))
      fail(pp + " does not exist: run 'profile generate " + a->dir + "' to build the SELinux module", kExitUsage);
    auto r = run_selinux_tool({"semodule", "-i", pp}, ".");
    if (!r) fail(r.error().message, kExitUsage);
    log::info("installed the SELinux module " + name + " (domain " + name + "_t)");
    auto fc = read_file(a->dir + "/selinux/" + name + ".fc");
    std::vector<std::string> paths = fc ? existing_fc_paths(*fc) : std::vector<std::string>{};
    if (::is_selinux_enabled() > 0 && !paths.empty()) {
      std::vector<std::string> argv{"restorecon", "-F"};
      argv.insert(argv.end(), paths.begin(), paths.end());
      auto rc = run_selinux_tool(argv, ".");
      if (!rc) fail(rc.error().message, kExitUsage);
      log::info("relabelled " + std::to_string(paths.size()) + " paths named by " + name + ".fc");
    } else if (!paths.empty()) {
      log::info("SELinux is not active: run 'restorecon -F' on the " + std::to_string(paths.size()) +
                " paths of selinux/" + name + ".fc once it is");
    }
    ctx.exit_code = kExitOk;
  });
}

}  // namespace profile::cli
