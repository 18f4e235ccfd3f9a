// launch_helper [--no-container] [--net MODE] [--userns MODE] [--require-cgroup] -- CMD [ARG...]
// Runs CMD with spawn_container, forwarding signals, and exits with its status
// (125 and one line on stderr when the launch fails).
#include <cstdio>
#include <cstring>
#include <string>

#include "enforce/launcher.h"

int main(int argc, char** argv) {
  using namespace profile;
  LaunchSpec spec;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--no-container") {
      spec.container = false;
    } else if (a == "--require-cgroup") {
      spec.require_cgroup = true;
    } else if (a == "--net" && i + 1 < argc) {
      auto m = net_mode_from_name(argv[++i]);
      if (!m) return std::fprintf(stderr, "%s\n", m.error().message.c_str()), 2;
      spec.net = *m;
    } else if (a == "--userns" && i + 1 < argc) {
      auto m = user_ns_mode_from_name(argv[++i]);
      if (!m) return std::fprintf(stderr, "%s\n", m.error().message.c_str()), 2;
      spec.user_ns = *m;
    } else {
      std::fprintf(stderr, "launch_helper: bad argument %s\n", argv[i]);
      return 2;
    }
  }
  for (; i < argc; ++i) spec.argv.emplace_back(argv[i]);
  auto c = spawn_container(spec, LaunchHooks{});
  if (!c) {
    std::fprintf(stderr, "launch_helper: %s\n", c.error().message.c_str());
    return launch_error_exit_code(c.error());
  }
  for (const auto& d : (*c)->cgroup_dirs()) std::fprintf(stderr, "launch_helper: cgroup %s\n", d.c_str());
  forward_signals_to((*c)->top_pid());
  if (auto st = (*c)->release(); !st) {
    std::fprintf(stderr, "launch_helper: %s\n", st.error().message.c_str());
    return kLauncherFailure;
  }
  auto exit = (*c)->wait();
  forward_signals_to(-1);
  if (!exit) {
    std::fprintf(stderr, "launch_helper: %s\n", exit.error().message.c_str());
    return kLauncherFailure;
  }
  return exit->status();
}
