// `profile check CANDIDATE --against COMMITTED`: the CI gate over profile diff's
// classified changes. A policy file (TOML) says at which risk the gate fails and
// may raise or lower the risk of a class; an allowlist file (TOML) accepts named
// changes, each with the reason a reviewer gave. Format: man/profile-check.1.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "profilegen/diff.h"

namespace profile {

struct GateRules {
  std::string fail_on = "high";             // any | low | medium | high | none
  std::map<std::string, std::string> risk;  // class -> risk, overriding the diff's
};

struct AllowEntry {
  std::string cls;      // "" = any class
  std::string subject;  // exact, or with '*' (any characters)
  std::string reason;   // required
};

struct GateResult {
  std::vector<Change> failing;                          // widenings at or above fail_on, not allowed
  std::vector<std::pair<Change, std::string>> allowed;  // change, the allowlist's reason
  std::vector<Change> passing;                          // widenings below the threshold
  std::vector<std::string> unused_allow;                // entries that matched nothing (stale)
};

// `fail_on` in the file: as --fail-on. [risk]: class = "high" | "medium" | "low".
Result<GateRules> parse_gate_rules(const std::string& text, const std::string& source);
// [[allow]] entries with `subject`, optional `class`, and a non-empty `reason`:
// an entry without a reason is an error (the allowlist is the review record).
Result<std::vector<AllowEntry>> parse_allowlist(const std::string& text, const std::string& source);
// Validates a --fail-on value.
bool valid_fail_on(const std::string& v);
GateResult apply_gate(const ProfileDiff& d, const GateRules& rules, const std::vector<AllowEntry>& allow);

}  // namespace profile
