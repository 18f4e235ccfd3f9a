// Path components for the path patterns of policies/ ("/home/*/.ssh": "*"
// stands for one whole component). Shared by the Landlock generator and the
// relocation of paths to ${WORKDIR}/${HOME}.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace profile {

// {"home", "alice", ".ssh"} for "/home/alice/.ssh"; empty components (a
// doubled or trailing '/') are skipped. The views point into `p`.
inline std::vector<std::string_view> path_components(const std::string& p) {
  std::vector<std::string_view> out;
  for (size_t i = 1; i <= p.size();) {
    size_t e = p.find('/', i);
    if (e == std::string::npos) e = p.size();
    if (e > i) out.emplace_back(p.data() + i, e - i);
    i = e + 1;
  }
  return out;
}

inline bool path_component_matches(std::string_view pattern, std::string_view c) {
  return pattern == "*" || pattern == c;
}

}  // namespace profile
