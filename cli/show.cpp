// `profile show DIR`: a human summary of a recording (or --json).
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/json_bytes.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/path_roots.h"
#include "common/policy.h"
#include "common/recording.h"
#include "profilegen/apply.h"
#include "profilegen/manifest.h"
#include "profilegen/relocate.h"
#include "profilegen/runtime_part.h"

namespace profile::cli {
namespace {

struct ShowArgs {
  std::string path;
  bool json = false;
  std::string apply;  // --apply ENGINE
};

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
    std::printf("  %s%s\n", cap.c_str(), mark.c_str());
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
  for (const auto& [arch, names] : rec.syscalls) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& [name, count] : names) {
      nlohmann::json e = {{"name", name}, {"count", count}};
      if (const auto* d = dangerous.find(name)) e["dangerous"] = d->reason;
      arr.push_back(e);
    }
    j["syscalls"][arch] = arr;
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

void print_text(const Recording& rec, const DangerousList& dangerous) {
  std::printf("Runs: %zu%s\n", rec.runs.size(), rec.incomplete() ? "  (INCOMPLETE: events were lost)" : "");
  for (const auto& r : rec.runs) {
    std::string cmd;
    for (const auto& a : r.command) cmd += (cmd.empty() ? "" : " ") + a;
    std::printf("  %s  [%s, %llu ms, exit %d]\n", cmd.c_str(), r.tracer.c_str(),
                static_cast<unsigned long long>(r.duration_ms), r.exit.status());
  }
  std::vector<std::string> flagged;
  for (const auto& [arch, names] : rec.syscalls) {
    std::printf("\nSyscalls (%s): %zu distinct\n", arch.c_str(), names.size());
    std::string line = " ";
    for (const auto& [name, count] : names) {
      std::string item = " " + name + (dangerous.find(name) != nullptr ? "!" : "");
      if (line.size() + item.size() > 100) {
        std::printf("%s\n", line.c_str());
        line = " ";
      }
      line += item;
      if (const auto* d = dangerous.find(name))
        flagged.push_back(name + " (" + arch + "): " + d->reason + (d->note.empty() ? "" : "; " + d->note));
    }
    std::printf("%s\n", line.c_str());
  }
  if (!flagged.empty()) {
    std::printf("\nDangerous syscalls used (marked ! above):\n");
    for (const auto& f : flagged) std::printf("  %s\n", f.c_str());
  }
  for (const auto& [arch, per_sys] : rec.args) {
    std::printf("\nArgument values (%s):\n", arch.c_str());
    for (const auto& [name, v] : per_sys) {
      std::string vals;
      for (const auto& t : v.tuples) {
        std::string tuple;
        for (auto x : t) tuple += (tuple.empty() ? "" : ",") + std::to_string(x);
        vals += (vals.empty() ? "" : " ") + (t.size() > 1 ? "(" + tuple + ")" : tuple);
      }
      std::printf("  %-14s %s\n", name.c_str(), vals.c_str());
    }
  }
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> dirs;
  for (const auto& [path, f] : rec.files) dirs[dir_of(path)].emplace_back(base_of(path), kinds(f));
  std::printf("\nFiles: %zu in %zu directories\n", rec.files.size(), dirs.size());
  for (const auto& [dir, entries] : dirs) {
    std::printf("  %s/\n", dir == "/" ? "" : dir.c_str());
    for (const auto& [name, k] : entries) std::printf("    %-40s %s\n", name.c_str(), k.c_str());
  }
  std::printf("\nExecutables: %zu\n", rec.executables.size());
  for (const auto& [path, count] : rec.executables)
    std::printf("  %s  (%llu)\n", path.c_str(), static_cast<unsigned long long>(count));
  std::printf("\nNetwork: %zu endpoints\n", rec.network.size());
  for (const auto& [ep, count] : rec.network) {
    std::string where = !ep.path.empty() ? ep.path : ep.address + (ep.port ? ":" + std::to_string(ep.port) : "");
    std::printf("  %-8s %-10s %-12s %-28s %s\n", ep.op.c_str(), ep.family.c_str(), ep.type.c_str(), where.c_str(),
                ep.result.c_str());
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

void run_show(const ShowArgs& a, Context& ctx) {
  if (!a.apply.empty()) {
    auto text = apply_instructions(a.path, a.apply);
    if (!text) throw FatalError{text.error(), kExitUsage};
    std::fputs(text->c_str(), stdout);
    ctx.exit_code = kExitOk;
    return;
  }
  auto rec = load_recording(recording_path(a.path));
  if (!rec) throw FatalError{rec.error(), kExitUsage};
  auto manifest = bundle_manifest(a.path);
  auto view = load_bundle_view(a.path);
  const DangerousList& dangerous = builtin_dangerous_list();
  RuntimeRuleView runtime = runtime_part_of(a.path);
  if (a.json) {
    auto j = to_json(*rec, dangerous);
    j["capabilities"] = capabilities_json(*rec, manifest);
    if (view) j["bundle"] = bundle_view_json(*view);
    if (!runtime.names.empty()) j["runtime_part"] = {{"syscalls", runtime.names}, {"from", runtime.comment}};
    std::printf("%s\n", dump_bytes(std::move(j), 2).c_str());
  } else {
    print_text(*rec, dangerous);
    print_runtime_part(runtime);
    print_capabilities(*rec, manifest);
    if (view) print_bundle_view(*view);
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
      "Dangerous syscalls (policies/dangerous.toml) are marked with ! and listed with the reason.\n"
      "Files are grouped by directory with their access kinds; failed accesses show the errno.\n"
      "Capabilities are listed with the calls that showed their use; for a bundle, those its profile.toml\n"
      "does not keep are marked.\n\n"
      "For a bundle: each directory Landlock generalised (rights, reason, evidence), the candidates kept\n"
      "per-file, ephemeral connects, and what is bound into the private /tmp.\n\n"
      "Examples:\n  profile show ls.profile\n  profile show --json web/recording.json | jq .syscalls\n");
  cmd->add_option("DIR", args->path, "Bundle directory or recording.json")->required();
  cmd->add_flag("--json", args->json, "Machine-readable output on stdout");
  cmd->add_option("--apply", args->apply,
                  "Print how to give the bundle's profile to ENGINE: docker, podman, runc, crun, containerd, cri-o, "
                  "kubernetes, nomad, swarm or mesos");
  cmd->callback([args, &ctx] { run_show(*args, ctx); });
}

}  // namespace profile::cli
