#include "profilegen/selinux/policy.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <sstream>

#include "common/bad_input.h"
#include "common/log.h"
#include "common/policy.h"
#include "common/toml_guard.h"

namespace profile {

std::string SelinuxPolicyData::suffix_for(const std::string& path) const {
  for (const auto& [prefix, suffix] : private_suffixes)
    if (path.compare(0, prefix.size(), prefix) == 0) return suffix;
  return "data";
}

std::set<std::string> parse_perm_list(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string word;
  while (in >> word)
    if (word != "{" && word != "}") out.insert(word);
  return out;
}

Result<SelinuxAccess> parse_access_rule(const std::string& text) {
  std::istringstream in(text);
  SelinuxAccess a;
  if (!(in >> a.target >> a.cls)) return make_error("expected \"TARGET CLASS { PERMISSIONS }\", got \"" + text + "\"");
  std::string rest;
  std::getline(in, rest);
  a.perms = parse_perm_list(rest);
  if (a.perms.empty()) return make_error("no permissions in \"" + text + "\"");
  return a;
}

namespace {

std::vector<std::string> strings(const toml::table& t, const char* key) {
  std::vector<std::string> out;
  const auto* arr = t[key].as_array();
  if (arr == nullptr) throw BadInputAt{key, "expected an array of strings"};
  for (const auto& v : *arr) {
    auto s = v.value<std::string>();
    if (!s) throw BadInputAt{key, "expected an array of strings"};
    out.push_back(*s);
  }
  return out;
}

std::string str(const toml::table& t, const char* key, const std::string& where) {
  auto s = t[key].value<std::string>();
  if (!s) throw BadInputAt{where + "." + key, "expected a string"};
  return *s;
}

}  // namespace

Result<SelinuxPolicyData> parse_selinux_policy(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml_parse_checked(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ":" << e.source().begin.line << ": " << e.description();
    return make_error(msg.str());
  }
  SelinuxPolicyData d;
  try {
    for (auto& s : strings(root, "broad_types")) d.broad_types.insert(s);
    for (auto& s : strings(root, "keep_dirs")) d.keep_dirs.insert(s);
    for (auto& s : strings(root, "keep_dir_types")) d.keep_dir_types.insert(s);
    if (const auto* arr = root["private_suffixes"].as_array()) {
      for (const auto& v : *arr) {
        const auto* t = v.as_table();
        if (t == nullptr) throw BadInputAt{"private_suffixes", "expected inline tables { prefix, suffix }"};
        d.private_suffixes.emplace_back(str(*t, "prefix", "private_suffixes"), str(*t, "suffix", "private_suffixes"));
      }
    }
    if (const auto* arr = root["interface"].as_array()) {
      for (const auto& v : *arr) {
        const auto* t = v.as_table();
        if (t == nullptr) throw BadInputAt{"interface", "expected [[interface]] tables"};
        SelinuxInterface i;
        i.name = str(*t, "name", "interface");
        i.type = str(*t, "type", "interface " + i.name);
        const auto* g = (*t)["grants"].as_table();
        if (g == nullptr) throw BadInputAt{"interface " + i.name + ".grants", "expected a table class = \"perms\""};
        for (const auto& [cls, perms] : *g) {
          auto p = perms.value<std::string>();
          if (!p) throw BadInputAt{"interface " + i.name + ".grants", "expected permission strings"};
          i.grants[std::string(cls.str())] = parse_perm_list(*p);
        }
        d.interfaces.push_back(std::move(i));
      }
    }
    for (auto& s : strings(root, "baseline")) {
      auto a = parse_access_rule(s);
      if (!a) throw BadInputAt{"baseline", a.error().message};
      d.baseline.push_back(*a);
    }
    if (const auto* arr = root["sensitive"].as_array()) {
      for (const auto& v : *arr) {
        const auto* t = v.as_table();
        if (t == nullptr) throw BadInputAt{"sensitive", "expected inline tables"};
        SelinuxSensitive s;
        s.what = str(*t, "what", "sensitive");
        s.access.target = str(*t, "target", "sensitive");
        s.access.cls = str(*t, "class", "sensitive");
        s.access.perms = parse_perm_list(str(*t, "perms", "sensitive"));
        d.sensitive.push_back(std::move(s));
      }
    }
  } catch (const BadInputAt& b) {
    return make_error(source + ": " + b.where + ": " + b.what);
  }
  return d;
}

const SelinuxPolicyData& builtin_selinux_policy() {
  static const SelinuxPolicyData data = [] {
    auto r = parse_selinux_policy(builtin_policy_text("selinux"), "policies/selinux.toml");
    if (!r) {
      log::error("built-in " + r.error().message);
      std::abort();
    }
    return std::move(r).value();
  }();
  return data;
}

}  // namespace profile
