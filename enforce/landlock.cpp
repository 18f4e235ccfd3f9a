#include "enforce/landlock.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/bad_input.h"
#include "common/json_text.h"
#include "common/path_roots.h"

namespace profile {
namespace {

// Our own copies of the uapi definitions: distribution headers lag the kernel
// (Debian 12's stop at ABI 2), and these values are fixed ABI.
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
struct NetPortAttr {
  uint64_t allowed_access;
  uint64_t port;
};
constexpr unsigned kCreateRulesetVersion = 1U << 0;
constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;
#ifndef SYS_landlock_create_ruleset
constexpr long SYS_landlock_create_ruleset = 444;
constexpr long SYS_landlock_add_rule = 445;
constexpr long SYS_landlock_restrict_self = 446;
#endif

const char* const kFsNames[] = {"execute",   "write_file", "read_file", "read_dir",  "remove_dir", "remove_file",
                                "make_char", "make_dir",   "make_reg",  "make_sock", "make_fifo",  "make_block",
                                "make_sym",  "refer",      "truncate",  "ioctl_dev"};
constexpr uint64_t kFsFileRights = (1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 14) | (1ULL << 15);
constexpr uint64_t kNetBind = 1ULL << 0, kNetConnect = 1ULL << 1;
constexpr uint64_t kScopeAbstract = 1ULL << 0, kScopeSignal = 1ULL << 1;

uint64_t fs_mask_for_abi(int abi) {
  if (abi <= 0) return 0;
  uint64_t m = (1ULL << 13) - 1;  // ABI 1
  if (abi >= 2) m |= 1ULL << 13;  // refer
  if (abi >= 3) m |= 1ULL << 14;  // truncate
  if (abi >= 5) m |= 1ULL << 15;  // ioctl_dev
  return m;
}

std::string fs_names(uint64_t bits) {
  std::string out;
  for (int i = 0; i < 16; ++i)
    if (bits & (1ULL << i)) out += (out.empty() ? "" : ",") + std::string(kFsNames[i]);
  return out;
}

// A value as an error shows it: a scalar as written, an array or object by its
// type (dumping one recurses as deep as it nests).
std::string shown(const nlohmann::json& v) {
  return v.is_structured() ? std::string("an ") + v.type_name() : v.dump();
}

// doc[key] when it is an array, an empty array when it is absent.
const nlohmann::json& array_at(const nlohmann::json& doc, const char* key, const std::string& where) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  auto it = doc.find(key);
  if (it == doc.end()) return kEmpty;
  if (!it->is_array()) throw BadInput{where + ": expected an array, not " + shown(*it)};
  return *it;
}

uint64_t fs_bits(const nlohmann::json& arr, const std::string& where) {
  if (!arr.is_array()) throw BadInput{where + ": expected an array of access names"};
  uint64_t bits = 0;
  for (const auto& a : arr) {
    bool found = false;
    for (int i = 0; i < 16 && a.is_string(); ++i)
      if (a.get<std::string>() == kFsNames[i]) {
        bits |= 1ULL << i;
        found = true;
      }
    if (!found) throw BadInput{where + ": unknown filesystem access " + shown(a)};
  }
  return bits;
}

}  // namespace

Result<LandlockProfile> parse_landlock_json(const std::string& text, const std::string& source) {
  using nlohmann::json;
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    // Not only parse_error: a number beyond a double (1e400) is out_of_range.406.
    return Error{source + ": not valid JSON (" + std::string(e.what()) + ")", 0, ErrorKind::BadInput};
  }
  LandlockProfile p;
  try {
    auto format = doc.is_object() ? doc.find("format") : doc.end();
    if (format == doc.end() || *format != "profile-landlock/1")
      throw BadInput{source + ": not a landlock.json document (expected \"format\": \"profile-landlock/1\")"};
    // enforce takes what the kernel offers and refuses by landlock_required (profile.toml), so min_abi is
    // informational here; it is still checked, so that a malformed document is refused as before.
    if (doc.contains("min_abi") && !doc["min_abi"].is_number_integer())
      throw BadInput{source + "/min_abi: expected an integer"};
    p.handled_fs = fs_bits(array_at(doc, "handled_fs", source + "/handled_fs"), source + "/handled_fs");
    const json& fs = array_at(doc, "fs", source + "/fs");
    for (size_t i = 0; i < fs.size(); ++i) {
      std::string w = source + "/fs/" + std::to_string(i);
      if (!fs[i].is_object() || !fs[i].contains("path") || !fs[i]["path"].is_string())
        throw BadInput{w + ": expected {\"path\": ..., \"access\": [...]}"};
      const std::string spelled = fs[i]["path"].get<std::string>();
      LandlockPathRule r{json_text_to_bytes(spelled), fs_bits(array_at(fs[i], "access", w + "/access"), w)};
      // Only the writer's own spelling: two spellings of one path would be two rules for one file.
      if (r.path.size() != spelled.size() && bytes_to_json_text(r.path) != spelled)
        throw BadInput{w + ": \"path\" spells bytes in a way profile never writes (see profile-recording(5))"};
      if (!roots::absolute_or_rooted(r.path))
        throw BadInput{w + ": \"path\" must be absolute or below ${WORKDIR} or ${HOME}"};
      if ((r.access & ~p.handled_fs) != 0) throw BadInput{w + ": grants access that handled_fs does not list"};
      p.fs.push_back(std::move(r));
    }
    for (const auto& n : array_at(doc, "handled_net", source + "/handled_net")) {
      if (n == "bind_tcp")
        p.handled_net |= kNetBind;
      else if (n == "connect_tcp")
        p.handled_net |= kNetConnect;
      else
        throw BadInput{source + "/handled_net: unknown network access " + shown(n)};
    }
    if (doc.contains("net")) {
      const json& net = doc["net"];
      if (!net.is_object()) throw BadInput{source + "/net: expected an object"};
      for (const char* key : {"bind_tcp", "connect_tcp"}) {
        for (const auto& port : array_at(net, key, source + "/net/" + key)) {
          if (!port.is_number_unsigned() || port.get<uint64_t>() > 65535)
            throw BadInput{source + "/net/" + key + ": ports must be integers from 0 to 65535"};
          (std::string(key) == "bind_tcp" ? p.bind_tcp : p.connect_tcp).push_back(port.get<uint16_t>());
        }
      }
    }
    if (doc.contains("net") && doc["net"].contains("connect_tcp_ephemeral")) {
      if (!doc["net"]["connect_tcp_ephemeral"].is_boolean())
        throw BadInput{source + "/net/connect_tcp_ephemeral: expected true or false"};
      p.connect_tcp_ephemeral = doc["net"]["connect_tcp_ephemeral"].get<bool>();
    }
    if (doc.contains("assumes_private_tmp")) {
      if (!doc["assumes_private_tmp"].is_boolean())
        throw BadInput{source + "/assumes_private_tmp: expected true or false"};
      p.assumes_private_tmp = doc["assumes_private_tmp"].get<bool>();
    }
    for (const auto& s : array_at(doc, "scoped", source + "/scoped")) {
      if (s == "abstract_unix_socket")
        p.scoped |= kScopeAbstract;
      else if (s == "signal")
        p.scoped |= kScopeSignal;
      else
        throw BadInput{source + "/scoped: unknown scope " + shown(s)};
    }
  } catch (const BadInput& b) {
    return b.error();
  } catch (const nlohmann::json::exception& e) {
    // Values are type-checked above; this keeps a missed check inside the Result API.
    return Error{source + ": unexpected value (" + std::string(e.what()) + ")", 0, ErrorKind::BadInput};
  }
  return p;
}

Result<LandlockProfile> load_landlock_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_landlock_json(*text, path);
}

Status resolve_landlock_roots(LandlockProfile& profile, const std::map<std::string, std::string>& values,
                              const std::string& source) {
  std::map<std::string, uint64_t> merged;
  for (const auto& r : profile.fs) {
    auto path = roots::expand(r.path, values);
    if (!path)
      return make_error(source + ": the rule on " + r.path + " names ${" + roots::split(r.path)->first +
                        "}, which has no value");
    merged[*path] |= r.access;
  }
  profile.fs.clear();
  for (auto& [path, access] : merged) profile.fs.push_back({path, access});
  return {};
}

std::vector<std::string> strip_landlock_writes_below(LandlockProfile& profile, const std::string& dir) {
  constexpr uint64_t kKeep = (1ULL << 0) | (1ULL << 2) | (1ULL << 3) | (1ULL << 15);  // execute, read_*, ioctl_dev
  std::string base = dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  auto at_or_below = [&](const std::string& p) {
    if (base == "/") return true;
    return p == base || (p.size() > base.size() && p.compare(0, base.size(), base) == 0 && p[base.size()] == '/');
  };
  std::vector<std::string> changed;
  std::vector<LandlockPathRule> kept;
  for (auto& r : profile.fs) {
    if (at_or_below(r.path) && (r.access & ~kKeep) != 0) {
      changed.push_back(r.path + " (" + fs_names(r.access & ~kKeep) + ")");
      r.access &= kKeep;
    }
    if (r.access != 0) kept.push_back(std::move(r));
  }
  profile.fs = std::move(kept);
  return changed;
}

int landlock_kernel_abi() {
  static const int abi = [] {
    long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
    return v < 0 ? 0 : static_cast<int>(v);
  }();
  return abi;
}

int landlock_abi() {
  static const int abi = [] {
    int real = landlock_kernel_abi();
    // Test-only (its name says so; documented in profile-enforce(1)): what an
    // older kernel does, on a newer one. Capping only ever weakens what is
    // applied, and every feature the profile requires beyond it is refused.
    const char* cap = std::getenv(kLandlockAbiCapVariable);
    if (cap == nullptr || *cap == '\0') return real;
    char* end = nullptr;
    long n = std::strtol(cap, &end, 10);
    if (*end != '\0' || n < 0) return real;
    return n < real ? static_cast<int>(n) : real;
  }();
  return abi;
}

Result<PreparedLandlock> prepare_landlock_from_parent(const LandlockProfile& profile, bool allow_downgrade, int abi) {
  PreparedLandlock p;
  p.abi = abi < 0 ? landlock_abi() : abi;
  uint64_t fs_mask = fs_mask_for_abi(p.abi);
  p.handled_fs = profile.handled_fs & fs_mask;
  if (uint64_t lost = profile.handled_fs & ~fs_mask)
    p.downgrades.push_back(p.abi == 0 ? "Landlock is not available: no filesystem rule is enforced"
                                      : "filesystem rights " + fs_names(lost) + " need a newer Landlock ABI than " +
                                            std::to_string(p.abi) + ", so they are not restricted");
  p.handled_net = p.abi >= 4 ? profile.handled_net : 0;
  if (profile.handled_net != 0 && p.handled_net == 0)
    p.downgrades.push_back("TCP bind/connect restrictions need Landlock ABI 4 (kernel has " + std::to_string(p.abi) +
                           ")");
  p.scoped = p.abi >= 6 ? profile.scoped : 0;
  if (profile.scoped != 0 && p.scoped == 0)
    p.downgrades.push_back("scoping of signals and abstract unix sockets needs Landlock ABI 6 (kernel has " +
                           std::to_string(p.abi) + ")");
  if (!p.downgrades.empty() && !allow_downgrade) {
    std::string msg = "the kernel cannot enforce all of the Landlock profile: ";
    for (size_t i = 0; i < p.downgrades.size(); ++i) msg += (i ? "; " : "") + p.downgrades[i];
    return make_error(msg);
  }
  for (const auto& r : profile.fs) {
    uint64_t a = r.access & p.handled_fs;
    if (a == 0) continue;
    p.paths.push_back(r.path);
    p.path_access.push_back(a);
  }
  for (const auto& s : p.paths) p.path_cstr.push_back(s.c_str());
  if (p.handled_net & kNetBind) p.bind_tcp = profile.bind_tcp;
  if (p.handled_net & kNetConnect) {
    p.connect_tcp = profile.connect_tcp;
    if (profile.connect_tcp_ephemeral) {
      // Landlock has no port ranges: one rule per port (about 28,000 on Linux's
      // default range; measured ~15-25 ms to add and as much to restrict, paid
      // only by bundles that ask for it). The launcher's range stands for the
      // container's: a new network namespace starts from the same defaults.
      unsigned lo = 0, hi = 0;
      auto text = read_file("/proc/sys/net/ipv4/ip_local_port_range");
      if (!text || std::sscanf(text->c_str(), "%u %u", &lo, &hi) != 2 || lo == 0 || lo > hi || hi > 65535)
        return make_error(
            "landlock.json asks for connects to the local port range, but "
            "/proc/sys/net/ipv4/ip_local_port_range could not be read");
      p.connect_tcp.reserve(p.connect_tcp.size() + (hi - lo + 1));
      for (unsigned port = lo; port <= hi; ++port) p.connect_tcp.push_back(static_cast<uint16_t>(port));
      std::sort(p.connect_tcp.begin(), p.connect_tcp.end());
      p.connect_tcp.erase(std::unique(p.connect_tcp.begin(), p.connect_tcp.end()), p.connect_tcp.end());
      p.ephemeral_range = std::to_string(lo) + "-" + std::to_string(hi);
    }
  }
  return p;
}

int apply_landlock_in_child(const PreparedLandlock& p, const char** failed_step) noexcept {
  auto fail = [&](const char* step, int err) {
    if (failed_step != nullptr) *failed_step = step;
    return err;
  };
  if (!p.enabled()) return 0;
  RulesetAttr attr{p.handled_fs, p.handled_net, p.scoped};
  // Older kernels reject an attr larger than they know unless the extra is zero;
  // passing the size the ABI knows keeps the call valid everywhere.
  size_t size = p.abi >= 6 ? sizeof(RulesetAttr) : p.abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
  int rs = static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (rs < 0) return fail("landlock_create_ruleset", errno);
  int err = 0;
  const char* step = nullptr;
  for (size_t i = 0; i < p.path_cstr.size() && err == 0; ++i) {
    int fd = ::open(p.path_cstr[i], O_PATH | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;  // absent here: stays denied
      err = errno;
      step = "open a Landlock rule path";
      break;
    }
    struct stat st {};
    uint64_t access = p.path_access[i];
    if (::fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) access &= kFsFileRights;
    if (access != 0) {
      PathBeneathAttr pb{access, fd};
      if (::syscall(SYS_landlock_add_rule, rs, kRulePathBeneath, &pb, 0) != 0) {
        err = errno;
        step = "landlock_add_rule(path)";
      }
    }
    ::close(fd);
  }
  for (size_t i = 0; i < p.bind_tcp.size() && err == 0; ++i) {
    NetPortAttr np{kNetBind, p.bind_tcp[i]};
    if (::syscall(SYS_landlock_add_rule, rs, kRuleNetPort, &np, 0) != 0) {
      err = errno;
      step = "landlock_add_rule(bind port)";
    }
  }
  for (size_t i = 0; i < p.connect_tcp.size() && err == 0; ++i) {
    NetPortAttr np{kNetConnect, p.connect_tcp[i]};
    if (::syscall(SYS_landlock_add_rule, rs, kRuleNetPort, &np, 0) != 0) {
      err = errno;
      step = "landlock_add_rule(connect port)";
    }
  }
  if (err == 0 && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    err = errno;
    step = "prctl(PR_SET_NO_NEW_PRIVS)";
  }
  if (err == 0 && ::syscall(SYS_landlock_restrict_self, rs, 0) != 0) {
    err = errno;
    step = "landlock_restrict_self";
  }
  ::close(rs);
  return err == 0 ? 0 : fail(step, err);
}

}  // namespace profile
