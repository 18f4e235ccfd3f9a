// `profile check DIR [--selinux] [--against COMMITTED ...]`: prove properties of a
// bundle offline, for CI gates; --against fails on the risky changes since the
// committed profile (profilegen/gate.h).
// Each check is one CheckStep below; more steps (e.g. seccomp/Landlock coverage of a
// new recording) are added to kSteps. Exit 0 when every selected check passes,
// 1 when one fails (findings printed in plain words), 2 when a check cannot run.
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/json_bytes.h"
#include "common/log.h"
#include "common/recording.h"
#include "profilegen/diff.h"
#include "profilegen/gate.h"
#include "profilegen/manifest.h"
#include "profilegen/selinux_verify.h"

namespace profile::cli {
namespace {

struct CheckArgs {
  std::string dir;
  bool selinux = false;
  std::string selinux_policy;
  bool json = false;
  std::string against, policy, fail_on, allow;
  bool gate = false;  // --against given
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

[[noreturn]] void fail(const std::string& message, int code) {
  throw FatalError{make_error(message), code};
}

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

nlohmann::json change_json(const Change& c) {
  return {{"class", c.cls},     {"risk", c.risk},     {"subject", c.subject},
          {"detail", c.detail}, {"reason", c.reason}, {"file", c.file}};
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
  nlohmann::json failing = nlohmann::json::array(), allowed = nlohmann::json::array(),
                 passing = nlohmann::json::array();
  for (const auto& c : g.failing) {
    out.failures.push_back(change_words(c));
    failing.push_back(change_json(c));
  }
  for (const auto& [c, why] : g.allowed) {
    out.notes.push_back("allowed by " + a.allow + " (" + why + "): " + change_words(c));
    auto j = change_json(c);
    j["allowed_because"] = why;
    allowed.push_back(j);
  }
  for (const auto& c : g.passing) {
    out.notes.push_back("below --fail-on " + rules.fail_on + ": " + change_words(c));
    passing.push_back(change_json(c));
  }
  for (const auto& u : g.unused_allow) out.notes.push_back(a.allow + ": entry \"" + u + "\" matched no change");
  out.detail = {{"against", a.against}, {"fail_on", rules.fail_on}, {"failing", failing},
                {"allowed", allowed},   {"passing", passing},       {"unused_allow", g.unused_allow}};
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
  cmd->add_flag("--selinux", a->selinux,
                "Link the SELinux module into a temporary copy of the reference policy and check that every "
                "recorded access is allowed and no sensitive one is");
  cmd->add_option("--selinux-policy", a->selinux_policy,
                  "Reference policy root to link against (default /etc/selinux/default)");
  cmd->add_flag("--json", a->json, "Print the results as JSON on stdout");
  cmd->footer(
      "\nWith no check selected, every check runs. --against selects the gate: it compares DIR with\n"
      "COMMITTED as `profile diff` does and fails on every change at or above --fail-on (default high)\n"
      "that the --allow file does not accept with a reason.\n"
      "Exit status: 0 all passed, 1 a check failed, 2 bad input or a check could not run.\n");
  cmd->callback([a, &ctx] {
    a->gate = !a->against.empty();
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
    if (a->json) std::printf("%s\n", dump_bytes(std::move(j), 2).c_str());
    ctx.exit_code = failed ? kExitFindings : kExitOk;
  });
}

}  // namespace profile::cli
