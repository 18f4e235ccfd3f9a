#include "profilegen/selinux/sepol.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sepol/debug.h>
#include <sepol/policydb.h>
#include <sepol/policydb/policydb.h>
#include <sepol/policydb/services.h>
#include <sepol/sepol.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "profilegen/selinux/fcontext.h"

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
  if (!f) return Errno().error("fopen(\"" + binary_policy + "\")");
  sepol_debug(0);  // libsepol prints every failed lookup on stderr otherwise
  // libsepol's services keep one global policy, and a second
  // sepol_set_policydb_from_file leaks the first (libsepol 3.4 destroys it only
  // when policy_type is non-zero, and a kernel policy's is 0): load a file once
  // per process, again only when it changed.
  struct stat st {};
  if (::fstat(fileno(f.get()), &st) != 0) return Errno().error("fstat(\"" + binary_policy + "\")");
  static std::string loaded;  // path, size and mtime of the policy libsepol holds
  std::string key = binary_policy + "\n" + std::to_string(st.st_size) + "\n" + std::to_string(st.st_mtim.tv_sec) + "." +
                    std::to_string(st.st_mtim.tv_nsec);
  if (key != loaded) {
    loaded.clear();  // a failed load may leave libsepol's policy half read
    if (sepol_set_policydb_from_file(f.get()) != 0)
      return make_error(binary_policy + ": not a binary SELinux policy libsepol can read");
    loaded = key;
  }
  SepolPolicy p;
  p.path_ = binary_policy;
  {
    std::unique_ptr<FILE, FileCloser> f2(std::fopen(binary_policy.c_str(), "re"));
    if (!f2) return Errno().error("fopen(\"" + binary_policy + "\")");
    sepol_policy_file_t* pf = nullptr;
    sepol_policydb_t* db = nullptr;
    if (sepol_policy_file_create(&pf) != 0 || sepol_policydb_create(&db) != 0) {
      if (pf != nullptr) sepol_policy_file_free(pf);
      return make_error("libsepol: out of memory reading " + binary_policy);
    }
    p.db_ = std::shared_ptr<sepol_policydb>(db, sepol_policydb_free);
    sepol_policy_file_set_fp(pf, f2.get());
    int rc = sepol_policydb_read(db, pf);
    sepol_policy_file_free(pf);
    if (rc != 0) return make_error(binary_policy + ": not a binary SELinux policy libsepol can read");
  }
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

namespace {

// The kernel's fixed initial SID numbers (security/selinux/include/initial_sid_to_string.h).
constexpr uint32_t kInitialSidPort = 9;
constexpr uint32_t kInitialSidNode = 12;

std::string ctx_type(const policydb_t& p, const context_struct_t& c) {
  return c.type >= 1 && c.type <= p.p_types.nprim ? p.p_type_val_to_name[c.type - 1] : "";
}

std::string initial_sid_type(const policydb_t& p, uint32_t sid) {
  for (ocontext_t* c = p.ocontexts[OCON_ISID]; c != nullptr; c = c->next)
    if (c->sid[0] == sid) return ctx_type(p, c->context[0]);
  return "";
}

}  // namespace

std::string SepolPolicy::port_type(const std::string& protocol, unsigned port) const {
  const policydb_t& p = db_->p;
  const uint8_t proto = protocol == "udp" ? IPPROTO_UDP : protocol == "sctp" ? IPPROTO_SCTP : IPPROTO_TCP;
  // First match in policy order, as the kernel does (specific ports come before ranges).
  for (ocontext_t* c = p.ocontexts[OCON_PORT]; c != nullptr; c = c->next)
    if (c->u.port.protocol == proto && c->u.port.low_port <= port && port <= c->u.port.high_port)
      return ctx_type(p, c->context[0]);
  return initial_sid_type(p, kInitialSidPort);
}

std::string SepolPolicy::node_type(const std::string& address) const {
  const policydb_t& p = db_->p;
  in_addr a4{};
  in6_addr a6{};
  if (inet_pton(AF_INET, address.c_str(), &a4) == 1) {
    for (ocontext_t* c = p.ocontexts[OCON_NODE]; c != nullptr; c = c->next)
      if ((a4.s_addr & c->u.node.mask) == c->u.node.addr) return ctx_type(p, c->context[0]);
  } else if (inet_pton(AF_INET6, address.c_str(), &a6) == 1) {
    for (ocontext_t* c = p.ocontexts[OCON_NODE6]; c != nullptr; c = c->next) {
      bool match = true;
      for (size_t i = 0; i < 4; ++i) {
        uint32_t w = 0;
        std::memcpy(&w, &a6.s6_addr[i * 4], 4);
        match = match && (w & c->u.node6.mask[i]) == c->u.node6.addr[i];
      }
      if (match) return ctx_type(p, c->context[0]);
    }
  } else {
    return "";
  }
  return initial_sid_type(p, kInitialSidNode);
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
  bool ok = access.cls == "process"
                ? (context_sid("system_r", target, mls_, &t) || context_sid("unconfined_r", target, mls_, &t) ||
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
