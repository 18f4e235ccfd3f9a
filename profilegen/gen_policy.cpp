#include "profilegen/gen_policy.h"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "common/atomic_file.h"
#include "common/bad_input.h"
#include "common/toml_guard.h"

namespace profile {
namespace {

std::string at(const std::string& source, const toml::node& n) {
  return source + ":" + std::to_string(n.source().begin.line);
}

toml::table parse(std::string_view text, const std::string& source) {
  try {
    return toml_parse_checked(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    throw BadInput{msg.str()};
  }
}

// [NAME] reason = "..." tables, as in dangerous.toml.
void reason_tables(const toml::table& t, const std::string& source, const std::string& what,
                   std::map<std::string, std::string>& out) {
  for (const auto& [k, v] : t) {
    std::string name(k.str());
    const toml::table* e = v.as_table();
    if (e == nullptr) throw BadInput{at(source, v) + ": " + what + name + " must be a table with a \"reason\""};
    if (!known_syscall_name(name)) throw BadInput{at(source, v) + ": unknown syscall name \"" + name + "\""};
    auto r = e->get_as<std::string>("reason");
    if (r == nullptr || r->get().empty()) throw BadInput{at(source, v) + ": " + what + name + " needs a \"reason\""};
    out[name] = r->get();
  }
}

std::vector<std::string> access_list(const toml::table& e, const std::string& source, const char* key = "access") {
  std::vector<std::string> out;
  const toml::array* a = e.get_as<toml::array>(key);
  if (a == nullptr || a->empty()) throw BadInput{at(source, e) + ": needs a non-empty \"" + key + "\" array"};
  for (const auto& x : *a) {
    if (!x.is_string() || landlock_fs_access_abi(x.as_string()->get()) == 0)
      throw BadInput{at(source, x) + ": \"" + key + "\" holds an unknown Landlock access name"};
    out.push_back(x.as_string()->get());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string get_str(const toml::table& e, const char* key, const std::string& source, bool required) {
  auto s = e.get_as<std::string>(key);
  if (s == nullptr) {
    if (required) throw BadInput{at(source, e) + ": needs a string \"" + key + "\""};
    return "";
  }
  return s->get();
}

std::string abs_path(const toml::table& e, const std::string& source) {
  std::string path = get_str(e, "path", source, true);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty() || path[0] != '/') throw BadInput{at(source, e) + ": \"path\" must be absolute"};
  return path;
}

void generalise_table(const toml::table& t, const std::string& source, Generalise& g) {
  for (const auto& [k, v] : t) {
    std::string key(k.str());
    if (key == "data_min_files") {
      const auto* n = v.as_integer();
      if (n == nullptr || n->get() < 1) throw BadInput{at(source, v) + ": \"data_min_files\" must be an integer >= 1"};
      g.data_min_files = static_cast<uint64_t>(n->get());
    } else if (key == "data_access" || key == "written_access") {
      (key == "data_access" ? g.data_access : g.written_access) = access_list(t, source, key.c_str());
    } else {
      throw BadInput{at(source, v) + ": unknown key \"" + key +
                     "\" in [generalise] (expected data_min_files, data_access or written_access)"};
    }
  }
}

void path_rules(const toml::table& t, const std::string& source, GenPolicy& p) {
  for (const auto& [k, v] : t) {
    std::string kind(k.str());
    if (kind == "generalise") {
      const toml::table* g = v.as_table();
      if (g == nullptr) throw BadInput{at(source, v) + ": [generalise] must be a table"};
      generalise_table(*g, source, p.generalise);
      continue;
    }
    const toml::array* arr = v.as_array();
    if (arr == nullptr ||
        (kind != "tree" && kind != "scratch" && kind != "rewrite" && kind != "shared_root" && kind != "sensitive"))
      throw BadInput{
          at(source, v) +
          ": expected [generalise], [[tree]], [[scratch]], [[rewrite]], [[shared_root]] or [[sensitive]], not \"" +
          kind + "\""};
    for (const auto& n : *arr) {
      const toml::table* e = n.as_table();
      if (e == nullptr) throw BadInput{at(source, n) + ": [[" + kind + "]] entries must be tables"};
      if (kind == "rewrite") {
        PathRewrite r;
        r.pattern = get_str(*e, "pattern", source, true);
        r.replace = get_str(*e, "replace", source, true);
        r.reason = get_str(*e, "reason", source, false);
        try {
          r.re = std::regex(r.pattern, std::regex::ECMAScript | std::regex::optimize);
        } catch (const std::regex_error& ex) {
          throw BadInput{at(source, *e) + ": \"pattern\" is not a valid regular expression: " + ex.what()};
        }
        p.rewrites.push_back(std::move(r));
        continue;
      }
      if (kind == "shared_root" || kind == "sensitive") {
        SharedRoot r{abs_path(*e, source), false, get_str(*e, "reason", source, true)};
        if (const toml::node* sub = e->get("subtree")) {
          if (!sub->is_boolean()) throw BadInput{at(source, *sub) + ": \"subtree\" must be true or false"};
          r.subtree = sub->as_boolean()->get();
        }
        (kind == "shared_root" ? p.shared_roots : p.sensitive).push_back(std::move(r));
        continue;
      }
      PathTree tr{abs_path(*e, source), access_list(*e, source), get_str(*e, "reason", source, false)};
      (kind == "tree" ? p.trees : p.scratch).push_back(std::move(tr));
    }
  }
}

void apply_extra(const toml::table& root, const std::string& source, GenPolicy& p) {
  for (const auto& [k, v] : root) {
    std::string sec(k.str());
    const toml::table* t = v.as_table();
    if (t == nullptr) throw BadInput{at(source, v) + ": \"" + sec + "\" must be a table"};
    if (sec == "baseline")
      reason_tables(*t, source, "baseline.", p.baseline);
    else if (sec == "blindspots" || sec == "allow")
      reason_tables(*t, source, sec + ".", p.blindspots);
    else if (sec == "deny")
      reason_tables(*t, source, "deny.", p.deny);
    else if (sec == "fallbacks")
      reason_tables(*t, source, "fallbacks.", p.fallbacks);
    else if (sec == "dangerous") {
      std::map<std::string, std::string> d;
      reason_tables(*t, source, "dangerous.", d);
      for (auto& [n, r] : d) p.dangerous.entries[n] = DangerousEntry{r, ""};
    } else if (sec == "paths")
      path_rules(*t, source, p);
    else
      throw BadInput{at(source, v) + ": unknown section [" + sec +
                     "] (expected baseline, blindspots, allow, deny, fallbacks, dangerous or paths)"};
  }
}

Result<GenPolicy> builtin() {
  try {
    GenPolicy p;
    reason_tables(parse(builtin_policy_text("baseline"), "policies/baseline.toml"), "policies/baseline.toml", "",
                  p.baseline);
    reason_tables(parse(builtin_policy_text("blindspots"), "policies/blindspots.toml"), "policies/blindspots.toml", "",
                  p.blindspots);
    reason_tables(parse(builtin_policy_text("fallbacks"), "policies/fallbacks.toml"), "policies/fallbacks.toml", "",
                  p.fallbacks);
    path_rules(parse(builtin_policy_text("paths"), "policies/paths.toml"), "policies/paths.toml", p);
    // A generalised directory with no rights would be a rule granting nothing.
    if (p.generalise.data_access.empty() || p.generalise.written_access.empty())
      throw BadInput{"policies/paths.toml: [generalise] needs data_access and written_access"};
    p.dangerous = builtin_dangerous_list();
    p.args = builtin_arg_policy();
    return p;
  } catch (const BadInput& b) {
    return make_error("built-in policy is invalid: " + b.message);
  }
}

}  // namespace

const std::vector<std::string>& landlock_fs_access_names() {
  static const std::vector<std::string> names = {
      "execute",  "write_file", "read_file", "read_dir",   "remove_dir", "remove_file", "make_char", "make_dir",
      "make_reg", "make_sock",  "make_fifo", "make_block", "make_sym",   "refer",       "truncate",  "ioctl_dev"};
  return names;
}

int landlock_fs_access_abi(const std::string& name) {
  if (name == "refer") return 2;
  if (name == "truncate") return 3;
  if (name == "ioctl_dev") return 5;
  const auto& n = landlock_fs_access_names();
  return std::find(n.begin(), n.end(), name) != n.end() ? 1 : 0;
}

Result<GenPolicy> load_gen_policy_text(const std::string& extra_text, const std::string& source) {
  auto p = builtin();
  if (!p || extra_text.empty()) return p;
  try {
    apply_extra(parse(extra_text, source), source, *p);
  } catch (const BadInput& b) {
    return b.error();
  }
  return p;
}

Result<GenPolicy> load_gen_policy(const std::string& policy_file) {
  if (policy_file.empty()) return builtin();
  auto text = read_file(policy_file);
  if (!text) return text.error().wrap("policy file");
  if (text->empty()) return builtin();
  return load_gen_policy_text(*text, policy_file);
}

}  // namespace profile
