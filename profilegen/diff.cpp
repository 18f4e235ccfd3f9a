#include "profilegen/diff.h"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <tuple>

#include "common/atomic_file.h"
#include "common/json_bytes.h"
#include "common/json_text.h"
#include "common/path_roots.h"
#include "common/policy.h"
#include "common/recording.h"
#include "common/toml_guard.h"
#include "profilegen/bundle.h"
#include "profilegen/manifest.h"
#include "profilegen/runtime_part.h"

namespace profile {
namespace {

using nlohmann::json;

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

std::string cond_text(const json& args) {
  std::string out;
  for (const auto& a : args) {
    std::string idx = "a" + std::to_string(a.value("index", 0));
    std::string op = a.value("op", "");
    uint64_t v = a.value("value", uint64_t{0}), v2 = a.value("valueTwo", uint64_t{0});
    std::string c;
    if (op == "SCMP_CMP_MASKED_EQ")
      c = "(" + idx + " & " + hex(v) + ") == " + hex(v2);
    else {
      static const std::map<std::string, std::string> ops = {{"SCMP_CMP_EQ", "=="}, {"SCMP_CMP_NE", "!="},
                                                             {"SCMP_CMP_LT", "<"},  {"SCMP_CMP_LE", "<="},
                                                             {"SCMP_CMP_GT", ">"},  {"SCMP_CMP_GE", ">="}};
      auto it = ops.find(op);
      c = idx + " " + (it == ops.end() ? op : it->second) + " " + hex(v);
    }
    out += (out.empty() ? "" : " && ") + c;
  }
  return out;
}

bool covers(const AllowedView& v, const std::string& path, const std::string& right) {
  for (std::string p = path;; p = roots::parent(p)) {
    auto it = v.files.find(p);
    if (it != v.files.end() && it->second.count(right)) return true;
    if (p == "/" || p.empty()) return false;
  }
}

void one_way(const AllowedView& from, const AllowedView& to, DiffSide& out) {
  // What `to` allows that `from` does not.
  if (!from.default_allows) {
    for (const auto& [name, conds] : to.syscalls) {
      auto f = from.syscalls.find(name);
      if (f == from.syscalls.end()) {
        out.syscalls.push_back(name);
        continue;
      }
      if (f->second.count("")) continue;  // from allowed any arguments
      if (conds.count("")) {
        out.args.push_back(name + ": any arguments");
        continue;
      }
      for (const auto& c : conds)
        if (!f->second.count(c)) out.args.push_back(name + ": " + c);
    }
  }
  for (const auto& [path, rights] : to.files) {
    std::string extra;
    for (const auto& r : rights)
      if (!covers(from, path, r)) extra += (extra.empty() ? "" : ",") + r;
    if (!extra.empty()) out.files.emplace_back(path, extra);
  }
  if (from.net_restricted) {
    if (!to.net_restricted) out.net.push_back("any TCP port (network not restricted)");
    for (auto p : to.bind_tcp)
      if (!from.bind_tcp.count(p)) out.net.push_back("bind tcp/" + std::to_string(p));
    for (auto p : to.connect_tcp)
      if (!from.connect_tcp.count(p)) out.net.push_back("connect tcp/" + std::to_string(p));
  }
  if (from.has_manifest && to.has_manifest)
    for (const auto& c : to.capabilities)
      if (!from.capabilities.count(c)) out.capabilities.emplace_back(c, "");
}

}  // namespace

Result<AllowedView> allowed_view_from_files(const std::string& seccomp_json, const std::string& landlock_json,
                                            const std::string& source, const std::string& manifest_toml,
                                            const std::string& selinux_cil, const std::string& selinux_file) {
  AllowedView v;
  if (!selinux_cil.empty()) {
    auto r = parse_cil_allow_rules(selinux_cil, source + "/" + selinux_file);
    if (!r) return r.error();
    v.has_selinux = true;
    v.selinux = std::move(r).value();
    v.selinux_file = selinux_file;
  }
  if (!manifest_toml.empty()) {
    auto m = parse_manifest(manifest_toml, source + "/profile.toml");
    if (!m) return m.error();
    v.has_manifest = true;
    v.capabilities.insert(m->capabilities.begin(), m->capabilities.end());
    v.manifest = std::move(m).value();
  }
  try {
    json s = json::parse(seccomp_json);
    std::string da = s.value("defaultAction", "");
    v.default_allows = da == "SCMP_ACT_ALLOW" || da == "SCMP_ACT_LOG";
    v.has_seccomp = true;
    v.default_action = da;
    if (da == "SCMP_ACT_ERRNO") v.default_action += "(" + std::to_string(s.value("defaultErrnoRet", 1)) + ")";
    for (const auto& a : s.value("architectures", json::array())) v.architectures.insert(a.get<std::string>());
    for (const auto& r : s.value("syscalls", json::array())) {
      std::string action = r.value("action", "");
      if (action == "SCMP_ACT_ERRNO" && r.value("errnoRet", 1) == 38 /* ENOSYS */)
        for (const auto& n : r.value("names", json::array())) v.enosys.insert(n.get<std::string>());
      if (action != "SCMP_ACT_ALLOW" && action != "SCMP_ACT_LOG") continue;
      if (r.value("comment", "").rfind(kRuntimePartComment, 0) == 0) {
        for (const auto& n : r.value("names", json::array())) v.runtime.insert(n.get<std::string>());
        continue;
      }
      std::string c = r.contains("args") && !r["args"].empty() ? cond_text(r["args"]) : "";
      for (const auto& n : r.value("names", json::array())) v.syscalls[n.get<std::string>()].insert(c);
    }
    if (!landlock_json.empty()) {
      json l = json::parse(landlock_json);
      for (const auto& f : l.value("fs", json::array()))
        for (const auto& a : f.value("access", json::array()))
          v.files[json_text_to_bytes(f.value("path", ""))].insert(a.get<std::string>());  // bytes, as recorded
      v.net_restricted = !l.value("handled_net", json::array()).empty();
      v.has_landlock = true;
      for (const auto& h : l.value("handled_fs", json::array())) v.handled_fs.insert(h.get<std::string>());
      for (const auto& h : l.value("handled_net", json::array())) v.handled_net.insert(h.get<std::string>());
      for (const auto& h : l.value("scoped", json::array())) v.scoped.insert(h.get<std::string>());
      if (l.contains("net")) {
        v.connect_ephemeral = l["net"].value("connect_tcp_ephemeral", false);
        for (const auto& p : l["net"].value("bind_tcp", json::array())) v.bind_tcp.insert(p.get<uint16_t>());
        for (const auto& p : l["net"].value("connect_tcp", json::array())) v.connect_tcp.insert(p.get<uint16_t>());
      }
    }
  } catch (const json::exception& e) {
    return make_error(source + ": not a valid seccomp.json/landlock.json (" + std::string(e.what()) + ")");
  }
  return v;
}

Result<AllowedView> load_allowed_view(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Errno().error("stat(\"" + path + "\")");
  if (S_ISDIR(st.st_mode)) {
    auto s = read_file(path + "/seccomp.json");
    if (!s) return s.error().wrap(path + " is not a profile bundle");
    auto l = read_file(path + "/landlock.json");
    auto m = read_file(path + "/profile.toml");
    // The CIL module holds every rule with the interfaces expanded; the .te does not.
    std::string cil, cil_name;
    if (m)
      if (auto man = parse_manifest(*m, path + "/profile.toml"); man && !man->selinux_module.empty()) {
        cil_name = man->selinux_module.substr(0, man->selinux_module.rfind('.')) + ".cil";
        auto c = read_file(path + "/" + cil_name);
        if (!c) return c.error().wrap(path + " names the SELinux module " + man->selinux_module);
        cil = std::move(c).value();
      }
    return allowed_view_from_files(*s, l ? *l : "", path, m ? *m : "", cil, cil_name);
  }
  auto rec = load_recording(path);
  if (!rec) return rec.error();
  GenerateOptions o;
  o.allow_incomplete = true;
  // No SELinux module from a recording: it needs the reference policy and takes
  // seconds; bundles are compared with theirs.
  o.selinux = false;
  auto files = render_bundle(*rec, o, "", nullptr);
  if (!files) return files.error().wrap(path);
  return allowed_view_from_files(files->at("seccomp.json"), files->at("landlock.json"), path,
                                 files->at("profile.toml"));
}

// ---- classification -------------------------------------------------------

namespace {

// Class order in reports: the most consequential first.
const std::vector<std::string>& class_order() {
  static const std::vector<std::string> k = {"capability",
                                             "ambient_capability",
                                             "namespace",
                                             "network",
                                             "sensitive_path",
                                             "executable",
                                             "bind",
                                             "selinux",
                                             "syscall",
                                             "args",
                                             "arch",
                                             "seccomp_action",
                                             "runtime",
                                             "landlock",
                                             "file",
                                             "private_tmp",
                                             "readonly_root",
                                             "limits",
                                             "env"};
  return k;
}

size_t class_index(const std::string& c) {
  const auto& k = class_order();
  return static_cast<size_t>(std::find(k.begin(), k.end(), c) - k.begin());
}

const char* class_title(const std::string& c) {
  static const std::map<std::string, const char*> k = {{"capability", "capabilities"},
                                                       {"ambient_capability", "ambient capabilities"},
                                                       {"namespace", "namespaces"},
                                                       {"network", "network"},
                                                       {"sensitive_path", "sensitive paths"},
                                                       {"executable", "executables"},
                                                       {"bind", "bind mounts"},
                                                       {"selinux", "SELinux allow rules"},
                                                       {"syscall", "syscalls"},
                                                       {"args", "syscall arguments"},
                                                       {"arch", "architectures"},
                                                       {"seccomp_action", "seccomp actions"},
                                                       {"runtime", "container runtime"},
                                                       {"landlock", "Landlock coverage"},
                                                       {"file", "files"},
                                                       {"private_tmp", "private /tmp"},
                                                       {"readonly_root", "read-only root"},
                                                       {"limits", "limits"},
                                                       {"env", "environment"}};
  auto it = k.find(c);
  return it == k.end() ? "other" : it->second;
}

const char* class_kind(const std::string& c) {
  if (c == "syscall") return "syscall";
  if (c == "args") return "args";
  if (c == "file" || c == "sensitive_path") return "file";
  if (c == "executable") return "exec";
  if (c == "capability" || c == "ambient_capability") return "cap";
  if (c == "network") return "net";
  if (c == "bind") return "bind";
  if (c == "env") return "env";
  if (c == "limits") return "limit";
  if (c == "arch") return "arch";
  if (c == "runtime") return "runtime";
  if (c == "selinux") return "allow";
  return "setting";
}

std::set<std::string> split_rights(const std::string& s) {
  std::set<std::string> out;
  std::string cur;
  for (char ch : s + ",") {
    if (ch == ',') {
      if (!cur.empty()) out.insert(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  return out;
}

bool is_write_right(const std::string& r) {
  return r != "read_file" && r != "read_dir" && r != "execute" && r != "ioctl_dev";
}

bool under(const std::string& path, const std::string& dir) {
  if (dir.empty()) return false;
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

// '*' matches within one path component.
bool glob_match(const char* p, const char* s) {
  for (; *p != '\0'; ++p, ++s) {
    if (*p == '*') {
      for (const char* t = s;; ++t) {
        if (glob_match(p + 1, t)) return true;
        if (*t == '\0' || *t == '/') return false;
      }
    }
    if (*s != *p) return false;
  }
  return *s == '\0';
}

// Does a rule on `rule_path` reach `pattern` (a path that may hold '*')? It does
// when it names it, lies below it (subtree), or is a directory above it.
bool reaches(const std::string& rule_path, const std::string& pattern, bool subtree) {
  if (glob_match(pattern.c_str(), rule_path.c_str())) return true;
  // rule_path below pattern: match pattern against rule_path's ancestors.
  if (subtree)
    for (std::string p = rule_path; p.size() > 1;) {
      auto s = p.rfind('/');
      p = s == 0 ? "/" : p.substr(0, s);
      if (glob_match(pattern.c_str(), p.c_str())) return true;
    }
  // rule_path is an ancestor of pattern: compare the fixed prefix component-wise.
  std::string fixed = pattern.substr(0, pattern.find('*'));
  if (auto s = fixed.rfind('/'); s != std::string::npos) fixed = s == 0 ? "/" : fixed.substr(0, s);
  return rule_path != pattern && under(fixed, rule_path);
}

Change make(bool widens, std::string cls, std::string risk, std::string subject, std::string detail, std::string reason,
            std::string file) {
  Change c;
  c.widens = widens;
  c.cls = std::move(cls);
  c.risk = std::move(risk);
  c.subject = std::move(subject);
  c.detail = std::move(detail);
  c.reason = std::move(reason);
  c.file = std::move(file);
  return c;
}

const std::map<uint64_t, std::string>& families() {
  static const std::map<uint64_t, std::string> k = {
      {1, "AF_UNIX"},      {2, "AF_INET"},   {10, "AF_INET6"}, {16, "AF_NETLINK"},   {17, "AF_PACKET"},
      {38, "AF_ALG"},      {40, "AF_VSOCK"}, {44, "AF_XDP"},   {31, "AF_BLUETOOTH"}, {4, "AF_IPX"},
      {5, "AF_APPLETALK"}, {3, "AF_AX25"},   {9, "AF_X25"},    {15, "AF_KEY"},       {29, "AF_CAN"}};
  return k;
}

void classify_files(const AllowedView& from, const AllowedView& to, const DiffSide& side, bool widens,
                    std::vector<Change>& out) {
  const GatePolicy& gp = builtin_gate_policy();
  const Manifest& m = to.manifest;
  for (const auto& [path, rights_text] : side.files) {
    std::set<std::string> rights = split_rights(rights_text);
    std::string detail = rights_text;
    if (!widens) {
      out.push_back(make(false, "file", "low", path, detail, "no longer granted", "landlock.json"));
      continue;
    }
    if (std::string why = gp.sensitive_reason(path, rights); !why.empty()) {
      out.push_back(make(true, "sensitive_path", "high", path, detail, "sensitive path: " + why, "landlock.json"));
      continue;
    }
    if (rights.count("make_block") || rights.count("make_char")) {
      out.push_back(make(true, "sensitive_path", "high", path, detail,
                         "may create device nodes: a device node reaches hardware past every file rule",
                         "landlock.json"));
      continue;
    }
    if (rights.count("execute")) {
      if (std::string why = gp.program_reason(path); !why.empty())
        out.push_back(make(true, "executable", "high", path, detail, "new executable, " + why, "landlock.json"));
      else
        out.push_back(make(true, "executable", "medium", path, detail,
                           "new executable: the workload may run a program it did not run before", "landlock.json"));
      continue;
    }
    bool writes = std::any_of(rights.begin(), rights.end(), is_write_right);
    if (writes) {
      bool had_read = covers(from, path, "read_file") || covers(from, path, "read_dir");
      bool own = under(path, m.cwd) || (m.private_tmp && (under(path, "/tmp") || under(path, "/var/tmp")));
      for (const auto& b : m.bind)
        if (!b.readonly && under(path, b.target)) own = true;
      if (had_read)
        out.push_back(make(true, "file", "medium", path, detail, "write where there was read", "landlock.json"));
      else if (!own)
        out.push_back(make(true, "file", "medium", path, detail,
                           "a new data sink outside the workload's directories (its working directory" +
                               std::string(m.cwd.empty() ? "" : " " + m.cwd) +
                               ", its private /tmp, its writable binds)",
                           "landlock.json"));
      else
        out.push_back(make(true, "file", "low", path, detail, "new write inside the workload's own directories",
                           "landlock.json"));
      continue;
    }
    out.push_back(make(true, "file", "low", path, detail, "new read access", "landlock.json"));
  }
}

void classify_side(const AllowedView& from, const AllowedView& to, const DiffSide& side, bool widens,
                   const std::map<std::string, std::string>& dangerous, std::vector<Change>& out) {
  for (const auto& n : side.syscalls) {
    auto it = dangerous.find(n);
    if (widens && it != dangerous.end())
      out.push_back(make(true, "syscall", "high", n, "", "dangerous syscall: " + it->second, "seccomp.json"));
    else
      out.push_back(
          make(widens, "syscall", "low", n, "", widens ? "new syscall" : "no longer allowed", "seccomp.json"));
  }
  for (const auto& a : side.args) {
    auto colon = a.find(':');
    std::string name = a.substr(0, colon), cond = colon == std::string::npos ? "" : a.substr(colon + 2);
    auto it = dangerous.find(name);
    if (!widens) {
      out.push_back(make(false, "args", "low", name, cond, "argument values no longer allowed", "seccomp.json"));
      continue;
    }
    if (name == "socket" || name == "socketpair") {
      // A new address family is a new network (or kernel) interface.
      std::smatch mm;
      if (std::regex_search(cond, mm, std::regex("a0 == 0x([0-9a-f]+)"))) {
        uint64_t fam = std::stoull(mm[1].str(), nullptr, 16);
        auto f = families().find(fam);
        std::string fname = f == families().end() ? "family " + std::to_string(fam) : f->second;
        bool high = fam == 16 || fam == 17 || fam == 38 || fam == 44;
        out.push_back(make(true, "network", high ? "high" : "medium", name, cond,
                           "network widening: new socket family " + fname +
                               (high ? " (raw frames, kernel configuration or crypto interfaces)" : ""),
                           "seccomp.json"));
        continue;
      }
    }
    if (it != dangerous.end())
      out.push_back(make(true, "args", "high", name, cond, "dangerous syscall with new arguments: " + it->second,
                         "seccomp.json"));
    else if (cond == "any arguments")
      out.push_back(make(true, "args", "medium", name, cond,
                         "any argument values, where OLD allowed only the ones learned", "seccomp.json"));
    else
      out.push_back(make(true, "args", "low", name, cond, "new argument values", "seccomp.json"));
  }
  classify_files(from, to, side, widens, out);
  for (const auto& n : side.net) {
    if (!widens)
      out.push_back(make(false, "network", "low", n, "", "no longer allowed", "landlock.json"));
    else if (n.rfind("any", 0) == 0)
      out.push_back(make(true, "network", "high", n, "", "network widening: Landlock no longer restricts TCP ports",
                         "landlock.json"));
    else
      out.push_back(make(true, "network", "medium", n, "", "network widening: new port", "landlock.json"));
  }
}

std::string cap_risk(const std::string& cap) {
  const auto& k = builtin_gate_policy().capability_risk;
  auto it = k.find(cap);
  return it == k.end() ? "medium" : it->second;
}

int net_rank(const std::string& n) {
  return n == "none" ? 0 : n == "loopback" ? 1 : 2;
}
int userns_rank(const std::string& n) {
  return n == "always" ? 0 : n == "auto" ? 1 : 2;
}

void classify_manifests(const Manifest& a, const Manifest& b, std::vector<Change>& out) {
  const GatePolicy& gp = builtin_gate_policy();
  std::set<std::string> amb_a(a.ambient_capabilities.begin(), a.ambient_capabilities.end());
  for (const auto& c : b.ambient_capabilities)
    if (!amb_a.count(c))
      out.push_back(make(true, "ambient_capability", cap_risk(c), c, "",
                         "new ambient capability: it survives the execve of non-root programs", "profile.toml"));
  std::set<std::string> amb_b(b.ambient_capabilities.begin(), b.ambient_capabilities.end());
  for (const auto& c : a.ambient_capabilities)
    if (!amb_b.count(c))
      out.push_back(make(false, "ambient_capability", "low", c, "", "no longer ambient", "profile.toml"));
  if (a.net != b.net) {
    bool w = net_rank(b.net) > net_rank(a.net);
    std::string why = !w ? "narrower network"
                      : b.net == "host"
                          ? "network widening: host network, every interface and port of the host (and its other "
                            "services on loopback)"
                          : "network widening: the workload gets a network where it had none";
    out.push_back(make(w, "network",
                       w && b.net == "host" ? "high"
                       : w                  ? "medium"
                                            : "low",
                       "net", a.net + " -> " + b.net, why, "profile.toml"));
  }
  if (a.user_namespace != b.user_namespace) {
    bool w = userns_rank(b.user_namespace) > userns_rank(a.user_namespace);
    out.push_back(make(w, "namespace", w ? (b.user_namespace == "never" ? "high" : "medium") : "low", "user_namespace",
                       a.user_namespace + " -> " + b.user_namespace,
                       w ? "weaker isolation: without a user namespace root in the workload is root on the host"
                         : "stronger isolation",
                       "profile.toml"));
  }
  std::map<std::string, const BindMount*> ba, bb;
  for (const auto& x : a.bind) ba[x.target] = &x;
  for (const auto& x : b.bind) bb[x.target] = &x;
  for (const auto& [target, nb] : bb) {
    auto it = ba.find(target);
    const BindMount* ob = it == ba.end() ? nullptr : it->second;
    if (ob != nullptr && ob->source == nb->source && !(ob->readonly && !nb->readonly)) continue;
    std::string detail = nb->source + " -> " + target + (nb->readonly ? " (read-only)" : " (read-write)");
    std::set<std::string> rights =
        nb->readonly ? std::set<std::string>{"read_file"} : std::set<std::string>{"read_file", "write_file"};
    std::string sens = gp.sensitive_reason(nb->source, rights);
    if (nb->source == "/" || nb->source.empty()) sens = "the host's whole file system";
    bool rw_upgrade = ob != nullptr && ob->source == nb->source;
    std::string reason = !sens.empty()  ? "sensitive path: " + sens
                         : rw_upgrade   ? "write where there was read"
                         : nb->readonly ? "a new host directory, read-only"
                                        : "a new writable host directory (data sink)";
    std::string risk = !sens.empty() ? "high" : nb->readonly ? "low" : "medium";
    out.push_back(make(true, "bind", risk, target, detail, reason, "profile.toml"));
  }
  for (const auto& [target, ob] : ba) {
    auto it = bb.find(target);
    if (it == bb.end())
      out.push_back(
          make(false, "bind", "low", target, ob->source + " -> " + target, "no longer bound", "profile.toml"));
    else if (it->second->source == ob->source && !ob->readonly && it->second->readonly)
      out.push_back(make(false, "bind", "low", target, "read-write -> read-only", "now read-only", "profile.toml"));
  }
  if (a.private_tmp != b.private_tmp)
    out.push_back(make(!b.private_tmp, "private_tmp", b.private_tmp ? "low" : "medium", "private_tmp",
                       std::string(a.private_tmp ? "true" : "false") + " -> " + (b.private_tmp ? "true" : "false"),
                       b.private_tmp ? "the workload gets its own /tmp"
                                     : "the workload shares the host's /tmp with other services' files",
                       "profile.toml"));
  if (a.readonly_root != b.readonly_root)
    out.push_back(make(!b.readonly_root, "readonly_root", b.readonly_root ? "low" : "medium", "readonly_root",
                       std::string(a.readonly_root ? "true" : "false") + " -> " + (b.readonly_root ? "true" : "false"),
                       b.readonly_root ? "the root file system becomes read-only"
                                       : "the root file system becomes writable (Landlock rules still apply)",
                       "profile.toml"));
  auto num = [](double v) {
    if (v == 0) return std::string("unlimited");
    std::ostringstream os;
    os.precision(15);
    os << v;
    return os.str();
  };
  auto limit = [&](const char* name, double x, double y) {
    if (x == y) return;
    bool w = y == 0 || (x != 0 && y > x);
    out.push_back(make(w, "limits", "low", name, num(x) + " -> " + num(y),
                       w ? "a higher resource limit" : "a lower resource limit", "profile.toml"));
  };
  limit("memory_max", static_cast<double>(a.memory_max), static_cast<double>(b.memory_max));
  limit("pids_max", static_cast<double>(a.pids_max), static_cast<double>(b.pids_max));
  limit("cpus", a.cpus, b.cpus);
  if (a.cpu_weight != b.cpu_weight)
    out.push_back(make(b.cpu_weight > a.cpu_weight, "limits", "low", "cpu_weight",
                       std::to_string(a.cpu_weight) + " -> " + std::to_string(b.cpu_weight), "CPU weight changed",
                       "profile.toml"));
  std::set<std::string> ea(a.env.begin(), a.env.end()), eb(b.env.begin(), b.env.end());
  for (const auto& e : eb)
    if (!ea.count(e)) {
      bool loader = e.rfind("LD_", 0) == 0 || e == "PYTHONPATH" || e == "PERL5LIB" || e == "NODE_OPTIONS" ||
                    e == "BASH_ENV" || e == "PYTHONSTARTUP" || e == "RUBYOPT";
      out.push_back(make(true, "env", loader ? "high" : "low", e, "",
                         loader ? "the caller's value is passed, and it chooses code the workload loads"
                                : "the caller's value of this variable is passed to the workload",
                         "profile.toml"));
    }
  for (const auto& e : ea)
    if (!eb.count(e)) out.push_back(make(false, "env", "low", e, "", "no longer passed", "profile.toml"));
}

void classify_artifacts(const AllowedView& a, const AllowedView& b, std::vector<Change>& out) {
  if (a.has_seccomp && b.has_seccomp) {
    for (const auto& x : b.architectures)
      if (!a.architectures.count(x))
        out.push_back(make(true, "arch", "medium", x, "",
                           "new architecture: its syscall table is reachable (an i386 or x32 call is not an "
                           "x86_64 one)",
                           "seccomp.json"));
    for (const auto& x : a.architectures)
      if (!b.architectures.count(x))
        out.push_back(make(false, "arch", "low", x, "", "architecture no longer allowed", "seccomp.json"));
    if (a.default_action != b.default_action)
      out.push_back(make(b.default_allows && !a.default_allows, "seccomp_action",
                         b.default_allows && !a.default_allows ? "high" : "low", "defaultAction",
                         a.default_action + " -> " + b.default_action,
                         b.default_allows && !a.default_allows ? "every syscall not named is allowed"
                                                               : "what an unlisted syscall gets changed",
                         "seccomp.json"));
    for (const auto& n : b.enosys)
      if (!a.enosys.count(n))
        out.push_back(make(false, "seccomp_action", "low", n, "EPERM -> ENOSYS",
                           "answered with ENOSYS so that libc falls back (still denied)", "seccomp.json"));
    for (const auto& n : a.enosys)
      if (!b.enosys.count(n))
        out.push_back(make(false, "seccomp_action", "low", n, "ENOSYS -> other", "no longer answered with ENOSYS",
                           "seccomp.json"));
  } else if (a.has_seccomp && !b.has_seccomp) {
    out.push_back(make(true, "seccomp_action", "high", "seccomp.json", "", "NEW has no seccomp filter", ""));
  }
  if (a.has_landlock && b.has_landlock) {
    auto handled = [&](const std::set<std::string>& x, const std::set<std::string>& y, const char* what) {
      for (const auto& r : x)
        if (!y.count(r))
          out.push_back(make(true, "landlock", "high", std::string(what) + " " + r, "",
                             "Landlock no longer restricts this right anywhere", "landlock.json"));
      for (const auto& r : y)
        if (!x.count(r))
          out.push_back(
              make(false, "landlock", "low", std::string(what) + " " + r, "", "newly restricted", "landlock.json"));
    };
    handled(a.handled_fs, b.handled_fs, "handled_fs");
    handled(a.handled_net, b.handled_net, "handled_net");
    for (const auto& r : a.scoped)
      if (!b.scoped.count(r))
        out.push_back(make(true, "landlock", "medium", "scoped " + r, "",
                           "no longer scoped: reaches processes and sockets outside the workload", "landlock.json"));
    if (!a.connect_ephemeral && b.connect_ephemeral)
      out.push_back(make(true, "network", "medium", "connect tcp/ephemeral", "",
                         "network widening: may connect to any ephemeral port (other services' too when the "
                         "network is shared)",
                         "landlock.json"));
    if (a.connect_ephemeral && !b.connect_ephemeral)
      out.push_back(make(false, "network", "low", "connect tcp/ephemeral", "", "no longer allowed", "landlock.json"));
  } else if (a.has_landlock && !b.has_landlock) {
    out.push_back(make(true, "landlock", "high", "landlock.json", "", "NEW has no Landlock rules", ""));
  }
}

}  // namespace

int risk_rank(const std::string& risk) {
  return risk == "high" ? 3 : risk == "medium" ? 2 : risk == "low" ? 1 : 0;
}

bool Change::operator<(const Change& o) const {
  auto key = [](const Change& c) {
    return std::make_tuple(class_index(c.cls), !c.widens, -risk_rank(c.risk), c.subject, c.detail);
  };
  return key(*this) < key(o);
}

bool ProfileDiff::more_permissive() const {
  return std::any_of(changes.begin(), changes.end(), [](const Change& c) { return c.widens; });
}

std::string GatePolicy::sensitive_reason(const std::string& path, const std::set<std::string>& rights) const {
  // ${HOME} may be any user's home: judged as root's and as another user's.
  // ${WORKDIR} may stand for no directory at or above a sensitive path (enforce
  // refuses such a --workdir), so a path below it is judged by what follows.
  if (auto r = roots::split(path)) {
    const std::vector<std::string> homes = {"/root", "/home/user"};
    const std::vector<std::string> workdirs = {"/srv/workdir"};
    for (const auto& base : r->first == roots::kHome ? homes : workdirs)
      if (std::string why = sensitive_reason(base + r->second, rights); !why.empty()) return why;
    return "";
  }
  for (const auto& s : sensitive) {
    if (!s.rights.empty() &&
        std::none_of(rights.begin(), rights.end(), [&](const std::string& r) { return s.rights.count(r) > 0; }))
      continue;
    if (reaches(path, s.path, s.subtree)) return s.reason + " (" + s.path + (s.subtree ? "/..." : "") + ")";
  }
  return "";
}

std::string GatePolicy::program_reason(const std::string& path) const {
  std::string base = path.substr(path.rfind('/') + 1);
  for (const auto& p : programs)
    if (std::regex_match(base, std::regex(p.pattern))) return p.reason;
  return "";
}

Result<GatePolicy> parse_gate_policy(std::string_view text, const std::string& source) {
  toml::table t;
  try {
    t = toml_parse_checked(text, source);
  } catch (const toml::parse_error& e) {
    return make_error(source + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  GatePolicy g;
  auto str = [](const toml::table& tb, const char* k) {
    auto v = tb.get_as<std::string>(k);
    return v == nullptr ? std::string() : v->get();
  };
  if (auto* arr = t.get_as<toml::array>("sensitive"))
    for (const auto& n : *arr) {
      const auto* tb = n.as_table();
      if (tb == nullptr) return make_error(source + ": [[sensitive]] entries must be tables");
      GatePolicy::Sensitive s;
      s.path = str(*tb, "path");
      s.reason = str(*tb, "reason");
      if (s.path.empty() || s.path[0] != '/' || s.reason.empty())
        return make_error(source + ": every [[sensitive]] needs an absolute \"path\" and a \"reason\"");
      if (auto b = tb->get_as<bool>("subtree")) s.subtree = b->get();
      s.rights = split_rights(str(*tb, "rights"));
      g.sensitive.push_back(std::move(s));
    }
  if (auto* arr = t.get_as<toml::array>("program"))
    for (const auto& n : *arr) {
      const auto* tb = n.as_table();
      if (tb == nullptr) return make_error(source + ": [[program]] entries must be tables");
      GatePolicy::Program p{str(*tb, "pattern"), str(*tb, "reason")};
      if (p.pattern.empty() || p.reason.empty())
        return make_error(source + ": every [[program]] needs a \"pattern\" and a \"reason\"");
      try {
        (void)std::regex(p.pattern);
      } catch (const std::regex_error&) {
        return make_error(source + ": [[program]] pattern \"" + p.pattern + "\" is not a valid regular expression");
      }
      g.programs.push_back(std::move(p));
    }
  if (auto* se = t.get_as<toml::table>("selinux")) {
    if (auto* types = se->get_as<toml::table>("sensitive_types"))
      for (const auto& [k, v] : *types) {
        auto r = v.value<std::string>();
        if (!r || r->empty())
          return make_error(source + ": [selinux.sensitive_types] " + std::string(k.str()) + " needs a reason");
        g.selinux_types[std::string(k.str())] = *r;
      }
    if (auto* arr = se->get_as<toml::array>("ordinary_write_types"))
      for (const auto& n : *arr) {
        auto v = n.value<std::string>();
        if (!v) return make_error(source + ": [selinux] ordinary_write_types must be a list of type names");
        g.selinux_ordinary_write.insert(*v);
      }
  }
  if (auto* caps = t.get_as<toml::table>("capabilities"))
    for (const auto& [k, v] : *caps) {
      auto r = v.value<std::string>();
      if (!r || risk_rank(*r) == 0)
        return make_error(source + ": [capabilities] " + std::string(k.str()) +
                          " must be \"high\", \"medium\" or \"low\"");
      g.capability_risk[std::string(k.str())] = *r;
    }
  return g;
}

const GatePolicy& builtin_gate_policy() {
  static const GatePolicy g = [] {
    auto r = parse_gate_policy(builtin_policy_text("gate"), "policies/gate.toml");
    if (!r) {
      std::fprintf(stderr, "profile: built-in %s\n", r.error().message.c_str());
      std::abort();
    }
    return std::move(r).value();
  }();
  return g;
}

ProfileDiff diff_views(const AllowedView& old_view, const AllowedView& new_view) {
  ProfileDiff d;
  one_way(old_view, new_view, d.added);
  one_way(new_view, old_view, d.removed);
  // The runtime rule holds what the workload's rules do not already allow, so a
  // runtime call differs only when the other side allows it nowhere.
  auto runtime_side = [](const AllowedView& from, const AllowedView& to, std::vector<std::string>& out) {
    for (const auto& n : to.runtime)
      if (!from.runtime.count(n) && !from.syscalls.count(n) && !from.default_allows) out.push_back(n);
  };
  runtime_side(old_view, new_view, d.added.runtime);
  runtime_side(new_view, old_view, d.removed.runtime);
  const DangerousList& dl = builtin_dangerous_list();
  for (const auto& n : d.added.syscalls)
    if (const DangerousEntry* e = dl.find(n)) d.dangerous[n] = e->reason;
  for (const auto& a : d.added.args) {
    std::string n = a.substr(0, a.find(':'));
    if (const DangerousEntry* e = dl.find(n)) d.dangerous[n] = e->reason;
  }
  classify_side(old_view, new_view, d.added, true, d.dangerous, d.changes);
  classify_side(new_view, old_view, d.removed, false, d.dangerous, d.changes);
  for (const auto& [c, why] : d.added.capabilities) {
    std::string risk = cap_risk(c);
    d.changes.push_back(make(true, "capability", risk, c, why,
                             "new capability" + std::string(risk == "high" ? ": close to full root power" : ""),
                             "profile.toml"));
  }
  for (const auto& n : d.added.runtime) {
    const DangerousEntry* e = dl.find(n);
    d.changes.push_back(make(true, "runtime", e != nullptr ? "medium" : "low", n, "the container runtime's part",
                             e != nullptr ? "the container runtime's rule allows a dangerous syscall: " + e->reason
                                          : "allowed for the container runtime (before the workload's execve)",
                             "seccomp.json"));
  }
  for (const auto& n : d.removed.runtime)
    d.changes.push_back(
        make(false, "runtime", "low", n, "the container runtime's part", "no longer allowed", "seccomp.json"));
  for (const auto& [c, why] : d.removed.capabilities)
    d.changes.push_back(make(false, "capability", "low", c, why, "no longer kept", "profile.toml"));
  if (old_view.has_manifest && new_view.has_manifest)
    classify_manifests(old_view.manifest, new_view.manifest, d.changes);
  classify_artifacts(old_view, new_view, d.changes);
  if (old_view.has_selinux && new_view.has_selinux)
    classify_selinux_rules(old_view.selinux, new_view.selinux, new_view.selinux_file, d.changes);
  else if (old_view.has_selinux && new_view.has_manifest && !new_view.has_selinux)
    d.changes.push_back(make(true, "selinux", "high", old_view.selinux_file, "",
                             "NEW has no SELinux module: where SELinux is active, the workload is no longer confined "
                             "by it",
                             "profile.toml"));
  std::sort(d.changes.begin(), d.changes.end());
  return d;
}

std::string diff_to_text(const ProfileDiff& d) {
  std::string out;
  std::string cls;
  std::map<std::string, size_t> counts;
  for (const auto& c : d.changes) {
    if (c.cls != cls) {
      cls = c.cls;
      out += std::string(out.empty() ? "" : "\n") + class_title(cls) + ":\n";
    }
    std::string kind = class_kind(c.cls);
    kind.resize(std::max<size_t>(kind.size(), 7), ' ');
    std::string line = std::string(c.widens ? "+" : "-") + " " + kind + " " + c.subject;
    if (c.cls == "args")
      line += ": " + c.detail;
    else if (!c.detail.empty())
      line += " (" + c.detail + ")";
    if (c.cls == "syscall" && c.widens)
      if (auto it = d.dangerous.find(c.subject); it != d.dangerous.end()) line += "   [DANGEROUS: " + it->second + "]";
    if (c.cls == "args" && c.widens && d.dangerous.count(c.subject)) line += "   [DANGEROUS]";
    out += line + "\n";
    if (c.widens) {
      out += "      " + c.risk + ": " + c.reason + "\n";
      ++counts[c.risk];
    }
  }
  if (out.empty()) return "no differences in what the profiles allow\n";
  if (d.more_permissive())
    out += "\nNEW allows more than OLD: " + std::to_string(counts["high"]) + " high, " +
           std::to_string(counts["medium"]) + " medium, " + std::to_string(counts["low"]) + " low risk\n";
  return out;
}

std::string diff_to_json(const ProfileDiff& d) {
  auto side = [&](const DiffSide& s) {
    nlohmann::ordered_json j;
    nlohmann::ordered_json sc = nlohmann::ordered_json::array();
    for (const auto& n : s.syscalls) {
      nlohmann::ordered_json e{{"name", n}};
      if (auto it = d.dangerous.find(n); it != d.dangerous.end() && &s == &d.added) e["dangerous"] = it->second;
      sc.push_back(e);
    }
    j["syscalls"] = sc;
    j["args"] = s.args;
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const auto& [p, r] : s.files) {
      std::set<std::string> rs = split_rights(r);
      files.push_back({{"path", p}, {"access", std::vector<std::string>(rs.begin(), rs.end())}});
    }
    j["files"] = files;
    j["net"] = s.net;
    nlohmann::ordered_json caps = nlohmann::ordered_json::array();
    for (const auto& [c, why] : s.capabilities) caps.push_back({{"name", c}, {"evidence", why}});
    j["capabilities"] = caps;
    j["runtime"] = s.runtime;
    return j;
  };
  nlohmann::ordered_json j;
  j["more_permissive"] = d.more_permissive();
  std::map<std::string, int> counts{{"high", 0}, {"medium", 0}, {"low", 0}};
  std::string highest = "none";
  for (const auto& c : d.changes)
    if (c.widens) {
      ++counts[c.risk];
      if (risk_rank(c.risk) > risk_rank(highest)) highest = c.risk;
    }
  j["highest_risk"] = highest;
  j["summary"] = {{"high", counts["high"]}, {"medium", counts["medium"]}, {"low", counts["low"]}};
  nlohmann::ordered_json ch = nlohmann::ordered_json::array();
  for (const auto& c : d.changes)
    ch.push_back({{"class", c.cls},
                  {"change", c.widens ? "added" : "removed"},
                  {"risk", c.risk},
                  {"subject", c.subject},
                  {"detail", c.detail},
                  {"reason", c.reason},
                  {"file", c.file}});
  j["changes"] = ch;
  j["added"] = side(d.added);
  j["removed"] = side(d.removed);
  return dump_bytes(std::move(j)) + "\n";  // file paths are bytes
}

}  // namespace profile
