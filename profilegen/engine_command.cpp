#include "profilegen/engine_command.h"

#include <set>

#include "profilegen/manifest.h"

namespace profile {
namespace {

std::string basename_of(const std::string& path) {
  auto s = path.rfind('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

// Subcommands that create or enter a container's processes. `create` counts:
// the runtime's init process runs (and is traced) before `start`.
const std::set<std::string> kClientStarts = {"run", "start", "restart", "exec", "create", "up"};
const std::set<std::string> kRuntimeStarts = {"run", "start", "exec", "create", "restore"};
// Words that take a subcommand after them: `docker container run`,
// `podman kube play`, `docker compose up`, `ctr task start`, `ctr t exec`.
const std::set<std::string> kGroups = {"container", "compose", "kube", "pod", "task", "t", "c"};

}  // namespace

std::optional<std::string> container_engine_launch(const std::vector<std::string>& command,
                                                   const std::function<bool(const std::string&)>& is_program) {
  if (command.empty()) return std::nullopt;
  size_t at = wrapped_program_index(command, is_program);
  std::string engine = basename_of(command[at]);
  bool client = engine == "podman" || engine == "docker" || engine == "nerdctl" || engine == "buildah";
  bool runtime = engine == "runc" || engine == "crun" || engine == "youki" || engine == "runsc" || engine == "ctr";
  if (!client && !runtime) return std::nullopt;
  const auto& starts = client ? kClientStarts : kRuntimeStarts;
  std::string words = engine;
  // The first word that is no option names the subcommand. A word right after
  // an option without '=' may be that option's value (`--root /x`,
  // `-H unix:///s`) and is skipped unless it is a subcommand word itself.
  // `podman kube play` and `podman play kube` both start pods.
  bool after_option = false;
  for (size_t i = at + 1; i < command.size(); ++i) {
    const std::string& a = command[i];
    if (a.empty() || a[0] == '-') {
      after_option = a.find('=') == std::string::npos;
      continue;
    }
    if (a == "play") return words + " " + a;
    if (starts.count(a) != 0) return words + " " + a;
    if (kGroups.count(a) != 0) {
      words += " " + a;
      after_option = false;
      continue;
    }
    if (words != engine || !after_option) return std::nullopt;  // `podman images`, `podman container ls`
    after_option = false;
  }
  return std::nullopt;
}

}  // namespace profile
