#include "profilegen/landlock_gen.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "common/json_text.h"

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

LandlockModel build_landlock_model(const Recording& rec, const GenPolicy& policy) {
  LandlockModel m;
  m.handled_fs = landlock_fs_access_names();

  std::vector<std::string> prefixes;
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
  std::unordered_map<std::string, bool> made_in;  // directories where files came and went
  for (const auto& [raw, fr] : rec.files) {
    if (raw.empty() || raw[0] != '/') continue;
    std::string path = rewrite(raw);
    bool transient = fr.type.empty();  // never seen existing: it may not exist when rules are made
    Rights parent = 0, own = 0;
    for (const auto& [kind, outcomes] : fr.accesses) {
      if (!ok_count(outcomes)) continue;
      switch (kind) {
        case Access::Read:
          own |= fr.type == "dir" ? kReadDir : kReadFile;
          break;
        case Access::Write:
          own |= kWriteFile | kTruncate;
          break;
        case Access::Exec:
          own |= kExecute | kReadFile;
          break;
        case Access::Create:
          parent |= make_right(fr.type);
          transient = true;
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

  // Generalise: directories where files came and went -> their scratch directory;
  // anything that fits within a library tree's rights -> the tree.
  std::unordered_map<std::string, Rights> out;
  out.reserve(need.size());
  for (const auto& [path, rights] : need) {
    std::string target = path;
    if (made_in.count(path))
      for (const auto& [dir, allowed] : scratch)
        if (below_or_at(path, dir) && (rights & ~allowed) == 0) {
          target = dir;
          break;
        }
    if (target == path)
      for (const auto& [dir, allowed] : trees)
        if (below_or_at(path, dir) && (rights & ~allowed) == 0) {
          out[dir] |= allowed;
          target.clear();
          break;
        }
    if (!target.empty()) out[target] |= rights;
  }

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

  // Network: TCP ports only (Landlock does not cover UDP or unix sockets).
  bool abstract_used = false;
  for (const auto& [ep, n] : rec.network) {
    if (ep.family == "AF_UNIX" && !ep.path.empty() && ep.path[0] == '@') abstract_used = true;
    if ((ep.family != "AF_INET" && ep.family != "AF_INET6") || (ep.type != "SOCK_STREAM" && !ep.type.empty())) continue;
    if (ep.port > 65535) continue;
    if (ep.op == "bind")
      m.bind_tcp.insert(static_cast<uint16_t>(ep.port));
    else if (ep.op == "connect")
      m.connect_tcp.insert(static_cast<uint16_t>(ep.port));
  }
  m.handled_net = {"bind_tcp", "connect_tcp"};
  m.scoped =
      abstract_used ? std::vector<std::string>{"signal"} : std::vector<std::string>{"abstract_unix_socket", "signal"};
  // Everything is handled, so full enforcement needs scoping (6); fs ioctl_dev
  // needs 5, TCP 4, truncate 3, refer 2. Older kernels get a reported downgrade.
  m.min_abi = 6;
  m.required = {"fs", "ioctl_dev", "net_tcp", "refer", "scope", "truncate"};
  return m;
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
         "\n  },\n  \"scoped\": ";
  json_list(out, m.scoped, "    ");
  out += "\n}\n";
  return out;
}

}  // namespace profile
