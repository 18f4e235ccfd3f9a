#include "profilegen/diff_selinux.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "profilegen/diff.h"
#include "profilegen/selinux/policy.h"

namespace profile {
namespace {

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
  return out;
}

bool any_of_perms(const std::set<std::string>& perms, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return perms.count(n) > 0; });
}

// "web_data_t" of module "web" -> "@_data_t": the module's own types compare by suffix.
std::string normal(const SelinuxAllowRules& r, const std::string& type) {
  if (!r.own_types.count(type)) return type;
  const std::string prefix = r.domain.substr(0, r.domain.size() - 2);  // "<name>"
  return type.rfind(prefix, 0) == 0 ? "@" + type.substr(prefix.size()) : type;
}

std::string denormal(const SelinuxAllowRules& r, const std::string& type) {
  return type.rfind('@', 0) == 0 ? r.domain.substr(0, r.domain.size() - 2) + type.substr(1) : type;
}

std::map<SelinuxRuleKey, std::set<std::string>> normalised(const SelinuxAllowRules& r) {
  std::map<SelinuxRuleKey, std::set<std::string>> out;
  for (const auto& [k, perms] : r.rules) {
    const auto& [s, t, c] = k;
    out[{normal(r, s), normal(r, t), c}].insert(perms.begin(), perms.end());
  }
  return out;
}

struct Risk {
  std::string risk, reason;
};

Risk classify(const SelinuxAllowRules& b, const std::string& source, const std::string& target, const std::string& cls,
              const std::set<std::string>& perms) {
  const GatePolicy& gp = builtin_gate_policy();
  const bool self = target == "self" || target == source;
  for (const auto& s : builtin_selinux_policy().sensitive) {
    bool tmatch = s.access.target == "self" ? self : s.access.target == target;
    if (!tmatch || s.access.cls != cls) continue;
    if (std::any_of(s.access.perms.begin(), s.access.perms.end(), [&](const auto& p) { return perms.count(p); }))
      return {"high", "SELinux lets the workload " + s.what};
  }
  if (auto it = gp.selinux_types.find(target); it != gp.selinux_types.end())
    return {"high", "sensitive type " + target + ": " + it->second};
  if (cls == "capability" || cls == "capability2" || cls == "cap_userns" || cls == "cap2_userns") {
    std::string worst = "low";
    for (const auto& p : perms) {
      std::string cap = "CAP_" + p;
      std::transform(cap.begin(), cap.end(), cap.begin(), [](unsigned char ch) { return std::toupper(ch); });
      auto it = gp.capability_risk.find(cap);
      std::string r = it == gp.capability_risk.end() ? "medium" : it->second;
      if (risk_rank(r) > risk_rank(worst)) worst = r;
    }
    return {worst, "SELinux grants the capability to the domain (the capability must be kept as well)"};
  }
  if (any_of_perms(perms, {"execute", "execute_no_trans", "entrypoint"}))
    return {"high", "SELinux lets the workload run programs of type " + target};
  if (any_of_perms(perms, {"transition", "dyntransition", "setexec", "setcurrent"}))
    return {"high", "SELinux lets the workload change into another domain"};
  if (any_of_perms(perms, {"ptrace", "execmem", "execmod", "execstack", "execheap"}))
    return {"high", "SELinux lets the workload trace processes or make memory executable"};
  if (any_of_perms(perms, {"module_load", "module_request", "load_policy", "setenforce", "mount", "mounton", "remount",
                           "relabelfrom", "relabelto"}))
    return {"high", "SELinux lets the workload change the kernel, the policy, mounts or labels"};
  if (any_of_perms(perms, {"write", "append", "create", "unlink", "rename", "setattr", "add_name", "remove_name",
                           "reparent", "rmdir", "link"})) {
    if (b.own_types.count(target) || self) return {"low", "write to the workload's own type"};
    if (gp.selinux_ordinary_write.count(target)) return {"medium", "write to " + target};
    return {"high", "SELinux lets the workload write objects of type " + target +
                        ", which the rest of the system shares (a new data sink or tampering)"};
  }
  if (cls == "tcp_socket" || cls == "udp_socket")
    return {"medium", "network widening: SELinux allows a new port type or socket use"};
  return {"medium", "new SELinux allow rule"};
}

Change change(bool widens, std::string risk, std::string subject, std::string detail, std::string reason,
              const std::string& file) {
  Change c;
  c.widens = widens;
  c.cls = "selinux";
  c.risk = std::move(risk);
  c.subject = std::move(subject);
  c.detail = std::move(detail);
  c.reason = std::move(reason);
  c.file = file;
  return c;
}

}  // namespace

Result<SelinuxAllowRules> parse_cil_allow_rules(std::string_view cil, const std::string& source) {
  static const std::regex kAllow(R"(^\(allow ([^\s()]+) ([^\s()]+) \(([^\s()]+) \(([^()]*)\)\)\)\s*$)");
  static const std::regex kType(R"(^\(type ([^\s()]+)\)\s*$)");
  SelinuxAllowRules r;
  size_t line_no = 0;
  for (size_t pos = 0; pos < cil.size();) {
    size_t end = cil.find('\n', pos);
    if (end == std::string_view::npos) end = cil.size();
    const std::string line(cil.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    std::smatch m;
    if (std::regex_match(line, m, kType)) {
      if (r.domain.empty()) r.domain = m[1];
      r.own_types.insert(m[1]);
    } else if (line.rfind("(allow ", 0) == 0) {
      if (!std::regex_match(line, m, kAllow))
        return make_error(source + ":" + std::to_string(line_no) +
                          ": an allow rule not in the form (allow SOURCE TARGET (CLASS (PERMS))) that profile "
                          "generate writes");
      r.rules[{m[1], m[2], m[3]}].merge(parse_perm_list(m[4]));
    }
  }
  if (r.domain.size() < 3 || r.domain.compare(r.domain.size() - 2, 2, "_t") != 0)
    return make_error(source + ": no (type <name>_t) declaration: not a module written by profile generate");
  return r;
}

void classify_selinux_rules(const SelinuxAllowRules& a, const SelinuxAllowRules& b, const std::string& file,
                            std::vector<Change>& out) {
  const auto na = normalised(a), nb = normalised(b);
  for (const auto& [key, perms] : nb) {
    auto it = na.find(key);
    std::set<std::string> extra;
    for (const auto& p : perms)
      if (it == na.end() || !it->second.count(p)) extra.insert(p);
    if (extra.empty()) continue;
    const auto& [s, t, c] = key;
    const std::string source = denormal(b, s), target = denormal(b, t);
    Risk r = classify(b, source, target, c, extra);
    out.push_back(change(true, r.risk, source + " " + target + ":" + c, join(extra), r.reason, file));
  }
  for (const auto& [key, perms] : na) {
    auto it = nb.find(key);
    std::set<std::string> gone;
    for (const auto& p : perms)
      if (it == nb.end() || !it->second.count(p)) gone.insert(p);
    if (gone.empty()) continue;
    const auto& [s, t, c] = key;
    out.push_back(change(false, "low", denormal(b, s) + " " + denormal(b, t) + ":" + c, join(gone),
                         "no longer allowed by SELinux", file));
  }
}

}  // namespace profile
