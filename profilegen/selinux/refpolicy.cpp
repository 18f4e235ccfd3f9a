#include "profilegen/selinux/refpolicy.h"

#include <sys/stat.h>

#include <filesystem>

namespace profile {

namespace fs = std::filesystem;

Result<SelinuxPolicyPaths> find_selinux_policy(const std::string& root_arg) {
  SelinuxPolicyPaths p;
  p.root = root_arg.empty() ? kDefaultSelinuxPolicyRoot : root_arg;
  while (p.root.size() > 1 && p.root.back() == '/') p.root.pop_back();
  const std::string hint =
      root_arg.empty() ? " (install Debian's selinux-policy-default, or point --selinux-policy at a policy root "
                         "such as /etc/selinux/default)"
                       : " (--selinux-policy must name a policy root such as /etc/selinux/default)";
  std::error_code ec;
  if (!fs::is_directory(p.root, ec))
    return make_error("no SELinux reference policy at " + p.root + ": not a directory" + hint);
  p.name = fs::path(p.root).filename().string();
  p.file_contexts = p.root + "/contexts/files/file_contexts";
  if (!fs::is_regular_file(p.file_contexts, ec))
    return make_error("no SELinux reference policy at " + p.root + ": " + p.file_contexts + " is missing" + hint);
  int best = -1;
  for (const auto& e : fs::directory_iterator(p.root + "/policy", ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("policy.", 0) != 0) continue;
    char* end = nullptr;
    long v = std::strtol(f.c_str() + 7, &end, 10);
    if (end != nullptr && *end == '\0' && v > best) best = static_cast<int>(v);
  }
  if (best < 0)
    return make_error("no SELinux reference policy at " + p.root + ": no binary policy " + p.root + "/policy/policy.N" +
                      hint);
  p.binary_policy = p.root + "/policy/policy." + std::to_string(best);
  // The module store sits beside the policy root: PREFIX/etc/selinux/NAME <-> PREFIX/var/lib/selinux/NAME,
  // so a copied tree (--selinux-policy /chroot/etc/selinux/default) finds its own store.
  const auto at = p.root.rfind("/etc/selinux/");
  p.store = (at == std::string::npos ? std::string() : p.root.substr(0, at)) + "/var/lib/selinux/" + p.name;
  return p;
}

}  // namespace profile
