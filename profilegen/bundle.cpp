#include "profilegen/bundle.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "common/atomic_file.h"
#include "common/fd.h"
#include "common/json_bytes.h"
#include "common/path_roots.h"
#include "profilegen/gen_policy.h"
#include "profilegen/landlock_gen.h"
#include "profilegen/private_tmp.h"
#include "profilegen/relocate.h"
#include "profilegen/runtime_part.h"
#include "profilegen/seccomp_gen.h"
#include "profilegen/selinux/gen.h"

namespace profile {
namespace {

Manifest manifest_from_recording(const Recording& rec) {
  Manifest m;  // private_tmp = true: what it used below /tmp is bound in (add_private_tmp_binds)
  if (!rec.runs.empty()) {
    const RunInfo& r = rec.runs.front();
    m.command = r.command;
    m.cwd = r.cwd;
    if (auto it = r.container.find("net"); it != r.container.end())
      if (it->second == "host" || it->second == "loopback" || it->second == "none") m.net = it->second;
  }
  if (m.command.empty()) m.command = {"true"};
  // Named after what a wrapper (setpriv, env, nice...) runs, not the wrapper.
  size_t program = wrapped_program_index(m.command, executed_in(rec.executables));
  m.name = workload_name_from_command({m.command.begin() + static_cast<std::ptrdiff_t>(program), m.command.end()});
  // The names the workload was started with while learning (every run's):
  // enforce passes those from its caller's environment. A recording from before
  // runs kept them gets the few a program commonly needs.
  std::set<std::string> env;
  bool known = false;
  for (const auto& r : rec.runs) {
    if (!r.env) continue;
    known = true;
    env.insert(r.env->begin(), r.env->end());
  }
  m.env = known ? std::vector<std::string>(env.begin(), env.end())
                : std::vector<std::string>{"HOME", "LANG", "PATH", "TERM"};
  set_learned_capabilities(rec, m);
  m.user = learned_user(rec);
  return m;
}

Status write_all(int fd, const std::string& data, const std::string& what) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno().error("write(\"" + what + "\")");
    }
    off += static_cast<size_t>(n);
  }
  return {};
}

Status fsync_path(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Errno().error("open(\"" + path + "\")");
  if (::fsync(fd.get()) != 0) return Errno().error("fsync(\"" + path + "\")");
  return {};
}

Status remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT ? Status{} : Errno().error("lstat(\"" + path + "\")");
  if (S_ISDIR(st.st_mode)) {
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) return Errno().error("opendir(\"" + path + "\")");
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d))
      if (std::string n = e->d_name; n != "." && n != "..") names.push_back(n);
    ::closedir(d);
    for (const auto& n : names)
      if (auto s = remove_tree(path + "/" + n); !s) return s;
    if (::rmdir(path.c_str()) != 0) return Errno().error("rmdir(\"" + path + "\")");
  } else if (::unlink(path.c_str()) != 0) {
    return Errno().error("unlink(\"" + path + "\")");
  }
  return {};
}

// Hard-links (or, across devices, copies) `from` into `to`, recursively.
Status carry_over(const std::string& from, const std::string& to) {
  struct stat st {};
  if (::lstat(from.c_str(), &st) != 0) return Errno().error("lstat(\"" + from + "\")");
  if (S_ISDIR(st.st_mode)) {
    if (::mkdir(to.c_str(), st.st_mode & 07777) != 0) return Errno().error("mkdir(\"" + to + "\")");
    DIR* d = ::opendir(from.c_str());
    if (d == nullptr) return Errno().error("opendir(\"" + from + "\")");
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d))
      if (std::string n = e->d_name; n != "." && n != "..") names.push_back(n);
    ::closedir(d);
    for (const auto& n : names)
      if (auto s = carry_over(from + "/" + n, to + "/" + n); !s) return s;
    return {};
  }
  if (S_ISLNK(st.st_mode)) {
    std::string target(4096, '\0');
    ssize_t n = ::readlink(from.c_str(), target.data(), target.size());
    if (n < 0) return Errno().error("readlink(\"" + from + "\")");
    target.resize(static_cast<size_t>(n));
    if (::symlink(target.c_str(), to.c_str()) != 0) return Errno().error("symlink(\"" + to + "\")");
    return {};
  }
  if (::link(from.c_str(), to.c_str()) == 0) return {};
  auto content = read_file(from);
  if (!content) return content.error();
  Fd fd(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777));
  if (!fd) return Errno().error("open(\"" + to + "\", O_CREAT)");
  if (auto s = write_all(fd.get(), *content, to); !s) return s;
  if (::fsync(fd.get()) != 0) return Errno().error("fsync(\"" + to + "\")");
  return {};
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> render_bundle(const Recording& rec, const GenerateOptions& opts,
                                                         const std::string& existing_manifest, GenerateReport* report) {
  GenerateReport local;
  GenerateReport& r = report != nullptr ? *report : local;
  if (rec.incomplete() && !opts.allow_incomplete)
    return make_error(
        "the recording is incomplete (the tracer lost events), so profiles made from it may deny what the "
        "workload needs; learn again, or pass --allow-incomplete to generate anyway");
  auto policy = load_gen_policy(opts.policy_file);
  if (!policy) return policy.error();
  auto sm = build_seccomp_model(rec, *policy, SeccompOptions{opts.no_args, opts.default_action, opts.clone3});
  if (!sm) return sm.error();
  if (opts.paths != "directories" && opts.paths != "exact")
    return make_error("--paths must be directories or exact, not \"" + opts.paths + "\"");
  auto runtime_data = load_runtime_data(opts.runtimes_file);
  if (!runtime_data) return runtime_data.error();
  auto runtime = select_runtime_part(*runtime_data, opts.runtime, opts.runtime_nnp);
  if (!runtime) return runtime.error();

  Manifest man;
  if (opts.manifest) {
    man = *opts.manifest;
  } else if (!existing_manifest.empty()) {
    auto parsed = parse_manifest(existing_manifest, "profile.toml");
    if (!parsed) return parsed.error();
    man = *parsed;
  } else {
    man = manifest_from_recording(rec);
  }
  // An existing manifest's capabilities stay as they are (a capability removed
  // by hand stays removed); the learning commands add what their new run showed.
  if (opts.grant_capabilities_of != nullptr) grant_learned_capabilities(*opts.grant_capabilities_of, man);
  std::vector<std::string> not_kept;
  for (const auto& [cap, evidence] : rec.capabilities)
    if (std::find(man.capabilities.begin(), man.capabilities.end(), cap) == man.capabilities.end())
      not_kept.push_back(
          evidence.empty() ? cap : cap + " (" + *evidence.begin() + (evidence.size() > 1 ? ", ..." : "") + ")");
  LandlockGenOptions lo;
  lo.directories = opts.paths == "directories";
  lo.private_tmp = man.private_tmp;
  lo.host_network = man.net == "host";
  LandlockModel lm = build_landlock_model(rec, *policy, lo);
  // Relocatable: paths below the working directories and homes the runs had are
  // stored as ${WORKDIR}/... and ${HOME}/..., after every decision on them was
  // made on the real paths (shared roots, sensitive paths, private /tmp).
  const std::vector<PathRoot> roots = learned_roots(rec, *policy);
  relocate_manifest(man, roots);
  // A kept manifest (regeneration) gets the binds a grown recording needs too.
  if (man.private_tmp) {
    std::vector<BindMount> binds = private_tmp_binds(rec, lm);
    for (auto& b : binds) {
      b.source = relocate_path(b.source, roots);
      b.target = relocate_path(b.target, roots);
    }
    add_missing_binds(man, binds);
  }
  relocate_landlock(lm, roots);
  man.seccomp = "seccomp.json";
  man.landlock = "landlock.json";
  man.landlock_required = lm.required;

  std::map<std::string, std::string> files;
  if (!opts.keep_recording) files["recording.json"] = recording_to_json(rec);
  // The engine formats carry the runtime part; enforce skips its rule.
  SeccompModel engine = with_runtime_part(*sm, *runtime, &r.runtime_syscalls);
  files["seccomp.json"] = seccomp_to_docker_json(engine);
  files["seccomp.oci.json"] = seccomp_to_oci_json(engine);
  files["seccompprofile.yaml"] = spo_yaml_with_runtime(*sm, *runtime, man.name);
  files["landlock.json"] = landlock_to_json(lm);
  std::vector<std::string> selinux_notes;
  if (opts.selinux) {
    SelinuxOptions so;
    so.policy_root = opts.selinux_policy;
    auto se = generate_selinux(rec, man.name, so);
    if (se) {
      for (auto& [rel, bytes] : se->files) files[rel] = std::move(bytes);
      man.selinux_module = se->module_path;
      selinux_notes = se->notes;
    } else {
      man.selinux_module.clear();
      man.selinux_required = false;
      selinux_notes.push_back("no SELinux module was generated: " + se.error().message);
    }
  }
  files["profile.toml"] = manifest_to_toml(man);

  r.files.clear();
  for (const auto& [name, content] : files) r.files.push_back(name);
  for (const auto& [arch, names] : sm->allowed) r.allowed_per_arch[arch] = names.size();
  for (const auto& [arch, calls] : rec.syscalls) r.observed_per_arch[arch] = calls.size();
  std::set<std::string> allowed;
  for (const auto& [arch, names] : sm->allowed) allowed.insert(names.begin(), names.end());
  for (const auto& name : allowed)
    if (const DangerousEntry* d = policy->dangerous.find(name))
      r.dangerous.push_back({name, d->reason, d->note});
    else if (auto f = sm->flagged.find(name); f != sm->flagged.end())
      r.dangerous.push_back({name, f->second, ""});
  r.landlock_rules = lm.fs.size();
  r.landlock_generalised = lm.generalised.size();
  r.landlock_min_abi = lm.min_abi;
  r.notes.clear();
  if (!sm->added.empty()) {
    std::vector<std::string> names;
    for (const auto& [n, why] : sm->added) names.push_back(n);
    r.notes.push_back(
        "allowed without being observed (launcher baseline and tracing blind spots, see "
        "policies/): " +
        join(names, ", "));
  }
  for (const auto& [n, why] : sm->denied_observed)
    r.notes.push_back("observed but denied by the policy: " + n + " (" + why + ")");
  if (!sm->numeric_dropped.empty())
    r.notes.push_back("observed syscalls that libseccomp cannot name are left out and get ENOSYS: " +
                      join(sm->numeric_dropped, ", "));
  r.notes.insert(r.notes.end(), sm->notes.begin(), sm->notes.end());
  r.warnings = sm->warnings;
  std::set<std::string> notes_seen;
  for (const auto& d : r.dangerous)
    if (!d.note.empty() && notes_seen.insert(d.note).second) r.notes.push_back(d.syscall + " is allowed: " + d.note);
  r.notes.insert(r.notes.end(), selinux_notes.begin(), selinux_notes.end());
  std::vector<std::string> rule_paths;
  for (const auto& rule : lm.fs) rule_paths.push_back(rule.path);
  const std::vector<std::string> used = roots_named(man, rule_paths);
  for (const auto& root : roots)
    if (std::find(used.begin(), used.end(), root.name) != used.end())
      r.notes.push_back(
          "paths below " + root.path + " are stored as ${" + root.name + "}/... (profile enforce " +
          (root.name == roots::kWorkdir ? "--workdir DIR" : "resolves ${HOME} from HOME or the user database") + ")" +
          (files.count(man.selinux_module) ? "; the SELinux file contexts keep the learned paths" : ""));
  for (const auto& k : lm.refused)
    if (k.kind == "scratch") r.notes.push_back("landlock: " + k.reason);
  if (!r.runtime_syscalls.empty())
    r.notes.push_back("for the container engines (--runtime " + opts.runtime +
                      "), seccomp.json, seccomp.oci.json and "
                      "seccompprofile.yaml also allow the runtime's own calls, a separate rule that profile enforce "
                      "skips: " +
                      join(r.runtime_syscalls, ", "));
  if (opts.no_args) r.notes.push_back("--no-args: syscalls are allowed whatever their arguments");
  if (rec.incomplete()) r.notes.push_back("generated from an incomplete recording (--allow-incomplete)");
  if (!not_kept.empty())
    r.notes.push_back(
        "the recording shows capabilities that profile.toml does not keep, so the workload will not "
        "have them: " +
        join(not_kept, "; ") + "; add them to [container] capabilities to grant them");
  return files;
}

Status write_bundle_atomic(const std::string& dir_in, const std::map<std::string, std::string>& files,
                           const std::set<std::string>& owned) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::string parent = ".";
  std::string base = dir;
  if (auto s = dir.rfind('/'); s != std::string::npos) {
    parent = s == 0 ? "/" : dir.substr(0, s);
    base = dir.substr(s + 1);
  }
  struct stat st {};
  bool exists = ::stat(dir.c_str(), &st) == 0;
  if (exists && !S_ISDIR(st.st_mode)) return make_error(dir + " exists and is not a directory");
  if (!exists && errno != ENOENT) return Errno().error("stat(\"" + dir + "\")");

  std::string tmp = parent + "/." + base + ".tmp-XXXXXX";
  if (::mkdtemp(tmp.data()) == nullptr) return Errno().error("mkdtemp(\"" + tmp + "\")");
  auto cleanup = [&](Status s) {
    (void)remove_tree(tmp);  // best effort: the error being returned matters more
    return s;
  };
  if (::chmod(tmp.c_str(), exists ? st.st_mode & 07777 : 0755) != 0)
    return cleanup(Errno().error("chmod(\"" + tmp + "\")"));

  std::set<std::string> top;  // first path component of every file written
  for (const auto& [name, content] : files) {
    top.insert(name.substr(0, name.find('/')));
    std::string path = tmp + "/" + name;
    for (size_t p = name.find('/'); p != std::string::npos; p = name.find('/', p + 1))
      if (::mkdir((tmp + "/" + name.substr(0, p)).c_str(), 0755) != 0 && errno != EEXIST)
        return cleanup(Errno().error("mkdir(\"" + tmp + "/" + name.substr(0, p) + "\")"));
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) return cleanup(Errno().error("open(\"" + path + "\", O_CREAT)"));
    if (auto s = write_all(fd.get(), content, path); !s) return cleanup(s);
    if (::fsync(fd.get()) != 0) return cleanup(Errno().error("fsync(\"" + path + "\")"));
  }
  if (exists) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return cleanup(Errno().error("opendir(\"" + dir + "\")"));
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d))
      if (std::string n = e->d_name; n != "." && n != "..") names.push_back(n);
    ::closedir(d);
    for (const auto& n : names) {
      if (top.count(n) || owned.count(n) || n.find(".tmp-") != std::string::npos) continue;
      if (auto s = carry_over(dir + "/" + n, tmp + "/" + n); !s) return cleanup(s.error().wrap("keep " + n));
    }
  }
  for (const auto& t : top)
    if (auto s = fsync_path(tmp + "/" + t); !s) return cleanup(s);
  if (auto s = fsync_path(tmp); !s) return cleanup(s);

  if (exists) {
    if (::syscall(SYS_renameat2, AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) != 0)
      return cleanup(Errno().error("renameat2(\"" + tmp + "\", \"" + dir + "\", RENAME_EXCHANGE)"));
    // tmp now holds the old bundle.
    (void)remove_tree(tmp);  // the new bundle is in place; a leftover is harmless and named .tmp-
  } else if (::rename(tmp.c_str(), dir.c_str()) != 0) {
    return cleanup(Errno().error("rename(\"" + tmp + "\", \"" + dir + "\")"));
  }
  Fd pfd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (pfd) (void)::fsync(pfd.get());  // durability only; the swap itself is done
  return {};
}

Result<GenerateReport> generate_bundle(const std::string& dir, const Recording& rec, const GenerateOptions& opts) {
  std::string existing;
  if (auto text = read_file(dir + "/profile.toml"))
    existing = *text;
  else if (text.error().errno_value != ENOENT && text.error().errno_value != ENOTDIR)
    return text.error();
  GenerateReport report;
  report.dir = dir;
  GenerateOptions o = opts;
  struct stat st {};
  if (o.keep_recording && ::stat((dir + "/recording.json").c_str(), &st) != 0) o.keep_recording = false;
  auto files = render_bundle(rec, o, existing, &report);
  if (!files) return files.error();
  // selinux/ belongs to generation: a stale module must not survive a failed one.
  std::set<std::string> owned;
  if (o.selinux) owned.insert("selinux");
  if (auto s = write_bundle_atomic(dir, *files, owned); !s) return s.error().wrap("write bundle " + dir);
  if (o.keep_recording) {
    report.files.push_back("recording.json");  // kept as it was
    std::sort(report.files.begin(), report.files.end());
  }
  return report;
}

std::string report_to_text(const GenerateReport& r) {
  std::string out = "generated " + r.dir + ": " + join(r.files, ", ") + "\n";
  for (const auto& [arch, n] : r.allowed_per_arch) {
    auto o = r.observed_per_arch.find(arch);
    out += "  seccomp " + arch + ": " + std::to_string(n) + " syscalls allowed (" +
           std::to_string(o == r.observed_per_arch.end() ? 0 : o->second) + " observed)\n";
  }
  out += "  landlock: " + std::to_string(r.landlock_rules) + " path rules (" + std::to_string(r.landlock_generalised) +
         " generalised directories, see profile show), needs ABI " + std::to_string(r.landlock_min_abi) +
         " for full enforcement\n";
  for (const auto& d : r.dangerous) out += "  DANGEROUS allowed: " + d.syscall + ": " + d.reason + "\n";
  for (const auto& w : r.warnings) out += "  WARNING: " + w + "\n";
  // One line per unlabelled path would bury everything else (a workload writing
  // under /tmp has dozens); the text form summarises them, --json lists each.
  const std::string unlabelled = "no label known for ";
  std::set<std::string> paths;
  for (const auto& n : r.notes) {
    if (n.rfind(unlabelled, 0) == 0) {
      paths.insert(n.substr(unlabelled.size(), n.find(" (") - unlabelled.size()));
      continue;
    }
    out += "  note: " + n + "\n";
  }
  if (!paths.empty()) {
    std::string examples;
    int shown = 0;
    for (const auto& p : paths) {
      if (shown++ == 3) break;
      examples += (examples.empty() ? "" : ", ") + p;
    }
    out += "  note: SELinux: " + std::to_string(paths.size()) +
           " paths have no label in the reference policy, so the module grants nothing on them (" + examples +
           (paths.size() > 3 ? ", ..." : "") + "); --json lists each\n";
  }
  return out;
}

std::string report_to_json(const GenerateReport& r) {
  nlohmann::ordered_json j;
  j["dir"] = r.dir;
  j["files"] = r.files;
  j["allowed_per_arch"] = r.allowed_per_arch;
  j["observed_per_arch"] = r.observed_per_arch;
  nlohmann::ordered_json d = nlohmann::ordered_json::array();
  for (const auto& x : r.dangerous) {
    nlohmann::ordered_json e{{"syscall", x.syscall}, {"reason", x.reason}};
    if (!x.note.empty()) e["note"] = x.note;
    d.push_back(e);
  }
  j["dangerous"] = d;
  j["landlock_rules"] = r.landlock_rules;
  j["landlock_generalised"] = r.landlock_generalised;
  j["landlock_min_abi"] = r.landlock_min_abi;
  j["runtime_syscalls"] = r.runtime_syscalls;  // the engine formats' runtime part, not counted above
  j["notes"] = r.notes;
  j["warnings"] = r.warnings;
  return dump_bytes(std::move(j)) + "\n";  // dir and notes hold paths: bytes
}

}  // namespace profile
