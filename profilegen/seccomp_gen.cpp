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
// Larger than any syscall number in use (x86_64 is at ~470); cheap to scan.
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

std::vector<std::string> clone3_fallback_doubts(const Recording& rec) {
  constexpr uint64_t kCloneVm = 0x100, kNewTime = 0x80, kIntoCgroup = 0x200000000ULL;
  bool into_cgroup = false, new_time = false, fork_like = false;
  for (const auto& [arch, per_sys] : rec.args) {
    auto c3 = per_sys.find("clone3");
    if (c3 == per_sys.end() || c3->second.indices != std::vector<unsigned>{0} || c3->second.masks.size() != 1) continue;
    uint64_t mask = c3->second.masks[0];
    for (const auto& t : c3->second.tuples) {
      if (t.size() != 1) continue;
      into_cgroup = into_cgroup || (t[0] & kIntoCgroup) != 0;
      new_time = new_time || (t[0] & kNewTime) != 0;
      fork_like = fork_like || ((mask & kCloneVm) != 0 && (t[0] & kCloneVm) == 0);
    }
  }
  std::vector<std::string> out;
  if (into_cgroup)
    out.emplace_back(
        "clone3 was seen with CLONE_INTO_CGROUP, which clone cannot express: answered ENOSYS, that call fails");
  if (new_time)
    out.emplace_back(
        "clone3 was seen creating a time namespace (CLONE_NEWTIME), which clone cannot do: answered "
        "ENOSYS, that call fails");
  if (fork_like)
    out.emplace_back(
        "clone3 was seen without CLONE_VM (a fork-like clone3): glibc makes clone3 only for threads and "
        "posix_spawn and falls back to clone on ENOSYS, so this one came from code that calls clone3 itself and "
        "may have no fallback");
  return out;
}

Result<SeccompModel> build_seccomp_model(const Recording& rec, const GenPolicy& policy, const SeccompOptions& opts) {
  SeccompModel m;
  if (opts.default_action == "errno") {
    m.default_action = "SCMP_ACT_ERRNO";
    m.default_errno = EPERM;
  } else if (opts.default_action == "kill") {
    m.default_action = "SCMP_ACT_KILL_PROCESS";
  } else if (opts.default_action == "log") {
    m.default_action = "SCMP_ACT_LOG";
  } else {
    return make_error("unknown default action \"" + opts.default_action + "\" (expected errno, kill or log)");
  }
  if (opts.clone3 != "enosys" && opts.clone3 != "allow")
    return make_error("unknown clone3 treatment \"" + opts.clone3 + "\" (expected enosys or allow)");
  bool log_mode = opts.default_action == "log";
  bool clone3_allow = opts.clone3 == "allow";

  std::set<std::string> arches;
  for (const auto& [arch, calls] : rec.syscalls)
    if (!calls.empty()) arches.insert(arch);
  if (arches.empty()) return make_error("the recording holds no syscalls, so no seccomp profile can be made");

  // clone3's flags live in struct clone_args in memory, which seccomp cannot
  // read: allowed, it creates any namespace whatever the [clone] rule says. So
  // it gets ENOSYS even when observed, and clone (glibc's fallback) is allowed
  // with the flags clone3 was seen with, so that the fallback works.
  auto args = rec.args;
  std::set<std::string> clone3_refused;  // arches where clone3 was observed but gets ENOSYS
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
      if (name == "clone3" && !clone3_allow) {
        clone3_refused.insert(arch);
        continue;
      }
      allowed.insert(name);
    }
    if (clone3_refused.count(arch) && !policy.deny.count("clone") && syscall_number(arch, "clone")) {
      allowed.insert("clone");
      const ArgRule* cr = policy.args.find("clone");
      auto& a = args[arch];
      auto c3 = a.find("clone3");
      bool clone_seen = rec.syscalls.at(arch).count("clone") != 0;
      // clone seen without values stays unconditional; otherwise its rule gets
      // clone3's flags under clone's mask (the mask drops CLONE_NEWTIME, which
      // clone cannot take: it shares bits with the exit signal).
      if (cr != nullptr && c3 != a.end() && !c3->second.tuples.empty() && (!clone_seen || a.count("clone"))) {
        ArgValues& cv = a["clone"];
        if (cv.indices.empty()) cv = ArgValues{cr->indices, cr->masks, {}};
        if (cv.indices == std::vector<unsigned>{0} && cv.masks.size() == 1 && c3->second.indices.size() == 1) {
          for (const auto& t : c3->second.tuples) {
            if (t.empty()) continue;
            cv.tuples.insert({t[0] & cv.masks[0]});
          }
        }
      }
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
  if (union_allowed.count("clone3"))
    m.flagged["clone3"] =
        "its flags live in memory, where seccomp cannot check them: the workload can create any namespace "
        "through it, whatever the clone and unshare rules allow";
  if (!clone3_refused.empty()) {
    m.notes.push_back(
        "clone3 was observed but gets ENOSYS: its flags live in memory, where seccomp cannot check them, so an "
        "allowed clone3 would create any namespace; glibc falls back to clone, which is allowed with the flags "
        "clone3 was seen with ('--clone3 allow' keeps clone3 for a workload that cannot fall back)");
    for (const auto& d : clone3_fallback_doubts(rec))
      m.warnings.push_back(d + "; if the workload fails under the profile, generate it with '--clone3 allow'");
  }

  // Argument rules: the union over architectures of the observed tuples.
  std::map<std::string, std::pair<ArgKey, std::set<std::vector<uint64_t>>>> argrules;
  if (!opts.no_args) {
    for (const auto& name : union_allowed) {
      const ArgRule* pr = policy.args.find(name);
      if (pr == nullptr || !pr->filter || unconditional.count(name)) continue;
      bool ok = true;
      std::optional<ArgKey> key;
      std::set<std::vector<uint64_t>> tuples;
      for (const auto& arch : arches) {
        if (!m.allowed[arch].count(name)) continue;
        auto ai = args.find(arch);
        const ArgValues* av = nullptr;
        if (ai != args.end())
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
  // Everything else gets the default (EPERM or kill), argument values outside the
  // learned tuples included. Only the syscalls that libc retries through an older
  // call are answered ENOSYS, so that it does. In log mode nothing is denied.
  if (!log_mode) {
    SeccompRule fb;
    fb.action = "SCMP_ACT_ERRNO";
    fb.errno_ret = ENOSYS;
    fb.comment = "not allowed: ENOSYS so that libc falls back to an older call (policies/fallbacks.toml)";
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    for (const auto& fallback : policy.fallbacks) {
      const std::string& name = fallback.first;
      if (union_allowed.count(name)) continue;
      bool known = std::any_of(arches.begin(), arches.end(),
                               [&](const std::string& a) { return syscall_number(a, name).has_value(); });
      if (known) fb.names.push_back(name);
    }
    if (!fb.names.empty()) m.rules.push_back(std::move(fb));
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
  y << "# Generated by `profile generate`. The CRD has no defaultErrnoRet: SCMP_ACT_ERRNO returns\n"
    << "# EPERM, as in seccomp.json; syscalls newer than the runtime's tables get ENOSYS from its stub.\n"
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
  for (const auto& r : m.rules) emit(r);
  return y.str();
}

}  // namespace profile
