// Relocatable paths (issue 16): a bundle stores a path below the workload's
// working directory as ${WORKDIR}/rest and one below its user's home as
// ${HOME}/rest, so that a profile learned in a CI checkout (/home/runner/work/app)
// works where it is deployed (/srv/app). This header is the syntax only, shared by
// the readers of profile.toml and landlock.json; which paths are mapped and what a
// root may stand for are in profilegen/relocate.h. Pure logic: no system calls.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace profile::roots {

inline constexpr const char* kWorkdir = "WORKDIR";
inline constexpr const char* kHome = "HOME";

inline bool known_name(const std::string& name) {
  return name == kWorkdir || name == kHome;
}

// "${NAME}" or "${NAME}/rest" with a known NAME -> {NAME, "" or "/rest"}; nullopt
// for anything else (an absolute path, a relative one, an unknown root).
inline std::optional<std::pair<std::string, std::string>> split(const std::string& path) {
  if (path.rfind("${", 0) != 0) return std::nullopt;
  auto close = path.find('}');
  if (close == std::string::npos) return std::nullopt;
  std::string name = path.substr(2, close - 2);
  std::string rest = path.substr(close + 1);
  if (!known_name(name) || (!rest.empty() && rest[0] != '/')) return std::nullopt;
  return std::make_pair(name, rest);
}

inline bool is_rooted(const std::string& path) {
  return split(path).has_value();
}

// Absolute, or below a known root: what a bundle may name.
inline bool absolute_or_rooted(const std::string& path) {
  return (!path.empty() && path[0] == '/') || is_rooted(path);
}

// The directory above `path`: "/a/b" -> "/a", "/a" -> "/", "${WORKDIR}/a" ->
// "${WORKDIR}", and "${WORKDIR}" -> "/" (a root stands for some absolute
// directory, so only a rule on "/" is known to lie above it). "/" -> "/".
inline std::string parent(const std::string& path) {
  if (is_rooted(path) && path.find('/') == std::string::npos) return "/";
  auto s = path.rfind('/');
  if (s == std::string::npos || s == 0) return "/";
  return path.substr(0, s);
}

// `path` with its root replaced by the root's value (absolute paths unchanged);
// nullopt when `path` names a root that `values` lacks.
inline std::optional<std::string> expand(const std::string& path, const std::map<std::string, std::string>& values) {
  auto s = split(path);
  if (!s) return path;
  auto it = values.find(s->first);
  if (it == values.end()) return std::nullopt;
  return it->second + s->second;
}

// The home directory a workload started with `env` (KEY=VALUE entries; nullptr:
// this process's environment) as uid `uid` has: its HOME when set and not
// empty, else the passwd entry's directory, else "", with symbolic links
// resolved when it exists (as the recorded paths below it are). The same rule at learn
// (recorded as the run's home) and at enforce (what ${HOME} stands for), so that
// the root means the same thing on both sides. Reads the user database.
std::string workload_home(const std::vector<std::string>* env, uid_t uid);

}  // namespace profile::roots
