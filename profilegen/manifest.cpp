#include "profilegen/manifest.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <set>
#include <sstream>

#include "common/bad_input.h"
#include "common/json_text.h"
#include "common/path_roots.h"
#include "common/recording.h"
#include "common/toml_guard.h"

namespace profile {
namespace {

// Thrown inside this file only, turned into an Error by parse_manifest.
std::string at(const std::string& source, const toml::node& n) {
  return source + ":" + std::to_string(n.source().begin.line);
}

void reject_unknown(const toml::table& t, const std::set<std::string>& known, const std::string& section,
                    const std::string& source) {
  for (const auto& [k, v] : t) {
    std::string key(k.str());
    if (!known.count(key)) throw BadInput{at(source, v) + ": unknown key \"" + key + "\" in " + section};
  }
}

const toml::table* table_of(const toml::table& root, const char* name, const std::string& source) {
  const toml::node* n = root.get(name);
  if (n == nullptr) return nullptr;
  if (!n->is_table()) throw BadInput{at(source, *n) + ": [" + name + "] must be a table"};
  return n->as_table();
}

// Strings are bytes (argv, cwd and bind paths need not be UTF-8) stored as json
// text (common/json_text.h, profile-recording(5)): back to bytes. Only the form the
// writer gives is accepted, so that no two spellings can name the same path.
std::string bytes_of(const toml::node& n, const char* key, const std::string& source) {
  const std::string& text = n.as_string()->get();
  std::string b = json_text_to_bytes(text);
  if (b.size() != text.size() && bytes_to_json_text(b) != text)
    throw BadInput{at(source, n) + ": \"" + key +
                   "\" uses U+10FF80..U+10FFFF, which stand for bytes that are not valid UTF-8, to spell valid UTF-8"};
  return b;
}

std::string get_string(const toml::table& t, const char* key, const std::string& dflt, const std::string& source) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return dflt;
  if (!n->is_string()) throw BadInput{at(source, *n) + ": \"" + key + "\" must be a string"};
  return bytes_of(*n, key, source);
}

bool get_bool(const toml::table& t, const char* key, bool dflt, const std::string& source) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return dflt;
  if (!n->is_boolean()) throw BadInput{at(source, *n) + ": \"" + key + "\" must be true or false"};
  return n->as_boolean()->get();
}

uint64_t get_count(const toml::table& t, const char* key, const std::string& source) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return 0;
  if (!n->is_integer() || n->as_integer()->get() < 0)
    throw BadInput{at(source, *n) + ": \"" + key + "\" must be a non-negative integer"};
  return static_cast<uint64_t>(n->as_integer()->get());
}

double get_number(const toml::table& t, const char* key, const std::string& source) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return 0.0;
  double v = -1;
  if (n->is_integer())
    v = static_cast<double>(n->as_integer()->get());
  else if (n->is_floating_point())
    v = n->as_floating_point()->get();
  if (!(v >= 0) || !std::isfinite(v))
    throw BadInput{at(source, *n) + ": \"" + key + "\" must be a non-negative number"};
  return v;
}

std::vector<std::string> get_strings(const toml::table& t, const char* key, const std::string& source) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (n == nullptr) return out;
  const toml::array* a = n->as_array();
  if (a == nullptr) throw BadInput{at(source, *n) + ": \"" + key + "\" must be an array of strings"};
  for (const auto& e : *a) {
    if (!e.is_string()) throw BadInput{at(source, e) + ": \"" + key + "\" must hold strings only"};
    out.push_back(bytes_of(e, key, source));
  }
  return out;
}

void one_of(const std::string& v, std::initializer_list<const char*> allowed, const char* key, const toml::table& t,
            const std::string& source) {
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return;
    list += list.empty() ? a : std::string(", ") + a;
  }
  throw BadInput{at(source, *t.get(key)) + ": \"" + key + "\" must be one of " + list + ", not \"" + v + "\""};
}

bool valid_name(const std::string& n) {
  if (n.empty() || !(n[0] >= 'a' && n[0] <= 'z')) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Bytes -> the UTF-8 text toml++ writes as is. Without this toml++ writes a byte
// such as 0xFE as \u00FE, which reads back as U+00FE: a different path.
std::string text(const std::string& bytes) {
  return bytes_to_json_text(bytes);
}

toml::array strings(const std::vector<std::string>& v) {
  toml::array a;
  for (const auto& s : v) a.push_back(text(s));
  return a;
}

}  // namespace

Result<Manifest> parse_manifest(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml_parse_checked(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return Error{msg.str(), 0, ErrorKind::BadInput};
  }
  try {
    Manifest m;
    reject_unknown(root, {"workload", "container", "limits", "artifacts"}, "the top level", source);
    const toml::table* w = table_of(root, "workload", source);
    if (w == nullptr) throw BadInput{source + ": missing the [workload] table"};
    reject_unknown(*w, {"name", "command", "cwd", "env", "user"}, "[workload]", source);
    m.name = get_string(*w, "name", "", source);
    if (!valid_name(m.name))
      throw BadInput{source + ": [workload] \"name\" must match [a-z][a-z0-9_]*, not \"" + m.name + "\""};
    m.command = get_strings(*w, "command", source);
    if (m.command.empty()) throw BadInput{source + ": [workload] needs a non-empty \"command\" array"};
    m.cwd = get_string(*w, "cwd", "", source);
    if (!m.cwd.empty() && m.cwd[0] == '$' && !roots::is_rooted(m.cwd))
      throw BadInput{at(source, *w->get("cwd")) + ": \"cwd\" names an unknown root (expected ${WORKDIR} or ${HOME})"};
    m.env = get_strings(*w, "env", source);
    m.user = get_string(*w, "user", "", source);
    if (w->get("user") != nullptr &&
        (m.user.empty() || m.user.front() == ':' || m.user.back() == ':' ||
         m.user.find_first_of(" \t\n") != std::string::npos || std::count(m.user.begin(), m.user.end(), ':') > 1))
      throw BadInput{source + ": [workload] \"user\" must be \"UID:GID\" or \"NAME[:GROUP]\", not \"" + m.user + "\""};

    if (const toml::table* c = table_of(root, "container", source)) {
      reject_unknown(
          *c, {"net", "user_namespace", "private_tmp", "readonly_root", "bind", "capabilities", "ambient_capabilities"},
          "[container]", source);
      m.net = get_string(*c, "net", m.net, source);
      if (c->get("net")) one_of(m.net, {"host", "loopback", "none"}, "net", *c, source);
      m.user_namespace = get_string(*c, "user_namespace", m.user_namespace, source);
      if (c->get("user_namespace")) one_of(m.user_namespace, {"auto", "always", "never"}, "user_namespace", *c, source);
      m.private_tmp = get_bool(*c, "private_tmp", m.private_tmp, source);
      m.readonly_root = get_bool(*c, "readonly_root", m.readonly_root, source);
      m.capabilities = get_strings(*c, "capabilities", source);
      m.ambient_capabilities = get_strings(*c, "ambient_capabilities", source);
      for (const auto& a : m.ambient_capabilities)
        if (std::find(m.capabilities.begin(), m.capabilities.end(), a) == m.capabilities.end())
          throw BadInput{at(source, *c->get("ambient_capabilities")) + ": ambient capability \"" + a +
                         "\" is not in \"capabilities\" (the ambient set is a subset of the kept ones)"};
      if (const toml::node* b = c->get("bind")) {
        const toml::array* arr = b->as_array();
        if (arr == nullptr) throw BadInput{at(source, *b) + ": \"bind\" must be an array of tables"};
        for (const auto& e : *arr) {
          const toml::table* bt = e.as_table();
          if (bt == nullptr) throw BadInput{at(source, e) + ": each \"bind\" entry must be a table"};
          reject_unknown(*bt, {"source", "target", "readonly", "optional"}, "a \"bind\" entry", source);
          BindMount bm{get_string(*bt, "source", "", source), get_string(*bt, "target", "", source),
                       get_bool(*bt, "readonly", true, source), get_bool(*bt, "optional", false, source)};
          if (!roots::absolute_or_rooted(bm.source) || !roots::absolute_or_rooted(bm.target))
            throw BadInput{at(source, e) +
                           ": a \"bind\" entry needs absolute \"source\" and \"target\" paths (or below ${WORKDIR} or "
                           "${HOME})"};
          m.bind.push_back(std::move(bm));
        }
      }
    }
    if (const toml::table* l = table_of(root, "limits", source)) {
      reject_unknown(*l, {"memory_max", "pids_max", "cpus", "cpu_weight"}, "[limits]", source);
      m.memory_max = get_count(*l, "memory_max", source);
      m.pids_max = get_count(*l, "pids_max", source);
      m.cpus = get_number(*l, "cpus", source);
      m.cpu_weight = get_count(*l, "cpu_weight", source);
      if (m.cpu_weight > 10000) throw BadInput{at(source, *l->get("cpu_weight")) + ": \"cpu_weight\" must be 0..10000"};
    }
    if (const toml::table* a = table_of(root, "artifacts", source)) {
      reject_unknown(*a,
                     {"seccomp", "landlock", "landlock_required", "selinux_module", "selinux_required", "unconfined"},
                     "[artifacts]", source);
      m.seccomp = get_string(*a, "seccomp", m.seccomp, source);
      m.landlock = get_string(*a, "landlock", m.landlock, source);
      m.landlock_required = get_strings(*a, "landlock_required", source);
      for (const auto& f : m.landlock_required)
        if (f != "fs" && f != "net_tcp" && f != "scope" && f != "refer" && f != "truncate" && f != "ioctl_dev")
          throw BadInput{at(source, *a->get("landlock_required")) + ": unknown Landlock feature \"" + f +
                         "\" (expected fs, refer, truncate, net_tcp, ioctl_dev or scope)"};
      m.selinux_module = get_string(*a, "selinux_module", "", source);
      m.selinux_required = get_bool(*a, "selinux_required", false, source);
      m.unconfined = get_strings(*a, "unconfined", source);
      for (const auto& u : m.unconfined)
        if (u != "seccomp" && u != "landlock")
          throw BadInput{at(source, *a->get("unconfined")) + ": unknown mechanism \"" + u +
                         "\" (expected seccomp or landlock)"};
      for (const std::string* p : {&m.seccomp, &m.landlock, &m.selinux_module})
        if (!p->empty() && (p->front() == '/' || p->find("..") != std::string::npos))
          throw BadInput{source + ": [artifacts] paths must be relative to the bundle, not \"" + *p + "\""};
    }
    return m;
  } catch (const BadInput& b) {
    return b.error();
  }
}

std::string manifest_to_toml(const Manifest& m) {
  // Sections are emitted in a fixed order; toml++ formats values (quoting and
  // escaping) and orders keys within a table, so the output is a pure function of m.
  auto section = [](const char* name, const toml::table& t) {
    std::ostringstream os;
    os << "[" << name << "]\n" << toml::toml_formatter(t, toml::format_flags::none) << "\n\n";
    return os.str();
  };
  // Every string goes through text(): the fixed keywords are ASCII and unchanged.
  toml::table w{{"name", text(m.name)}, {"command", strings(m.command)}, {"cwd", text(m.cwd)}, {"env", strings(m.env)}};
  if (!m.user.empty()) w.insert("user", text(m.user));  // only when set: older manifests keep their bytes
  toml::array binds;
  for (const auto& b : m.bind) {
    toml::table t{{"source", text(b.source)}, {"target", text(b.target)}, {"readonly", b.readonly}};
    if (b.optional) t.insert("optional", true);  // only when set: older manifests keep their bytes
    t.is_inline(true);                           // stays inside [container] instead of becoming [[bind]]
    binds.push_back(std::move(t));
  }
  toml::table c{{"net", text(m.net)},
                {"user_namespace", text(m.user_namespace)},
                {"private_tmp", m.private_tmp},
                {"readonly_root", m.readonly_root},
                {"bind", std::move(binds)},
                {"capabilities", strings(m.capabilities)},
                {"ambient_capabilities", strings(m.ambient_capabilities)}};
  toml::table l{{"memory_max", static_cast<int64_t>(m.memory_max)},
                {"pids_max", static_cast<int64_t>(m.pids_max)},
                {"cpus", m.cpus},
                {"cpu_weight", static_cast<int64_t>(m.cpu_weight)}};
  toml::table a{{"seccomp", text(m.seccomp)},
                {"landlock", text(m.landlock)},
                {"landlock_required", strings(m.landlock_required)},
                {"selinux_module", text(m.selinux_module)},
                {"selinux_required", m.selinux_required}};
  if (!m.unconfined.empty()) a.insert("unconfined", strings(m.unconfined));  // only when set: bytes stay
  return "# profile bundle manifest (see profile-bundle(5)); generated by `profile generate`.\n\n" +
         section("workload", w) + section("container", c) + section("limits", l) + section("artifacts", a);
}

void set_learned_capabilities(const Recording& rec, Manifest& m) {
  m.capabilities.clear();
  for (const auto& [cap, evidence] : rec.capabilities) m.capabilities.push_back(cap);
  bool non_root = false;
  for (const auto& r : rec.runs)
    if (r.uid && *r.uid != 0) non_root = true;
  m.ambient_capabilities = non_root ? m.capabilities : std::vector<std::string>{};
}

std::string learned_user(const Recording& rec) {
  std::optional<std::pair<uint32_t, uint32_t>> ids;
  for (const auto& r : rec.runs) {
    if (!r.uid || !r.gid || *r.uid == 0) return "";
    if (ids && *ids != std::make_pair(*r.uid, *r.gid)) return "";
    ids = std::make_pair(*r.uid, *r.gid);
  }
  return ids ? std::to_string(ids->first) + ":" + std::to_string(ids->second) : "";
}

std::vector<std::string> grant_learned_capabilities(const Recording& rec, Manifest& m) {
  Manifest learned;
  set_learned_capabilities(rec, learned);
  std::vector<std::string> added;
  auto merge = [](std::vector<std::string>& into, const std::vector<std::string>& from,
                  std::vector<std::string>* news) {
    std::set<std::string> all(into.begin(), into.end());
    for (const auto& c : from)
      if (all.insert(c).second && news != nullptr) news->push_back(c);
    into.assign(all.begin(), all.end());
  };
  merge(m.capabilities, learned.capabilities, &added);
  merge(m.ambient_capabilities, learned.ambient_capabilities, nullptr);
  return added;
}

std::string workload_name_from_command(const std::vector<std::string>& command) {
  std::string base = command.empty() ? "" : command[0];
  if (auto s = base.rfind('/'); s != std::string::npos) base = base.substr(s + 1);
  std::string out;
  for (char ch : base) {
    auto c = static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(ch)));
    out += (std::isalnum(c) != 0 && c < 128) ? static_cast<char>(c) : '_';
  }
  if (out.empty() || !(out[0] >= 'a' && out[0] <= 'z')) out = "w_" + out;
  return out;
}

namespace {

// Programs that run their arguments as a command after options of their own.
// Data: add to it freely; a name here only makes profile look further along.
constexpr const char* kWrappers[] = {
    "chroot",  "chrt",    "doas",    "env",    "flock",  "ionice", "nice",    "nohup", "nsenter", "numactl",
    "prlimit", "runuser", "setpriv", "setsid", "stdbuf", "sudo",   "taskset", "time",  "timeout", "unshare",
};

std::string basename_of(const std::string& path) {
  auto s = path.rfind('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

bool is_wrapper(const std::string& arg) {
  std::string base = basename_of(arg);
  for (const char* w : kWrappers)
    if (base == w) return true;
  return false;
}

}  // namespace

size_t wrapped_program_index(const std::vector<std::string>& command,
                             const std::function<bool(const std::string&)>& is_program) {
  size_t at = 0;
  while (at < command.size() && is_wrapper(command[at])) {
    size_t next = 0;
    for (size_t i = at + 1; i < command.size(); ++i) {
      const std::string& a = command[i];
      if (a.empty() || a[0] == '-' || a.find('=') != std::string::npos) continue;  // options, env's NAME=VALUE
      if (is_wrapper(a) || is_program(a)) {
        next = i;
        break;
      }
    }
    if (next == 0) break;
    at = next;
  }
  return at;
}

std::function<bool(const std::string&)> executed_in(const std::map<std::string, uint64_t>& executables) {
  std::set<std::string> names;
  for (const auto& [path, count] : executables) names.insert(basename_of(path));
  return [names = std::move(names)](const std::string& arg) {
    std::string base = basename_of(arg);
    if (base.empty()) return false;
    // The kernel records the file a symlink names: "python3" runs
    // /usr/bin/python3.11, "perl" /usr/bin/perl5.36.0. A name that only adds a
    // version (digits and dots, after an optional '.' or '-') is the same program.
    for (auto it = names.lower_bound(base); it != names.end() && it->compare(0, base.size(), base) == 0; ++it) {
      std::string rest = it->substr(base.size());
      if (rest.empty()) return true;
      size_t i = rest[0] == '.' || rest[0] == '-' ? 1 : 0;
      if (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i])) != 0 &&
          rest.find_first_not_of("0123456789.", i) == std::string::npos)
        return true;
    }
    return false;
  };
}

}  // namespace profile
