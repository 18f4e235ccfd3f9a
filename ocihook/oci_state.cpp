#include "ocihook/oci_state.h"

#include <nlohmann/json.hpp>

namespace profile {
namespace {

using nlohmann::json;

Result<json> parse(const std::string& text, const std::string& source) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(source + " is not a JSON object");
  return j;
}

// The string at j[key]; "" when absent; an error when it is another type.
Result<std::string> string_at(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) return make_error(where + ": \"" + key + "\" is not a string");
  return it->get<std::string>();
}

Result<std::vector<std::string>> strings_at(const json& j, const char* key, const std::string& where) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) return make_error(where + ": \"" + key + "\" is not an array of strings");
  for (const auto& e : *it) {
    if (!e.is_string()) return make_error(where + ": \"" + key + "\" is not an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

Result<OciState> parse_oci_state(const std::string& text, const std::string& source) {
  auto j = parse(text, source);
  if (!j) return j.error().with_kind(ErrorKind::BadInput);
  OciState s;
  for (auto [field, key] : {std::pair{&s.id, "id"}, {&s.status, "status"}, {&s.bundle, "bundle"}}) {
    auto v = string_at(*j, key, source);
    if (!v) return v.error().with_kind(ErrorKind::BadInput);
    *field = *v;
  }
  if (s.id.empty() || s.bundle.empty())
    return make_error(source + " has no \"id\" or no \"bundle\": it is not an OCI runtime state")
        .with_kind(ErrorKind::BadInput);
  if (auto it = j->find("pid"); it != j->end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > (1LL << 30))
      return make_error(source + ": \"pid\" is not a process id").with_kind(ErrorKind::BadInput);
    s.pid = static_cast<pid_t>(it->get<long long>());
  }
  if (auto it = j->find("annotations"); it != j->end() && !it->is_null()) {
    if (!it->is_object())
      return make_error(source + ": \"annotations\" is not an object").with_kind(ErrorKind::BadInput);
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string())
        return make_error(source + ": annotation \"" + k + "\" is not a string").with_kind(ErrorKind::BadInput);
      s.annotations[k] = v.get<std::string>();
    }
  }
  return s;
}

Result<OciConfig> parse_oci_config(const std::string& text, const std::string& bundle, const std::string& source) {
  auto j = parse(text, source);
  if (!j) return j.error().with_kind(ErrorKind::BadInput);
  OciConfig c;
  auto root = j->find("root");
  if (root == j->end() || !root->is_object())
    return make_error(source + " has no \"root\": the container's root filesystem is unknown")
        .with_kind(ErrorKind::BadInput);
  auto path = string_at(*root, "path", source + ": root");
  if (!path) return path.error().with_kind(ErrorKind::BadInput);
  if (path->empty()) return make_error(source + ": root.path is empty").with_kind(ErrorKind::BadInput);
  // runtime-spec: a relative root.path is relative to the bundle.
  c.root = (*path)[0] == '/' ? *path : bundle + "/" + *path;
  while (c.root.size() > 1 && c.root.back() == '/') c.root.pop_back();
  if (auto proc = j->find("process"); proc != j->end() && proc->is_object()) {
    auto args = strings_at(*proc, "args", source + ": process");
    if (!args) return args.error().with_kind(ErrorKind::BadInput);
    c.args = *args;
    auto env = strings_at(*proc, "env", source + ": process");
    if (!env) return env.error().with_kind(ErrorKind::BadInput);
    c.env = *env;
    auto cwd = string_at(*proc, "cwd", source + ": process");
    if (!cwd) return cwd.error().with_kind(ErrorKind::BadInput);
    c.cwd = *cwd;
    if (auto user = proc->find("user"); user != proc->end() && user->is_object()) {
      auto num = [&](const char* k) -> uint32_t {
        auto it = user->find(k);
        return it != user->end() && it->is_number_unsigned() ? it->get<uint32_t>() : 0;
      };
      c.uid = num("uid");
      c.gid = num("gid");
    }
  }
  return c;
}

LearnRequest learn_request(const OciState& state) {
  LearnRequest r;
  if (auto it = state.annotations.find(kLearnAnnotation); it != state.annotations.end()) r.out_dir = it->second;
  if (auto it = state.annotations.find(kRequiredAnnotation); it != state.annotations.end())
    r.required = it->second == "true" || it->second == "1" || it->second == "yes";
  return r;
}

std::string hooks_json(const std::string& binary, const std::vector<std::string>& extra_args) {
  json args = json::array({"profile", "oci-hook"});
  for (const auto& a : extra_args) args.push_back(a);
  json hook = {
      {"version", "1.0.0"},
      {"hook", {{"path", binary}, {"args", args}}},
      // An empty value turns nothing on: the regex asks for at least one character.
      {"when", {{"annotations", {{"^io\\.profile\\.learn$", ".+"}}}}},
      {"stages", json::array({"prestart"})},
  };
  return hook.dump(2) + "\n";
}

}  // namespace profile
