#include "ocihook/root_recording.h"

#include "tracer/root_paths.h"

namespace profile {

Recording recording_inside_root(const Recording& rec, const std::string& root) {
  Recording out = rec;
  out.files.clear();
  for (const auto& [path, record] : rec.files) {
    FileRecord& into = out.files[image_relative_path(path, root)];
    if (into.type.empty()) into.type = record.type;
    for (const auto& [kind, outcomes] : record.accesses)
      for (const auto& [outcome, count] : outcomes) into.accesses[kind][outcome] += count;
  }
  out.executables.clear();
  for (const auto& [path, count] : rec.executables) out.executables[image_relative_path(path, root)] += count;
  out.network.clear();
  for (const auto& [seen, count] : rec.network) {
    NetEndpoint ep = seen;
    if (!ep.path.empty() && ep.path[0] == '/') ep.path = image_relative_path(ep.path, root);
    out.network[ep] += count;
  }
  return out;
}

}  // namespace profile
