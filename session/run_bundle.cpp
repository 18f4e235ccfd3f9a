#include "session/run_bundle.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "common/arg_names.h"
#include "common/atomic_file.h"
#include "common/fd.h"
#include "common/json_bytes.h"
#include "common/log.h"
#include "common/names.h"
#include "common/path_roots.h"
#include "common/policy.h"
#include "common/syscalls.h"
#include "enforce/bundle_files.h"
#include "enforce/denials.h"
#include "enforce/image.h"
#include "enforce/landlock.h"
#include "enforce/launcher.h"
#include "enforce/seccomp_cache.h"
#include "enforce/seccomp_filter.h"
#include "enforce/selinux_exec.h"
#include "profilegen/manifest.h"
#include "profilegen/relocate.h"
#include "profilegen/seccomp_gen.h"
#include "session/watchdog.h"
#include "tracer/root_paths.h"

extern char** environ;

namespace profile {

// complain.cpp
Result<EnforceReport> run_complain(const EnforceOptions& options, const Manifest& manifest, const LaunchSpec& spec);

namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

struct Environment {
  std::vector<std::string> entries;  // KEY=VALUE for the workload
  std::vector<std::string> dropped;  // names of the caller's variables left out
  std::vector<std::string> notices;
};

std::string env_name(const std::string& kv) {
  return kv.substr(0, kv.find('='));
}

// The workload's environment: the caller's variables named by the manifest (the
// names the workload was started with while learning), then --env on top.
// PWD is set from the working directory later, so it is never "dropped".
Environment workload_environment(const std::vector<std::string>& names, const std::vector<std::string>& extra) {
  Environment out;
  std::map<std::string, std::string> chosen;
  std::set<std::string> dropped;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv = *e;
    if (kv.find('=') == std::string::npos) continue;
    std::string name = env_name(kv);
    if (contains(names, name))
      chosen[name] = kv;
    else if (name != "PWD")
      dropped.insert(name);
  }
  for (const auto& x : extra) {
    std::string name = env_name(x);
    dropped.erase(name);
    if (x.find('=') != std::string::npos) {
      chosen[name] = x;
    } else if (const char* v = std::getenv(name.c_str()); v != nullptr) {
      chosen[name] = name + "=" + v;
    } else {
      out.notices.push_back("--env " + name + ": not set in your environment, so not passed");
    }
  }
  for (auto& [name, kv] : chosen) out.entries.push_back(std::move(kv));
  out.dropped.assign(dropped.begin(), dropped.end());
  return out;
}

// An image's environment with --env on top (a bare NAME takes the caller's value).
Environment image_environment(const std::vector<std::string>& image_env, const std::vector<std::string>& extra) {
  Environment out;
  std::map<std::string, std::string> chosen;
  for (const auto& kv : image_env) chosen[env_name(kv)] = kv;
  for (const auto& x : extra) {
    std::string name = env_name(x);
    if (x.find('=') != std::string::npos) {
      chosen[name] = x;
    } else if (const char* v = std::getenv(name.c_str()); v != nullptr) {
      chosen[name] = name + "=" + v;
    } else {
      out.notices.push_back("--env " + name + ": not set in your environment, so not passed");
    }
  }
  for (auto& [name, kv] : chosen) out.entries.push_back(std::move(kv));
  return out;
}

// "/a/./b/../c/" -> "/a/c", without looking at the host's filesystem: the
// directory is looked up inside the container (and PWD must not hold "." parts).
std::string lexically_normal(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string dropped_env_text(const std::vector<std::string>& names) {
  constexpr size_t kShown = 8;
  std::string list;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) list += (i ? ", " : "") + names[i];
  if (names.size() > kShown) list += " and " + std::to_string(names.size() - kShown) + " more";
  return "not passed to the workload (it was not started with them while learning): " + list +
         "; pass one with --env NAME or --env NAME=VALUE";
}

// Where the bundle directory appears inside the container: its own path (unless
// a private /tmp hides it) and below every bind mount whose source holds it.
std::vector<std::string> bundle_paths_in_container(const std::string& real, const Manifest& m) {
  auto below = [](const std::string& p, const std::string& dir) {
    if (dir == "/") return true;
    return p == dir || (p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 && p[dir.size()] == '/');
  };
  std::vector<std::string> out;
  // A private /tmp, /var/tmp or /dev/shm hides a bundle below it: nothing to protect there.
  bool hidden = m.private_tmp && (below(real, "/tmp") || below(real, "/var/tmp") || below(real, "/dev/shm"));
  if (!hidden) out.push_back(real);
  for (const auto& b : m.bind) {
    std::string src = b.source;
    while (src.size() > 1 && src.back() == '/') src.pop_back();
    if (!below(real, src)) continue;
    std::string target = b.target;
    while (target.size() > 1 && target.back() == '/') target.pop_back();
    std::string rest = real.substr(src == "/" ? 0 : src.size());
    std::string p = target == "/" ? (rest.empty() ? "/" : rest) : target + rest;
    if (!contains(out, p)) out.push_back(p);
  }
  return out;
}

// What ${WORKDIR} and ${HOME} stand for in this run (profilegen/relocate.h),
// worked out only for the roots the bundle names: ${WORKDIR} is --workdir, else
// the directory the bundle was learned in when it exists here; ${HOME} is the
// workload's HOME, else its user's home in the user database, as at learn. A
// value that profilegen's root_refusal refuses ("/", a shared root, one reaching
// a sensitive path) is an error: relocation never widens what the rules grant.
class RootResolver {
 public:
  RootResolver(const EnforceOptions& o, const BundleDir& bundle, std::vector<std::string> workload_env)
      : o_(o), bundle_(bundle), env_(std::move(workload_env)) {}

  // The values of every root `paths` name; an error names the first that has none.
  Result<std::map<std::string, std::string>> values_for(const std::vector<std::string>& paths) {
    std::map<std::string, std::string> out;
    for (const auto& p : paths) {
      auto s = roots::split(p);
      if (!s || out.count(s->first)) continue;
      auto v = value(s->first);
      if (!v) return v.error();
      out[s->first] = *v;
    }
    return out;
  }

 private:
  Result<std::string> value(const std::string& name) {
    if (auto it = cache_.find(name); it != cache_.end()) return it->second;
    if (!policy_) {
      auto loaded = load_gen_policy("");
      if (!loaded) return loaded.error();
      policy_ = std::move(loaded).value();
    }
    const GenPolicy* policy = &*policy_;
    std::string raw, what;
    if (name == roots::kHome) {
      raw = roots::workload_home(&env_, ::geteuid());
      what = "the workload's home directory " + raw;
      if (raw.empty())
        return Error{
            "the bundle names paths below ${HOME}, but the workload has no HOME and your uid no home "
            "directory in the user database; pass --env HOME=DIR",
            0, ErrorKind::BadInput};
    } else if (!o_.workdir.empty()) {
      raw = o_.workdir;
      what = "--workdir " + raw;
      auto real = real_directory(raw, root());
      if (!real) return Error{what + ": " + real.error().message, real.error().errno_value, ErrorKind::BadInput};
      raw = *real;
    } else {
      auto learned = learned_workdir(*policy);
      if (!learned) return learned.error();
      raw = *learned;
      what = "the directory the bundle was learned in, " + raw + ",";
    }
    if (std::string why = root_refusal(name, raw, *policy); !why.empty())
      return Error{what + " cannot stand for ${" + name + "}: it " + why +
                       (name == roots::kWorkdir ? "; pass --workdir with the workload's own directory" : ""),
                   0, ErrorKind::BadInput};
    cache_[name] = raw;
    return raw;
  }

  // Absolute, symbolic links resolved (a root must be checked as the kernel will
  // walk it: /proc/1/root is "/"), and a directory.
  // With an image, `dir` is a path inside `root`, and so is the result.
  static Result<std::string> real_directory(const std::string& dir, const std::string& root) {
    std::string host = root + dir;
    char* real = ::realpath(host.c_str(), nullptr);
    if (real == nullptr) return Errno().error("realpath(\"" + host + "\")");
    std::string out = real;
    std::free(real);
    struct stat st {};
    if (::stat(out.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return Error{"not a directory", ENOTDIR, ErrorKind::BadInput};
    if (root.empty()) return out;
    std::string inside = image_relative_path(out, root);
    if (inside == out) return Error{"leaves the image's root filesystem", EXDEV, ErrorKind::BadInput};
    return inside;
  }
  [[nodiscard]] std::string root() const { return o_.image != nullptr ? o_.image->rootfs : ""; }

  // The working directory of the first run that is a root and exists here; the
  // recording is read only for this (a bundle run with --workdir never needs it).
  Result<std::string> learned_workdir(const GenPolicy& policy) {
    const std::string hint = "; pass --workdir DIR (the workload's directory here, e.g. --workdir .)";
    auto text = bundle_.read("recording.json");
    if (!text)
      return Error{
          "the bundle names paths below ${WORKDIR}, the directory it was learned in, and has no "
          "recording.json to say which that was" +
              hint,
          0, ErrorKind::BadInput};
    auto runs = recording_runs_from_json(*text, o_.dir + "/recording.json");
    if (!runs) return runs.error().with_kind(ErrorKind::BadInput);
    Recording rec;
    rec.runs = std::move(runs).value();
    std::string first;
    for (const auto& r : learned_roots(rec, policy)) {
      if (r.name != roots::kWorkdir) continue;
      if (first.empty()) first = r.path;
      if (auto real = real_directory(r.path, root()); real && *real == r.path) return r.path;
    }
    return Error{"the bundle names paths below ${WORKDIR}, the directory it was learned in" +
                     (first.empty() ? std::string() : " (" + first + ")") + ", which does not exist here" + hint,
                 0, ErrorKind::BadInput};
  }

  const EnforceOptions& o_;
  const BundleDir& bundle_;
  std::vector<std::string> env_;
  std::map<std::string, std::string> cache_;
  std::optional<GenPolicy> policy_;  // the built-in paths policy: shared roots, sensitive paths
};

// The manifest's paths with their roots resolved.
Status resolve_manifest_roots(Manifest& m, RootResolver& roots_of, const std::string& source) {
  std::vector<std::string> paths = m.command;
  paths.push_back(m.cwd);
  for (const auto& b : m.bind) paths.insert(paths.end(), {b.source, b.target});
  auto values = roots_of.values_for(paths);
  if (!values) return values.error().wrap(source);
  auto expand = [&](std::string& p) { p = *roots::expand(p, *values); };
  expand(m.cwd);
  for (auto& a : m.command) expand(a);
  for (auto& b : m.bind) {
    expand(b.source);
    expand(b.target);
  }
  return {};
}

struct Prepared {
  LaunchSpec spec;
  PreparedLandlock landlock;
  // The seccomp filter compiles on another thread while the container is set
  // up (it is most of the launcher's own CPU time), and is published into
  // memory shared with the container before the workload is released.
  std::future<Result<PreparedSeccomp>> seccomp;
  SharedSeccomp seccomp_slot;
  bool has_landlock = false, has_seccomp = false;
  bool notify = false;   // the filter reports its denials (SCMP_ACT_NOTIFY)
  int notify_errno = 0;  // what they are answered with, once compiled
  SeccompFacts facts;
};

// A mechanism the bundle does not use: refused, unless [artifacts] unconfined
// names it, and then said on stderr (with the other notices), not only in --json.
Status check_unconfined(const Manifest& m, const std::string& mechanism, const std::string& why,
                        EnforceReport& report) {
  if (!contains(m.unconfined, mechanism))
    return Error{"profile.toml: " + why + ": refusing to run the workload without " + mechanism +
                     "; regenerate the bundle with 'profile generate', or set [artifacts] unconfined = [\"" +
                     mechanism + "\"] to run without it on purpose",
                 0, ErrorKind::BadInput};
  report.notices.push_back("running without " + mechanism + ": " + why + " and profile.toml says [artifacts] " +
                           "unconfined = [\"" + mechanism + "\"]");
  return {};
}

Status prepare_filters(const EnforceOptions& o, const Manifest& m, const BundleDir& bundle,
                       const std::vector<std::string>& bundle_paths, RootResolver& roots_of, Prepared& p,
                       EnforceReport& report) {
  if (m.seccomp.empty()) {
    if (auto st = check_unconfined(m, "seccomp", "[artifacts] seccomp is empty", report); !st) return st;
  }
  if (m.landlock.empty()) {
    if (auto st = check_unconfined(m, "landlock", "[artifacts] landlock is empty", report); !st) return st;
  }
  if (!m.seccomp.empty()) {
    auto text = bundle.read(m.seccomp);
    if (!text) return text.error();
    auto slot = SharedSeccomp::create();
    if (!slot) return slot.error();
    p.seccomp_slot = std::move(slot).value();
    SeccompCompileOptions so;
    so.capabilities = m.capabilities;
    p.facts = seccomp_facts(*text);
    report.denials.seccomp_kills = p.facts.kills;
    if (o.report_denials) {
      if (seccomp_user_notif_available()) {
        p.notify = true;
      } else {
        report.notices.push_back(
            "seccomp denials cannot be reported on this kernel (it lacks SECCOMP_RET_USER_NOTIF): a denied call "
            "fails with its errno and profile says nothing; 'profile enforce --complain " +
            o.dir + "' shows what the workload needs");
      }
    }
    so.notify_denials = p.notify;
    p.seccomp = std::async(std::launch::async, [path = o.dir + "/" + m.seccomp, text = std::move(text).value(), so] {
      return compile_seccomp_text_cached(path, text, so);
    });
    p.has_seccomp = true;
  }
  if (!m.landlock.empty()) {
    std::string path = o.dir + "/" + m.landlock;
    auto text = bundle.read(m.landlock);
    if (!text) return text.error();
    auto ll = parse_landlock_json(*text, path);
    if (!ll) return ll.error();
    std::vector<std::string> rule_paths;
    for (const auto& r : ll->fs) rule_paths.push_back(r.path);
    auto values = roots_of.values_for(rule_paths);
    if (!values) return values.error().wrap(path);
    if (auto st = resolve_landlock_roots(*ll, *values, path); !st) return st;
    if ((ll->handled_fs | ll->handled_net | ll->scoped) == 0) {
      // Landlock would be applied and restrict nothing.
      if (auto st = check_unconfined(m, "landlock", m.landlock + " handles no access (an empty ruleset)", report); !st)
        return st;
    }
    if (ll->assumes_private_tmp && !m.private_tmp)
      return make_error(m.landlock +
                        " grants /tmp (or /var/tmp, /dev/shm) as a whole, which is safe only in a private "
                        "one, but profile.toml sets private_tmp = false; regenerate with 'profile generate " +
                        o.dir + "' or set private_tmp = true");
    // Stripped, not refused: such a rule comes from a workload that wrote into
    // its bundle's directory while learning, and the rest of the profile is fine.
    for (const auto& dir : bundle_paths) {
      for (const auto& r : strip_landlock_writes_below(*ll, dir)) {
        report.notices.push_back("Landlock: not granting " + r + ": it is the bundle " + o.dir +
                                 ", which the workload must not change");
      }
    }
    int abi = landlock_abi();
    if (abi != landlock_kernel_abi())
      report.notices.push_back(std::string(kLandlockAbiCapVariable) + " is set: using Landlock ABI " +
                               std::to_string(abi) + " of the kernel's " + std::to_string(landlock_kernel_abi()) +
                               " (for tests)");
    // Every feature the profile requires and this kernel lacks, named at once:
    // a user who lets one go should not discover the next on the second run.
    std::vector<std::string> refused;
    for (const auto& feature : missing_landlock_features(*ll, abi)) {
      if (contains(m.landlock_required, feature) && !contains(o.allow_missing_landlock, feature))
        refused.push_back(feature);
    }
    if (!refused.empty()) {
      std::string names, flags;
      for (size_t i = 0; i < refused.size(); ++i) {
        names += (i ? (i + 1 == refused.size() ? " and " : ", ") : "") + ("\"" + refused[i] + "\"");
        flags += (i ? "," : "") + refused[i];
      }
      return make_error("the profile requires the Landlock feature" + std::string(refused.size() > 1 ? "s " : " ") +
                        names + ", which this kernel (Landlock ABI " + std::to_string(abi) +
                        ") lacks; pass --allow-missing-landlock " + flags + " to run without " +
                        (refused.size() > 1 ? "them" : "it"));
    }
    auto prepared = prepare_landlock_from_parent(*ll, /*allow_downgrade=*/true);
    if (!prepared) return prepared.error();
    p.landlock = std::move(prepared).value();
    for (const auto& d : p.landlock.downgrades) report.notices.push_back("Landlock downgrade: " + d);
    p.has_landlock = p.landlock.enabled();
  }
  return {};
}

// Waits for the filter compiled by prepare_filters and makes it visible to the
// (still paused) container.
Status publish_seccomp(Prepared& p, EnforceReport& report) {
  auto sc = p.seccomp.get();
  if (!sc) return sc.error();
  for (const auto& w : sc->warnings) {
    report.notices.push_back("seccomp: " + w);
    log::warn("seccomp: " + w);
  }
  p.notify_errno = sc->notify_errno;
  return p.seccomp_slot.publish(*sc);
}

}  // namespace

std::vector<std::string> missing_landlock_features(const LandlockProfile& profile, int abi) {
  // The ABI that brought each feature (landlock(7)); "fs" is Landlock itself.
  constexpr uint64_t kRefer = 1ULL << 13, kTruncate = 1ULL << 14, kIoctlDev = 1ULL << 15;
  std::vector<std::string> out;
  if (profile.handled_fs != 0 && abi < 1) out.emplace_back("fs");
  if ((profile.handled_fs & kRefer) != 0 && abi < 2) out.emplace_back("refer");
  if ((profile.handled_fs & kTruncate) != 0 && abi < 3) out.emplace_back("truncate");
  if (profile.handled_net != 0 && abi < 4) out.emplace_back("net_tcp");
  if ((profile.handled_fs & kIoctlDev) != 0 && abi < 5) out.emplace_back("ioctl_dev");
  if (profile.scoped != 0 && abi < 6) out.emplace_back("scope");
  return out;
}

Result<uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return make_error("empty size");
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    return make_error("\"" + text + "\" is not a size (expected e.g. 512M, 2G or a number of bytes)");
  }
  std::string suffix = text.substr(used);
  double mult = 1;
  if (suffix.empty() || suffix == "B")
    mult = 1;
  else if (suffix == "K" || suffix == "k" || suffix == "KiB")
    mult = 1024.0;
  else if (suffix == "M" || suffix == "MiB")
    mult = 1024.0 * 1024;
  else if (suffix == "G" || suffix == "GiB")
    mult = 1024.0 * 1024 * 1024;
  else
    return make_error("\"" + text + "\" is not a size (expected e.g. 512M, 2G or a number of bytes)");
  if (value < 0 || !std::isfinite(value)) return make_error("\"" + text + "\" is not a size");
  // 0 means "unlimited" everywhere: a fraction that rounds to no byte at all
  // ("0.4") must not become that. And a size beyond what a cgroup takes (the
  // kernel's limit is a signed 64-bit byte count) must not be converted: a
  // double that large is undefined behaviour as an integer.
  double bytes = value * mult;
  if (value != 0 && bytes < 1)
    return make_error("\"" + text + "\" is less than one byte (0 means unlimited; use e.g. 512M)");
  constexpr double kMax = 9223372036854771712.0;  // the largest double below 2^63
  if (bytes > kMax) return make_error("\"" + text + "\" is larger than any memory limit (at most 8E bytes)");
  return static_cast<uint64_t>(bytes);
}

Result<WorkloadUser> resolve_workload_user(const std::string& spec) {
  auto colon = spec.find(':');
  std::string user = spec.substr(0, colon), group = colon == std::string::npos ? "" : spec.substr(colon + 1);
  auto number = [](const std::string& s) -> std::optional<uint32_t> {
    if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    uint64_t v = std::stoull(s);
    // (uid_t)-1 means "unchanged" to setresuid: never a user.
    if (v >= 0xffffffffULL) return std::nullopt;
    return static_cast<uint32_t>(v);
  };
  if (user.empty() || (colon != std::string::npos && group.empty()))
    return Error{"user \"" + spec + "\": expected UID[:GID] or NAME[:GROUP]", EINVAL, ErrorKind::BadInput};
  WorkloadUser out;
  std::string name;  // the passwd entry's, for the supplementary groups
  std::optional<uint32_t> primary;
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (auto uid = number(user)) {
    out.uid = *uid;
    if (::getpwuid_r(*uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
      name = pw.pw_name;
      primary = pw.pw_gid;
    }
  } else {
    if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr)
      return Error{"user \"" + user + "\" is not in the passwd database (give a number: --user UID:GID)", ENOENT,
                   ErrorKind::BadInput};
    out.uid = pw.pw_uid;
    name = pw.pw_name;
    primary = pw.pw_gid;
  }
  if (!group.empty()) {
    if (auto gid = number(group)) {
      out.gid = *gid;
    } else {
      struct group gr {};
      struct group* gfound = nullptr;
      if (::getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &gfound) != 0 || gfound == nullptr)
        return Error{"group \"" + group + "\" is not in the group database (give a number: --user UID:GID)", ENOENT,
                     ErrorKind::BadInput};
      out.gid = gr.gr_gid;
    }
  } else if (primary) {
    out.gid = *primary;
  } else {
    return Error{"uid " + user + " has no passwd entry, so no group: give it as --user " + user + ":GID", ENOENT,
                 ErrorKind::BadInput};
  }
  out.groups = {out.gid};
  if (!name.empty()) {
    int n = 64;
    std::vector<gid_t> groups(static_cast<size_t>(n));
    if (::getgrouplist(name.c_str(), out.gid, groups.data(), &n) < 0) {
      groups.resize(static_cast<size_t>(n));
      if (::getgrouplist(name.c_str(), out.gid, groups.data(), &n) < 0) n = 0;
    }
    for (int i = 0; i < n; ++i)
      if (groups[static_cast<size_t>(i)] != out.gid) out.groups.push_back(groups[static_cast<size_t>(i)]);
  }
  return out;
}

namespace {
// Read only when the workload failed: recording.json can be large.
std::string clone3_note(const BundleDir& bundle, const std::string& dir, int status) {
  auto text = bundle.read("recording.json");
  if (!text) return "";
  auto rec = recording_from_json(*text, dir + "/recording.json");
  if (!rec) return "";
  // Only a clone3 that may have no fallback: glibc's falls back, and naming
  // clone3 for every failing threaded program would point the wrong way.
  std::string why;
  for (const auto& d : clone3_fallback_doubts(*rec)) why += "; " + d;
  if (why.empty()) return "";
  return "the workload exited with status " + std::to_string(status) +
         " and learning saw it call clone3, which this profile answers with ENOSYS (glibc falls back to clone; code "
         "calling clone3 itself may not)" +
         why + ". If it cannot fall back: profile generate --clone3 allow " + dir;
}
}  // namespace

// A bundle learned in an image names image paths: run on the host's root it
// would be a different program under the wrong rules, so that is refused; run
// in another image than it was learned in, it is said. The recording is read
// only when it names a root filesystem at all.
Status check_image_of_bundle(const EnforceOptions& o, const BundleDir& bundle, EnforceReport& report) {
  auto text = bundle.read("recording.json");
  if (!text || text->find("\"rootfs\":") == std::string::npos) return {};
  auto runs = recording_runs_from_json(*text, o.dir + "/recording.json");
  if (!runs || runs->empty()) return {};
  const RunInfo& last = runs->back();
  if (!last.rootfs) return {};
  std::string learned_in = last.image ? "image " + *last.image + " (" + last.image_digest.value_or("?") + ")"
                                      : "the root filesystem " + *last.rootfs;
  if (o.image == nullptr)
    return Error{o.dir + " was learned in " + learned_in + ": run it there with --image " +
                     (last.image ? *last.image : std::string("REF")) + " or --rootfs DIR",
                 EINVAL, ErrorKind::BadInput};
  if (last.image_digest && !o.image->digest.empty() && *last.image_digest != o.image->digest)
    report.notices.push_back(o.dir + " was learned in " + learned_in + ", not in " + o.image->digest +
                             ": what the image does differently is denied");
  return {};
}

Result<EnforceReport> run_bundle(const EnforceOptions& o) {
  EnforceReport report;
  // Every file the confinement comes from is read through this checked handle.
  auto bundle = BundleDir::open(o.dir);
  if (!bundle) return bundle.error();
  std::string manifest_path = o.dir + "/profile.toml";
  auto text = bundle->read("profile.toml");
  if (!text) return text.error();
  auto manifest = parse_manifest(*text, manifest_path);
  if (!manifest) return manifest.error().with_kind(ErrorKind::BadInput);
  for (const auto& e : o.env) {
    std::string name = env_name(e);
    if (name.empty() || name.find_first_of(" \t\n") != std::string::npos)
      return Error{"--env " + e + ": expected NAME or NAME=VALUE", EINVAL, ErrorKind::BadInput};
  }
  // With an image, its config's environment, as at learn (the manifest's names
  // were those); the caller's variables only through --env.
  LaunchSpec image_spec;
  if (o.image != nullptr) {
    if (auto st = apply_image(*o.image, o.command, o.entrypoint, image_spec); !st) return st.error();
  }
  auto env = o.image != nullptr ? image_environment(image_spec.env, o.env) : workload_environment(manifest->env, o.env);
  // A relocatable bundle's ${WORKDIR} and ${HOME} (profilegen/relocate.h),
  // resolved before anything uses a path of the manifest; ${HOME} as the
  // workload will see it.
  if (auto st = check_image_of_bundle(o, *bundle, report); !st) return st.error();
  RootResolver roots_of(o, *bundle, env.entries);
  if (auto st = resolve_manifest_roots(*manifest, roots_of, manifest_path); !st) return st.error();
  const Manifest& m = *manifest;
  if (!m.selinux_module.empty()) {
    // Not read here (selinux-install loads it), but part of what the bundle grants.
    if (auto st = bundle->check_if_present(m.selinux_module); !st) return st.error();
  }

  Prepared p;
  LaunchSpec& spec = p.spec;
  spec.argv = o.command.empty() && !o.entrypoint ? m.command : o.image != nullptr ? image_spec.argv : o.command;
  if (o.image != nullptr) spec.rootfs = o.image->rootfs;
  if (spec.argv.empty()) return make_error(manifest_path + ": [workload] command is empty and no command was given");
  spec.cwd = m.cwd;
  if (!o.cwd.empty()) {
    // By name, looked up again inside the container's mounts (as the manifest's).
    spec.cwd = o.cwd;
    if (spec.cwd[0] != '/') {
      char buf[4096];
      if (::getcwd(buf, sizeof buf) == nullptr) return Errno().error("getcwd");
      spec.cwd = std::string(buf) + "/" + spec.cwd;
    }
    spec.cwd = lexically_normal(spec.cwd);
  }
  spec.env = std::move(env.entries);
  report.dropped_env = env.dropped;
  for (auto& n : env.notices) report.notices.push_back(std::move(n));

  // The manifest's working directory, or ours when it names none (as the
  // launcher would take it), also as PWD: without PWD, sh calls getcwd(2), which
  // a profile learned from a shell that had PWD does not allow.
  if (spec.cwd.empty()) {
    char buf[4096];
    if (::getcwd(buf, sizeof buf) != nullptr) spec.cwd = buf;
  }
  if (!spec.cwd.empty() && spec.cwd[0] == '/') {
    std::erase_if(spec.env, [](const std::string& kv) { return kv.rfind("PWD=", 0) == 0; });
    spec.env.push_back("PWD=" + spec.cwd);
  }
  spec.env_exact = true;
  auto net = net_mode_from_name(m.net);
  if (!net) return net.error().wrap(manifest_path);
  spec.net = *net;
  auto userns = user_ns_mode_from_name(m.user_namespace);
  if (!userns) return userns.error().wrap(manifest_path);
  spec.user_ns = *userns;
  // Limits make the cgroup mandatory (spawn_container fails without it); with
  // none, an unprivileged user without delegation still gets everything else,
  // and the pid namespace kills what the workload leaves behind.
  spec.require_cgroup = false;
  spec.limits.memory_max = o.memory_max.value_or(m.memory_max);
  spec.limits.pids_max = o.pids_max.value_or(m.pids_max);
  double cpus = o.cpus.value_or(m.cpus);
  if (cpus < 0) return make_error("--cpus must not be negative");
  spec.limits.cpu_quota_us = static_cast<uint64_t>(std::llround(cpus * static_cast<double>(spec.limits.cpu_period_us)));
  spec.limits.cpu_weight = m.cpu_weight;

  Confinement& c = spec.confine;
  c.readonly_root = m.readonly_root;
  c.mask_kernel_paths = true;  // as runc: /proc/kcore, /proc/sys read-only, ...
  // Complain reports what enforce would deny, and --update learns it: like
  // learn, it sees the host's temporary directories, so that a file there
  // outside the binds is read and reported instead of looking missing.
  Manifest seen = m;
  if (o.complain) {
    seen.private_tmp = false;
    std::erase_if(seen.bind, [](const BindMount& b) { return b.optional && b.source == b.target; });
  }
  // In an image, the files the workload kept under /tmp were the image's, not
  // the host's ones of the same name.
  if (o.image != nullptr)
    std::erase_if(seen.bind, [](const BindMount& b) { return b.optional && b.source == b.target; });
  c.private_tmp = seen.private_tmp;
  for (const auto& b : seen.bind) c.binds.push_back({b.source, b.target, b.readonly, b.optional});
  // Read-only wherever the workload can see it: a workload that could rewrite
  // seccomp.json or landlock.json would run unconfined the next time.
  std::vector<std::string> bundle_paths = bundle_paths_in_container(bundle->real_path(), seen);
  for (const auto& path : bundle_paths) c.readonly_dirs.push_back({path, bundle->dev(), bundle->ino()});
  c.drop_capabilities = true;
  c.keep_capabilities = m.capabilities;
  c.ambient_capabilities = m.ambient_capabilities;
  // The new session keeps the workload off the caller's terminal, unless it
  // keeps CAP_SYS_ADMIN, with which TIOCSTI works on any terminal fd it holds.
  for (const auto& name : m.capabilities) {
    auto cap = capability_from_name(name);
    if (cap && *cap == CAP_SYS_ADMIN) spec.guard_terminal = true;
  }
  // The user to run as: --user, else the manifest's (a bundle learned as that
  // user). Only root can switch; a caller who is not root runs the workload as
  // itself, which is said when the manifest asked for someone else.
  if (!o.user.empty() && ::geteuid() != 0)
    return Error{"--user needs root: only root can run the workload as another user", EPERM, ErrorKind::BadInput};
  if (o.image != nullptr) {
    // The image's user (its config's, or --user looked up in its /etc/passwd), as at learn.
    if (!o.user.empty()) {
      auto u = resolve_image_user(o.image->rootfs, o.user);
      if (!u) return u.error().wrap("--user");
      c.set_user = u->uid != 0 || u->gid != 0;
      c.uid = u->uid;
      c.gid = u->gid;
      c.groups.assign(u->groups.begin(), u->groups.end());
    } else {
      c.set_user = image_spec.confine.set_user;
      c.uid = image_spec.confine.uid;
      c.gid = image_spec.confine.gid;
      c.groups = image_spec.confine.groups;
    }
  } else if (std::string who = o.user.empty() ? m.user : o.user; !who.empty()) {
    auto u = resolve_workload_user(who);
    if (!u) return o.user.empty() ? u.error().wrap(manifest_path + ": [workload] user") : u.error().wrap("--user");
    if (::geteuid() == 0) {
      c.set_user = true;
      c.uid = u->uid;
      c.gid = u->gid;
      c.groups.assign(u->groups.begin(), u->groups.end());
    } else if (u->uid != ::geteuid() || u->gid != ::getegid()) {
      report.notices.push_back(manifest_path + " says the workload runs as " + who +
                               ", which only root can do: it runs as you (uid " + std::to_string(::geteuid()) + ")");
    }
  }
  c.no_new_privs = true;
  c.reset_personality = true;
  // The one SELinux step (enforce/selinux_exec.h): refuses when the profile
  // requires SELinux and it is off or the module is not installed.
  auto se = prepare_selinux_exec_from_parent(m.name, m.selinux_module, m.selinux_required);
  if (!se) return se.error();
  if (!se->notice.empty()) report.notices.push_back(se->notice);
  c.selinux_exec_context = se->context;

  report.applied = {"namespaces", "cgroup"};
  report.applied.emplace_back("mounts");  // at least the bundle, read-only
  if (c.set_user) report.applied.emplace_back("user");
  report.applied.insert(report.applied.end(), {"capabilities", "no_new_privs"});

  // Said once every check has passed, so that a refusal stays one sentence.
  auto say_notices = [&] {
    if (!report.dropped_env.empty()) log::info(dropped_env_text(report.dropped_env));
    for (const auto& n : report.notices) log::warn(n);
  };
  if (o.complain) {
    say_notices();
    auto r = run_complain(o, m, spec);
    if (r) {
      r->dropped_env = report.dropped_env;
      r->notices.insert(r->notices.begin(), report.notices.begin(), report.notices.end());
    }
    return r;
  }
  if (auto st = prepare_filters(o, m, *bundle, bundle_paths, roots_of, p, report); !st) return st.error();
  if (p.has_landlock) {
    c.landlock = &p.landlock;
    report.applied.emplace_back("landlock");
  }
  if (!c.selinux_exec_context.empty()) report.applied.emplace_back("selinux");
  if (p.has_seccomp) {
    c.seccomp_slot = p.seccomp_slot.slot();
    report.applied.emplace_back("seccomp");
  }
  report.denials.on = o.report_denials;
  report.denials.landlock = p.has_landlock;
  spec.seccomp_listener = p.notify;
  say_notices();

  auto container = spawn_container(spec, LaunchHooks{});
  if (!container) return container.error();
  Container& ct = **container;
  if (p.has_seccomp) {
    if (auto st = publish_seccomp(p, report); !st) {
      (void)ct.finish(0);  // kills the paused container: the workload never ran
      return st.error();
    }
  }
  forward_signals_to(ct.top_pid());
  if (auto st = ct.release(); !st) {
    forward_signals_to(-1);
    return st.error();
  }
  // Started after release: the listener comes from the supervisor once the
  // workload has exec'd. Denied calls wait for this thread's answer.
  std::unique_ptr<DenialMonitor> monitor;
  if (p.notify) {
    DenialMonitor::Options mo;
    mo.answer_errno = p.notify_errno != 0 ? p.notify_errno : EPERM;
    mo.allowed_with_args = p.facts.allowed_with_args;
    mo.live = o.live_denials;
    auto started = DenialMonitor::start(ct.take_seccomp_listener_socket(), std::move(mo));
    if (started) {
      monitor = std::move(started).value();
    } else {
      // The supervisor's copy is closed once sent: with nobody holding the
      // listener, denied calls fail with ENOSYS rather than wait forever.
      log::warn("seccomp denials are not reported: " + started.error().message);
    }
  }
  Watchdog watchdog(ct, o.timeout_s, kSignalGraceSeconds);
  int status = 0;
  while (::waitpid(ct.top_pid(), &status, __WALL) < 0) {
    if (errno == EINTR) continue;
    int err = errno;
    watchdog.stop();
    forward_signals_to(-1);
    (void)ct.finish(0);
    return sys_error("waitpid(" + std::to_string(ct.top_pid()) + ")", err);
  }
  watchdog.stop();
  if (monitor) {
    report.denials.denials = monitor->stop();
    report.denials.seccomp_watched = monitor->had_listener();
    if (!monitor->error().empty()) {
      report.notices.push_back("the seccomp denial report stopped early: " + monitor->error());
      log::warn(report.notices.back());
    }
  }
  report.timed_out = watchdog.fired();
  report.killed_after_signal = watchdog.killed_after_signal();
  forward_signals_to(-1);
  auto exit = ct.finish(status);
  if (!exit) return exit.error();
  report.exit = *exit;
  if (report.exit.status() != 0 && !report.timed_out && report.killed_after_signal == 0 && p.facts.clone3_enosys)
    report.clone3_note = clone3_note(*bundle, o.dir, report.exit.status());
  return report;
}

namespace {

// "socket: (a1 & 0xf) == 0x1 && a0 == 0xa" (profilegen/diff.h's form) in the
// words of the headers, each value named after its argument in
// policies/args.toml: "family AF_INET (2), type SOCK_STREAM (1)". "" when the
// condition is not of that form ("any arguments").
std::string condition_in_words(const std::string& line) {
  auto colon = line.find(": ");
  if (colon == std::string::npos) return "";
  std::string name = line.substr(0, colon), cond = line.substr(colon + 2);
  static const std::regex kTerm(R"(\(a([0-5]) & 0x([0-9a-f]+)\) == 0x([0-9a-f]+)|a([0-5]) == 0x([0-9a-f]+))");
  std::map<unsigned, std::pair<uint64_t, uint64_t>> terms;  // index -> value, mask
  for (auto it = std::sregex_iterator(cond.begin(), cond.end(), kTerm); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    if (m[1].matched)
      terms[std::stoul(m[1].str())] = {std::stoull(m[3].str(), nullptr, 16), std::stoull(m[2].str(), nullptr, 16)};
    else
      terms[std::stoul(m[4].str())] = {std::stoull(m[5].str(), nullptr, 16), ~uint64_t{0}};
  }
  if (terms.empty()) return "";
  std::vector<unsigned> indices;
  std::vector<uint64_t> masks, values;
  for (const auto& [index, vm] : terms) {
    indices.push_back(index);
    values.push_back(vm.first);
    masks.push_back(vm.second);
  }
  auto words = arg_tuple_values(name, indices, masks, values);
  const ArgRule* rule = builtin_arg_policy().find(name);
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string arg = "a" + std::to_string(indices[i]);
    if (rule != nullptr)
      for (size_t k = 0; k < rule->indices.size() && k < rule->names.size(); ++k)
        if (rule->indices[k] == indices[i]) arg = rule->names[k];
    out += (out.empty() ? "" : ", ") + arg + " " + words[i];
  }
  return name + ": " + out;
}

std::string dangerous_tag(const std::string& syscall) {
  const auto* d = builtin_dangerous_list().find(syscall);
  return d == nullptr ? "" : "  [DANGEROUS: " + d->reason + "]";
}

std::string syscall_name_of(const std::string& arg_line) {
  return arg_line.substr(0, arg_line.find(':'));
}

std::string arches_text(const EnforceReport& r, const std::string& syscall) {
  auto it = r.outside_arches.find(syscall);
  if (it == r.outside_arches.end()) return "";
  // The machine's own architecture goes without saying.
  std::string out;
  for (const auto& a : it->second)
    if (a != arch_display_name(native_arch())) out += (out.empty() ? "" : ", ") + a;
  return out.empty() ? "" : " (" + out + ")";
}

}  // namespace

std::string complain_report_text(const EnforceReport& r) {
  std::ostringstream out;
  const DiffSide& d = r.outside;
  if (d.empty() && r.outside_architectures.empty() && r.outside_unnamed.empty()) {
    out << "complain: nothing outside the profile\n";
    return out.str();
  }
  out << "complain: accesses outside the profile:\n";
  for (const auto& a : r.outside_architectures)
    out << "  architecture " << a << ": not in the profile, every call through it is denied\n";
  for (const auto& s : d.syscalls) out << "  syscall  " << s << arches_text(r, s) << dangerous_tag(s) << "\n";
  for (const auto& u : r.outside_unnamed)
    out << "  syscall  #" << u.substr(u.find(':') + 1) << " (" << u.substr(0, u.find(':'))
        << "): unnamed (newer than libseccomp), answered with ENOSYS\n";
  for (const auto& a : d.args) {
    std::string words = condition_in_words(a);
    out << "  argument " << (words.empty() ? a : words + "  [" + a.substr(a.find(": ") + 2) + "]")
        << dangerous_tag(syscall_name_of(a)) << "\n";
  }
  for (const auto& [path, rights] : d.files) out << "  file     " << path << " (" << rights << ")\n";
  for (const auto& n : d.net) out << "  network  " << n << "\n";
  for (const auto& [cap, why] : d.capabilities) out << "  capability " << cap << " not kept: " << why << "\n";
  for (const auto& f : r.updated_files) out << "updated " << f << "\n";
  return out.str();
}

SeccompFacts seccomp_facts(const std::string& json_text) {
  SeccompFacts out;
  auto doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return out;
  if (auto da = doc.find("defaultAction"); da != doc.end() && da->is_string())
    out.kills = da->get<std::string>().rfind("SCMP_ACT_KILL", 0) == 0;
  auto calls = doc.find("syscalls");
  if (calls == doc.end() || !calls->is_array()) return out;
  std::set<std::string> unconditional;
  bool clone3_allowed = false;
  for (const auto& rule : *calls) {
    if (rule.is_object() && rule.value("action", "") == "SCMP_ACT_ERRNO" && rule.value("errnoRet", 0) == ENOSYS)
      if (auto n = rule.find("names"); n != rule.end() && n->is_array())
        for (const auto& x : *n)
          if (x.is_string() && x.get<std::string>() == "clone3") out.clone3_enosys = true;
    if (rule.is_object() && rule.value("action", "") == "SCMP_ACT_ALLOW")
      if (auto n = rule.find("names"); n != rule.end() && n->is_array())
        for (const auto& x : *n)
          if (x.is_string() && x.get<std::string>() == "clone3") clone3_allowed = true;
    if (!rule.is_object() || rule.value("action", "") != "SCMP_ACT_ALLOW") continue;
    auto args = rule.find("args");
    bool with_args = args != rule.end() && args->is_array() && !args->empty();
    std::vector<std::string> names;
    if (auto n = rule.find("names"); n != rule.end() && n->is_array())
      for (const auto& x : *n)
        if (x.is_string()) names.push_back(x.get<std::string>());
    if (auto n = rule.find("name"); n != rule.end() && n->is_string()) names.push_back(n->get<std::string>());
    for (auto& name : names) (with_args ? out.allowed_with_args : unconditional).insert(std::move(name));
  }
  for (const auto& n : unconditional) out.allowed_with_args.erase(n);
  if (clone3_allowed) out.clone3_enosys = false;
  return out;
}

std::vector<std::string> denial_report_lines(const EnforceReport& r, const std::string& dir) {
  std::vector<std::string> out;
  const DenialReport& d = r.denials;
  if (r.complain) return out;
  if (!d.on) {
    if (!r.clone3_note.empty()) out.push_back(r.clone3_note);
    return out;
  }
  for (const auto& x : d.denials) out.push_back(denial_line(x));
  std::string sig = unexpected_signal_line(r.exit.signal, d.seccomp_kills, !d.denials.empty());
  if (!sig.empty()) out.push_back(sig);
  bool failed = r.exit.status() != 0 && !r.timed_out && r.killed_after_signal == 0;
  if (out.empty() && !(failed && d.landlock)) return out;
  if (out.empty()) {
    out.push_back("the workload exited with status " + std::to_string(r.exit.status()) +
                  (d.seccomp_watched ? " and seccomp denied it nothing" : ""));
  }
  if (!r.clone3_note.empty()) out.push_back(r.clone3_note);
  if (d.landlock)
    out.push_back("file and network denials by Landlock are not observable here: 'profile enforce --complain " + dir +
                  "' shows them");
  out.push_back("to see all the workload needs outside the profile: profile enforce --complain " + dir +
                "; to add it to the profile: profile enforce --complain --update " + dir);
  return out;
}

std::string enforce_report_json(const EnforceReport& r) {
  nlohmann::ordered_json j;
  j["exit"] = {{"code", r.exit.code}, {"signal", r.exit.signal}, {"status", r.exit.status()}};
  j["timed_out"] = r.timed_out;
  j["applied"] = r.applied;
  j["notices"] = r.notices;
  j["dropped_env"] = r.dropped_env;
  if (!r.clone3_note.empty()) j["clone3_note"] = r.clone3_note;
  if (r.denials.on && !r.complain) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& d : r.denials.denials) {
      list.push_back({{"mechanism", d.mechanism},
                      {"arch", d.arch},
                      {"syscall", d.syscall},
                      {"detail", d.detail},
                      {"count", d.count},
                      {"first_pid", d.first_pid},
                      {"first_command", d.first_comm},
                      {"errno", d.error != 0 ? errno_name(d.error) : ""},
                      {"reason", d.args_restricted ? "arguments not in the profile" : "not in the profile"},
                      {"line", denial_line(d)}});
    }
    j["denials"] = std::move(list);
    j["denials_observed"] = {{"seccomp", r.denials.seccomp_watched}, {"landlock", false}};
    std::string sig = unexpected_signal_line(r.exit.signal, r.denials.seccomp_kills, !r.denials.denials.empty());
    if (!sig.empty()) j["signal_note"] = sig;
  }
  if (r.complain) {
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const auto& [path, rights] : r.outside.files) files.push_back({{"path", path}, {"access", rights}});
    nlohmann::ordered_json caps = nlohmann::ordered_json::array();
    for (const auto& [cap, why] : r.outside.capabilities) caps.push_back({{"name", cap}, {"evidence", why}});
    // Added beside the raw lists (which stay as they were): the decoded
    // argument values, the dangerous syscalls' reasons, the architectures.
    nlohmann::ordered_json decoded = nlohmann::ordered_json::array();
    for (const auto& a : r.outside.args) decoded.push_back(condition_in_words(a));
    nlohmann::ordered_json dangerous = nlohmann::ordered_json::object();
    for (const auto& s : r.outside.syscalls)
      if (const auto* d = builtin_dangerous_list().find(s)) dangerous[s] = d->reason;
    for (const auto& a : r.outside.args)
      if (const auto* d = builtin_dangerous_list().find(syscall_name_of(a))) dangerous[syscall_name_of(a)] = d->reason;
    j["outside_profile"] = {{"syscalls", r.outside.syscalls},
                            {"args", r.outside.args},
                            {"args_decoded", decoded},
                            {"dangerous", dangerous},
                            {"syscall_arches", r.outside_arches},
                            {"architectures", r.outside_architectures},
                            {"unnamed_syscalls", r.outside_unnamed},
                            {"files", files},
                            {"network", r.outside.net},
                            {"capabilities", caps}};
    j["updated_files"] = r.updated_files;
  }
  return dump_bytes(std::move(j), 2) + "\n";  // notices and outside_profile hold paths: bytes
}

}  // namespace profile
