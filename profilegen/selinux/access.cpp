#include "profilegen/selinux/access.h"

#include <algorithm>
#include <set>

namespace profile {

std::string selinux_file_class(const std::string& t) {
  if (t == "dir") return "dir";
  if (t == "symlink") return "lnk_file";
  if (t == "chr") return "chr_file";
  if (t == "blk") return "blk_file";
  if (t == "fifo") return "fifo_file";
  if (t == "sock") return "sock_file";
  return "file";
}

std::string entry_executable(const Recording& rec) {
  if (rec.executables.empty()) return "";
  if (!rec.runs.empty() && !rec.runs[0].command.empty()) {
    const std::string& argv0 = rec.runs[0].command[0];
    if (rec.executables.count(argv0) != 0) return argv0;
    const std::string base = argv0.substr(argv0.rfind('/') + 1);
    for (const auto& [path, n] : rec.executables)
      if (path.substr(path.rfind('/') + 1) == base) return path;
  }
  return rec.executables.begin()->first;
}

namespace {

bool ok(const FileRecord& f, Access a) {
  auto it = f.accesses.find(a);
  return it != f.accesses.end() && it->second.count(kOk) != 0;
}

bool any_outcome(const FileRecord& f, const Outcome& o) {
  for (const auto& [kind, outcomes] : f.accesses)
    if (outcomes.count(o) != 0) return true;
  return false;
}

bool any_ok(const FileRecord& f) {
  return any_outcome(f, kOk);
}

std::string parent_of(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == 0 ? "/" : p.substr(0, slash);
}

class Collector {
 public:
  explicit Collector(LabelOracle& o) : oracle_(o) {}

  void add(const std::string& source, const std::string& target, const std::string& cls, std::set<std::string> perms,
           const std::string& why) {
    if (target.empty()) return;
    out_.needs.push_back(SelinuxNeed{source, SelinuxAccess{target, cls, std::move(perms)}, why});
  }
  void file(const std::string& path, const std::string& cls, std::set<std::string> perms, const std::string& why) {
    const std::string t = oracle_.file_type(path, cls);
    if (t.empty()) {
      note("no label known for " + path + " (" + cls + "): no rule for \"" + why + "\"");
      return;
    }
    add("", t, cls, std::move(perms), why);
  }
  // Path lookup needs search on every directory above the object.
  void ancestors(const std::string& path) {
    std::string p = path;
    while (p != "/") {
      p = parent_of(p);
      if (!walked_.insert(p).second) break;  // the rest above was walked already
      const std::string t = oracle_.file_type(p, "dir");
      if (!t.empty()) add("", t, "dir", {"search"}, "look up paths under " + p);
    }
  }
  void note(const std::string& n) { out_.notes.push_back(n); }
  SelinuxNeeds done() {
    std::sort(out_.needs.begin(), out_.needs.end());
    out_.needs.erase(std::unique(out_.needs.begin(), out_.needs.end()), out_.needs.end());
    std::sort(out_.notes.begin(), out_.notes.end());
    out_.notes.erase(std::unique(out_.notes.begin(), out_.notes.end()), out_.notes.end());
    return std::move(out_);
  }
  LabelOracle& oracle() { return oracle_; }

 private:
  LabelOracle& oracle_;
  SelinuxNeeds out_;
  std::set<std::string> walked_;
};

void file_needs(Collector& c, const Recording& rec, const std::string& path, const FileRecord& f) {
  if (path.empty() || path[0] != '/') return;
  if (!any_ok(f)) {
    // A failed lookup still walked the directories above: without search on them
    // the workload would get EACCES where it expects ENOENT and may behave differently.
    if (any_outcome(f, "ENOENT") || any_outcome(f, "ENOTDIR")) c.ancestors(path);
    return;
  }
  c.ancestors(path);
  const std::string cls = selinux_file_class(f.type);
  const std::string parent = parent_of(path);
  const bool is_dir = cls == "dir";
  if (ok(f, Access::Read)) {
    if (is_dir)
      c.file(path, cls, {"getattr", "open", "read", "search"}, "list " + path);
    else if (cls == "lnk_file")
      c.file(path, cls, {"getattr", "read"}, "read the link " + path);
    else
      c.file(path, cls, {"getattr", "open", "read"}, "read " + path);
  }
  if (ok(f, Access::Write)) {
    if (is_dir)
      c.file(path, cls, {"getattr", "write"}, "write " + path);
    else if (cls == "sock_file")
      c.file(path, cls, {"getattr", "write"}, "write to the socket " + path);
    else
      c.file(path, cls, {"getattr", "open", "write", "append"}, "write " + path);
  }
  if (ok(f, Access::Exec)) {
    std::set<std::string> p{"getattr", "open", "read", "execute", "map"};
    std::string why = "map " + path + " executable";
    if (rec.executables.count(path) != 0) {
      p.insert("execute_no_trans");
      why = "run " + path;
    }
    c.file(path, "file", p, why);
  }
  if (ok(f, Access::Create)) {
    c.file(parent, "dir", {"search", "write", "add_name"}, "create " + path);
    if (is_dir)
      c.file(path, cls, {"create", "getattr", "search", "write", "add_name"}, "create the directory " + path);
    else if (cls == "file")
      c.file(path, cls, {"create", "getattr", "open", "write", "append"}, "create " + path);
    else
      c.file(path, cls, {"create", "getattr"}, "create " + path);
  }
  if (ok(f, Access::Delete)) {
    c.file(parent, "dir", {"search", "write", "remove_name"}, "delete " + path);
    c.file(path, cls, {is_dir ? "rmdir" : "unlink"}, "delete " + path);
  }
  if (ok(f, Access::Rename)) {
    c.file(parent, "dir", {"search", "write", "add_name", "remove_name"}, "rename " + path);
    c.file(path, cls, {"rename", "getattr"}, "rename " + path);
  }
  if (ok(f, Access::Link)) {
    c.file(parent, "dir", {"search", "write", "add_name"}, "hard-link " + path);
    if (!is_dir) c.file(path, cls, {"link", "getattr"}, "hard-link " + path);
  }
  if (ok(f, Access::Chmod)) c.file(path, cls, {"getattr", "setattr"}, "change attributes of " + path);
  if (ok(f, Access::Stat)) {
    if (cls == "lnk_file")
      c.file(path, cls, {"getattr", "read"}, "look at " + path);
    else
      c.file(path, cls, {"getattr"}, "look at " + path);
  }
}

std::string proto_of(const NetEndpoint& ep) {
  if (ep.type == "SOCK_DGRAM") return "udp";
  return "tcp";
}

void net_needs(Collector& c, const Recording& rec, const NetEndpoint& ep) {
  if (ep.result != kOk) return;
  const bool inet = ep.family == "AF_INET" || ep.family == "AF_INET6";
  const bool dgram = ep.type == "SOCK_DGRAM";
  if (inet) {
    const std::string cls = dgram ? "udp_socket" : "tcp_socket";
    const std::string where = ep.address + (ep.port != 0 ? ":" + std::to_string(ep.port) : "");
    std::set<std::string> own{"create", "getattr", "setopt", "getopt", "read", "write"};
    if (ep.op == "bind") {
      own.insert("bind");
      c.add("", "self", cls, own, "bind " + proto_of(ep) + " " + where);
      if (ep.port != 0)
        c.add("", c.oracle().port_type(proto_of(ep), ep.port), cls, {"name_bind"},
              "bind " + proto_of(ep) + " port " + std::to_string(ep.port));
      if (!ep.address.empty())
        c.add("", c.oracle().node_type(ep.address), cls, {"node_bind"}, "bind to the address " + ep.address);
    } else if (ep.op == "listen" || ep.op == "accept") {
      own.insert({"listen", "accept"});
      c.add("", "self", cls, own, "accept connections on " + where);
    } else if (ep.op == "connect" || ep.op == "sendto") {
      own.insert("connect");
      c.add("", "self", cls, own, ep.op + " to " + where);
      if (!dgram && ep.port != 0)
        c.add("", c.oracle().port_type("tcp", ep.port), cls, {"name_connect"},
              "connect to tcp port " + std::to_string(ep.port));
    }
    return;
  }
  if (ep.family == "AF_UNIX") {
    const std::string cls = dgram ? "unix_dgram_socket" : "unix_stream_socket";
    std::set<std::string> own{"create", "getattr", "setopt", "getopt", "read", "write"};
    if (ep.op == "bind") {
      own.insert("bind");
      c.add("", "self", cls, own, "bind the unix socket " + ep.path);
    } else if (ep.op == "listen" || ep.op == "accept") {
      own.insert({"listen", "accept"});
      c.add("", "self", cls, own, "accept on the unix socket " + ep.path);
    } else if (ep.op == "connect" || ep.op == "sendto") {
      own.insert("connect");
      c.add("", "self", cls, own, "connect to the unix socket " + ep.path);
      if (!ep.path.empty() && ep.path[0] == '/')
        c.file(ep.path, "sock_file", {"getattr", "write"}, "connect to " + ep.path);
      // The peer's domain is only known when the workload itself serves the socket.
      bool own_socket = false;
      for (const auto& [other, n] : rec.network)
        if (other.family == "AF_UNIX" && other.op == "bind" && other.path == ep.path) own_socket = true;
      if (own_socket)
        c.add("", "self", cls, {dgram ? "sendto" : "connectto"}, "connect to its own socket " + ep.path);
      else
        c.note("the unix socket " + ep.path +
               " is served by another program whose domain is not known: allow "
               "\"connectto\" on its domain by hand if it is confined");
    }
    return;
  }
  if (ep.family == "AF_NETLINK") {
    c.add("", "self", "netlink_route_socket", {"create", "bind", "getattr", "setopt", "read", "write", "nlmsg_read"},
          "query network configuration (netlink)");
    return;
  }
  c.note("no SELinux mapping for " + ep.family + " " + ep.type + " " + ep.op);
}

}  // namespace

bool created_by_workload(const Recording& rec, const std::string& path) {
  auto it = rec.files.find(path);
  if (it != rec.files.end() && ok(it->second, Access::Create)) return true;
  for (const auto& [ep, n] : rec.network)
    if (ep.family == "AF_UNIX" && ep.op == "bind" && ep.result == kOk && ep.path == path) return true;
  return false;
}

SelinuxNeeds recorded_needs(const Recording& rec, const std::string& domain, LabelOracle& oracle) {
  Collector c(oracle);
  for (const auto& [path, f] : rec.files) file_needs(c, rec, path, f);
  for (const auto& [path, n] : rec.executables) {
    if (rec.files.count(path) != 0) continue;  // covered by its Exec access
    FileRecord f;
    f.type = "file";
    f.accesses[Access::Exec][kOk] = n;
    file_needs(c, rec, path, f);
  }
  for (const auto& [ep, n] : rec.network) {
    net_needs(c, rec, ep);
    // A unix socket bound to a path creates the socket file.
    if (ep.family == "AF_UNIX" && ep.op == "bind" && ep.result == kOk && !ep.path.empty() && ep.path[0] == '/' &&
        rec.files.count(ep.path) == 0) {
      FileRecord f;
      f.type = "sock";
      f.accesses[Access::Create][kOk] = 1;
      file_needs(c, rec, ep.path, f);
    }
  }
  // Entering the domain: the launcher (unconfined_t) sets the exec context, then runs
  // the entry executable, which must be an entrypoint of the domain.
  const std::string entry = entry_executable(rec);
  if (!entry.empty()) {
    const std::string t = oracle.file_type(entry, "file");
    if (!t.empty()) {
      c.add("", t, "file", {"entrypoint", "execute", "getattr", "map", "open", "read"}, "start as " + entry);
      c.add("unconfined_t", domain, "process", {"transition"}, "be started from an unconfined shell");
      // profile enforce always sets no_new_privs, under which the kernel refuses a
      // domain transition that the policy does not grant as nnp_transition.
      c.add("unconfined_t", domain, "process2", {"nnp_transition"},
            "be started under no_new_privs, which profile enforce always sets");
    }
  }
  return c.done();
}

}  // namespace profile
