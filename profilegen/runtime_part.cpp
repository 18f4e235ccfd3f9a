#include "profilegen/runtime_part.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/atomic_file.h"
#include "common/policy.h"
#include "common/syscalls.h"
#include "common/toml_guard.h"

namespace profile {
namespace {

const char* const kEngines[] = {"runc", "crun", "podman", "docker", "containerd", "cri-o", "kubernetes"};

// "1.1.5+ds1" -> {1, 1, 5}: the leading dotted numbers; a suffix is not ordered.
// {} when a number does not fit (std::stoul threw out of the parser's Result).
std::vector<unsigned long> version_parts(const std::string& v) {
  std::vector<unsigned long> out;
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
    size_t j = i;
    while (j < v.size() && std::isdigit(static_cast<unsigned char>(v[j]))) ++j;
    unsigned long part = 0;
    if (std::from_chars(v.data() + i, v.data() + j, part).ec != std::errc()) return {};
    out.push_back(part);
    if (j >= v.size() || v[j] != '.') break;
    i = j + 1;
  }
  return out;
}

int compare_versions(const std::string& a, const std::string& b) {
  auto x = version_parts(a), y = version_parts(b);
  size_t n = std::max(x.size(), y.size());
  x.resize(n, 0);
  y.resize(n, 0);
  return x < y ? -1 : (x == y ? 0 : 1);
}

bool in_range(const RuntimeEntry& e, const std::string& v) {
  if (!e.min_version.empty() && compare_versions(v, e.min_version) < 0) return false;
  if (!e.max_version.empty() && compare_versions(v, e.max_version) >= 0) return false;
  return true;
}

std::string range_text(const RuntimeEntry& e) {
  std::string r;
  if (!e.min_version.empty()) r += ">=" + e.min_version;
  if (!e.max_version.empty()) r += (r.empty() ? "<" : " <") + e.max_version;
  return r.empty() ? "any version" : r;
}

std::vector<std::string> strings(const toml::table& t, const char* key, const std::string& where, bool required) {
  std::vector<std::string> out;
  const toml::array* a = t.get_as<toml::array>(key);
  if (a == nullptr) {
    if (required) throw std::runtime_error(where + ": needs an array \"" + key + "\"");
    return out;
  }
  for (const auto& x : *a) {
    if (!x.is_string()) throw std::runtime_error(where + ": \"" + key + "\" holds a non-string");
    out.push_back(x.as_string()->get());
  }
  return out;
}

}  // namespace

Result<RuntimeData> parse_runtime_data(const std::string& text, const std::string& source) {
  RuntimeData d;
  try {
    toml::table root = toml_parse_checked(text, source);
    if (const toml::table* eng = root.get_as<toml::table>("engines")) {
      for (const auto& [k, v] : *eng) {
        std::string name(k.str());
        if (std::find(std::begin(kEngines), std::end(kEngines), name) == std::end(kEngines))
          throw std::runtime_error(source + ": [engines] names an unknown engine \"" + name + "\"");
        toml::table one;
        one.insert("x", v);
        d.engines[name] = strings(one, "x", source + ": [engines] " + name, true);
      }
    }
    const toml::array* rts = root.get_as<toml::array>("runtime");
    if (rts == nullptr) throw std::runtime_error(source + ": no [[runtime]] entry");
    for (const auto& n : *rts) {
      const toml::table* t = n.as_table();
      std::string where = source + ":" + std::to_string(n.source().begin.line);
      if (t == nullptr) throw std::runtime_error(where + ": [[runtime]] must be a table");
      RuntimeEntry e;
      auto str = [&](const char* key, bool required) {
        auto s = t->get_as<std::string>(key);
        if (s == nullptr || s->get().empty()) {
          if (required) throw std::runtime_error(where + ": [[runtime]] needs \"" + key + "\"");
          return std::string();
        }
        return s->get();
      };
      e.name = str("name", true);
      e.engine = str("engine", false);
      e.measured = str("measured", true);
      auto nnp = t->get_as<bool>("nnp");
      if (nnp == nullptr) throw std::runtime_error(where + ": [[runtime]] needs \"nnp\" (true or false)");
      e.nnp = nnp->get();
      for (const auto& r : strings(*t, "versions", where, false)) {
        if (r.rfind(">=", 0) == 0 && !version_parts(r.substr(2)).empty())
          e.min_version = r.substr(2);
        else if (r.rfind("<", 0) == 0 && r.rfind("<=", 0) != 0 && !version_parts(r.substr(1)).empty())
          e.max_version = r.substr(1);
        else
          throw std::runtime_error(where + ": a version bound is \">=X.Y\" or \"<X.Y\", not \"" + r + "\"");
      }
      e.syscalls = strings(*t, "syscalls", where, true);
      e.enosys_ok = strings(*t, "enosys_ok", where, false);
      for (const auto* list : {&e.syscalls, &e.enosys_ok})
        for (const auto& s : *list)
          if (!known_syscall_name(s)) throw std::runtime_error(where + ": unknown syscall name \"" + s + "\"");
      for (const auto& s : e.enosys_ok)
        if (std::find(e.syscalls.begin(), e.syscalls.end(), s) == e.syscalls.end())
          throw std::runtime_error(where + ": enosys_ok names " + s + ", which is not in syscalls");
      d.entries.push_back(std::move(e));
    }
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ":" << e.source().begin.line << ": " << e.description();
    return Error{msg.str(), 0, ErrorKind::BadInput};
  } catch (const std::exception& e) {
    return Error{e.what(), 0, ErrorKind::BadInput};
  }
  return d;
}

Result<RuntimeData> load_runtime_data(const std::string& file) {
  if (file.empty()) return parse_runtime_data(std::string(builtin_policy_text("runtimes")), "policies/runtimes.toml");
  auto text = read_file(file);
  if (!text) return text.error();
  return parse_runtime_data(*text, file);
}

Result<RuntimePart> select_runtime_part(const RuntimeData& data, const std::string& selection, const std::string& nnp) {
  RuntimePart part;
  part.selection = selection;
  if (nnp != "any" && nnp != "on" && nnp != "off")
    return make_error("unknown NNP mode \"" + nnp + "\" (expected any, on or off)");
  if (selection == "none") return part;
  // runtime -> versions asked for ("" = every measured version)
  std::map<std::string, std::set<std::string>> want;
  if (selection == "all") {
    for (const auto& e : data.entries) want[e.name].insert("");
  } else {
    std::stringstream ss(selection);
    std::string item;
    while (std::getline(ss, item, ',')) {
      std::string engine = item, version;
      if (auto at = item.find('@'); at != std::string::npos) {
        engine = item.substr(0, at);
        version = item.substr(at + 1);
        if (version_parts(version).empty())
          return make_error("\"" + item + "\": the version after @ must be numeric, e.g. runc@1.1.5");
      }
      auto it = data.engines.find(engine);
      if (it == data.engines.end()) {
        std::string known;
        for (const auto& [k, v] : data.engines) known += (known.empty() ? "" : ", ") + k;
        return make_error("unknown engine \"" + engine + "\" for --runtime (expected all, none or " + known + ")");
      }
      for (const auto& rt : it->second) want[rt].insert(version);
    }
  }
  std::map<std::string, int> enosys_votes;  // name -> +1 per entry that copes, -1000 per entry that does not
  for (const auto& [rt, versions] : want) {
    bool any_entry = false;
    for (const auto& v : versions) {
      bool found = false;
      for (const auto& e : data.entries) {
        if (e.name != rt || (!v.empty() && !in_range(e, v))) continue;
        found = true;
        if ((nnp == "on" && !e.nnp) || (nnp == "off" && e.nnp)) continue;
        any_entry = true;
        part.syscalls.insert(e.syscalls.begin(), e.syscalls.end());
        for (const auto& s : e.syscalls)
          enosys_votes[s] += std::find(e.enosys_ok.begin(), e.enosys_ok.end(), s) != e.enosys_ok.end() ? 1 : -1000;
        std::string line = e.name + " " + range_text(e) + ", NNP " + (e.nnp ? "on" : "off") +
                           (e.engine.empty() || e.engine == e.name ? "" : ", via " + e.engine) + ": " + e.measured;
        if (std::find(part.sources.begin(), part.sources.end(), line) == part.sources.end())
          part.sources.push_back(line);
      }
      if (!found && !v.empty())
        return make_error("no measured data for " + rt + " " + v +
                          " in the runtime data: measure it with scripts/measure-runtime.sh and pass the entry "
                          "with --runtimes FILE");
    }
    if (!any_entry) return make_error("the runtime data has no entry for " + rt + " with NNP " + nnp);
  }
  for (const auto& [name, votes] : enosys_votes)
    if (votes > 0) part.enosys_ok.insert(name);
  std::sort(part.sources.begin(), part.sources.end());
  return part;
}

namespace {

// The runtime's calls that an engine profile must allow: all of the part but
// clone3 (its flags cannot be checked: never added), names no architecture
// knows, and enosys_ok calls the workload's profile answers ENOSYS (libc's
// fallback) anyway.
std::vector<std::string> runtime_names(const SeccompModel& workload, const RuntimePart& part) {
  std::set<std::string> enosys;
  for (const auto& r : workload.rules)
    if (r.action == "SCMP_ACT_ERRNO" && r.errno_ret == ENOSYS && r.args.empty())
      enosys.insert(r.names.begin(), r.names.end());
  std::vector<std::string> out;
  for (const auto& n : part.syscalls) {
    if (n == "clone3") continue;
    if (enosys.count(n) && part.enosys_ok.count(n)) continue;
    if (!syscall_number("x86_64", n) && !syscall_number("x86", n) && !syscall_number("aarch64", n)) continue;
    out.push_back(n);
  }
  return out;
}

// Drops `names` from the ERRNO rules: an unconditional ERRNO rule beside an
// ALLOW rule of the same syscall makes libseccomp (and so runc) refuse the filter.
void drop_from_errno_rules(SeccompModel& m, const std::set<std::string>& names) {
  for (auto it = m.rules.begin(); it != m.rules.end();) {
    if (it->action == "SCMP_ACT_ERRNO") {
      auto& n = it->names;
      n.erase(std::remove_if(n.begin(), n.end(), [&](const std::string& s) { return names.count(s) != 0; }), n.end());
      if (n.empty()) {
        it = m.rules.erase(it);
        continue;
      }
    }
    ++it;
  }
}

std::string sources_text(const RuntimePart& part) {
  std::string srcs;
  for (const auto& s : part.sources) srcs += (srcs.empty() ? "" : "; ") + s;
  return srcs;
}

}  // namespace

SeccompModel with_runtime_part(const SeccompModel& workload, const RuntimePart& part, std::vector<std::string>* added) {
  SeccompModel m = workload;
  if (added != nullptr) added->clear();
  if (part.empty() || m.default_action == "SCMP_ACT_LOG") return m;
  // What the workload's rules allow whatever the arguments needs no second rule.
  std::set<std::string> unconditional;
  for (const auto& r : m.rules)
    if (r.action == "SCMP_ACT_ALLOW" && r.args.empty()) unconditional.insert(r.names.begin(), r.names.end());
  SeccompRule rule;
  rule.action = "SCMP_ACT_ALLOW";
  for (const auto& n : runtime_names(workload, part))
    if (!unconditional.count(n)) rule.names.push_back(n);
  if (rule.names.empty()) return m;
  rule.comment = std::string(kRuntimePartComment) + " (--runtime " + part.selection +
                 "): calls the container runtime makes after loading this filter, before it execs the workload, "
                 "not the workload's; policies/runtimes.toml: " +
                 sources_text(part);
  drop_from_errno_rules(m, std::set<std::string>(rule.names.begin(), rule.names.end()));
  // Before the ERRNO rules: allow rules first, as build_seccomp_model orders them.
  auto pos =
      std::find_if(m.rules.begin(), m.rules.end(), [](const SeccompRule& r) { return r.action != "SCMP_ACT_ALLOW"; });
  m.rules.insert(pos, rule);
  if (added != nullptr) *added = rule.names;
  return m;
}

std::string spo_yaml_with_runtime(const SeccompModel& workload, const RuntimePart& part, const std::string& name) {
  std::vector<std::string> names = runtime_names(workload, part);
  if (names.empty() || workload.default_action == "SCMP_ACT_LOG") return seccomp_to_spo_yaml(workload, name);
  // The base is complete on its own (it may serve several workloads); the
  // workload's document keeps its rules, minus the ERRNO names the base allows.
  SeccompModel own = workload;
  drop_from_errno_rules(own, std::set<std::string>(names.begin(), names.end()));
  std::string w = seccomp_to_spo_yaml(own, name);
  std::string meta_name;
  {
    auto at = w.find("\n  name: ");
    auto end = w.find('\n', at + 1);
    meta_name = w.substr(at + 9, end - at - 9);
  }
  std::string base_name = meta_name.size() > 55 ? meta_name.substr(0, 55) : meta_name;
  while (!base_name.empty() && base_name.back() == '-') base_name.pop_back();
  base_name += "-runtime";
  auto spec = w.find("\nspec:\n");
  w.insert(spec + 7, "  baseProfileName: " + base_name + "\n");

  std::ostringstream y;
  y << "# Generated by `profile generate`. Two SeccompProfile resources: " << base_name << " holds the\n"
    << "# container runtime's calls after it loads the filter (policies/runtimes.toml, --runtime " << part.selection
    << "),\n"
    << "# and " << meta_name << " the workload's, which names it as baseProfileName so that the operator\n"
    << "# unions them. Apply both (kubectl apply -f); the Pod references the second one.\n"
    << "apiVersion: security-profiles-operator.x-k8s.io/v1\n"
    << "kind: SeccompProfile\n"
    << "metadata:\n"
    << "  name: " << base_name << "\n"
    << "spec:\n"
    << "  defaultAction: " << workload.default_action << "\n"
    << "  architectures:\n";
  for (const auto& a : workload.architectures) y << "  - " << a << "\n";
  y << "  syscalls:\n";
  for (const auto& s : part.sources) y << "  # measured: " << s << "\n";
  y << "  - action: SCMP_ACT_ALLOW\n    names:\n";
  for (const auto& n : names) y << "    - " << n << "\n";
  y << "---\n" << w;
  return y.str();
}

Result<RuntimeRuleView> runtime_rule_of(const std::string& seccomp_json, const std::string& source) {
  RuntimeRuleView v;
  try {
    auto j = nlohmann::json::parse(seccomp_json);
    for (const auto& r : j.at("syscalls")) {
      std::string c = r.value("comment", "");
      if (c.rfind(kRuntimePartComment, 0) != 0) continue;
      for (const auto& n : r.at("names")) v.names.push_back(n.get<std::string>());
      v.comment = c;
    }
  } catch (const std::exception& e) {
    return make_error(source + ": not a valid seccomp.json (" + std::string(e.what()) + ")");
  }
  std::sort(v.names.begin(), v.names.end());
  return v;
}

}  // namespace profile
