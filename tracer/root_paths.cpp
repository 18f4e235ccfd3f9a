#include "tracer/root_paths.h"

namespace profile {

std::string image_relative_path(const std::string& host_path, const std::string& root) {
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  if (r.empty() || r == "/") return host_path;
  if (host_path.compare(0, r.size(), r) != 0) return host_path;
  if (host_path.size() == r.size()) return "/";
  if (host_path[r.size()] != '/') return host_path;
  return host_path.substr(r.size());
}

}  // namespace profile
