#include "profilegen/selinux/model.h"

#include <algorithm>

#include "profilegen/selinux/access.h"

namespace profile {

Status check_selinux_name(const std::string& name) {
  bool good = !name.empty() && name.size() <= 40 && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) good = good && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!good)
    return make_error("the workload name \"" + name +
                      "\" cannot name SELinux types: use lower-case letters, digits and _ , starting with a letter "
                      "(at most 40 characters)");
  return {};
}

std::string fc_escape(const std::string& path) {
  std::string out;
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      // Paths are bytes, but setfiles refuses a file_contexts line with non-ASCII
      // characters and whitespace separates its fields: \xHH matches the byte
      // (libselinux compiles the regexes without PCRE2_UTF).
      static const char hex[] = "0123456789abcdef";
      out += {'\\', 'x', hex[u >> 4], hex[u & 0xF]};
      continue;
    }
    if (std::string_view(".+*?[](){}^$|\\").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::set<std::string> SelinuxModel::required_types() const {
  std::set<std::string> out;
  for (const auto& [key, perms] : rules) {
    for (const std::string& t : {std::get<0>(key), std::get<1>(key)})
      if (!t.empty() && t != "self" && !owns(t)) out.insert(t);
  }
  for (const auto& tr : transitions)
    if (!owns(tr.parent)) out.insert(tr.parent);
  return out;
}

namespace {

std::string parent_of(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == 0 ? "/" : p.substr(0, slash);
}

std::string fc_kind(const std::string& cls) {
  if (cls == "file") return "--";
  if (cls == "dir") return "-d";
  if (cls == "sock_file") return "-s";
  if (cls == "lnk_file") return "-l";
  if (cls == "fifo_file") return "-p";
  if (cls == "chr_file") return "-c";
  if (cls == "blk_file") return "-b";
  return "";
}

// The generator's view of labels: the reference policy's, with the module's own
// decisions (private types by file context, type transitions) applied on top.
class ModelOracle : public LabelOracle {
 public:
  ModelOracle(const Recording& rec, const PolicyLabels& labels, const SelinuxPolicyData& data, SelinuxModel& m)
      : rec_(rec), labels_(labels), data_(data), m_(m) {}

  struct Override {
    std::string type;
    bool recursive;
  };
  std::map<std::string, Override> overrides;

  std::string private_type(const std::string& path, const std::string& cls) {
    std::string t = m_.name + "_" + (cls == "sock_file" ? std::string("sock") : data_.suffix_for(path)) + "_t";
    m_.private_types.insert(t);
    return t;
  }

  std::string file_type(const std::string& path, const std::string& cls) override {
    for (std::string p = path;; p = parent_of(p)) {
      auto it = overrides.find(p);
      if (it != overrides.end() && (p == path || it->second.recursive)) return it->second.type;
      if (p == "/") break;
    }
    if (path != "/" && created_by_workload(rec_, path)) {
      std::string parent = file_type(parent_of(path), "dir");
      if (parent.empty() || parent == "self") return parent;
      if (data_.broad_types.count(parent) == 0) return parent;  // new objects inherit the directory's type
      std::string t = private_type(path, cls);
      for (const auto& tr : m_.transitions)
        if (tr.parent == parent && tr.cls == cls) return tr.type;  // one rule per (directory type, class)
      m_.transitions.insert({parent, cls, t});
      const std::string suffix = data_.suffix_for(path);
      if (suffix != "tmp" && suffix != "tmpfs")  // keep the label when the file system is relabelled
        m_.fc.insert({fc_escape(path) + (cls == "dir" ? "(/.*)?" : ""), cls == "dir" ? "" : fc_kind(cls), t});
      return t;
    }
    return labels_.existing_file_type(path, cls);
  }
  std::string port_type(const std::string& protocol, unsigned port) override {
    return labels_.policy().port_type(protocol, port);
  }
  std::string node_type(const std::string& address) override { return labels_.policy().node_type(address); }

  // An existing object the workload really uses (not just walks through) whose label
  // is broad gets a private type; a directory that receives new files too, unless it
  // holds everyone's files (keep_dirs), in which case type transitions do the job.
  void privatize() {
    auto base = [&](const std::string& p, const std::string& cls) { return labels_.existing_file_type(p, cls); };
    auto keep = [&](const std::string& p, const std::string& t) {
      return data_.keep_dirs.count(p) != 0 || data_.keep_dir_types.count(t) != 0;
    };
    const std::string entry = entry_executable(rec_);
    for (const auto& [path, f] : rec_.files) {
      if (path.empty() || path[0] != '/' || created_by_workload(rec_, path)) continue;
      bool used = false;
      for (const auto& [kind, outcomes] : f.accesses) used = used || outcomes.count(kOk) != 0;
      if (!used) continue;
      const std::string cls = selinux_file_class(f.type);
      const std::string t = base(path, cls);
      if (data_.broad_types.count(t) == 0 || (cls == "dir" && keep(path, t))) continue;
      std::string mine = path == entry ? m_.exec_type : private_type(path, cls);
      overrides[path] = {mine, cls == "dir"};
    }
    for (const auto& [path, f] : rec_.files) {
      if (path.empty() || path[0] != '/' || path == "/") continue;
      bool changes_dir = false;
      for (Access a : {Access::Create, Access::Delete, Access::Rename, Access::Link}) {
        auto it = f.accesses.find(a);
        changes_dir = changes_dir || (it != f.accesses.end() && it->second.count(kOk) != 0);
      }
      if (!changes_dir) continue;
      const std::string dir = parent_of(path);
      if (created_by_workload(rec_, dir)) continue;
      const std::string t = base(dir, "dir");
      if (data_.broad_types.count(t) == 0 || keep(dir, t)) continue;
      overrides[dir] = {private_type(dir, "dir"), true};
    }
    // Drop overrides below a recursive one: the directory's entry covers them.
    for (auto it = overrides.begin(); it != overrides.end();) {
      bool covered = false;
      for (std::string p = it->first; p != "/" && !covered;) {
        p = parent_of(p);
        auto up = overrides.find(p);
        covered = up != overrides.end() && up->second.recursive && up->second.type == it->second.type;
      }
      it = covered ? overrides.erase(it) : std::next(it);
    }
    // A regular expression loses against the policy's own later ones (file_contexts.homedirs
    // has "/root/.+"), while exact paths always win: so every known path below a private
    // directory gets an exact entry too, and the regex only covers what appears later.
    std::set<std::string> known;
    for (const auto& [path, f] : rec_.files) {
      if (path.empty() || path[0] != '/') continue;
      bool used = false;
      for (const auto& [kind, outcomes] : f.accesses) used = used || outcomes.count(kOk) != 0;
      if (used) known.insert(path);
      for (std::string p = path; p != "/";) known.insert(p = parent_of(p));
    }
    for (const auto& [path, o] : overrides) {
      const auto f = rec_.files.find(path);
      const std::string cls = f == rec_.files.end() ? "file" : selinux_file_class(f->second.type);
      m_.fc.insert({fc_escape(path) + (o.recursive ? "(/.*)?" : ""), o.recursive ? "" : fc_kind(cls), o.type});
      if (o.recursive) {
        for (const auto& k : known) {
          if (k != path && k.compare(0, path.size() + 1, path + "/") != 0) continue;
          const auto kf = rec_.files.find(k);
          const bool is_dir = k == path || kf == rec_.files.end() || kf->second.type == "dir";
          const std::string kcls = is_dir ? "dir" : selinux_file_class(kf->second.type);
          if (kf != rec_.files.end() && kf->second.type.empty() && !is_dir)
            m_.fc.insert({fc_escape(k), "", o.type});
          else
            m_.fc.insert({fc_escape(k), fc_kind(kcls), o.type});
        }
      }
      m_.notes.push_back(path + " gets the private type " + o.type + " (its label " + base(path, cls) +
                         " is shared by too much to grant); run restorecon on it after installing the module");
    }
  }

 private:
  const Recording& rec_;
  const PolicyLabels& labels_;
  const SelinuxPolicyData& data_;
  SelinuxModel& m_;
};

}  // namespace

Result<SelinuxModel> build_selinux_model(const Recording& rec, const std::string& name, const PolicyLabels& labels,
                                         const SelinuxPolicyData& data) {
  if (auto s = check_selinux_name(name); !s) return s.error();
  SelinuxModel m;
  m.name = name;
  m.domain = name + "_t";
  m.exec_type = name + "_exec_t";
  ModelOracle oracle(rec, labels, data, m);
  oracle.privatize();
  SelinuxNeeds needs = recorded_needs(rec, m.domain, oracle);
  for (const auto& n : needs.needs) {
    SelinuxRuleKey key{n.source.empty() ? m.domain : n.source, n.access.target, n.access.cls};
    m.rules[key].insert(n.access.perms.begin(), n.access.perms.end());
    m.why[key].insert(n.why);
  }
  for (const auto& b : data.baseline) {
    SelinuxRuleKey key{m.domain, b.target, b.cls};
    m.rules[key].insert(b.perms.begin(), b.perms.end());
    m.why[key].insert("every confined workload");
  }
  // A type the reference policy does not have cannot be granted; say so instead of
  // producing a module that fails to compile.
  for (auto it = m.rules.begin(); it != m.rules.end();) {
    const std::string& t = std::get<1>(it->first);
    if (t != "self" && !m.owns(t) && !labels.policy().has_type(t)) {
      m.notes.push_back("the reference policy has no type " + t + ": not granted (" + *m.why[it->first].begin() + ")");
      m.why.erase(it->first);
      it = m.rules.erase(it);
    } else {
      ++it;
    }
  }
  m.notes.insert(m.notes.end(), needs.notes.begin(), needs.notes.end());
  std::sort(m.notes.begin(), m.notes.end());
  m.notes.erase(std::unique(m.notes.begin(), m.notes.end()), m.notes.end());
  return m;
}

}  // namespace profile
