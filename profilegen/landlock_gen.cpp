#include "profilegen/landlock_gen.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace profile {
namespace {

using Rights = std::set<std::string>;

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

bool subset(const Rights& a, const std::vector<std::string>& b) {
  for (const auto& x : a)
    if (std::find(b.begin(), b.end(), x) == b.end()) return false;
  return true;
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

const char* make_right(const std::string& type) {
  if (type == "dir") return "make_dir";
  if (type == "chr") return "make_char";
  if (type == "blk") return "make_block";
  if (type == "fifo") return "make_fifo";
  if (type == "sock") return "make_sock";
  if (type == "symlink") return "make_sym";
  return "make_reg";
}

}  // namespace

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
        return policy.rewrites[i].replace.empty() && sm.length(0) == 0
                   ? p
                   : sm.format(policy.rewrites[i].replace) + p.substr(static_cast<size_t>(sm.length(0)));
    }
    return p;
  };

  // path -> rights needed on exactly that path
  std::map<std::string, Rights> need;
  std::set<std::string> made_in;  // directories where files were created, removed or renamed
  auto grant_file = [&](const std::string& path, const FileRecord& fr, bool on_parent) {
    Rights own;
    for (const auto& [kind, outcomes] : fr.accesses) {
      if (!ok_count(outcomes)) continue;
      switch (kind) {
        case Access::Read: own.insert(fr.type == "dir" ? "read_dir" : "read_file"); break;
        case Access::Write: own.insert({"write_file", "truncate"}); break;
        case Access::Exec: own.insert({"execute", "read_file"}); break;
        default: break;
      }
    }
    if (fr.type == "chr" && (own.count("read_file") || own.count("write_file"))) own.insert("ioctl_dev");
    if (!own.empty()) {
      if (on_parent) need[parent_of(path)].insert(own.begin(), own.end());
      else need[path].insert(own.begin(), own.end());
    }
  };

  for (const auto& [raw, fr] : rec.files) {
    if (raw.empty() || raw[0] != '/') continue;
    std::string path = rewrite(raw);
    bool transient = false;  // the path may not exist when rules are made
    Rights parent;
    for (const auto& [kind, outcomes] : fr.accesses) {
      if (!ok_count(outcomes)) continue;
      switch (kind) {
        case Access::Create: parent.insert(make_right(fr.type)); transient = true; break;
        case Access::Delete: parent.insert(fr.type == "dir" ? "remove_dir" : "remove_file"); transient = true; break;
        case Access::Rename:
          parent.insert({"refer", make_right(fr.type), fr.type == "dir" ? "remove_dir" : "remove_file"});
          transient = true;
          break;
        case Access::Link: parent.insert({"refer", make_right(fr.type)}); transient = true; break;
        default: break;
      }
    }
    if (fr.type.empty()) transient = true;
    if (!parent.empty()) need[parent_of(path)].insert(parent.begin(), parent.end());
    if (transient) made_in.insert(parent_of(path));
    grant_file(path, fr, transient);
  }
  for (const auto& [exe, n] : rec.executables)
    if (!exe.empty() && exe[0] == '/') need[rewrite(exe)].insert({"execute", "read_file"});

  // Generalise: scratch directories, then trees.
  std::map<std::string, Rights> out;
  for (auto& [path, rights] : need) {
    std::string target = path;
    // Only directories where files came and went are generalised to their
    // scratch directory: an existing file that was only read keeps its own rule.
    for (const auto& s : policy.scratch)
      if (made_in.count(path) && below_or_at(path, s.path) && subset(rights, s.access)) {
        target = s.path;
        break;
      }
    if (target == path)
      for (const auto& t : policy.trees)
        if (below_or_at(path, t.path) && subset(rights, t.access)) {
          out[t.path].insert(t.access.begin(), t.access.end());
          target.clear();
          break;
        }
    if (!target.empty()) out[target].insert(rights.begin(), rights.end());
  }

  // Compact: drop rules an ancestor directory rule covers.
  for (const auto& [path, rights] : out) {
    bool covered = false;
    for (std::string a = path; a != "/" && !covered;) {
      a = parent_of(a);
      auto it = out.find(a);
      if (it != out.end() && std::includes(it->second.begin(), it->second.end(), rights.begin(), rights.end()))
        covered = true;
    }
    if (!covered) m.fs.push_back(LandlockFsRule{path, rights});
  }

  // Network: TCP ports only (Landlock does not cover UDP or unix sockets).
  bool abstract_used = false;
  for (const auto& [ep, n] : rec.network) {
    if (ep.family == "AF_UNIX" && !ep.path.empty() && ep.path[0] == '@') abstract_used = true;
    if ((ep.family != "AF_INET" && ep.family != "AF_INET6") || (ep.type != "SOCK_STREAM" && !ep.type.empty()))
      continue;
    if (ep.port > 65535) continue;
    if (ep.op == "bind") m.bind_tcp.insert(static_cast<uint16_t>(ep.port));
    else if (ep.op == "connect") m.connect_tcp.insert(static_cast<uint16_t>(ep.port));
  }
  m.handled_net = {"bind_tcp", "connect_tcp"};
  m.scoped = abstract_used ? std::vector<std::string>{"signal"}
                           : std::vector<std::string>{"abstract_unix_socket", "signal"};
  m.min_abi = 6;  // scoping; fs rights need 5 (ioctl_dev), TCP 4
  m.required = {"fs", "ioctl_dev", "net_tcp", "refer", "scope", "truncate"};
  return m;
}

std::string landlock_to_json(const LandlockModel& m) {
  nlohmann::ordered_json j;
  j["format"] = "profile-landlock/1";
  j["min_abi"] = m.min_abi;
  j["handled_fs"] = m.handled_fs;
  nlohmann::ordered_json fs = nlohmann::ordered_json::array();
  const auto& order = landlock_fs_access_names();
  for (const auto& r : m.fs) {
    std::vector<std::string> acc;
    for (const auto& a : order)
      if (r.access.count(a)) acc.push_back(a);
    fs.push_back({{"path", r.path}, {"access", acc}});
  }
  j["fs"] = std::move(fs);
  j["handled_net"] = m.handled_net;
  j["net"] = {{"bind_tcp", std::vector<uint16_t>(m.bind_tcp.begin(), m.bind_tcp.end())},
              {"connect_tcp", std::vector<uint16_t>(m.connect_tcp.begin(), m.connect_tcp.end())}};
  j["scoped"] = m.scoped;
  return j.dump(2) + "\n";
}

}  // namespace profile
