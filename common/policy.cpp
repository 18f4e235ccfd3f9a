#include "common/policy.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <sstream>

#include "common/log.h"
#include "common/syscalls.h"
#include "common/toml_guard.h"

namespace profile {
namespace {

std::string where(const std::string& source, const toml::source_region& r) {
  return source + ":" + std::to_string(r.begin.line);
}

Result<toml::table> parse_toml(std::string_view text, const std::string& source) {
  try {
    return toml_parse_checked(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return make_error(msg.str());
  }
}

// Built-in data is part of the program: a parse failure there is a build defect.
template <class T>
const T& builtin_or_die(Result<T> r) {
  if (!r) {
    log::error("built-in policy is invalid: " + r.error().message);
    std::abort();
  }
  static T value = std::move(r).value();
  return value;
}

}  // namespace

bool known_syscall_name(const std::string& name) {
  if (is_numeric_syscall(name)) return true;
  for (const auto& arch : compatible_arches(native_arch()))
    if (syscall_number(arch, name)) return true;
  return false;
}

const ArgRule* ArgPolicy::find(const std::string& syscall) const {
  auto it = rules.find(syscall);
  return it == rules.end() ? nullptr : &it->second;
}

const DangerousEntry* DangerousList::find(const std::string& syscall) const {
  auto it = entries.find(syscall);
  return it == entries.end() ? nullptr : &it->second;
}

Result<ArgPolicy> parse_arg_policy(std::string_view text, const std::string& source) {
  auto parsed = parse_toml(text, source);
  if (!parsed) return parsed.error();
  ArgPolicy policy;
  for (const auto& [key, node] : *parsed) {
    std::string name(key.str());
    const auto* tbl = node.as_table();
    if (tbl == nullptr) return make_error(where(source, node.source()) + ": [" + name + "] must be a table");
    if (!known_syscall_name(name))
      return make_error(where(source, node.source()) + ": unknown syscall name \"" + name + "\"");
    ArgRule rule;
    rule.syscall = name;
    rule.reason = tbl->get_as<std::string>("reason") ? tbl->get_as<std::string>("reason")->get() : "";
    const auto* args = tbl->get_as<toml::array>("args");
    if (args == nullptr || args->empty())
      return make_error(where(source, node.source()) + ": [" + name + "] needs a non-empty \"args\" array");
    for (const auto& a : *args) {
      const auto* at = a.as_table();
      auto idx = at != nullptr ? at->get_as<int64_t>("index") : nullptr;
      if (idx == nullptr || idx->get() < 0 || idx->get() > 5)
        return make_error(where(source, a.source()) + ": each entry of \"args\" needs an \"index\" from 0 to 5");
      rule.indices.push_back(static_cast<unsigned>(idx->get()));
      auto mask = at->get_as<int64_t>("mask");
      if (mask != nullptr && mask->get() <= 0)
        return make_error(where(source, a.source()) + ": \"mask\" must be a positive integer");
      rule.masks.push_back(mask != nullptr ? static_cast<uint64_t>(mask->get()) : ~uint64_t{0});
      auto n = at->get_as<std::string>("name");
      rule.names.push_back(n != nullptr ? n->get() : "arg" + std::to_string(idx->get()));
      auto src = at->get_as<std::string>("source");
      rule.sources.push_back(src != nullptr ? src->get() : "");
      if (src != nullptr && rule.source.empty()) rule.source = src->get();
    }
    if (auto f = tbl->get("filter"); f != nullptr) {
      if (!f->is_boolean())
        return make_error(where(source, f->source()) + ": [" + name + "] \"filter\" must be true or false");
      rule.filter = f->as_boolean()->get();
    }
    if (!rule.source.empty()) rule.filter = false;
    policy.rules[name] = std::move(rule);
  }
  return policy;
}

Result<DangerousList> parse_dangerous_list(std::string_view text, const std::string& source) {
  auto parsed = parse_toml(text, source);
  if (!parsed) return parsed.error();
  DangerousList list;
  for (const auto& [key, node] : *parsed) {
    std::string name(key.str());
    const auto* tbl = node.as_table();
    if (tbl == nullptr) return make_error(where(source, node.source()) + ": [" + name + "] must be a table");
    if (!known_syscall_name(name))
      return make_error(where(source, node.source()) + ": unknown syscall name \"" + name + "\"");
    auto reason = tbl->get_as<std::string>("reason");
    if (reason == nullptr || reason->get().empty())
      return make_error(where(source, node.source()) + ": [" + name + "] needs a \"reason\"");
    DangerousEntry e{reason->get(), ""};
    if (auto note = tbl->get_as<std::string>("note")) e.note = note->get();
    list.entries[name] = std::move(e);
  }
  return list;
}

const ArgPolicy& builtin_arg_policy() {
  static const ArgPolicy& p = builtin_or_die(parse_arg_policy(builtin_policy_text("args"), "policies/args.toml"));
  return p;
}

const DangerousList& builtin_dangerous_list() {
  static const DangerousList& d =
      builtin_or_die(parse_dangerous_list(builtin_policy_text("dangerous"), "policies/dangerous.toml"));
  return d;
}

}  // namespace profile
