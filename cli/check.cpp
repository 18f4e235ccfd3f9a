// `profile check DIR [--selinux] [--against COMMITTED ...]`: prove properties of a
// bundle offline, for CI gates; --against fails on the risky changes since the
// committed profile (profilegen/gate.h).
// Each check is one CheckStep below; more steps (e.g. seccomp/Landlock coverage of a
// new recording) are added to kSteps. Exit 0 when every selected check passes,
// 1 when one fails (findings printed in plain words), 2 when a check cannot run.
#include <linux/audit.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "cli/check_report.h"
#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/json_bytes.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/path_roots.h"
#include "common/policy.h"
#include "common/recording.h"
#include "common/syscalls.h"
#include "enforce/seccomp_eval.h"
#include "enforce/seccomp_filter.h"
#include "profilegen/diff.h"
#include "profilegen/gate.h"
#include "profilegen/landlock_gen.h"
#include "profilegen/manifest.h"
#include "profilegen/relocate.h"
#include "profilegen/selinux/verify.h"

namespace profile::cli {
namespace {

struct CheckArgs {
  std::string dir;
  bool selinux = false;
  std::string selinux_policy;
  bool json = false;
  std::string format = "text";
  std::string against, policy, fail_on, allow;
  std::string repo_root;  // SARIF uris are relative to it
  bool gate = false;      // --against given
  bool seccomp = false, landlock = false;
};

// What one check found. `ran` false: not applicable to this bundle (said in notes).
struct CheckOutcome {
  std::string name;
  bool ran = true;
  std::vector<std::string> failures;
  std::vector<std::string> notes;
  nlohmann::json detail = nlohmann::json::object();
};

struct Bundle {
  std::string dir;
  Manifest manifest;
  Recording recording;
};

CheckOutcome check_selinux(const Bundle& b, const CheckArgs& a) {
  CheckOutcome out;
  out.name = "selinux";
  auto ref = find_selinux_policy(a.selinux_policy);
  if (!ref) fail(ref.error().message, kExitUsage);
  const std::string& name = b.manifest.name;
  bool any = false;
  for (const std::string ext : {".pp", ".cil"}) {
    const std::string rel = "selinux/" + name + ext;
    auto bytes = read_file(b.dir + "/" + rel);
    if (!bytes) {
      out.notes.push_back(rel + " is missing: not checked");
      continue;
    }
    any = true;
    auto r = verify_selinux_module(b.recording, name, name + ext, *bytes, *ref, builtin_selinux_policy());
    if (!r) fail(b.dir + "/" + rel + ": " + r.error().message, kExitUsage);
    for (const auto& f : r->failures) out.failures.push_back(rel + ": " + f);
    for (const auto& n : r->notes) out.notes.push_back(rel + ": " + n);
    out.detail[rel] = {{"accesses_checked", r->accesses_checked},
                       {"sensitive_checked", r->sensitive_checked},
                       {"failures", r->failures},
                       {"link_seconds", r->link_seconds},
                       {"check_seconds", r->check_seconds}};
    log::info(rel + ": " + std::to_string(r->accesses_checked) + " recorded accesses allowed to " + name + "_t" +
              (r->failures.empty() ? "" : " (with failures)") + ", " + std::to_string(r->sensitive_checked) +
              " sensitive accesses checked against a linked copy of " + ref->root);
  }
  if (!any)
    fail(b.dir + "/selinux/ has no " + name + ".pp or " + name + ".cil: run 'profile generate " + b.dir + "'",
         kExitUsage);
  return out;
}

// The line of the candidate's file that names the change (1 when none does), for
// SARIF's region: in a pull request that updates the committed profile, that is
// the line a reviewer sees. Files are read once.
size_t line_of(const std::string& dir, const Change& c, std::map<std::string, std::string>& files) {
  if (c.file.empty()) return 1;
  auto it = files.find(c.file);
  if (it == files.end()) {
    auto text = read_file(dir + "/" + c.file);
    it = files.emplace(c.file, text ? *text : "").first;
  }
  const std::string& text = it->second;
  std::vector<std::string> needles;
  std::string subject = c.subject;
  if (c.cls == "selinux") {
    // "web_t shadow_t:file": the rule's line names the target type and class.
    auto sp = subject.find(' '), colon = subject.rfind(':');
    if (sp != std::string::npos && colon != std::string::npos && colon > sp) {
      needles.push_back(" " + subject.substr(sp + 1, colon - sp - 1) + " (" + subject.substr(colon + 1) + " (");
      needles.push_back(" " + subject.substr(sp + 1, colon - sp - 1) + " ");
    }
  } else {
    std::string quoted;
    append_json_string(quoted, subject);
    needles.push_back(quoted);
    needles.push_back("\"" + subject + "\"");
    needles.push_back(subject + " =");
    needles.push_back(subject);
  }
  for (const auto& n : needles)
    if (auto pos = text.find(n); !n.empty() && pos != std::string::npos)
      return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
  return 1;
}

nlohmann::json change_json(const Change& c, size_t line) {
  return {{"class", c.cls},     {"risk", c.risk}, {"subject", c.subject}, {"detail", c.detail},
          {"reason", c.reason}, {"file", c.file}, {"line", line}};
}

std::string change_words(const Change& c) {
  return "[" + c.risk + "] " + c.cls + " " + c.subject + (c.detail.empty() ? "" : " (" + c.detail + ")") + ": " +
         c.reason;
}

CheckOutcome check_gate(const Bundle& b, const CheckArgs& a) {
  CheckOutcome out;
  out.name = "gate";
  GateRules rules;
  if (!a.policy.empty()) {
    auto text = read_file(a.policy);
    if (!text) fail("--policy " + a.policy + ": " + text.error().message, kExitUsage);
    auto r = parse_gate_rules(*text, a.policy);
    if (!r) fail(r.error().message, kExitUsage);
    rules = *r;
  }
  if (!a.fail_on.empty()) rules.fail_on = a.fail_on;  // the command line wins over the file
  std::vector<AllowEntry> allow;
  if (!a.allow.empty()) {
    auto text = read_file(a.allow);
    if (!text) fail("--allow " + a.allow + ": " + text.error().message, kExitUsage);
    auto r = parse_allowlist(*text, a.allow);
    if (!r) fail(r.error().message, kExitUsage);
    allow = *r;
  }
  auto committed = load_allowed_view(a.against);
  if (!committed) fail("--against " + a.against + ": " + committed.error().message, kExitUsage);
  auto candidate = load_allowed_view(b.dir);
  if (!candidate) fail(candidate.error().message, kExitUsage);
  ProfileDiff d = diff_views(*committed, *candidate);
  GateResult g = apply_gate(d, rules, allow);
  std::map<std::string, std::string> files;
  auto to_json = [&](const Change& c) { return change_json(c, line_of(b.dir, c, files)); };
  nlohmann::json failing = nlohmann::json::array(), allowed = nlohmann::json::array(),
                 passing = nlohmann::json::array();
  for (const auto& c : g.failing) {
    out.failures.push_back(change_words(c));
    failing.push_back(to_json(c));
  }
  for (const auto& [c, why] : g.allowed) {
    out.notes.push_back("allowed by " + a.allow + " (" + why + "): " + change_words(c));
    auto j = to_json(c);
    j["allowed_because"] = why;
    allowed.push_back(j);
  }
  for (const auto& c : g.passing) {
    out.notes.push_back("below --fail-on " + rules.fail_on + ": " + change_words(c));
    passing.push_back(to_json(c));
  }
  for (const auto& u : g.unused_allow) out.notes.push_back(a.allow + ": entry \"" + u + "\" matched no change");
  out.detail = {{"against", a.against}, {"fail_on", rules.fail_on}, {"failing", failing},
                {"allowed", allowed},   {"passing", passing},       {"unused_allow", g.unused_allow}};
  return out;
}

std::string call_text(const std::string& arch, const std::string& name, const seccomp_data& d, size_t nargs) {
  std::string out = arch + " " + name + "(";
  for (size_t i = 0; i < nargs; ++i) out += (i ? ", " : "") + std::to_string(d.args[i]);
  return out + ")";
}

// Compiles DIR/seccomp.json with the enforcer's own compiler and runs the BPF
// program in user space on every recorded (arch, syscall, argument tuple): each
// must be allowed. Then calls the workload never made that must not be: the
// dangerous list, namespace flags on clone/unshare, another architecture.
CheckOutcome check_seccomp(const Bundle& b, const CheckArgs&) {
  CheckOutcome out;
  out.name = "seccomp";
  const std::string path = b.dir + "/" + b.manifest.seccomp;
  auto text = read_file(path);
  if (!text) fail(path + ": " + text.error().message, kExitUsage);
  SeccompCompileOptions opts;
  opts.capabilities = b.manifest.capabilities;
  auto prog = compile_seccomp_json(*text, path, opts);
  if (!prog) fail(prog.error().message, kExitUsage);
  std::set<std::string> enosys;  // answered ENOSYS by design (libc falls back)
  std::set<std::string> named;   // every name in the file
  try {
    auto j = nlohmann::json::parse(*text);
    for (const auto& r : j.value("syscalls", nlohmann::json::array()))
      for (const auto& n : r.value("names", nlohmann::json::array())) named.insert(n.get<std::string>());
    for (const auto& r : j.value("syscalls", nlohmann::json::array()))
      if (r.value("action", "") == "SCMP_ACT_ERRNO" && r.value("errnoRet", 1) == 38)
        for (const auto& n : r.value("names", nlohmann::json::array())) enosys.insert(n.get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    fail(path + ": not valid JSON (" + std::string(e.what()) + ")", kExitUsage);
  }
  size_t checked = 0, sensitive = 0;
  auto run = [&](const seccomp_data& d) -> uint32_t {
    auto r = run_seccomp_bpf(prog->program, d);
    if (!r) fail(path + ": " + r.error().message, kExitUsage);
    return *r;
  };
  for (const auto& [arch, calls] : b.recording.syscalls) {
    const uint32_t audit = audit_arch_of(arch);
    if (audit == 0) {
      out.notes.push_back("architecture " + arch + " is not known to the checker: its calls were not checked");
      continue;
    }
    for (const auto& [name, count] : calls) {
      if (is_numeric_syscall(name) && !named.count(name)) {
        // `generate` could not name it (newer than libseccomp): it stays denied, as generate said.
        out.notes.push_back(arch + " syscall " + name + " has no name libseccomp knows: seccomp.json cannot allow it");
        continue;
      }
      std::optional<int64_t> nr =
          is_numeric_syscall(name) ? std::optional<int64_t>(std::stoll(name)) : syscall_number(arch, name);
      if (!nr) {
        out.notes.push_back(arch + " " + name + ": no number on this architecture, not checked");
        continue;
      }
      seccomp_data d{};
      d.arch = audit;
      d.nr = static_cast<int>(*nr | (arch == "x32" ? 0x40000000 : 0));
      std::vector<seccomp_data> cases;
      size_t nargs = 0;
      auto a = b.recording.args.find(arch);
      const ArgValues* av = nullptr;
      if (a != b.recording.args.end())
        if (auto it = a->second.find(name); it != a->second.end() && !it->second.tuples.empty()) av = &it->second;
      if (av == nullptr) {
        cases.push_back(d);
      } else {
        for (const auto& t : av->tuples) {
          seccomp_data c = d;
          for (size_t i = 0; i < av->indices.size() && i < t.size(); ++i) {
            c.args[av->indices[i]] = t[i];
            nargs = std::max<size_t>(nargs, av->indices[i] + 1);
          }
          cases.push_back(c);
        }
      }
      for (const auto& c : cases) {
        ++checked;
        uint32_t ret = run(c);
        if (seccomp_ret_allows(ret)) continue;
        if ((ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO && (ret & SECCOMP_RET_DATA) == ENOSYS &&
            enosys.count(name)) {
          out.notes.push_back(call_text(arch, name, c, nargs) + " gets ENOSYS by design (libc falls back)");
          continue;
        }
        out.failures.push_back(path + ": the recorded call " + call_text(arch, name, c, nargs) + " gets " +
                               seccomp_ret_text(ret));
      }
    }
  }
  // The sensitive set, on the native architecture.
  const std::string native = native_arch();
  const auto rec_native =
      b.recording.syscalls.count(native) ? b.recording.syscalls.at(native) : std::map<std::string, uint64_t>{};
  auto expect_denied = [&](const std::string& name, std::initializer_list<uint64_t> args, const std::string& why,
                           uint32_t audit = 0, int64_t nr_override = -1) {
    auto nr = nr_override >= 0 ? std::optional<int64_t>(nr_override) : syscall_number(native, name);
    if (!nr) return;
    seccomp_data d{};
    d.arch = audit != 0 ? audit : audit_arch_of(native);
    d.nr = static_cast<int>(*nr);
    size_t i = 0;
    for (uint64_t v : args) d.args[i++] = v;
    ++sensitive;
    uint32_t ret = run(d);
    if (seccomp_ret_allows(ret))
      out.failures.push_back(path + ": " + call_text(native, name, d, args.size()) + " is allowed (" + why +
                             "), though the workload never made it");
  };
  for (const auto& [name, e] : builtin_dangerous_list().entries)
    if (!rec_native.count(name)) expect_denied(name, {}, e.reason);
  constexpr uint64_t kNewUser = 0x10000000, kNewNs = 0x00020000, kNewNet = 0x40000000;
  auto recorded_with = [&](const std::string& name, uint64_t flag) {
    auto a = b.recording.args.find(native);
    if (a == b.recording.args.end()) return false;
    auto it = a->second.find(name);
    if (it == a->second.end()) return false;
    for (const auto& t : it->second.tuples)
      for (uint64_t v : t)
        if (v & flag) return true;
    return false;
  };
  for (uint64_t flag : {kNewUser, kNewNs, kNewNet}) {
    if (!recorded_with("unshare", flag)) expect_denied("unshare", {flag}, "creates a namespace");
    if (!recorded_with("clone", flag)) expect_denied("clone", {flag | 17 /* SIGCHLD */}, "creates a namespace");
  }
  if (native == "x86_64" && !b.recording.syscalls.count("x86"))
    expect_denied("i386 execve", {}, "i386 call", AUDIT_ARCH_I386, 11);
  if (native == "x86_64" && !b.recording.syscalls.count("x32"))
    expect_denied("x32 read", {}, "x32 call", 0, 0x40000000);
  log::info(path + ": " + std::to_string(checked) + " recorded calls evaluated on the compiled BPF program (" +
            std::to_string(prog->program.size()) + " instructions), " + std::to_string(sensitive) +
            " sensitive calls checked denied");
  out.detail = {{"calls_checked", checked},
                {"sensitive_checked", sensitive},
                {"instructions", prog->program.size()},
                {"failures", out.failures}};
  return out;
}

struct LandlockRules {
  std::map<std::string, std::set<std::string>> fs;
  std::set<std::string> handled;
};

// The rule granting `right` on `path` ("" when none): Landlock grants a
// directory's rights to everything beneath it; a right not handled is granted
// everywhere.
std::string granting_rule(const LandlockRules& l, const std::string& path, const std::string& right) {
  if (!l.handled.count(right)) return "(not handled)";
  for (std::string p = path;; p = roots::parent(p)) {
    auto it = l.fs.find(p);
    if (it != l.fs.end() && it->second.count(right)) return p;
    if (p == "/" || p.empty()) return "";
  }
}

// The rules with ${HOME} as root's and as another user's home and ${WORKDIR}
// as the directory learned in: the sensitive set is absolute, and must be denied
// whatever the roots stand for at enforce.
LandlockRules with_roots_expanded(const LandlockRules& l, const std::vector<PathRoot>& learned) {
  LandlockRules out;
  out.handled = l.handled;
  std::vector<std::map<std::string, std::string>> values;
  std::string workdir = "/srv/workdir";
  for (const auto& r : learned)
    if (r.name == roots::kWorkdir) workdir = r.path;
  for (const char* home : {"/root", "/home/probe"})
    values.push_back({{roots::kHome, home}, {roots::kWorkdir, workdir}});
  for (const auto& [path, rights] : l.fs)
    for (const auto& v : values) out.fs[*roots::expand(path, v)].insert(rights.begin(), rights.end());
  return out;
}

// Walks DIR/landlock.json for every path and right the recording needs (the
// generator's exact per-path model of the recording, built-in path policy) and
// for the sensitive set of policies/gate.toml and the bundle itself.
CheckOutcome check_landlock(const Bundle& b, const CheckArgs&) {
  CheckOutcome out;
  out.name = "landlock";
  const std::string path = b.dir + "/" + b.manifest.landlock;
  auto text = read_file(path);
  if (!text) fail(path + ": " + text.error().message, kExitUsage);
  LandlockRules l;
  try {
    auto j = nlohmann::json::parse(*text);
    for (const auto& h : j.value("handled_fs", nlohmann::json::array())) l.handled.insert(h.get<std::string>());
    for (const auto& f : j.value("fs", nlohmann::json::array()))
      for (const auto& a : f.value("access", nlohmann::json::array()))
        l.fs[json_text_to_bytes(f.value("path", ""))].insert(a.get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    fail(path + ": not a valid landlock.json (" + std::string(e.what()) + ")", kExitUsage);
  }
  auto policy = load_gen_policy("");
  if (!policy) fail(policy.error().message, kExitUsage);
  LandlockGenOptions lo;
  lo.directories = false;
  lo.private_tmp = b.manifest.private_tmp;
  LandlockModel needed = build_landlock_model(b.recording, *policy, lo);
  std::set<std::string> used;  // as recorded: the sensitive probes are absolute
  for (const auto& r : needed.fs) used.insert(r.path);
  // Compared where the generator stored them: below ${WORKDIR} and ${HOME}.
  const std::vector<PathRoot> learned = learned_roots(b.recording, *policy);
  relocate_landlock(needed, learned);
  const LandlockRules expanded = with_roots_expanded(l, learned);
  size_t checked = 0, sensitive = 0;
  for (const auto& r : needed.fs)
    for (const auto& right : landlock_access_set(r.access)) {
      ++checked;
      if (granting_rule(l, r.path, right).empty())
        out.failures.push_back(path + ": the recorded access " + right + " on " + r.path +
                               " is denied (no rule grants it)");
    }
  auto expect_denied = [&](const std::string& p, const std::string& right, const std::string& why) {
    if (used.count(p)) return;  // the workload used it: its own rule, reported by diff/show
    ++sensitive;
    std::string rule = granting_rule(expanded, p, right);
    if (!rule.empty())
      out.failures.push_back(path + ": " + right + " on " + p + " (" + why + ") is granted by the rule on " + rule);
  };
  for (const auto& s : builtin_gate_policy().sensitive) {
    std::string p = s.path;
    for (auto star = p.find('*'); star != std::string::npos; star = p.find('*')) p.replace(star, 1, "probe");
    std::vector<std::string> probes = {p};
    if (s.subtree) probes.push_back(p + "/probe");
    std::set<std::string> rights = s.rights.empty() ? std::set<std::string>{"read_file", "write_file"} : s.rights;
    for (const auto& pr : probes)
      for (const auto& r : rights) expect_denied(pr, r, s.reason);
  }
  // The bundle itself: enforce mounts it read-only in the container,
  // so a Landlock right below it is no escape; said, so that a reviewer knows
  // which layer protects it.
  std::error_code ec;
  std::string abs = std::filesystem::absolute(b.dir, ec).lexically_normal().string();
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  if (!abs.empty())
    if (std::string rule = granting_rule(expanded, abs + "/" + b.manifest.seccomp, "write_file"); !rule.empty())
      out.notes.push_back(path + ": the rule on " + rule +
                          " grants write_file below the bundle; only the read-only mount of the bundle at enforce "
                          "keeps the workload from rewriting it");
  log::info(path + ": " + std::to_string(checked) + " recorded path rights walked, " + std::to_string(sensitive) +
            " sensitive ones checked denied");
  out.detail = {{"accesses_checked", checked}, {"sensitive_checked", sensitive}, {"failures", out.failures}};
  return out;
}

struct CheckStep {
  const char* name;
  bool CheckArgs::*selected;
  std::function<CheckOutcome(const Bundle&, const CheckArgs&)> run;
};

const std::vector<CheckStep>& steps() {
  static const std::vector<CheckStep> kSteps = {
      {"selinux", &CheckArgs::selinux, check_selinux},
      {"seccomp", &CheckArgs::seccomp, check_seccomp},
      {"landlock", &CheckArgs::landlock, check_landlock},
      {"gate", &CheckArgs::gate, check_gate},
  };
  return kSteps;
}

Bundle load_bundle(const std::string& dir) {
  Bundle b;
  b.dir = dir;
  auto toml = read_file(dir + "/profile.toml");
  if (!toml) fail(dir + " is not a profile bundle: " + toml.error().message, kExitUsage);
  auto m = parse_manifest(*toml, dir + "/profile.toml");
  if (!m) fail(m.error().message, kExitUsage);
  b.manifest = std::move(m).value();
  auto rec = load_recording(dir + "/recording.json");
  if (!rec) fail(rec.error().message, kExitUsage);
  b.recording = std::move(rec).value();
  return b;
}

}  // namespace

void register_check(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<CheckArgs>();
  auto* cmd = app.add_subcommand("check", "Prove offline what a bundle's profiles allow (CI gate)");
  cmd->add_option("DIR", a->dir, "Bundle directory (the candidate, with --against)")->required();
  cmd->add_option("--against", a->against,
                  "Committed bundle (or recording.json) to compare with: fail on the risky changes (the gate)");
  cmd->add_option("--policy", a->policy, "Gate policy file (TOML: fail_on, [risk] per class)");
  cmd->add_option("--fail-on", a->fail_on,
                  "Fail the gate on changes of this risk or above: any|high|none (and low|medium)")
      ->check([](const std::string& v) {
        return valid_fail_on(v) ? std::string() : "must be any, low, medium, high or none";
      });
  cmd->add_option("--allow", a->allow, "Allowlist file (TOML [[allow]] class, subject, reason)");
  cmd->add_option("--repo-root", a->repo_root,
                  "With --format sarif: results point at the committed bundle's files (DIR without --against) "
                  "relative to this directory, as code scanning needs (default: the current directory)")
      ->type_name("DIR");
  cmd->add_flag("--selinux", a->selinux,
                "Link the SELinux module into a temporary copy of the reference policy and check that every "
                "recorded access is allowed and no sensitive one is");
  cmd->add_flag("--seccomp", a->seccomp,
                "Compile seccomp.json and run the BPF program in user space on every recorded call (all allowed) "
                "and on sensitive calls (denied)");
  cmd->add_flag("--landlock", a->landlock,
                "Walk landlock.json for every recorded path (all allowed) and the sensitive paths (denied)");
  cmd->add_option("--selinux-policy", a->selinux_policy,
                  "Reference policy root to link against (default /etc/selinux/default)");
  cmd->add_flag("--json", a->json, "Print the results as JSON on stdout (= --format json)");
  cmd->add_option("--format", a->format,
                  "Report on stdout: text (none; messages on stderr), json, markdown (job summary, under 64 kB), "
                  "sarif (2.1.0, code scanning) or junit (XML)")
      ->check(CLI::IsMember({"text", "json", "markdown", "sarif", "junit"}));
  cmd->footer(
      "\nWith no check selected, every check runs. --against selects the gate: it compares DIR with\n"
      "COMMITTED as `profile diff` does and fails on every change at or above --fail-on (default high)\n"
      "that the --allow file does not accept with a reason.\n"
      "Exit status: 0 all passed, 1 a check failed, 2 bad input or a check could not run.\n");
  cmd->callback([a, &ctx] {
    a->gate = !a->against.empty();
    // The gate proves the candidate's artifacts too (SELinux only when asked).
    if (a->gate) a->seccomp = a->landlock = true;
    if (a->against.empty() && (!a->policy.empty() || !a->fail_on.empty() || !a->allow.empty()))
      fail("--policy, --fail-on and --allow apply to the gate: add --against COMMITTED", kExitUsage);
    Bundle b = load_bundle(a->dir);
    bool none_selected = true;
    for (const auto& s : steps()) none_selected = none_selected && !((*a).*(s.selected));
    nlohmann::json j = {{"dir", a->dir}, {"checks", nlohmann::json::array()}};
    bool failed = false;
    for (const auto& s : steps()) {
      if (!none_selected && !((*a).*(s.selected))) continue;
      if (s.selected == &CheckArgs::gate && !a->gate) continue;  // needs COMMITTED
      if (none_selected && s.selected == &CheckArgs::selinux) {
        // Opt-in when the reference policy is absent: said, never silently skipped.
        auto ref = find_selinux_policy(a->selinux_policy);
        if (!ref) {
          log::warn("check selinux not run: " + ref.error().message + " (pass --selinux to require it)");
          j["checks"].push_back({{"name", "selinux"}, {"passed", nullptr}, {"skipped", ref.error().message}});
          continue;
        }
      }
      CheckOutcome o = s.run(b, *a);
      for (const auto& n : o.notes) log::info(n);
      for (const auto& f : o.failures)
        std::fprintf(stderr, "profile: check %s failed: %s\n", o.name.c_str(), f.c_str());
      failed = failed || !o.failures.empty();
      j["checks"].push_back({{"name", o.name},
                             {"passed", o.failures.empty()},
                             {"failures", o.failures},
                             {"notes", o.notes},
                             {"detail", o.detail}});
      if (o.failures.empty()) log::info("check " + o.name + " passed");
    }
    if (a->json || a->format == "json")
      std::printf("%s\n", dump_bytes(std::move(j), 2).c_str());
    else if (a->format == "markdown")
      std::fputs(check_report_markdown(j).c_str(), stdout);
    else if (a->format == "sarif")
      std::fputs(
          check_report_sarif(j, PROFILE_VERSION, sarif_location(a->gate ? a->against : a->dir, a->repo_root)).c_str(),
          stdout);
    else if (a->format == "junit")
      std::fputs(check_report_junit(j).c_str(), stdout);
    ctx.exit_code = failed ? kExitFindings : kExitOk;
  });
}

}  // namespace profile::cli
