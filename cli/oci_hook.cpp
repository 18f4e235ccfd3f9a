// `profile oci-hook`: the OCI hook that learns containers podman and CRI-O
// start (ocihook/hook_recorder.h), and `--install [DIR]`, which writes the
// hooks.d file that makes the engines run it for annotated containers.
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "ocihook/hook_recorder.h"
#include "ocihook/oci_state.h"

namespace profile::cli {
namespace {

struct HookArgs {
  std::string install_dir;
  std::string log_file;
  std::string output_root;
  bool print = false;
};

std::string own_binary() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) fail(Errno().error("cannot find profile's own path: readlink /proc/self/exe"), 1);
  return std::string(buf, static_cast<size_t>(n));
}

// The state is a small JSON document; a runtime that writes more is not one.
std::string read_stdin() {
  constexpr size_t kMax = 1 << 20;
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMax) break;
  }
  return text;
}

}  // namespace

void register_oci_hook(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<HookArgs>();
  auto* cmd = app.add_subcommand("oci-hook", "Learn containers that podman or CRI-O start (an OCI prestart hook)");
  auto* install = cmd->add_option("--install", a->install_dir,
                                  "Write the hooks.d file profile-learn.json into DIR (default " +
                                      std::string(kDefaultHooksDir) + ") and exit")
                      ->expected(0, 1)
                      ->type_name("DIR");
  cmd->add_flag("--print", a->print, "With --install: print the hooks.d file on stdout instead of writing it");
  cmd->add_option("--log", a->log_file,
                  "Log failures to FILE when the output directory cannot hold hook.log (also baked into the "
                  "installed hook)")
      ->type_name("FILE");
  cmd->add_option("--output-root", a->output_root,
                  "Learn only into directories at or below DIR (also baked into the installed hook); "
                  "recommended where others may annotate containers (CRI-O pods)")
      ->type_name("DIR");
  cmd->footer(
      "\nThe runtime runs 'profile oci-hook' at prestart with the container's state on stdin when the\n"
      "container has the annotation io.profile.learn=DIR (an absolute directory, created if missing).\n"
      "A detached recorder then traces the container with eBPF, from its first execve, and when its\n"
      "init exits writes the bundle into DIR (paths as the container sees them, the engines' runtime\n"
      "part added) and logs to DIR/hook.log and syslog. If it cannot record, the container still starts\n"
      "and DIR/hook.log says why, unless io.profile.learn.required=true, which makes it fail instead.\n"
      "Needs root (eBPF). Exit status: 0 recording or allowed to start unlearned, 1 failed with\n"
      "io.profile.learn.required=true (or --install failed), 2 stdin is not an OCI state.\n\n"
      "Examples:\n"
      "  profile oci-hook --install                      # /usr/share/containers/oci/hooks.d/profile-learn.json\n"
      "  podman run --annotation io.profile.learn=/srv/profiles/web IMAGE\n"
      "  podman run --security-opt seccomp=/srv/profiles/web/seccomp.json IMAGE\n"
      "  profile oci-hook --install /tmp/hooks && podman --hooks-dir /tmp/hooks run \\\n"
      "      --annotation io.profile.learn=/tmp/out --annotation io.profile.learn.required=true IMAGE\n");
  cmd->callback([a, install, &ctx] {
    if (install->count() > 0 || a->print) {
      std::string dir = a->install_dir.empty() ? kDefaultHooksDir : a->install_dir;
      std::vector<std::string> extra;
      if (!a->log_file.empty()) {
        if (a->log_file[0] != '/') fail("--log needs an absolute path (the runtime runs the hook from /)", kExitUsage);
        extra = {"--log", a->log_file};
      }
      if (!a->output_root.empty()) {
        if (a->output_root[0] != '/') fail("--output-root needs an absolute path", kExitUsage);
        extra.insert(extra.end(), {"--output-root", a->output_root});
      }
      std::string json = hooks_json(own_binary(), extra);
      if (a->print) {
        std::fputs(json.c_str(), stdout);
        ctx.exit_code = kExitOk;
        return;
      }
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        fail(Errno().error("cannot create the hooks directory " + dir), 1);
      std::string path = dir + "/" + kHookFileName;
      if (auto st = write_file_atomic(path, json, 0644); !st)
        fail("cannot write " + path + ": " + st.error().message, 1);
      log::info("wrote " + path + ": containers with the annotation io.profile.learn=DIR are learned into DIR");
      ctx.exit_code = kExitOk;
      return;
    }
    if (::isatty(STDIN_FILENO) == 1)
      fail("oci-hook reads the container's OCI state on stdin, as a runtime runs it; use --install to set it up",
           kExitUsage);
    HookOptions opts;
    opts.fallback_log = a->log_file;
    opts.output_root = a->output_root;
    while (opts.output_root.size() > 1 && opts.output_root.back() == '/') opts.output_root.pop_back();
    ctx.exit_code = run_oci_hook(read_stdin(), opts);
  });
}

}  // namespace profile::cli
