#include "profilegen/seccomp_gen.h"

#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/syscalls.h"

namespace profile {
namespace {

using ojson = nlohmann::ordered_json;

// x32 syscall numbers carry __X32_SYSCALL_BIT in libseccomp's tables.
constexpr int kX32Bit = 0x40000000;
// Larger than any syscall number in use (x86_64 is at ~460); cheap to scan.
constexpr int kMaxScan = 1024;

struct ArgKey {
  std::vector<unsigned> indices;
  std::vector<uint64_t> masks;
};

ojson arg_json(const SeccompArg& a, bool spo) {
  ojson j;
  j["index"] = a.index;
  j["value"] = a.value;
  if (a.op == "SCMP_CMP_MASKED_EQ" || spo) j["valueTwo"] = a.value_two;
  j["op"] = a.op;
  return j;
}

ojson rule_json(const SeccompRule& r, bool with_comment) {
  ojson j;
  j["names"] = r.names;
  j["action"] = r.action;
  if (r.errno_ret >= 0) j["errnoRet"] = r.errno_ret;
  if (!r.args.empty()) {
    ojson args = ojson::array();
    for (const auto& a : r.args) args.push_back(arg_json(a, false));
    j["args"] = std::move(args);
  }
  if (with_comment && !r.comment.empty()) j["comment"] = r.comment;
  return j;
}

std::string dns_label(const std::string& name) {
  std::string out;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) ? l : '-';
  }
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 63) out.resize(63);
  return out.empty() ? "profile" : out;
}

// Whether the observed tuples cover every value the masks can tell apart, so
// that the argument rules together allow what an unconditional rule allows
// (mmap with PROT_EXEC seen both set and clear, under mask 0x4). Such rules
// only cost time: a rule that reads arguments keeps the kernel's per-syscall
// action cache (5.11+) from skipping the filter (bench/seccomp_cost.sh).
// Only for masks of few bits in all: a full-width value is never covered.
bool covers_every_value(const ArgKey& key, const std::set<std::vector<uint64_t>>& tuples) {
  int bits = 0;
  for (uint64_t m : key.masks) {
    if (m == ~uint64_t{0}) return false;
    bits += __builtin_popcountll(m);
  }
  if (bits > 16) return false;
  std::set<std::vector<uint64_t>> masked;
  for (const auto& t : tuples) {
    std::vector<uint64_t> v(t.size());
    for (size_t i = 0; i < t.size() && i < key.masks.size(); ++i) v[i] = t[i] & key.masks[i];
    masked.insert(std::move(v));
  }
  return masked.size() == (size_t{1} << bits);
}

}  // namespace

std::vector<std::string> known_syscalls(const std::string& arch) {
  std::vector<std::string> out;
  auto token = arch_token(arch);
  if (!token) return out;
  int base = arch == "x32" ? kX32Bit : 0;
  for (int nr = 0; nr < kMaxScan; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(*token, base + nr);
    if (name == nullptr) continue;
    out.emplace_back(name);
    ::free(name);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<SeccompModel> build_seccomp_model(const Recording& rec, const GenPolicy& policy, const SeccompOptions& opts) {
  SeccompModel m;
  if (opts.default_action == "errno") {
    m.deny_action = "SCMP_ACT_ERRNO";
    m.deny_errno = EPERM;
  } else if (opts.default_action == "kill") {
    m.deny_action = "SCMP_ACT_KILL_PROCESS";
  } else if (opts.default_action == "log") {
    m.deny_action = "SCMP_ACT_LOG";
  } else {
    return make_error("unknown default action \"" + opts.default_action + "\" (expected errno, kill or log)");
  }
  bool log_mode = opts.default_action == "log";
  m.default_action = log_mode ? "SCMP_ACT_LOG" : "SCMP_ACT_ERRNO";
  m.default_errno = log_mode ? -1 : ENOSYS;

  std::set<std::string> arches;
  for (const auto& [arch, calls] : rec.syscalls)
    if (!calls.empty()) arches.insert(arch);
  if (arches.empty()) return make_error("the recording holds no syscalls, so no seccomp profile can be made");

  std::set<std::string> union_allowed;
  std::set<std::string> unconditional;  // allowed whatever the arguments
  std::set<std::string> numeric;
  for (const auto& arch : arches) {
    if (!arch_token(arch)) return make_error("the recording names an unknown architecture \"" + arch + "\"");
    m.architectures.push_back(scmp_arch_name(arch));
    auto& allowed = m.allowed[arch];
    for (const auto& [name, count] : rec.syscalls.at(arch)) {
      if (is_numeric_syscall(name)) {
        numeric.insert(arch + ":" + name);
        continue;
      }
      if (auto d = policy.deny.find(name); d != policy.deny.end()) {
        m.denied_observed[name] = d->second;
        continue;
      }
      allowed.insert(name);
    }
    auto add = [&](const std::map<std::string, std::string>& src) {
      for (const auto& [name, reason] : src) {
        if (policy.deny.count(name) || !syscall_number(arch, name)) continue;
        if (allowed.insert(name).second) m.added.emplace(name, reason);
        unconditional.insert(name);
      }
    };
    add(policy.baseline);
    add(policy.blindspots);
    union_allowed.insert(allowed.begin(), allowed.end());
  }
  std::sort(m.architectures.begin(), m.architectures.end());
  m.numeric_dropped.assign(numeric.begin(), numeric.end());

  // Argument rules: the union over architectures of the observed tuples.
  std::map<std::string, std::pair<ArgKey, std::set<std::vector<uint64_t>>>> argrules;
  if (!opts.no_args) {
    for (const auto& name : union_allowed) {
      const ArgRule* pr = policy.args.find(name);
      if (pr == nullptr || !pr->source.empty() || unconditional.count(name)) continue;
      bool ok = true;
      std::optional<ArgKey> key;
      std::set<std::vector<uint64_t>> tuples;
      for (const auto& arch : arches) {
        if (!m.allowed[arch].count(name)) continue;
        auto ai = rec.args.find(arch);
        const ArgValues* av = nullptr;
        if (ai != rec.args.end())
          if (auto it = ai->second.find(name); it != ai->second.end()) av = &it->second;
        if (av == nullptr || av->tuples.empty() || av->masks.size() != av->indices.size()) {
          ok = false;  // seen without values: it must stay allowed whatever the arguments
          break;
        }
        if (key && (key->indices != av->indices || key->masks != av->masks)) {
          ok = false;
          break;
        }
        key = ArgKey{av->indices, av->masks};
        for (const auto& t : av->tuples)
          if (t.size() == av->indices.size()) tuples.insert(t);
      }
      if (ok && key && !tuples.empty() && !covers_every_value(*key, tuples)) argrules[name] = {*key, tuples};
    }
  }

  SeccompRule allow;
  allow.action = "SCMP_ACT_ALLOW";
  allow.comment = "observed while learning, plus the launcher baseline and tracing blind spots";
  for (const auto& n : union_allowed)
    if (!argrules.count(n)) allow.names.push_back(n);
  if (!allow.names.empty()) m.rules.push_back(allow);
  for (const auto& [name, kt] : argrules) {
    const auto& [key, tuples] = kt;
    for (const auto& t : tuples) {
      SeccompRule r;
      r.names = {name};
      r.action = "SCMP_ACT_ALLOW";
      r.comment = "argument values observed while learning";
      for (size_t i = 0; i < key.indices.size(); ++i) {
        SeccompArg a;
        a.index = key.indices[i];
        if (key.masks[i] == ~uint64_t{0}) {
          a.op = "SCMP_CMP_EQ";
          a.value = t[i];
        } else {
          a.op = "SCMP_CMP_MASKED_EQ";
          a.value = key.masks[i];
          a.value_two = t[i] & key.masks[i];
        }
        r.args.push_back(a);
      }
      m.rules.push_back(std::move(r));
    }
  }
  if (!log_mode) {
    SeccompRule deny;
    deny.action = m.deny_action;
    deny.errno_ret = m.deny_errno;
    deny.comment = "known but not observed; names not listed here (newer syscalls, clone3) get ENOSYS";
    std::set<std::string> known;
    for (const auto& arch : arches)
      for (auto& n : known_syscalls(arch)) known.insert(std::move(n));
    for (const auto& n : known)
      if (!union_allowed.count(n) && n != "clone3") deny.names.push_back(n);
    if (!deny.names.empty()) m.rules.push_back(std::move(deny));
  }
  return m;
}

std::string seccomp_to_docker_json(const SeccompModel& m) {
  ojson j;
  j["defaultAction"] = m.default_action;
  if (m.default_errno >= 0) j["defaultErrnoRet"] = m.default_errno;
  j["architectures"] = m.architectures;
  ojson rules = ojson::array();
  for (const auto& r : m.rules) rules.push_back(rule_json(r, true));
  j["syscalls"] = std::move(rules);
  return j.dump(2) + "\n";
}

std::string seccomp_to_oci_json(const SeccompModel& m) {
  ojson j;
  j["defaultAction"] = m.default_action;
  if (m.default_errno >= 0) j["defaultErrnoRet"] = m.default_errno;
  j["architectures"] = m.architectures;
  ojson rules = ojson::array();
  for (const auto& r : m.rules) rules.push_back(rule_json(r, false));
  j["syscalls"] = std::move(rules);
  return j.dump(2) + "\n";
}

std::string seccomp_to_spo_yaml(const SeccompModel& m, const std::string& name) {
  // Written by hand: every scalar here is an identifier or a number, so no quoting
  // rules apply beyond the comment strings, which are emitted as YAML comments.
  std::ostringstream y;
  bool log_mode = m.default_action == "SCMP_ACT_LOG";
  y << "# Generated by `profile generate`. The CRD has no defaultErrnoRet: the default\n"
    << "# action returns EPERM, and clone3 gets an explicit ENOSYS so that libc falls back to clone.\n"
    << "apiVersion: security-profiles-operator.x-k8s.io/v1\n"
    << "kind: SeccompProfile\n"
    << "metadata:\n"
    << "  name: " << dns_label(name) << "\n"
    << "spec:\n"
    << "  defaultAction: " << m.default_action << "\n"
    << "  architectures:\n";
  for (const auto& a : m.architectures) y << "  - " << a << "\n";
  y << "  syscalls:\n";
  auto emit = [&](const SeccompRule& r) {
    y << "  # " << r.comment << "\n";
    y << "  - action: " << r.action << "\n";
    if (r.errno_ret >= 0) y << "    errnoRet: " << r.errno_ret << "\n";
    y << "    names:\n";
    for (const auto& n : r.names) y << "    - " << n << "\n";
    if (!r.args.empty()) {
      y << "    args:\n";
      for (const auto& a : r.args)
        y << "    - index: " << a.index << "\n      value: " << a.value << "\n      valueTwo: " << a.value_two
          << "\n      op: " << a.op << "\n";
    }
  };
  bool clone3_allowed = false;
  for (const auto& r : m.rules) {
    if (r.action == "SCMP_ACT_ALLOW" && std::find(r.names.begin(), r.names.end(), "clone3") != r.names.end())
      clone3_allowed = true;
    // With defaultAction SCMP_ACT_ERRNO (EPERM), an EPERM rule equals the default.
    if (r.action == "SCMP_ACT_ERRNO" && r.errno_ret == EPERM) continue;
    emit(r);
  }
  if (!log_mode && !clone3_allowed) {
    SeccompRule c;
    c.names = {"clone3"};
    c.action = "SCMP_ACT_ERRNO";
    c.errno_ret = ENOSYS;
    c.comment = "not observed: ENOSYS makes libc fall back to clone";
    emit(c);
  }
  return y.str();
}

}  // namespace profile
