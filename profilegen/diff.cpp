#include "profilegen/diff.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "common/atomic_file.h"
#include "common/json_bytes.h"
#include "common/json_text.h"
#include "common/policy.h"
#include "common/recording.h"
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
  for (std::string p = path;;) {
    auto it = v.files.find(p);
    if (it != v.files.end() && it->second.count(right)) return true;
    if (p == "/") return false;
    auto s = p.rfind('/');
    p = s == 0 ? "/" : p.substr(0, s);
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
                                            const std::string& source, const std::string& manifest_toml) {
  AllowedView v;
  if (!manifest_toml.empty()) {
    auto m = parse_manifest(manifest_toml, source + "/profile.toml");
    if (!m) return m.error();
    v.has_manifest = true;
    v.capabilities.insert(m->capabilities.begin(), m->capabilities.end());
  }
  try {
    json s = json::parse(seccomp_json);
    std::string da = s.value("defaultAction", "");
    v.default_allows = da == "SCMP_ACT_ALLOW" || da == "SCMP_ACT_LOG";
    for (const auto& r : s.value("syscalls", json::array())) {
      std::string action = r.value("action", "");
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
      if (l.contains("net")) {
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
  if (::stat(path.c_str(), &st) != 0) return sys_error("stat(\"" + path + "\")");
  if (S_ISDIR(st.st_mode)) {
    auto s = read_file(path + "/seccomp.json");
    if (!s) return s.error().wrap(path + " is not a profile bundle");
    auto l = read_file(path + "/landlock.json");
    auto m = read_file(path + "/profile.toml");
    return allowed_view_from_files(*s, l ? *l : "", path, m ? *m : "");
  }
  auto rec = load_recording(path);
  if (!rec) return rec.error();
  GenerateOptions o;
  o.allow_incomplete = true;
  o.selinux = false;  // only seccomp and Landlock are compared
  auto files = render_bundle(*rec, o, "", nullptr);
  if (!files) return files.error().wrap(path);
  return allowed_view_from_files(files->at("seccomp.json"), files->at("landlock.json"), path,
                                 files->at("profile.toml"));
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
  return d;
}

std::string diff_to_text(const ProfileDiff& d) {
  std::string out;
  auto side = [&](const DiffSide& s, const char* sign, bool mark) {
    for (const auto& n : s.syscalls) {
      auto it = d.dangerous.find(n);
      out += std::string(sign) + " syscall " + n +
             (mark && it != d.dangerous.end() ? "   [DANGEROUS: " + it->second + "]" : "") + "\n";
    }
    for (const auto& a : s.args) {
      auto it = d.dangerous.find(a.substr(0, a.find(':')));
      out += std::string(sign) + " args    " + a + (mark && it != d.dangerous.end() ? "   [DANGEROUS]" : "") + "\n";
    }
    for (const auto& [p, r] : s.files) out += std::string(sign) + " file    " + p + " (" + r + ")\n";
    for (const auto& n : s.net) out += std::string(sign) + " net     " + n + "\n";
    for (const auto& [c, why] : s.capabilities)
      out += std::string(sign) + " cap     " + c + (why.empty() ? "" : " (" + why + ")") + "\n";
    for (const auto& n : s.runtime) out += std::string(sign) + " runtime " + n + " (the container runtime's part)\n";
  };
  side(d.added, "+", true);
  side(d.removed, "-", false);
  if (out.empty())
    out = "no differences in what the profiles allow\n";
  else if (!d.added.empty())
    out += "NEW allows more than OLD\n";
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
    for (const auto& [p, r] : s.files) files.push_back({{"path", p}, {"access", r}});
    j["files"] = files;
    j["net"] = s.net;
    nlohmann::ordered_json caps = nlohmann::ordered_json::array();
    for (const auto& [c, why] : s.capabilities) caps.push_back({{"name", c}, {"evidence", why}});
    j["capabilities"] = caps;
    j["runtime"] = s.runtime;
    return j;
  };
  nlohmann::ordered_json j;
  j["more_permissive"] = !d.added.empty();
  j["added"] = side(d.added);
  j["removed"] = side(d.removed);
  return dump_bytes(std::move(j)) + "\n";  // file paths are bytes
}

}  // namespace profile
