#include "common/recording.h"

namespace profile {
namespace {
struct AccessName {
  Access access;
  const char* name;
};
const AccessName kAccessNames[] = {
    {Access::Read, "read"},     {Access::Write, "write"},   {Access::Exec, "exec"},
    {Access::Create, "create"}, {Access::Delete, "delete"}, {Access::Rename, "rename"},
    {Access::Link, "link"},     {Access::Chmod, "chmod"},   {Access::Stat, "stat"},
};
}  // namespace

const char* access_name(Access a) {
  for (const auto& e : kAccessNames)
    if (e.access == a) return e.name;
  return "?";
}

std::optional<Access> access_from_name(const std::string& name) {
  for (const auto& e : kAccessNames)
    if (name == e.name) return e.access;
  return std::nullopt;
}

const std::vector<Access>& all_accesses() {
  static const std::vector<Access> all = [] {
    std::vector<Access> v;
    for (const auto& e : kAccessNames) v.push_back(e.access);
    return v;
  }();
  return all;
}

namespace {

// The runs of `rec` that saw an item: listed in `partial` when fewer than all.
template <typename Items, typename Partial, typename Key>
uint64_t seeing(const Recording& rec, const Items& items, const Partial& partial, const Key& key) {
  if (items.find(key) == items.end()) return 0;
  auto it = partial.find(key);
  return it == partial.end() ? rec.runs.size() : it->second;
}

// Every key of a's and b's items, with the runs of both that saw it, kept
// when fewer than all of them did.
template <typename Items, typename Partial>
void count_runs(const Recording& a, const Items& a_items, const Partial& a_partial, const Recording& b,
                const Items& b_items, const Partial& b_partial, Partial& out) {
  uint64_t total = a.runs.size() + b.runs.size();
  auto add = [&](const auto& key) {
    uint64_t n = seeing(a, a_items, a_partial, key) + seeing(b, b_items, b_partial, key);
    if (n < total) out[key] = n;
  };
  for (const auto& kv : a_items) add(kv.first);
  for (const auto& kv : b_items)
    if (a_items.find(kv.first) == a_items.end()) add(kv.first);
}

// A recording of one run (or none) knows its coverage: every item was seen
// in all of its runs.
bool knows(const Recording& r) {
  return r.coverage.known || r.runs.size() <= 1;
}

Coverage merged_coverage(const Recording& a, const Recording& b) {
  Coverage c;
  c.known = knows(a) && knows(b);
  // One run (or none) in all: nothing to count.
  if (!c.known || a.runs.size() + b.runs.size() <= 1) return c;
  static const std::map<std::string, uint64_t> kNoSyscalls;
  static const std::map<std::string, uint64_t> kNoPartial;
  std::set<std::string> archs;
  for (const auto& kv : a.syscalls) archs.insert(kv.first);
  for (const auto& kv : b.syscalls) archs.insert(kv.first);
  for (const auto& arch : archs) {
    auto items = [&](const Recording& r) -> const std::map<std::string, uint64_t>& {
      auto it = r.syscalls.find(arch);
      return it == r.syscalls.end() ? kNoSyscalls : it->second;
    };
    auto partial = [&](const Recording& r) -> const std::map<std::string, uint64_t>& {
      auto it = r.coverage.syscalls.find(arch);
      return it == r.coverage.syscalls.end() ? kNoPartial : it->second;
    };
    std::map<std::string, uint64_t> out;
    count_runs(a, items(a), partial(a), b, items(b), partial(b), out);
    if (!out.empty()) c.syscalls[arch] = std::move(out);
  }
  count_runs(a, a.files, a.coverage.files, b, b.files, b.coverage.files, c.files);
  count_runs(a, a.executables, a.coverage.executables, b, b.executables, b.coverage.executables, c.executables);
  count_runs(a, a.network, a.coverage.network, b, b.network, b.coverage.network, c.network);
  count_runs(a, a.capabilities, a.coverage.capabilities, b, b.capabilities, b.coverage.capabilities, c.capabilities);
  return c;
}

}  // namespace

uint64_t Recording::runs_seeing_syscall(const std::string& arch, const std::string& name) const {
  auto it = syscalls.find(arch);
  if (it == syscalls.end()) return 0;
  auto p = coverage.syscalls.find(arch);
  static const std::map<std::string, uint64_t> kNone;
  return seeing(*this, it->second, p == coverage.syscalls.end() ? kNone : p->second, name);
}

uint64_t Recording::runs_seeing_file(const std::string& path) const {
  return seeing(*this, files, coverage.files, path);
}

uint64_t Recording::runs_seeing_exec(const std::string& path) const {
  return seeing(*this, executables, coverage.executables, path);
}

uint64_t Recording::runs_seeing_endpoint(const NetEndpoint& ep) const {
  return seeing(*this, network, coverage.network, ep);
}

uint64_t Recording::runs_seeing_capability(const std::string& cap) const {
  return seeing(*this, capabilities, coverage.capabilities, cap);
}

bool Recording::has_partial_coverage() const {
  return runs.size() > 1 && coverage.known &&
         (!coverage.syscalls.empty() || !coverage.files.empty() || !coverage.executables.empty() ||
          !coverage.network.empty() || !coverage.capabilities.empty());
}

Status Recording::merge(const Recording& other) {
  // Check first so that a failed merge changes nothing.
  for (const auto& [arch, per_sys] : other.args) {
    auto mine = args.find(arch);
    if (mine == args.end()) continue;
    for (const auto& [name, values] : per_sys) {
      auto it = mine->second.find(name);
      if (it == mine->second.end()) continue;
      if (it->second.indices != values.indices || it->second.masks != values.masks)
        return make_error("the arguments of " + name + " (" + arch +
                          ") were learned with different argument policies; re-learn with one policy");
    }
  }
  Coverage cov = merged_coverage(*this, other);
  runs.insert(runs.end(), other.runs.begin(), other.runs.end());
  coverage = std::move(cov);
  for (const auto& [arch, names] : other.syscalls)
    for (const auto& [name, count] : names) syscalls[arch][name] += count;
  for (const auto& [arch, per_sys] : other.args)
    for (const auto& [name, values] : per_sys) {
      auto [it, inserted] = args[arch].try_emplace(name, values);
      if (!inserted) it->second.tuples.insert(values.tuples.begin(), values.tuples.end());
    }
  for (const auto& [path, rec] : other.files) {
    FileRecord& mine = files[path];
    if (mine.type.empty()) mine.type = rec.type;
    for (const auto& [kind, outcomes] : rec.accesses)
      for (const auto& [outcome, count] : outcomes) mine.accesses[kind][outcome] += count;
  }
  for (const auto& [path, count] : other.executables) executables[path] += count;
  for (const auto& [ep, count] : other.network) network[ep] += count;
  for (const auto& [cap, evidence] : other.capabilities) capabilities[cap].insert(evidence.begin(), evidence.end());
  return {};
}

bool Recording::incomplete() const {
  for (const auto& r : runs)
    if (r.lost_events > 0) return true;
  return false;
}

void Recording::add_syscall(const std::string& arch, const std::string& name, uint64_t count) {
  syscalls[arch][name] += count;
}

void Recording::add_file(const std::string& path, Access kind, const Outcome& outcome, const std::string& type,
                         uint64_t count) {
  FileRecord& rec = files[path];
  if (!type.empty()) rec.type = type;
  rec.accesses[kind][outcome] += count;
}

void Recording::add_exec(const std::string& path, uint64_t count) {
  executables[path] += count;
}

void Recording::add_endpoint(const NetEndpoint& ep, uint64_t count) {
  network[ep] += count;
}

}  // namespace profile
