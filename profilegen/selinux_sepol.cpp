#include "profilegen/selinux_sepol.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sepol/debug.h>
#include <sepol/policydb/services.h>
#include <sepol/sepol.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "profilegen/selinux_fcontext.h"

namespace profile {

namespace {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};

std::string sid_type(sepol_security_id_t sid) {
  char* con = nullptr;
  size_t len = 0;
  if (sepol_sid_to_context(sid, &con, &len) != 0 || con == nullptr) return "";
  std::string out = context_type(std::string(con, len));
  std::free(con);
  return out;
}

}  // namespace

Result<SepolPolicy> SepolPolicy::load(const std::string& binary_policy) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(binary_policy.c_str(), "re"));
  if (!f) return sys_error("fopen(\"" + binary_policy + "\")");
  sepol_debug(0);  // libsepol prints every failed lookup on stderr otherwise
  if (sepol_set_policydb_from_file(f.get()) != 0)
    return make_error(binary_policy + ": not a binary SELinux policy libsepol can read");
  SepolPolicy p;
  p.path_ = binary_policy;
  // An MLS policy needs a level in every context; find out once which form is valid.
  sepol_security_id_t sid = 0;
  const std::string with_level = "system_u:object_r:unlabeled_t:s0";
  p.mls_ = sepol_context_to_sid(with_level.c_str(), with_level.size() + 1, &sid) == 0;
  return p;
}

namespace {

bool context_sid(const std::string& role, const std::string& type, bool mls, sepol_security_id_t* sid) {
  std::string con = "system_u:" + role + ":" + type + (mls ? ":s0" : "");
  return sepol_context_to_sid(con.c_str(), con.size() + 1, sid) == 0;
}

}  // namespace

bool SepolPolicy::has_type(const std::string& type) const {
  sepol_security_id_t sid = 0;
  return context_sid("object_r", type, mls_, &sid);
}

bool SepolPolicy::has_class(const std::string& cls) const {
  sepol_security_class_t c = 0;
  return sepol_string_to_security_class(cls.c_str(), &c) == 0;
}

std::string SepolPolicy::port_type(const std::string& protocol, unsigned port) const {
  uint8_t proto = protocol == "udp" ? IPPROTO_UDP : protocol == "sctp" ? IPPROTO_SCTP : IPPROTO_TCP;
  sepol_security_id_t sid = 0;
  if (sepol_port_sid(0, 0, proto, static_cast<uint16_t>(port), &sid) != 0) return "";
  return sid_type(sid);
}

std::string SepolPolicy::node_type(const std::string& address) const {
  sepol_security_id_t sid = 0;
  in_addr a4{};
  in6_addr a6{};
  if (inet_pton(AF_INET, address.c_str(), &a4) == 1) {
    if (sepol_node_sid(AF_INET, &a4, sizeof a4, &sid) != 0) return "";
  } else if (inet_pton(AF_INET6, address.c_str(), &a6) == 1) {
    if (sepol_node_sid(AF_INET6, &a6, sizeof a6, &sid) != 0) return "";
  } else {
    return "";
  }
  return sid_type(sid);
}

std::string SepolPolicy::genfs_type(const std::string& fstype, const std::string& path, const std::string& cls) const {
  sepol_security_class_t c = 0;
  if (sepol_string_to_security_class(cls.c_str(), &c) != 0) return "";
  sepol_security_id_t sid = 0;
  if (sepol_genfs_sid(fstype.c_str(), path.c_str(), c, &sid) != 0) return "";
  return sid_type(sid);
}

std::string SepolPolicy::transition_type(const std::string& domain, const std::string& parent,
                                         const std::string& cls) const {
  sepol_security_id_t s = 0;
  sepol_security_id_t t = 0;
  sepol_security_id_t out = 0;
  sepol_security_class_t c = 0;
  if (!context_sid("system_r", domain, mls_, &s) || !context_sid("object_r", parent, mls_, &t) ||
      sepol_string_to_security_class(cls.c_str(), &c) != 0 || sepol_transition_sid(s, t, c, &out) != 0)
    return "";
  return sid_type(out);
}

Result<std::set<std::string>> SepolPolicy::denied(const std::string& domain, const SelinuxAccess& access) const {
  sepol_security_id_t s = 0;
  sepol_security_id_t t = 0;
  if (!context_sid("system_r", domain, mls_, &s))
    return make_error("the policy " + path_ + " has no domain " + domain + " usable in role system_r");
  const std::string target = access.target == "self" ? domain : access.target;
  // A process target (ptrace, signals, transitions) is checked with its own role
  // so that role constraints apply as they would to the running process.
  bool ok = access.cls == "process" ? (context_sid("system_r", target, mls_, &t) ||
                                       context_sid("unconfined_r", target, mls_, &t) ||
                                       context_sid("object_r", target, mls_, &t))
                                    : context_sid("object_r", target, mls_, &t);
  if (!ok) return make_error("the policy " + path_ + " has no type " + target);
  sepol_security_class_t c = 0;
  if (sepol_string_to_security_class(access.cls.c_str(), &c) != 0)
    return make_error("the policy " + path_ + " has no object class " + access.cls);
  sepol_access_vector_t want = 0;
  for (const auto& p : access.perms) {
    sepol_access_vector_t bit = 0;
    if (sepol_string_to_av_perm(c, p.c_str(), &bit) != 0)
      return make_error("the policy " + path_ + " has no permission " + p + " in class " + access.cls);
    want |= bit;
  }
  sepol_av_decision avd{};
  if (sepol_compute_av(s, t, c, want, &avd) != 0)
    return make_error("sepol_compute_av(" + domain + ", " + target + ", " + access.cls + ") failed");
  std::set<std::string> out;
  for (const auto& p : access.perms) {
    sepol_access_vector_t bit = 0;
    sepol_string_to_av_perm(c, p.c_str(), &bit);
    if ((avd.allowed & bit) != bit) out.insert(p);
  }
  return out;
}

}  // namespace profile
