#include "profilegen/gate.h"

#include <toml++/toml.h>

#include "common/toml_guard.h"

namespace profile {
namespace {

Result<toml::table> parse(const std::string& text, const std::string& source) {
  try {
    return toml_parse_checked(text, source);
  } catch (const toml::parse_error& e) {
    return make_error(source + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
}

int threshold(const std::string& fail_on) {
  if (fail_on == "any" || fail_on == "low") return 1;
  if (fail_on == "medium") return 2;
  if (fail_on == "high") return 3;
  return 4;  // none
}

// '*' matches any run of characters (paths included). One backtrack point, the
// last '*': the recursive form took time exponential in the stars of an
// allowlist's subject ("*a*a*a*a*b") and stack as deep as the path.
bool wild(const char* p, const char* s) {
  const char* star = nullptr;  // the last '*' seen, and where its run now ends in s
  const char* run_end = nullptr;
  while (*s != '\0') {
    if (*p == '*') {
      star = p++;
      run_end = s;
    } else if (*p == *s) {
      ++p;
      ++s;
    } else if (star != nullptr) {
      p = star + 1;
      s = ++run_end;
    } else {
      return false;
    }
  }
  while (*p == '*') ++p;
  return *p == '\0';
}

}  // namespace

bool valid_fail_on(const std::string& v) {
  return v == "any" || v == "low" || v == "medium" || v == "high" || v == "none";
}

Result<GateRules> parse_gate_rules(const std::string& text, const std::string& source) {
  auto t = parse(text, source);
  if (!t) return t.error();
  GateRules g;
  for (const auto& [k, v] : *t) {
    std::string key(k.str());
    if (key == "fail_on") {
      auto s = v.value<std::string>();
      if (!s || !valid_fail_on(*s))
        return make_error(source + ": fail_on must be \"any\", \"low\", \"medium\", \"high\" or \"none\"");
      g.fail_on = *s;
    } else if (key == "risk" && v.is_table()) {
      for (const auto& [c, r] : *v.as_table()) {
        auto s = r.value<std::string>();
        if (!s || risk_rank(*s) == 0)
          return make_error(source + ": [risk] " + std::string(c.str()) + " must be \"high\", \"medium\" or \"low\"");
        g.risk[std::string(c.str())] = *s;
      }
    } else {
      return make_error(source + ": unknown key \"" + key + "\" (expected fail_on or [risk])");
    }
  }
  return g;
}

Result<std::vector<AllowEntry>> parse_allowlist(const std::string& text, const std::string& source) {
  auto t = parse(text, source);
  if (!t) return t.error();
  std::vector<AllowEntry> out;
  for (const auto& [k, v] : *t)
    if (k.str() != "allow")
      return make_error(source + ": unknown key \"" + std::string(k.str()) + "\" (expected [[allow]])");
  const auto* arr = t->get_as<toml::array>("allow");
  if (arr == nullptr) return out;
  for (const auto& n : *arr) {
    const auto* tb = n.as_table();
    int line = static_cast<int>(n.source().begin.line);
    if (tb == nullptr) return make_error(source + ":" + std::to_string(line) + ": [[allow]] entries must be tables");
    AllowEntry e;
    for (const auto& [k, v] : *tb) {
      std::string key(k.str());
      auto s = v.value<std::string>();
      if (!s || (key != "class" && key != "subject" && key != "reason"))
        return make_error(source + ":" + std::to_string(line) + ": [[allow]] key \"" + key +
                          "\" is unknown or not a string (expected class, subject, reason)");
      (key == "class" ? e.cls : key == "subject" ? e.subject : e.reason) = *s;
    }
    if (e.subject.empty())
      return make_error(source + ":" + std::to_string(line) + ": an [[allow]] entry needs a \"subject\"");
    if (e.reason.empty())
      return make_error(source + ":" + std::to_string(line) + ": the [[allow]] entry for \"" + e.subject +
                        "\" has no \"reason\": say why the change is accepted");
    out.push_back(std::move(e));
  }
  return out;
}

GateResult apply_gate(const ProfileDiff& d, const GateRules& rules, const std::vector<AllowEntry>& allow) {
  GateResult r;
  std::vector<bool> used(allow.size(), false);
  const int th = threshold(rules.fail_on);
  for (Change c : d.changes) {
    if (!c.widens) continue;
    if (auto it = rules.risk.find(c.cls); it != rules.risk.end()) c.risk = it->second;
    const AllowEntry* hit = nullptr;
    for (size_t i = 0; i < allow.size() && hit == nullptr; ++i)
      if ((allow[i].cls.empty() || allow[i].cls == c.cls) && wild(allow[i].subject.c_str(), c.subject.c_str())) {
        hit = &allow[i];
        used[i] = true;
      }
    if (hit != nullptr)
      r.allowed.emplace_back(c, hit->reason);
    else if (risk_rank(c.risk) >= th)
      r.failing.push_back(c);
    else
      r.passing.push_back(c);
  }
  for (size_t i = 0; i < allow.size(); ++i)
    if (!used[i]) r.unused_allow.push_back((allow[i].cls.empty() ? "" : allow[i].cls + " ") + allow[i].subject);
  return r;
}

}  // namespace profile
