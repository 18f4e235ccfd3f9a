#include "profilegen/selinux/labels.h"

#include <sys/stat.h>

#include <cctype>

namespace profile {

unsigned class_mode(const std::string& cls) {
  if (cls == "file") return S_IFREG;
  if (cls == "dir") return S_IFDIR;
  if (cls == "lnk_file") return S_IFLNK;
  if (cls == "chr_file") return S_IFCHR;
  if (cls == "blk_file") return S_IFBLK;
  if (cls == "fifo_file") return S_IFIFO;
  if (cls == "sock_file") return S_IFSOCK;
  return 0;
}

namespace {

bool starts(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// "/proc/1234/status" -> true for the pid component, also self and thread-self.
bool own_proc_entry(const std::string& path) {
  if (!starts(path, "/proc/")) return false;
  std::string first =
      path.substr(6, path.find('/', 6) == std::string::npos ? std::string::npos : path.find('/', 6) - 6);
  if (first == "self" || first == "thread-self") return path.size() > 6 + first.size();  // the link itself is proc_t
  if (first.empty()) return false;
  for (char ch : first)
    if (std::isdigit(static_cast<unsigned char>(ch)) == 0) return false;
  return true;
}

}  // namespace

std::string PolicyLabels::existing_file_type(const std::string& path, const std::string& cls) const {
  // Tracers record the workload's /proc/<pid> paths; those entries carry the domain
  // of the process they describe, which is the workload itself.
  if (own_proc_entry(path)) return "self";
  if (path == "/proc" || starts(path, "/proc/")) {
    std::string t = policy_.genfs_type("proc", path == "/proc" ? "/" : path.substr(5), cls);
    return t.empty() ? "proc_t" : t;
  }
  if (path == "/sys" || starts(path, "/sys/")) {
    std::string t = policy_.genfs_type("sysfs", path == "/sys" ? "/" : path.substr(4), cls);
    return t.empty() ? "sysfs_t" : t;
  }
  std::string t = fc_.type_of(path, class_mode(cls));
  // "<<none>>" (e.g. "/tmp/.*"): the policy leaves the label to creation time, when an
  // object takes its directory's type; an existing one has it still, short of a relabel.
  if (t.empty() && path != "/") {
    const auto slash = path.rfind('/');
    return existing_file_type(slash == 0 ? "/" : path.substr(0, slash), "dir");
  }
  return t;
}

}  // namespace profile
