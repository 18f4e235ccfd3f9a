// `profile show DIR`: a human summary of a recording (or --json).
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "cli/commands.h"
#include "common/arg_names.h"
#include "common/atomic_file.h"
#include "common/json_bytes.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/names.h"
#include "common/path_roots.h"
#include "common/policy.h"
#include "common/recording.h"
#include "common/syscalls.h"
#include "profilegen/apply.h"
#include "profilegen/manifest.h"
#include "profilegen/relocate.h"
#include "profilegen/runtime_part.h"
#include "profilegen/seccomp_gen.h"

namespace profile::cli {
namespace {

struct ShowArgs {
  std::string path;
  bool json = false;
  std::string apply;  // --apply ENGINE
  bool summary = false;
  std::vector<std::string> only;  // --only KIND,...: empty = everything
};

// The kinds --only selects, each a part of the text and of the JSON.
const std::vector<std::string> kKinds = {"syscalls", "files", "network", "exec", "capabilities", "landlock"};

bool wanted(const ShowArgs& a, const std::string& kind) {
  return a.only.empty() || std::find(a.only.begin(), a.only.end(), kind) != a.only.end();
}

// "x86_64", "i386 (compat)": an architecture other than the machine's is one
// a workload reaches through int 0x80 (i386) or the x32 ABI.
std::string arch_heading(const std::string& arch) {
  return arch_display_name(arch) + (arch == native_arch() ? "" : ", compat");
}

// A syscall of the list: numbered ones (unknown to libseccomp) as "#457".
std::string syscall_label(const std::string& name) {
  return is_numeric_syscall(name) ? "#" + name : name;
}

// "a, b, c and 4 more": at most `shown` items of a list.
std::string first_of(const std::vector<std::string>& items, size_t shown) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < shown; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > shown) out += " and " + std::to_string(items.size() - shown) + " more";
  return out;
}

std::string recording_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return path + "/recording.json";
  return path;
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

// "read,stat" plus failing outcomes: "stat(ENOENT)".
std::string kinds(const FileRecord& f) {
  std::string out;
  for (const auto& [kind, outcomes] : f.accesses) {
    std::string failed;
    for (const auto& [outcome, count] : outcomes)
      if (outcome != kOk) failed += (failed.empty() ? "" : "|") + outcome;
    bool any_ok = outcomes.count(kOk) != 0;
    out += (out.empty() ? "" : ",") + std::string(access_name(kind));
    if (!failed.empty()) out += std::string(any_ok ? "(also " : "(") + failed + ")";
  }
  return out;
}

std::string endpoint_where(const NetEndpoint& ep) {
  return !ep.path.empty() ? ep.path : ep.address + (ep.port ? ":" + std::to_string(ep.port) : "");
}

// " [1/3]" after an item fewer than all runs saw; "" otherwise (one run, or
// coverage unknown).
std::string seen_mark(const Recording& rec, uint64_t seen) {
  if (rec.runs.size() < 2 || !rec.coverage.known || seen >= rec.runs.size()) return "";
  return " [" + std::to_string(seen) + "/" + std::to_string(rec.runs.size()) + "]";
}

// Coverage in numbers: per kind, how many items every run saw.
nlohmann::json coverage_json(const Recording& rec) {
  nlohmann::json j = {{"runs", rec.runs.size()}, {"known", rec.coverage.known}};
  if (rec.runs.size() < 2 || !rec.coverage.known) return j;
  size_t sys = 0, sys_all = 0;
  for (const auto& [arch, names] : rec.syscalls)
    for (const auto& [name, count] : names) {
      ++sys;
      sys_all += rec.runs_seeing_syscall(arch, name) == rec.runs.size();
    }
  auto kind = [&](size_t total, size_t partial) {
    return nlohmann::json{{"items", total}, {"in_every_run", total - partial}};
  };
  j["syscalls"] = kind(sys, sys - sys_all);
  j["files"] = kind(rec.files.size(), rec.coverage.files.size());
  j["executables"] = kind(rec.executables.size(), rec.coverage.executables.size());
  j["network"] = kind(rec.network.size(), rec.coverage.network.size());
  j["capabilities"] = kind(rec.capabilities.size(), rec.coverage.capabilities.size());
  return j;
}

void print_coverage(const Recording& rec) {
  if (rec.runs.size() < 2) return;
  if (!rec.coverage.known) {
    std::printf(
        "Coverage: unknown (a recording of several runs made before profile counted which run saw what was merged "
        "in)\n");
    return;
  }
  auto j = coverage_json(rec);
  std::string parts;
  for (const char* k : {"syscalls", "files", "executables", "network", "capabilities"}) {
    size_t items = j[k]["items"].get<size_t>();
    if (items == 0) continue;
    parts += (parts.empty() ? "" : ", ") + std::to_string(j[k]["in_every_run"].get<size_t>()) + " of " +
             std::to_string(items) + " " + k;
  }
  std::printf("Coverage: seen in every run: %s; the rest is marked [runs that saw it/%zu] below\n",
              parts.empty() ? "nothing recorded" : parts.c_str(), rec.runs.size());
  std::printf("  (informational: the profile allows everything any run did)\n");
}

// --- capabilities: what the recording shows and what the bundle keeps ---

// The bundle's profile.toml next to the recording, when there is one.
std::optional<Manifest> bundle_manifest(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  auto text = read_file(path + "/profile.toml");
  if (!text) return std::nullopt;
  auto m = parse_manifest(*text, path + "/profile.toml");
  if (!m) {
    // The recording is what show summarises: a broken manifest only loses the marks.
    log::warn(m.error().message + " (capabilities are shown without what the bundle keeps)");
    return std::nullopt;
  }
  return *m;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Every capability the recording shows or the manifest keeps, by name.
std::set<std::string> capability_names(const Recording& rec, const std::optional<Manifest>& m) {
  std::set<std::string> names;
  for (const auto& [cap, evidence] : rec.capabilities) names.insert(cap);
  if (m) names.insert(m->capabilities.begin(), m->capabilities.end());
  return names;
}

nlohmann::json capabilities_json(const Recording& rec, const std::optional<Manifest>& m) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& cap : capability_names(rec, m)) {
    nlohmann::json e = {{"name", cap}, {"evidence", nlohmann::json::array()}};
    if (auto it = rec.capabilities.find(cap); it != rec.capabilities.end())
      for (const auto& why : it->second) e["evidence"].push_back(why);
    if (m) {
      e["kept"] = has(m->capabilities, cap);
      e["ambient"] = has(m->ambient_capabilities, cap);
    }
    arr.push_back(e);
  }
  return arr;
}

void print_capabilities(const Recording& rec, const std::optional<Manifest>& m) {
  auto names = capability_names(rec, m);
  std::printf("\nCapabilities: %zu%s\n", names.size(),
              names.empty() ? " (the workload runs with none)" : ", each with what showed it was used");
  for (const auto& cap : names) {
    std::string mark;
    if (m && !has(m->capabilities, cap)) mark = "  [NOT KEPT by profile.toml: the workload will not have it]";
    if (m && has(m->ambient_capabilities, cap)) mark = "  [ambient too]";
    std::printf("  %s%s%s\n", cap.c_str(), seen_mark(rec, rec.runs_seeing_capability(cap)).c_str(), mark.c_str());
    auto it = rec.capabilities.find(cap);
    if (it == rec.capabilities.end()) {
      std::printf("    (kept by profile.toml; the recording shows no use of it)\n");
      continue;
    }
    for (const auto& why : it->second) std::printf("    %s\n", why.c_str());
  }
}

nlohmann::json to_json(const Recording& rec, const DangerousList& dangerous) {
  nlohmann::json j;
  j["runs"] = rec.runs.size();
  j["incomplete"] = rec.incomplete();
  j["coverage"] = coverage_json(rec);
  if (rec.has_partial_coverage()) {
    // The items fewer than all runs saw, with how many did.
    nlohmann::json p;
    for (const auto& [path, n] : rec.coverage.files) p["files"][path] = n;
    for (const auto& [path, n] : rec.coverage.executables) p["executables"][path] = n;
    for (const auto& [cap, n] : rec.coverage.capabilities) p["capabilities"][cap] = n;
    for (const auto& [ep, n] : rec.coverage.network)
      p["network"].push_back({{"op", ep.op}, {"family", ep.family}, {"where", endpoint_where(ep)}, {"runs_seen", n}});
    j["coverage"]["partial"] = p;
  }
  for (const auto& [arch, names] : rec.syscalls) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& [name, count] : names) {
      nlohmann::json e = {{"name", name}, {"count", count}};
      if (rec.runs.size() > 1 && rec.coverage.known) e["runs_seen"] = rec.runs_seeing_syscall(arch, name);
      if (const auto* d = dangerous.find(name)) e["dangerous"] = d->reason;
      if (is_numeric_syscall(name)) e["unnamed"] = true;
      arr.push_back(e);
    }
    j["syscalls"][arch] = arr;
  }
  // Each learned tuple as recorded (values) and in the headers' words (decoded).
  j["args"] = nlohmann::json::object();
  for (const auto& [arch, per_sys] : rec.args) {
    for (const auto& [name, v] : per_sys) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& t : v.tuples) {
        auto decoded = arg_tuple_values(name, v.indices, v.masks, t);
        arr.push_back({{"values", t}, {"decoded", decoded}});
      }
      j["args"][arch][name] = {{"indices", v.indices}, {"tuples", arr}};
    }
  }
  std::map<std::string, nlohmann::json> dirs;
  for (const auto& [path, f] : rec.files) dirs[dir_of(path)][base_of(path)] = kinds(f);
  j["files"] = dirs;
  j["executables"] = rec.executables;
  j["network"] = nlohmann::json::array();
  for (const auto& [ep, count] : rec.network) {
    j["network"].push_back({{"family", ep.family},
                            {"type", ep.type},
                            {"op", ep.op},
                            {"address", ep.address},
                            {"port", ep.port},
                            {"path", ep.path},
                            {"result", ep.result},
                            {"count", count}});
  }
  return j;
}

void print_runs(const Recording& rec) {
  std::printf("Runs: %zu%s\n", rec.runs.size(), rec.incomplete() ? "  (INCOMPLETE: events were lost)" : "");
  for (const auto& r : rec.runs) {
    std::string cmd;
    for (const auto& a : r.command) cmd += (cmd.empty() ? "" : " ") + a;
    std::printf("  %s  [%s, %llu ms, exit %d]\n", cmd.c_str(), r.tracer.c_str(),
                static_cast<unsigned long long>(r.duration_ms), r.exit.status());
    if (r.image) {
      std::printf("    in image %s (%s)\n", r.image->c_str(), r.image_digest.value_or("?").c_str());
    } else if (r.rootfs) {
      std::printf("    in root filesystem %s\n", r.rootfs->c_str());
    }
  }
  print_coverage(rec);
}

// Items joined with `sep` on lines of at most 100 columns, each line indented.
void print_wrapped(const std::vector<std::string>& items, const std::string& indent, const std::string& sep) {
  std::string line = indent;
  for (const auto& item : items) {
    std::string add = (line.size() > indent.size() ? sep : "") + item;
    if (line.size() > indent.size() && line.size() + add.size() > 100) {
      std::printf("%s\n", line.c_str());
      line = indent;
      add = item;
    }
    line += add;
  }
  if (line.size() > indent.size()) std::printf("%s\n", line.c_str());
}

void print_syscalls(const Recording& rec, const DangerousList& dangerous) {
  std::vector<std::string> flagged;
  bool any_numeric = false;
  for (const auto& [arch, names] : rec.syscalls) {
    std::printf("\nSyscalls (%s): %zu distinct\n", arch_heading(arch).c_str(), names.size());
    std::vector<std::string> items;
    for (const auto& [name, count] : names) {
      items.push_back(syscall_label(name) + (dangerous.find(name) != nullptr ? "!" : "") +
                      seen_mark(rec, rec.runs_seeing_syscall(arch, name)));
      any_numeric = any_numeric || is_numeric_syscall(name);
      if (const auto* d = dangerous.find(name))
        flagged.push_back(name + " (" + arch_display_name(arch) + "): " + d->reason +
                          (d->note.empty() ? "" : "; " + d->note));
    }
    print_wrapped(items, "  ", " ");
  }
  if (any_numeric)
    std::printf(
        "  #N: a syscall libseccomp has no name for (newer than its table); the profile answers it with ENOSYS\n");
  if (!flagged.empty()) {
    std::printf("\nDangerous syscalls used (marked ! above):\n");
    for (const auto& f : flagged) std::printf("  %s\n", f.c_str());
  }
  if (auto doubts = clone3_fallback_doubts(rec); !doubts.empty()) {
    std::printf(
        "\nclone3 without a fallback? (the profile answers clone3 with ENOSYS unless generated with "
        "'--clone3 allow'):\n");
    for (const auto& d : doubts) std::printf("  WARNING: %s\n", d.c_str());
  }
  for (const auto& [arch, per_sys] : rec.args) {
    std::printf("\nArgument values (%s), as the kernel's headers name them:\n", arch_heading(arch).c_str());
    for (const auto& [name, v] : per_sys) {
      std::vector<std::string> tuples;
      for (const auto& t : v.tuples) {
        std::string text = arg_tuple_text(name, v.indices, v.masks, t);
        tuples.push_back(t.size() > 1 ? "(" + text + ")" : text);
      }
      std::printf("  %s%s\n", name.c_str(), dangerous.find(name) != nullptr ? "!" : "");
      print_wrapped(tuples, "      ", "; ");
    }
  }
}

void print_files(const Recording& rec) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> dirs;
  for (const auto& [path, f] : rec.files)
    dirs[dir_of(path)].emplace_back(base_of(path), kinds(f) + seen_mark(rec, rec.runs_seeing_file(path)));
  std::printf("\nFiles: %zu in %zu directories\n", rec.files.size(), dirs.size());
  for (const auto& [dir, entries] : dirs) {
    std::printf("  %s/\n", dir == "/" ? "" : dir.c_str());
    for (const auto& [name, k] : entries) std::printf("    %-40s %s\n", name.c_str(), k.c_str());
  }
}

void print_executables(const Recording& rec) {
  std::printf("\nExecutables: %zu\n", rec.executables.size());
  for (const auto& [path, count] : rec.executables)
    std::printf("  %s  (%llu)%s\n", path.c_str(), static_cast<unsigned long long>(count),
                seen_mark(rec, rec.runs_seeing_exec(path)).c_str());
}

void print_network(const Recording& rec) {
  std::printf("\nNetwork: %zu endpoints\n", rec.network.size());
  for (const auto& [ep, count] : rec.network) {
    std::printf("  %-8s %-10s %-12s %-28s %s%s\n", ep.op.c_str(), ep.family.c_str(), ep.type.c_str(),
                endpoint_where(ep).c_str(), ep.result.c_str(), seen_mark(rec, rec.runs_seeing_endpoint(ep)).c_str());
  }
}

// What a bundle widened beyond the recorded paths (landlock.json's explanations)
// and what its manifest binds into the private temporary directories. Null when
// `path` is not a bundle directory (a recording file was given).
struct BundleView {
  nlohmann::json landlock;  // generalised, kept_per_file, connect_tcp_ephemeral, ephemeral_ports
  bool has_manifest = false;
  Manifest manifest;
  std::vector<std::string> roots;  // the ${ROOT}s profile.toml and landlock.json name
};

std::optional<BundleView> load_bundle_view(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  BundleView v;
  v.landlock = nlohmann::json::object();
  std::string landlock_file = "landlock.json";
  if (auto text = read_file(path + "/profile.toml")) {
    auto m = parse_manifest(*text, path + "/profile.toml");
    if (!m) throw FatalError{m.error(), kExitUsage};
    v.manifest = *m;
    v.has_manifest = true;
    landlock_file = m->landlock;
  }
  if (v.has_manifest) v.roots = roots_named(v.manifest, {});
  if (landlock_file.empty()) return v;
  auto text = read_file(path + "/" + landlock_file);
  if (!text) return v;  // a bundle without Landlock rules: nothing widened
  try {
    auto doc = nlohmann::json::parse(*text);
    std::vector<std::string> rule_paths;
    for (const auto& f : doc.value("fs", nlohmann::json::array())) rule_paths.push_back(f.value("path", ""));
    v.roots = roots_named(v.manifest, rule_paths);
    v.landlock["generalised"] = doc.value("generalised", nlohmann::json::array());
    v.landlock["kept_per_file"] = doc.value("kept_per_file", nlohmann::json::array());
    v.landlock["connect_tcp_ephemeral"] = doc.contains("net") && doc["net"].value("connect_tcp_ephemeral", false);
    v.landlock["ephemeral_ports"] = doc.value("ephemeral_ports", "");
    v.landlock["coverage"] = doc.value("coverage", nlohmann::json::array());
  } catch (const nlohmann::json::exception& e) {
    throw FatalError{make_error(path + "/" + landlock_file + ": not valid JSON (" + e.what() + ")"), kExitUsage};
  }
  return v;
}

std::string bytes(const nlohmann::json& j, const char* key) {
  return json_text_to_bytes(j.value(key, ""));
}

std::string access_text(const nlohmann::json& e) {
  std::string out;
  for (const auto& a : e.value("access", nlohmann::json::array()))
    out += (out.empty() ? "" : ",") + a.get<std::string>();
  return out;
}

// Which mechanism covers each Landlock feature (landlock.json "coverage"): the
// features enforce requires of the kernel, and why the others are not needed.
void print_landlock_coverage(const nlohmann::json& coverage) {
  if (coverage.empty()) return;
  std::printf("\nLandlock features (required of the kernel only where nothing else covers an observed use):\n");
  for (const auto& c : coverage)
    std::printf("  %-9s ABI %d  %-12s %s\n", c.value("feature", "").c_str(), c.value("abi", 0),
                c.value("required", false) ? "required:" : "not needed:", c.value("why", "").c_str());
}

void print_bundle_view(const BundleView& v) {
  const auto& gen = v.landlock.value("generalised", nlohmann::json::array());
  std::printf(
      "\nLandlock: %zu generalised directories (policies/paths.toml; profile generate --paths exact keeps "
      "per-path rules)\n",
      gen.size());
  for (const auto& g : gen)
    std::printf("  %-8s %s/  [%s]\n           %s\n           evidence: %s\n", g.value("kind", "").c_str(),
                bytes(g, "path").c_str(), access_text(g).c_str(), g.value("reason", "").c_str(),
                bytes(g, "evidence").c_str());
  const auto& kept = v.landlock.value("kept_per_file", nlohmann::json::array());
  if (!kept.empty()) {
    std::printf("  Kept per-file (not generalised):\n");
    for (const auto& k : kept)
      std::printf("    %s/  (%s: %s): %s\n", bytes(k, "path").c_str(), k.value("kind", "").c_str(),
                  bytes(k, "evidence").c_str(), k.value("reason", "").c_str());
  }
  if (v.landlock.value("connect_tcp_ephemeral", false))
    std::printf(
        "  TCP connect: any port of the local (ephemeral) range, expanded at enforce from "
        "/proc/sys/net/ipv4/ip_local_port_range: %s\n",
        v.landlock.value("ephemeral_ports", "").c_str());
  print_landlock_coverage(v.landlock.value("coverage", nlohmann::json::array()));
  if (!v.has_manifest) return;
  const Manifest& m = v.manifest;
  std::printf("\nWorking directory: %s\n", m.cwd.empty() ? "(enforce's own)" : m.cwd.c_str());
  for (const auto& root : v.roots)
    std::printf("  ${%s}: %s\n", root.c_str(),
                root == roots::kWorkdir
                    ? "the directory the workload was learned in; profile enforce --workdir DIR (default: the learned "
                      "one, when it exists there)"
                    : "the workload's home: HOME at enforce, else its user's home in the user database");
  std::printf("\nPrivate /tmp, /var/tmp, /dev/shm: %s\n",
              m.private_tmp ? "yes (a fresh tmpfs each; the host's are out of reach)" : "no (private_tmp = false)");
  for (const auto& b : m.bind)
    std::printf("  bind %s%s%s  (%s%s)\n", b.source.c_str(), b.target == b.source ? "" : " -> ",
                b.target == b.source ? "" : b.target.c_str(), b.readonly ? "read-only" : "read-write",
                b.optional ? ", skipped when missing" : "");
}

nlohmann::json bundle_view_json(const BundleView& v) {
  nlohmann::json j = v.landlock;
  if (v.has_manifest) {
    j["cwd"] = v.manifest.cwd;
    j["roots"] = v.roots;
    j["private_tmp"] = v.manifest.private_tmp;
    j["binds"] = nlohmann::json::array();
    for (const auto& b : v.manifest.bind)
      j["binds"].push_back(
          {{"source", b.source}, {"target", b.target}, {"readonly", b.readonly}, {"optional", b.optional}});
  }
  return j;
}

// The container runtime's rule of a bundle's seccomp.json (policies/runtimes.toml),
// apart from the workload's: in the engine formats only, skipped by enforce.
// Empty (nothing printed) for a recording file or a bundle without one.
RuntimeRuleView runtime_part_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return {};
  auto text = read_file(path + "/seccomp.json");
  if (!text) return {};
  auto v = runtime_rule_of(*text, path + "/seccomp.json");
  if (!v) throw FatalError{v.error(), kExitUsage};
  return *v;
}

void print_runtime_part(const RuntimeRuleView& v) {
  if (v.names.empty()) return;
  std::printf("\nContainer runtime part (engine formats only, not the workload's; profile enforce skips it): %zu\n",
              v.names.size());
  std::string line = " ";
  for (const auto& n : v.names) {
    if (line.size() + n.size() + 1 > 100) {
      std::printf("%s\n", line.c_str());
      line = " ";
    }
    line += " " + n;
  }
  std::printf("%s\n", line.c_str());
  // The comment: "runtime part (--runtime SEL): why; policies/runtimes.toml: SOURCE; SOURCE..."
  auto at = v.comment.find("policies/runtimes.toml: ");
  std::string sel = v.comment.substr(0, v.comment.find(')') + 1);
  std::printf("  %s, from policies/runtimes.toml:\n", sel.c_str());
  for (size_t p = at == std::string::npos ? std::string::npos : at + 24; p != std::string::npos;) {
    size_t end = v.comment.find("; ", p);
    std::printf("    %s\n", v.comment.substr(p, end == std::string::npos ? std::string::npos : end - p).c_str());
    p = end == std::string::npos ? end : end + 2;
  }
}

// --summary: the few lines a reviewer reads first; each count leads to a --only kind.
nlohmann::json summary_json(const Recording& rec, const DangerousList& dangerous, const std::optional<Manifest>& m,
                            const std::optional<BundleView>& view) {
  nlohmann::json j;
  j["runs"] = rec.runs.size();
  j["incomplete"] = rec.incomplete();
  j["coverage"] = coverage_json(rec);
  j["syscalls"] = nlohmann::json::object();
  j["unnamed_syscalls"] = nlohmann::json::array();
  j["dangerous"] = nlohmann::json::array();
  std::set<std::string> dangerous_names;
  for (const auto& [arch, names] : rec.syscalls) {
    j["syscalls"][arch_display_name(arch)] = names.size();
    for (const auto& [name, count] : names) {
      if (is_numeric_syscall(name)) j["unnamed_syscalls"].push_back(arch_display_name(arch) + ":" + name);
      if (dangerous.find(name) != nullptr)
        dangerous_names.insert(arch == native_arch() ? name : name + " (" + arch_display_name(arch) + ")");
    }
  }
  for (const auto& d : dangerous_names) j["dangerous"].push_back(d);
  std::set<std::string> with_args;
  for (const auto& [arch, per_sys] : rec.args)
    for (const auto& [name, v] : per_sys) with_args.insert(name);
  j["argument_rules"] = with_args;
  std::set<std::string> dirs;
  std::map<std::string, uint64_t> by_access;
  uint64_t failed = 0;
  for (const auto& [path, f] : rec.files) {
    dirs.insert(dir_of(path));
    bool any_failed = false;
    for (const auto& [kind, outcomes] : f.accesses) {
      if (outcomes.count(kOk)) ++by_access[access_name(kind)];
      any_failed = any_failed || outcomes.size() > outcomes.count(kOk);
    }
    if (any_failed) ++failed;
  }
  j["files"] = {
      {"paths", rec.files.size()}, {"directories", dirs.size()}, {"by_access", by_access}, {"failed", failed}};
  nlohmann::json exes = nlohmann::json::array();
  for (const auto& [path, count] : rec.executables) exes.push_back(path);
  j["executables"] = exes;
  nlohmann::json net = nlohmann::json::array();
  for (const auto& [ep, count] : rec.network)
    net.push_back(ep.op + " " + ep.family + (ep.type.empty() ? "" : "/" + ep.type) + " " + endpoint_where(ep) +
                  (ep.result == kOk ? "" : " (" + ep.result + ")"));
  j["network"] = net;
  nlohmann::json caps = nlohmann::json::array();
  for (const auto& cap : capability_names(rec, m))
    caps.push_back(cap + (m && !has(m->capabilities, cap) ? " (not kept)" : ""));
  j["capabilities"] = caps;
  if (view) {
    nlohmann::json gen = nlohmann::json::array();
    for (const auto& g : view->landlock.value("generalised", nlohmann::json::array()))
      gen.push_back(bytes(g, "path") + "/ (" + access_text(g) + ")");
    j["generalised"] = gen;
  }
  return j;
}

std::vector<std::string> strings_of(const nlohmann::json& arr) {
  std::vector<std::string> out;
  for (const auto& e : arr) out.push_back(e.get<std::string>());
  return out;
}

void print_summary(const nlohmann::json& j, const std::string& path) {
  std::printf("Runs: %zu%s\n", j["runs"].get<size_t>(),
              j["incomplete"].get<bool>() ? " (INCOMPLETE: events were lost)" : "");
  if (j["coverage"].contains("syscalls")) {
    std::string parts;
    for (const char* k : {"syscalls", "files", "executables", "network", "capabilities"})
      if (auto n = j["coverage"][k]["items"].get<size_t>(); n > 0)
        parts += (parts.empty() ? "" : ", ") + std::to_string(j["coverage"][k]["in_every_run"].get<size_t>()) + "/" +
                 std::to_string(n) + " " + k;
    std::printf("  coverage      seen in every run: %s\n", parts.empty() ? "nothing recorded" : parts.c_str());
  }
  std::string sys;
  const std::string native = arch_display_name(native_arch());
  if (j["syscalls"].contains(native)) sys = std::to_string(j["syscalls"][native].get<size_t>()) + " " + native;
  for (const auto& [arch, n] : j["syscalls"].items())
    if (arch != native) sys += (sys.empty() ? "" : ", ") + std::to_string(n.get<size_t>()) + " " + arch;
  if (!j["unnamed_syscalls"].empty()) sys += "; unnamed: " + first_of(strings_of(j["unnamed_syscalls"]), 4);
  std::printf("  syscalls      %s\n", sys.empty() ? "none" : sys.c_str());
  auto dangerous = strings_of(j["dangerous"]);
  std::printf("  dangerous     %s\n", dangerous.empty() ? "none" : first_of(dangerous, 6).c_str());
  auto with_args = strings_of(j["argument_rules"]);
  if (!with_args.empty()) std::printf("  arguments     values learned for %s\n", first_of(with_args, 8).c_str());
  const auto& f = j["files"];
  std::string access;
  for (const auto& [kind, n] : f["by_access"].items())
    access += (access.empty() ? "" : ", ") + std::to_string(n.get<uint64_t>()) + " " + kind;
  std::printf(
      "  files         %zu in %zu directories%s%s%s\n", f["paths"].get<size_t>(), f["directories"].get<size_t>(),
      access.empty() ? "" : ": ", access.c_str(),
      f["failed"].get<uint64_t>() ? ("; " + std::to_string(f["failed"].get<uint64_t>()) + " failed").c_str() : "");
  if (j.contains("generalised"))
    std::printf("  landlock      %zu generalised directories%s%s\n", j["generalised"].size(),
                j["generalised"].empty() ? "" : ": ", first_of(strings_of(j["generalised"]), 3).c_str());
  auto exes = strings_of(j["executables"]);
  std::printf("  executables   %zu%s%s\n", exes.size(), exes.empty() ? "" : ": ", first_of(exes, 4).c_str());
  auto net = strings_of(j["network"]);
  std::printf("  network       %zu endpoints%s%s\n", net.size(), net.empty() ? "" : ": ", first_of(net, 3).c_str());
  auto caps = strings_of(j["capabilities"]);
  std::printf("  capabilities  %s\n", caps.empty() ? "none" : first_of(caps, 6).c_str());
  std::printf("Details: profile show %s --only syscalls|files|network|exec|capabilities|landlock\n", path.c_str());
}

void run_show(const ShowArgs& a, Context& ctx) {
  if (!a.apply.empty()) {
    auto text = apply_instructions(a.path, a.apply);
    if (!text) throw FatalError{text.error(), kExitUsage};
    std::fputs(text->c_str(), stdout);
    ctx.exit_code = kExitOk;
    return;
  }
  if (a.summary && !a.only.empty())
    throw FatalError{
        make_error("--summary and --only cannot be used together: --summary is the overview of every kind"),
        kExitUsage};
  auto rec = load_recording(recording_path(a.path));
  if (!rec) throw FatalError{rec.error(), kExitUsage};
  auto manifest = bundle_manifest(a.path);
  auto view = load_bundle_view(a.path);
  const DangerousList& dangerous = builtin_dangerous_list();
  RuntimeRuleView runtime = runtime_part_of(a.path);
  if (a.summary) {
    auto j = summary_json(*rec, dangerous, manifest, view);
    if (a.json)
      std::printf("%s\n", dump_bytes(std::move(j), 2).c_str());
    else
      print_summary(j, a.path);
    ctx.exit_code = kExitOk;
    return;
  }
  if (a.json) {
    auto j = to_json(*rec, dangerous);
    j["capabilities"] = capabilities_json(*rec, manifest);
    j["clone3_warnings"] = clone3_fallback_doubts(*rec);
    if (view) j["bundle"] = bundle_view_json(*view);
    if (!runtime.names.empty()) j["runtime_part"] = {{"syscalls", runtime.names}, {"from", runtime.comment}};
    // --only keeps the runs and the selected kinds' keys.
    const std::map<std::string, std::vector<std::string>> keys = {
        {"syscalls", {"syscalls", "args", "runtime_part", "clone3_warnings"}},
        {"files", {"files"}},
        {"network", {"network"}},
        {"exec", {"executables"}},
        {"capabilities", {"capabilities"}},
        {"landlock", {"bundle"}}};
    for (const auto& [kind, names] : keys)
      if (!wanted(a, kind))
        for (const auto& k : names) j.erase(k);
    std::printf("%s\n", dump_bytes(std::move(j), 2).c_str());
  } else {
    if (a.only.empty()) print_runs(*rec);
    if (wanted(a, "syscalls")) {
      print_syscalls(*rec, dangerous);
      print_runtime_part(runtime);
    }
    if (wanted(a, "files")) print_files(*rec);
    if (wanted(a, "exec")) print_executables(*rec);
    if (wanted(a, "network")) print_network(*rec);
    if (wanted(a, "capabilities")) print_capabilities(*rec, manifest);
    if (view && wanted(a, "landlock")) print_bundle_view(*view);
  }
  ctx.exit_code = kExitOk;
}

}  // namespace

void register_show(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ShowArgs>();
  auto* cmd =
      app.add_subcommand("show", "Summarise a recording: syscalls, dangerous ones, files, executables, network");
  cmd->footer(
      "\nDIR is a bundle directory (its recording.json is read) or a recording file.\n"
      "Dangerous syscalls (policies/dangerous.toml) are marked with ! and listed with the reason; calls of\n"
      "another architecture (i386, x32) are listed under it, and syscalls libseccomp cannot name as #N.\n"
      "Argument values are named as the kernel's headers name them, with the number: AF_INET6 (10),\n"
      "SOCK_STREAM (1), TIOCGWINSZ (0x5413), CLONE_NEWNS|CLONE_NEWUSER (0x10020000), PROT_EXEC (0x4).\n"
      "Files are grouped by directory with their access kinds; failed accesses show the errno.\n"
      "Capabilities are listed with the calls that showed their use; for a bundle, those its profile.toml\n"
      "does not keep are marked.\n\n"
      "For a bundle: each directory Landlock generalised (rights, reason, evidence), the candidates kept\n"
      "per-file, ephemeral connects, and what is bound into the private /tmp.\n\n"
      "--summary prints a few lines instead: counts per kind, the dangerous syscalls, capabilities,\n"
      "generalised directories, network and executables. --only KIND[,KIND] prints only those parts\n"
      "(in --json too, where the runs are always kept).\n\n"
      "Examples:\n  profile show ls.profile\n  profile show --summary web\n  profile show --only network,exec web\n"
      "  profile show --json web/recording.json | jq .syscalls\n");
  cmd->add_option("DIR", args->path, "Bundle directory or recording.json")->required();
  cmd->add_flag("--json", args->json, "Machine-readable output on stdout");
  cmd->add_flag("--summary", args->summary,
                "A short overview: counts per kind, dangerous syscalls, capabilities, generalised directories, "
                "network, executables");
  cmd->add_option("--only", args->only,
                  "Show only these parts: syscalls (with argument values), files, network, exec, capabilities, "
                  "landlock; repeatable or comma-separated")
      ->type_name("KIND")
      ->delimiter(',')
      ->check(CLI::IsMember(kKinds));
  cmd->add_option("--apply", args->apply,
                  "Print how to give the bundle's profile to ENGINE: docker, podman, runc, crun, containerd, cri-o, "
                  "kubernetes, nomad, swarm or mesos");
  cmd->callback([args, &ctx] { run_show(*args, ctx); });
}

}  // namespace profile::cli
