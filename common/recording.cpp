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
  runs.insert(runs.end(), other.runs.begin(), other.runs.end());
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
