#include "profilegen/relocate.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "common/path_roots.h"
#include "profilegen/path_components.h"

namespace profile {
namespace {

std::vector<std::string_view> components(const std::string& p) {
  return path_components(p);
}

bool comp_match(std::string_view pattern, std::string_view c) {
  return path_component_matches(pattern, c);
}

// The first `n` components of both match.
bool prefix_match(const std::string& pattern, const std::string& path, size_t n) {
  auto a = components(pattern), b = components(path);
  if (a.size() < n || b.size() < n) return false;
  for (size_t i = 0; i < n; ++i)
    if (!comp_match(a[i], b[i])) return false;
  return true;
}

bool normalised(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  if (p.size() > 1 && p.back() == '/') return false;
  for (const auto& c : components(p))
    if (c == "." || c == "..") return false;
  return p.find("//") == std::string::npos;
}

bool at_or_below(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

bool is_home_directory(const std::string& value) {
  auto c = components(value);
  return value == "/root" || (c.size() == 2 && c[0] == "home");
}

}  // namespace

std::string root_refusal(const std::string& name, const std::string& value, const GenPolicy& policy) {
  if (!normalised(value)) return "is not an absolute, normalised path";
  if (value == "/") return "is the whole filesystem";
  if (name == roots::kHome && is_home_directory(value)) return "";
  const size_t depth = components(value).size();
  for (const auto& r : policy.shared_roots) {
    const size_t rd = components(r.path).size();
    if (rd == depth && prefix_match(r.path, value, depth))
      return "is the shared root " + r.path + " (" + r.reason + ")";
    if (r.subtree && depth > rd && prefix_match(r.path, value, rd))
      return "lies below " + r.path + " (" + r.reason + ")";
    // A root above a shared root would relocate a rule below it onto that
    // shared root: ${WORKDIR}/lib with WORKDIR=/var is /var/lib.
    if (depth < rd && prefix_match(r.path, value, depth)) return "holds the shared root " + r.path;
  }
  for (const auto& s : policy.sensitive) {
    const size_t sd = components(s.path).size();
    if (prefix_match(s.path, value, std::min(sd, depth))) return "would reach " + s.path + " (" + s.reason + ")";
  }
  return "";
}

std::vector<PathRoot> learned_roots(const Recording& rec, const GenPolicy& policy) {
  std::set<std::string> workdirs, homes;
  for (const auto& run : rec.runs) {
    if (root_refusal(roots::kWorkdir, run.cwd, policy).empty()) workdirs.insert(run.cwd);
    if (run.home && root_refusal(roots::kHome, *run.home, policy).empty()) homes.insert(*run.home);
  }
  std::vector<PathRoot> out;
  auto outermost = [&](const std::set<std::string>& paths, const char* name) {
    for (const auto& p : paths) {
      bool inner =
          std::any_of(paths.begin(), paths.end(), [&](const std::string& o) { return o != p && at_or_below(p, o); });
      if (!inner) out.push_back({name, p});
    }
  };
  outermost(homes, roots::kHome);
  outermost(workdirs, roots::kWorkdir);
  return out;
}

std::string relocate_path(const std::string& path, const std::vector<PathRoot>& roots) {
  if (path.empty() || path[0] != '/') return path;
  const PathRoot* best = nullptr;
  for (const auto& r : roots) {
    if (!at_or_below(path, r.path)) continue;
    // The most specific root; on a tie ${HOME}, which enforce resolves the
    // same way wherever it runs.
    if (best == nullptr || r.path.size() > best->path.size() ||
        (r.path.size() == best->path.size() && r.name == roots::kHome))
      best = &r;
  }
  if (best == nullptr) return path;
  return "${" + best->name + "}" + path.substr(best->path.size());
}

std::string relocate_text(const std::string& text, const std::vector<PathRoot>& roots) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    // A path starts at a '/' that does not continue a word or path.
    bool start = text[i] == '/' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '(' || text[i - 1] == '"' ||
                                    text[i - 1] == '\'' || text[i - 1] == '=' || text[i - 1] == ',');
    if (!start) {
      out += text[i++];
      continue;
    }
    size_t end = text.find_first_of(" ),;\"'", i);
    if (end == std::string::npos) end = text.size();
    out += relocate_path(text.substr(i, end - i), roots);
    i = end;
  }
  return out;
}

void relocate_landlock(LandlockModel& m, const std::vector<PathRoot>& roots) {
  if (roots.empty()) return;
  std::map<std::string, uint32_t> rules;
  for (const auto& r : m.fs) rules[relocate_path(r.path, roots)] |= r.access;
  m.fs.clear();
  for (const auto& [path, access] : rules) m.fs.push_back({path, access});
  auto explained = [&](std::vector<PathGeneralisation>& v) {
    std::map<std::string, PathGeneralisation> by_path;  // two checkouts' same directory: one entry
    for (auto& g : v) {
      g.path = relocate_path(g.path, roots);
      g.reason = relocate_text(g.reason, roots);
      g.evidence = relocate_text(g.evidence, roots);
      by_path.emplace(g.path, std::move(g));
    }
    v.clear();
    for (auto& [p, g] : by_path) v.push_back(std::move(g));
  };
  explained(m.generalised);
  explained(m.refused);
  for (auto& c : m.coverage) c.why = relocate_text(c.why, roots);
  m.ephemeral_evidence = relocate_text(m.ephemeral_evidence, roots);
}

void relocate_manifest(Manifest& m, const std::vector<PathRoot>& roots) {
  if (roots.empty()) return;
  m.cwd = relocate_path(m.cwd, roots);
  for (auto& b : m.bind) {
    b.source = relocate_path(b.source, roots);
    b.target = relocate_path(b.target, roots);
  }
  // argv[0] too: a program in the checkout (./server learned as /ci/app/server).
  for (auto& a : m.command) a = relocate_path(a, roots);
}

std::vector<std::string> roots_named(const Manifest& m, const std::vector<std::string>& rule_paths) {
  std::set<std::string> names;
  auto add = [&](const std::string& p) {
    if (auto s = roots::split(p)) names.insert(s->first);
  };
  add(m.cwd);
  for (const auto& b : m.bind) {
    add(b.source);
    add(b.target);
  }
  for (const auto& a : m.command) add(a);
  for (const auto& p : rule_paths) add(p);
  return {names.begin(), names.end()};
}

}  // namespace profile
