#include "tracer/root_paths.h"

#include <utility>

namespace profile {

std::string image_relative_path(const std::string& host_path, const std::string& root) {
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  if (r.empty() || r == "/") return host_path;
  if (host_path.compare(0, r.size(), r) != 0) return host_path;
  if (host_path.size() == r.size()) return "/";
  if (host_path[r.size()] != '/') return host_path;  // "/srv/rootfs2" is not below "/srv/rootfs"
  return host_path.substr(r.size());
}

void make_paths_image_relative(Recording& rec, const std::string& root) {
  std::map<std::string, FileRecord> files;
  for (auto& [path, record] : rec.files) {
    FileRecord& into = files[image_relative_path(path, root)];
    if (into.type.empty()) into.type = record.type;
    for (const auto& [kind, outcomes] : record.accesses)
      for (const auto& [outcome, count] : outcomes) into.accesses[kind][outcome] += count;
  }
  rec.files = std::move(files);
  std::map<std::string, uint64_t> executables;
  for (const auto& [path, count] : rec.executables) executables[image_relative_path(path, root)] += count;
  rec.executables = std::move(executables);
  std::map<NetEndpoint, uint64_t> network;
  for (const auto& [endpoint, count] : rec.network) {
    NetEndpoint ep = endpoint;
    if (!ep.path.empty() && ep.path[0] == '/') ep.path = image_relative_path(ep.path, root);
    network[ep] += count;
  }
  rec.network = std::move(network);
}

}  // namespace profile
