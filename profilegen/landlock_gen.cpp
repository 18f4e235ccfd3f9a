#include "profilegen/landlock_gen.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "common/json_text.h"
#include "profilegen/path_components.h"

namespace profile {
namespace {

// Rights as bits in LANDLOCK_ACCESS_FS_* order (see landlock_fs_access_names):
// 100,000 paths are generalised in well under a second only with plain integers.
using Rights = uint32_t;
constexpr Rights kExecute = 1u << 0, kWriteFile = 1u << 1, kReadFile = 1u << 2, kReadDir = 1u << 3,
                 kRemoveDir = 1u << 4, kRemoveFile = 1u << 5, kMakeChar = 1u << 6, kMakeDir = 1u << 7,
                 kMakeReg = 1u << 8, kMakeSock = 1u << 9, kMakeFifo = 1u << 10, kMakeBlock = 1u << 11,
                 kMakeSym = 1u << 12, kRefer = 1u << 13, kTruncate = 1u << 14, kIoctlDev = 1u << 15;

std::string parent_of(const std::string& p) {
  auto s = p.rfind('/');
  if (s == std::string::npos || s == 0) return "/";
  return p.substr(0, s);
}

bool below_or_at(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.size() >= dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         (path.size() == dir.size() || path[dir.size()] == '/');
}

// Literal prefix of a regex (up to its first metacharacter): a cheap pre-check so
// that 100,000 paths do not each run every regex.
std::string literal_prefix(const std::string& pattern) {
  std::string out;
  for (char c : pattern) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) break;
    out += c;
  }
  return out;
}

bool ok_count(const std::map<Outcome, uint64_t>& outcomes) {
  auto it = outcomes.find(kOk);
  return it != outcomes.end() && it->second > 0;
}

Rights make_right(const std::string& type) {
  if (type == "dir") return kMakeDir;
  if (type == "chr") return kMakeChar;
  if (type == "blk") return kMakeBlock;
  if (type == "fifo") return kMakeFifo;
  if (type == "sock") return kMakeSock;
  if (type == "symlink") return kMakeSym;
  return kMakeReg;
}

// Paths are bytes: one that is not valid UTF-8 is stored as json text (common/json_text.h);
// enforce/landlock.cpp decodes it.
void json_string(std::string& out, const std::string& s) {
  append_json_string(out, s);
}

void json_list(std::string& out, const std::vector<std::string>& v, const char* indent) {
  if (v.empty()) {
    out += "[]";
    return;
  }
  out += "[\n";
  for (size_t i = 0; i < v.size(); ++i) {
    out += indent;
    json_string(out, v[i]);
    out += i + 1 < v.size() ? ",\n" : "\n";
  }
  out += std::string(indent, std::strlen(indent) - 2) + "]";
}

// "/home/*/.ssh" against "/home/alice/.ssh": "*" is one whole component.
std::vector<std::string_view> components(const std::string& p) {
  return path_components(p);
}

bool comp_match(std::string_view pattern, std::string_view c) {
  return path_component_matches(pattern, c);
}

// pattern matches exactly `path`.
bool pattern_is(const std::string& pattern, const std::string& path) {
  auto a = components(pattern), b = components(path);
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!comp_match(a[i], b[i])) return false;
  return true;
}

// Some path matching `pattern` lies at or below `dir`, or `dir` lies at or below one.
bool pattern_overlaps(const std::string& pattern, const std::string& dir) {
  auto a = components(pattern), b = components(dir);
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i)
    if (!comp_match(a[i], b[i])) return false;
  return true;
}

// "a/../b", "./x", "x//y/" -> normalised absolute path against cwd; "" if not a path.
std::string absolute_arg(const std::string& arg, const std::string& cwd) {
  std::string v = arg;
  if (!v.empty() && v[0] == '-') {
    auto eq = v.find('=');
    if (eq == std::string::npos) return "";
    v = v.substr(eq + 1);
  }
  if (v.empty() || v.find('\0') != std::string::npos) return "";
  if (v[0] != '/') {
    if (cwd.empty() || cwd[0] != '/') return "";
    v = cwd + "/" + v;
  }
  std::vector<std::string> parts;
  for (auto c : components(v)) {
    if (c == ".") continue;
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.emplace_back(c);
  }
  std::string out;
  for (const auto& c : parts) out += "/" + c;
  return out.empty() ? "/" : out;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// What the recording shows about one directory.
struct DirStats {
  uint64_t files_read = 0;  // distinct existing files read directly in it (recorded paths are distinct)
  bool listed = false;
  bool named = false;  // in the command's arguments, or the run's cwd, and something below was read
  bool is_cwd = false;
  uint64_t created = 0, wrote = 0, removed = 0, renamed = 0;
};

}  // namespace

uint32_t landlock_access_bits(const std::vector<std::string>& names) {
  const auto& all = landlock_fs_access_names();
  uint32_t bits = 0;
  for (const auto& n : names)
    if (auto it = std::find(all.begin(), all.end(), n); it != all.end()) bits |= 1u << (it - all.begin());
  return bits;
}

std::set<std::string> landlock_access_set(uint32_t bits) {
  std::set<std::string> out;
  const auto& all = landlock_fs_access_names();
  for (size_t i = 0; i < all.size(); ++i)
    if (bits & (1u << i)) out.insert(all[i]);
  return out;
}

LandlockModel build_landlock_model(const Recording& rec, const GenPolicy& policy, const LandlockGenOptions& opts) {
  LandlockModel m;
  m.handled_fs = landlock_fs_access_names();

  std::vector<std::string> prefixes;
  prefixes.reserve(policy.rewrites.size());
  for (const auto& rw : policy.rewrites) prefixes.push_back(literal_prefix(rw.pattern));
  auto rewrite = [&](const std::string& p) {
    for (size_t i = 0; i < policy.rewrites.size(); ++i) {
      if (p.compare(0, prefixes[i].size(), prefixes[i]) != 0) continue;
      std::smatch sm;
      if (std::regex_search(p, sm, policy.rewrites[i].re, std::regex_constants::match_continuous))
        return sm.format(policy.rewrites[i].replace) + p.substr(static_cast<size_t>(sm.length(0)));
    }
    return p;
  };
  std::vector<std::pair<std::string, Rights>> trees, scratch;
  for (const auto& t : policy.trees) trees.emplace_back(t.path, landlock_access_bits(t.access));
  for (const auto& s : policy.scratch) scratch.emplace_back(s.path, landlock_access_bits(s.access));

  std::unordered_map<std::string, Rights> need;  // path -> rights needed on exactly that path
  need.reserve(rec.files.size() + rec.executables.size());
  std::unordered_map<std::string, bool> made_in;       // directories where files came and went
  std::unordered_map<std::string, DirStats> stats;     // evidence per directory (directories mode)
  std::unordered_map<std::string, bool> self_created;  // paths the workload created
  for (const auto& [raw, fr] : rec.files) {
    if (raw.empty() || raw[0] != '/') continue;
    std::string path = rewrite(raw);
    bool transient = fr.type.empty();  // never seen existing: it may not exist when rules are made
    Rights parent = 0, own = 0;
    bool read_ok = false, wrote_ok = false;
    for (const auto& [kind, outcomes] : fr.accesses) {
      if (!ok_count(outcomes)) continue;
      switch (kind) {
        case Access::Read:
          own |= fr.type == "dir" ? kReadDir : kReadFile;
          read_ok = true;
          break;
        case Access::Write:
          own |= kWriteFile | kTruncate;
          wrote_ok = true;
          break;
        case Access::Exec:
          own |= kExecute | kReadFile;
          break;
        case Access::Create:
          parent |= make_right(fr.type);
          transient = true;
          self_created[path] = true;
          break;
        case Access::Delete:
          parent |= fr.type == "dir" ? kRemoveDir : kRemoveFile;
          transient = true;
          break;
        case Access::Rename:
          parent |= kRefer | make_right(fr.type) | (fr.type == "dir" ? kRemoveDir : kRemoveFile);
          transient = true;
          break;
        case Access::Link:
          parent |= kRefer | make_right(fr.type);
          transient = true;
          break;
        default:
          break;  // stat-like probes and attribute changes need no Landlock right
      }
    }
    if (fr.type == "chr" && (own & (kReadFile | kWriteFile))) own |= kIoctlDev;
    if (opts.directories) {
      if (fr.type == "dir" && read_ok) stats[path].listed = true;
      DirStats* d = nullptr;
      auto dir_stats = [&]() -> DirStats& {
        if (d == nullptr) d = &stats[parent_of(path)];
        return *d;
      };
      if (!transient && fr.type == "file" && read_ok) ++dir_stats().files_read;
      if (fr.accesses.count(Access::Create) && ok_count(fr.accesses.at(Access::Create))) ++dir_stats().created;
      if ((fr.type == "file" || transient) && wrote_ok) ++dir_stats().wrote;
      if (fr.accesses.count(Access::Delete) && ok_count(fr.accesses.at(Access::Delete))) ++dir_stats().removed;
      if (fr.accesses.count(Access::Rename) && ok_count(fr.accesses.at(Access::Rename))) ++dir_stats().renamed;
    }
    if (transient) {
      // The file's own rights go to its directory: it does not exist when rules are made.
      std::string dir = parent_of(path);
      if (parent | own) need[dir] |= parent | own;
      if (parent) made_in[dir] = true;
    } else if (own) {
      need[path] |= own;
    }
  }
  for (const auto& [exe, n] : rec.executables)
    if (!exe.empty() && exe[0] == '/') need[rewrite(exe)] |= kExecute | kReadFile;

  // Directories named in the command's arguments, and the working directory,
  // count as data directories when something below them was read.
  if (opts.directories) {
    auto read_below = [&](const std::string& dir) {
      std::string from = dir == "/" ? "/" : dir + "/";
      for (auto it = rec.files.lower_bound(from); it != rec.files.end() && it->first.rfind(from, 0) == 0; ++it)
        if (it->second.accesses.count(Access::Read) && ok_count(it->second.accesses.at(Access::Read))) return true;
      return false;
    };
    for (const auto& run : rec.runs) {
      for (size_t i = 1; i < run.command.size(); ++i) {
        std::string dir = absolute_arg(run.command[i], run.cwd);
        if (dir.empty() || dir == "/") continue;
        auto f = rec.files.find(dir);
        if (f != rec.files.end() && f->second.type != "dir" && !f->second.type.empty()) continue;  // a file
        if (read_below(dir)) stats[dir].named = true;
      }
      if (!run.cwd.empty() && run.cwd[0] == '/' && run.cwd != "/" && read_below(run.cwd)) stats[run.cwd].is_cwd = true;
    }
  }

  // Why a directory may not get a subtree rule ("" = it may). *quiet: it lies in
  // a subtree that is never generalised (/proc, /dev): not worth listing.
  bool quiet = false;
  auto refusal = [&](const std::string& dir) -> std::string {
    quiet = false;
    for (const auto& r : policy.shared_roots) {
      if (pattern_is(r.path, dir)) return "shared root " + r.path + " (" + r.reason + ")";
      if (r.subtree && pattern_overlaps(r.path, dir) && components(dir).size() >= components(r.path).size()) {
        quiet = true;
        return "below " + r.path + " (" + r.reason + ")";
      }
    }
    for (const auto& s : policy.sensitive)
      if (pattern_overlaps(s.path, dir)) return "its subtree would reach " + s.path + " (" + s.reason + ")";
    return "";
  };
  auto scratch_root = [&](const std::string& dir) -> const std::pair<std::string, Rights>* {
    for (const auto& sr : scratch)
      if (sr.first == dir) return &sr;
    return nullptr;
  };

  std::unordered_map<std::string, Rights> out;
  out.reserve(need.size());
  std::map<std::string, PathGeneralisation> gen;  // subtree rule -> why
  std::map<std::string, PathGeneralisation> refused;

  // Written directories: where files were created, written, removed or renamed.
  // One the workload created itself lends its rule to the nearest ancestor that
  // existed before (a rule path must exist when enforce makes the rules).
  const Rights written_rights = landlock_access_bits(policy.generalise.written_access);
  const Rights data_rights = landlock_access_bits(policy.generalise.data_access);
  std::vector<std::string> dirs;
  dirs.reserve(stats.size());
  for (const auto& [dir, st] : stats) dirs.push_back(dir);
  std::sort(dirs.begin(), dirs.end());  // deterministic evidence text when several merge
  for (const auto& dir : dirs) {
    const DirStats& st = stats[dir];
    if (st.created + st.wrote + st.removed + st.renamed == 0) continue;
    std::string target = dir;
    while (target != "/" && self_created.count(target)) target = parent_of(target);
    std::string evidence;
    auto add = [&](uint64_t n, const char* verb) {
      if (n) evidence += (evidence.empty() ? "" : ", ") + std::string(verb) + " " + plural(n, "file", "files");
    };
    add(st.created, "created");
    add(st.wrote, "wrote");
    add(st.removed, "removed");
    add(st.renamed, "renamed");
    if (target != dir) evidence += " in " + dir + " (created by the workload)";
    if (scratch_root(target) != nullptr) continue;  // the scratch step below
    if (std::string why = refusal(target); !why.empty()) {
      if (quiet) continue;
      auto& r = refused[target];
      r.path = target;
      r.kind = "written";
      r.reason = why;
      r.evidence += (r.evidence.empty() ? "" : "; ") + evidence;
      continue;
    }
    auto& g = gen[target];
    g.path = target;
    g.kind = "written";
    g.reason =
        "written directory: the workload reads back what it writes there (restart on its own data, rotated "
        "logs, temp file + rename)";
    g.evidence += (g.evidence.empty() ? "" : "; ") + evidence;
    g.access |= written_rights;
  }
  // Read-only data directories.
  for (const auto& dir : dirs) {
    const DirStats& st = stats[dir];
    std::string evidence;
    auto add = [&](const std::string& e) { evidence += (evidence.empty() ? "" : ", ") + e; };
    if (st.listed) add("listed it");
    if (st.files_read >= policy.generalise.data_min_files)
      add("read " + std::to_string(st.files_read) + " files in it");
    if (st.named) add("named in the command's arguments, and read below it");
    if (st.is_cwd) add("the run's working directory, and read below it");
    if (evidence.empty() || self_created.count(dir)) continue;
    if (scratch_root(dir) != nullptr && opts.private_tmp) continue;  // the private root is the workload's own
    if (std::string why = refusal(dir); !why.empty()) {
      if (quiet) continue;
      auto& r = refused[dir];
      if (r.kind.empty()) r.kind = "data";
      r.path = dir;
      r.reason = why;
      r.evidence += (r.evidence.empty() ? "" : "; ") + evidence;
      continue;
    }
    auto& g = gen[dir];
    g.path = dir;
    if (g.kind.empty()) {
      g.kind = "data";
      g.reason =
          "read-only data directory: files not read while learning (other inputs, pages, data) are read the "
          "same way";
    }
    g.evidence += (g.evidence.empty() ? "" : "; ") + evidence;
    g.access |= data_rights;
  }

  // Place every needed right: scratch roots (private ones only), library trees,
  // generalised directories above, else the path itself.
  for (const auto& [path, rights] : need) {
    if (made_in.count(path)) {
      std::string root = path;
      while (root != "/" && self_created.count(root)) root = parent_of(root);
      if (const auto* sr = scratch_root(root)) {
        if (opts.private_tmp && (rights & ~sr->second) == 0) {
          out[root] |= rights;
          auto& g = gen[root];
          g.path = root;
          g.kind = "scratch";
          g.reason =
              "the private temporary directory (a fresh tmpfs of the workload's own under enforce): files "
              "with random names";
          g.evidence = "created files in it";
          continue;
        }
        if (!opts.private_tmp && (rights & (kWriteFile | kMakeReg | kMakeDir | kMakeSym | kMakeSock | kMakeFifo |
                                            kRemoveFile | kRemoveDir | kRefer | kTruncate)) != 0) {
          // The host's shared temporary root as a whole: never. Files created
          // directly in it are denied (fail closed) and said so.
          auto& r = refused[root];
          r.path = root;
          r.kind = "scratch";
          r.reason = "profile.toml sets private_tmp = false: the host's shared " + root +
                     " is never granted as a whole, so files created directly in it are denied";
          r.evidence = "created files in it";
          Rights keep = rights & (kReadFile | kReadDir | kExecute);
          if (keep) out[path] |= keep;
          continue;
        }
      }
    }
    bool placed = false;
    for (const auto& [dir, allowed] : trees)
      if (below_or_at(path, dir) && (rights & ~allowed) == 0) {
        out[dir] |= allowed;
        placed = true;
        break;
      }
    if (placed) continue;
    out[path] |= rights;
    // A written directory also keeps the other rights used directly in it
    // (execute of what it built, make_sock, refer).
    if (auto g = gen.find(path); g != gen.end() && g->second.kind == "written") g->second.access |= rights;
  }
  for (auto& [dir, g] : gen)
    if (g.kind != "scratch") out[dir] |= g.access;

  // Compact: drop rules that an ancestor directory rule already covers.
  m.fs.reserve(out.size());
  for (auto& [path, rights] : out) {
    bool covered = false;
    for (std::string a = path; a != "/" && !covered;) {
      a = parent_of(a);
      auto it = out.find(a);
      if (it != out.end() && (rights & ~it->second) == 0) covered = true;
    }
    if (!covered) m.fs.push_back(LandlockFsRule{path, rights});
  }
  std::sort(m.fs.begin(), m.fs.end(), [](const LandlockFsRule& a, const LandlockFsRule& b) { return a.path < b.path; });
  for (auto& [dir, g] : gen) {
    auto it = std::lower_bound(m.fs.begin(), m.fs.end(), dir,
                               [](const LandlockFsRule& r, const std::string& p) { return r.path < p; });
    if (it == m.fs.end() || it->path != dir) continue;  // inside a wider rule (a tree, another directory)
    g.access = it->access;
    if (g.kind == "scratch") m.assumes_private_tmp = true;
    m.generalised.push_back(g);
  }
  for (auto& [dir, r] : refused) m.refused.push_back(r);

  // Network: TCP ports only (Landlock does not cover UDP or unix sockets).
  bool abstract_used = false;
  std::set<uint32_t> bound, listened;
  for (const auto& [ep, n] : rec.network) {
    if ((ep.family != "AF_INET" && ep.family != "AF_INET6") || (ep.type != "SOCK_STREAM" && !ep.type.empty())) continue;
    if (ep.result != kOk || ep.port > 65535) continue;
    if (ep.op == "bind") bound.insert(ep.port);
    if (ep.op == "listen") listened.insert(ep.port);
  }
  // A port it listened on without binding that number: the kernel chose it
  // (bind to port 0). A connect to it is a connect to its own ephemeral port,
  // which another run gets another number for.
  std::set<uint32_t> own_ephemeral;
  if (bound.count(0))
    for (auto p : listened)
      if (!bound.count(p)) own_ephemeral.insert(p);
  std::string own_connected;
  for (const auto& [ep, n] : rec.network) {
    if (ep.family == "AF_UNIX" && !ep.path.empty() && ep.path[0] == '@') abstract_used = true;
    if ((ep.family != "AF_INET" && ep.family != "AF_INET6") || (ep.type != "SOCK_STREAM" && !ep.type.empty())) continue;
    if (ep.port > 65535) continue;
    if (ep.op == "bind") {
      m.bind_tcp.insert(static_cast<uint16_t>(ep.port));
    } else if (ep.op == "connect") {
      if (own_ephemeral.count(ep.port)) {
        m.connect_tcp_ephemeral = true;
        if (own_connected.find(" " + std::to_string(ep.port)) == std::string::npos)
          own_connected += " " + std::to_string(ep.port);
        continue;
      }
      m.connect_tcp.insert(static_cast<uint16_t>(ep.port));
    }
  }
  if (m.connect_tcp_ephemeral)
    m.ephemeral_evidence = "bound port 0, listened on the port the kernel chose and connected to it (port" +
                           own_connected + " while learning)";
  m.handled_net = {"bind_tcp", "connect_tcp"};
  m.scoped =
      abstract_used ? std::vector<std::string>{"signal"} : std::vector<std::string>{"abstract_unix_socket", "signal"};
  // Everything is handled (a newer kernel enforces all of it); a feature is
  // *required* only where the recording shows a use that no other mechanism
  // confines, so that an older kernel (ABI 1 to 4) runs the workload with the
  // rest reported as a downgrade, and refuses where the feature matters.
  m.coverage = landlock_coverage(rec, m, opts);
  m.min_abi = 1;
  for (const auto& c : m.coverage)
    if (c.required) {
      m.required.push_back(c.feature);
      m.min_abi = std::max(m.min_abi, c.abi);
    }
  std::sort(m.required.begin(), m.required.end());
  return m;
}

std::vector<LandlockFeatureCoverage> landlock_coverage(const Recording& rec, const LandlockModel& m,
                                                       const LandlockGenOptions& opts) {
  auto syscall_seen = [&](std::initializer_list<const char*> names) {
    for (const auto& [arch, calls] : rec.syscalls)
      for (const char* n : names)
        if (calls.count(n) != 0) return true;
    return false;
  };
  // A socket of this family the seccomp profile lets through: a recorded
  // endpoint, or a socket(2) whose (learned) family argument is one of them.
  auto family_seen = [&](std::initializer_list<const char*> families, std::initializer_list<uint64_t> numbers,
                         bool stream_only) {
    for (const auto& [ep, n] : rec.network)
      for (const char* f : families)
        if (ep.family == f && (!stream_only || ep.type == "SOCK_STREAM" || ep.type.empty())) return true;
    for (const auto& [arch, calls] : rec.args) {
      auto it = calls.find("socket");
      if (it == calls.end()) continue;
      const ArgValues& a = it->second;
      for (const auto& t : a.tuples) {
        bool family = false, stream = true;
        for (size_t k = 0; k < a.indices.size() && k < t.size(); ++k) {
          if (a.indices[k] == 0)
            for (uint64_t f : numbers) family |= t[k] == f;
          if (a.indices[k] == 1 && stream_only) stream = (t[k] & 0xf) == 1;  // SOCK_STREAM
        }
        if (family && stream) return true;
      }
    }
    return false;
  };
  uint64_t granted = 0;
  for (const auto& r : m.fs) granted |= r.access;
  std::vector<LandlockFeatureCoverage> out;
  out.push_back({"fs", 1, true, "the workload uses files, and nothing else confines which ones"});
  if (granted & kRefer)
    out.push_back({"refer", 2, true,
                   "the workload links or renames files, which a kernel without refer refuses across directories"});
  else
    out.push_back(
        {"refer", 2, false, "no link or rename across directories was seen; a kernel without it refuses all of them"});
  if (syscall_seen({"truncate", "truncate64"}))
    out.push_back({"truncate", 3, true, "the workload calls truncate(2) on paths, which only Landlock confines"});
  else
    out.push_back({"truncate", 3, false,
                   "seccomp: truncate(2) was not seen, so the profile refuses it; ftruncate and O_TRUNC need a file "
                   "opened for writing, which the rules confine (O_RDONLY|O_TRUNC is not confined without it)"});
  if (family_seen({"AF_INET", "AF_INET6"}, {2, 10}, true))
    out.push_back({"net_tcp", 4, true, "the workload uses TCP, whose ports only Landlock confines"});
  else
    out.push_back({"net_tcp", 4, false, "seccomp: no TCP socket was seen, so the profile refuses creating one"});
  out.push_back({"ioctl_dev", 5, false,
                 "seccomp: only the ioctl requests seen while learning are allowed, and the rules confine which "
                 "devices can be opened"});
  if (opts.host_network && family_seen({"AF_UNIX"}, {1}, false))
    out.push_back({"scope", 6, true,
                   "the workload uses unix sockets in the host's network namespace (net = \"host\"), where only "
                   "Landlock keeps it off other programs' abstract sockets"});
  else
    out.push_back({"scope", 6, false,
                   opts.host_network
                       ? "signals: the container's pid namespace; seccomp: no unix socket was seen"
                       : "signals: the container's pid namespace; abstract unix sockets: its network namespace"});
  return out;
}

std::string landlock_to_json(const LandlockModel& m) {
  // Written by hand (same layout as nlohmann's dump(2)): 100,000 rules in a few ms.
  const auto& names = landlock_fs_access_names();
  std::string out;
  out.reserve(128 + m.fs.size() * 80);
  out += "{\n  \"format\": \"profile-landlock/1\",\n  \"min_abi\": " + std::to_string(m.min_abi) + ",\n";
  out += "  \"handled_fs\": ";
  json_list(out, m.handled_fs, "    ");
  out += ",\n  \"fs\": ";
  if (m.fs.empty())
    out += "[]";
  else {
    out += "[\n";
    for (size_t i = 0; i < m.fs.size(); ++i) {
      out += "    {\n      \"path\": ";
      json_string(out, m.fs[i].path);
      out += ",\n      \"access\": ";
      std::vector<std::string> acc;
      for (size_t b = 0; b < names.size(); ++b)
        if (m.fs[i].access & (1u << b)) acc.push_back(names[b]);
      json_list(out, acc, "        ");
      out += i + 1 < m.fs.size() ? "\n    },\n" : "\n    }\n";
    }
    out += "  ]";
  }
  out += ",\n  \"handled_net\": ";
  json_list(out, m.handled_net, "    ");
  auto ports = [&](const std::set<uint16_t>& s) {
    if (s.empty()) return std::string("[]");
    std::string p = "[\n";
    size_t i = 0;
    for (auto v : s) p += "      " + std::to_string(v) + (++i < s.size() ? ",\n" : "\n");
    return p + "    ]";
  };
  out += ",\n  \"net\": {\n    \"bind_tcp\": " + ports(m.bind_tcp) + ",\n    \"connect_tcp\": " + ports(m.connect_tcp) +
         ",\n    \"connect_tcp_ephemeral\": " + (m.connect_tcp_ephemeral ? "true" : "false") + "\n  },\n  \"scoped\": ";
  json_list(out, m.scoped, "    ");
  // Explanations only (enforce reads none of them): what was widened and why.
  out += ",\n  \"assumes_private_tmp\": ";
  out += m.assumes_private_tmp ? "true" : "false";
  auto explained = [&](const char* key, const std::vector<PathGeneralisation>& v) {
    out += ",\n  \"";
    out += key;
    out += "\": ";
    if (v.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (size_t i = 0; i < v.size(); ++i) {
      out += "    {\n      \"path\": ";
      json_string(out, v[i].path);
      out += ",\n      \"kind\": ";
      json_string(out, v[i].kind);
      if (v[i].access != 0) {
        out += ",\n      \"access\": ";
        std::vector<std::string> acc;
        for (size_t b = 0; b < names.size(); ++b)
          if (v[i].access & (1u << b)) acc.push_back(names[b]);
        json_list(out, acc, "        ");
      }
      out += ",\n      \"reason\": ";
      json_string(out, v[i].reason);
      out += ",\n      \"evidence\": ";
      json_string(out, v[i].evidence);
      out += i + 1 < v.size() ? "\n    },\n" : "\n    }\n";
    }
    out += "  ]";
  };
  explained("generalised", m.generalised);
  explained("kept_per_file", m.refused);
  out += ",\n  \"coverage\": [";
  for (size_t i = 0; i < m.coverage.size(); ++i) {
    const auto& c = m.coverage[i];
    out += i ? ",\n    {\"feature\": " : "\n    {\"feature\": ";
    json_string(out, c.feature);
    out += ", \"abi\": " + std::to_string(c.abi) + ", \"required\": " + (c.required ? "true" : "false") + ", \"why\": ";
    json_string(out, c.why);
    out += "}";
  }
  out += m.coverage.empty() ? "]" : "\n  ]";
  out += ",\n  \"ephemeral_ports\": ";
  json_string(out, m.ephemeral_evidence);
  out += "\n}\n";
  return out;
}

}  // namespace profile
