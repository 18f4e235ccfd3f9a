#include "tracer/capabilities.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace profile {
namespace {

constexpr uint64_t kUnchanged32 = 0xffffffffULL;  // (uid_t)-1: "leave this id as it is"
constexpr uint64_t kUnchanged16 = 0xffffULL;      // the same for i386's 16-bit id calls

constexpr uint64_t kCloneNewUser = 0x10000000;
struct FlagName {
  uint64_t bit;
  const char* name;
};
constexpr FlagName kNamespaceFlags[] = {
    {0x80, "CLONE_NEWTIME"},      {0x20000, "CLONE_NEWNS"},     {0x02000000, "CLONE_NEWCGROUP"},
    {0x04000000, "CLONE_NEWUTS"}, {0x08000000, "CLONE_NEWIPC"}, {0x20000000, "CLONE_NEWPID"},
    {0x40000000, "CLONE_NEWNET"},
};

std::string num(uint64_t v) {
  return std::to_string(v);
}

std::string id_text(uint64_t v, uint64_t unchanged) {
  return v == unchanged ? "-1" : num(v);
}

std::string octal(uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The recorded tuples of one syscall on one architecture, with the position of
// each argument index in them.
struct Calls {
  std::string arch;
  std::string name;
  const ArgValues* values;
  [[nodiscard]] int pos(unsigned index) const {
    for (size_t i = 0; i < values->indices.size(); ++i)
      if (values->indices[i] == index) return static_cast<int>(i);
    return -1;
  }
};

std::vector<Calls> calls_of(const Recording& rec, const std::vector<std::string>& names) {
  std::vector<Calls> out;
  for (const auto& [arch, per_sys] : rec.args)
    for (const auto& n : names)
      if (auto it = per_sys.find(n); it != per_sys.end()) out.push_back({arch, n, &it->second});
  return out;
}

bool called(const Recording& rec, const std::string& name) {
  for (const auto& [arch, names] : rec.syscalls)
    if (names.count(name) != 0) return true;
  return false;
}

// An id call: setuid(2) and friends, which argument positions hold ids.
struct IdCall {
  const char* name;
  bool uid;  // uid (CAP_SETUID) or gid (CAP_SETGID)
  unsigned nargs;
};
constexpr IdCall kIdCalls[] = {
    {"setuid", true, 1},     {"setuid32", true, 1},     {"setreuid", true, 2},  {"setreuid32", true, 2},
    {"setresuid", true, 3},  {"setresuid32", true, 3},  {"setfsuid", true, 1},  {"setfsuid32", true, 1},
    {"setgid", false, 1},    {"setgid32", false, 1},    {"setregid", false, 2}, {"setregid32", false, 2},
    {"setresgid", false, 3}, {"setresgid32", false, 3}, {"setfsgid", false, 1}, {"setfsgid32", false, 1},
};

const char* kChownCalls[] = {"chown", "chown32", "lchown", "lchown32", "fchown", "fchown32", "fchownat"};

// i386's calls without "32" take 16-bit ids, where -1 is 0xffff.
uint64_t unchanged_for(const std::string& arch, const std::string& name) {
  bool wide = arch != "x86" || name.find("32") != std::string::npos || name == "setfsuid" || name == "setfsgid";
  return wide ? kUnchanged32 : kUnchanged16;
}

// A call recognised by its name alone.
struct Presence {
  const char* name;
  const char* cap;
  const char* why;     // appended to the evidence; "" = none
  bool in_own_userns;  // not evidence when the run made a user namespace (it has every capability there)
};
constexpr Presence kPresence[] = {
    {"setgroups", "CAP_SETGID", "", false},
    {"setgroups32", "CAP_SETGID", "", false},
    {"chroot", "CAP_SYS_CHROOT", "", true},
    {"mount", "CAP_SYS_ADMIN", "", true},
    {"umount", "CAP_SYS_ADMIN", "", true},
    {"umount2", "CAP_SYS_ADMIN", "", true},
    {"pivot_root", "CAP_SYS_ADMIN", "", true},
    {"fsopen", "CAP_SYS_ADMIN", "", true},
    {"fsmount", "CAP_SYS_ADMIN", "", true},
    {"fspick", "CAP_SYS_ADMIN", "", true},
    {"fsconfig", "CAP_SYS_ADMIN", "", true},
    {"move_mount", "CAP_SYS_ADMIN", "", true},
    {"open_tree", "CAP_SYS_ADMIN", "", true},
    {"mount_setattr", "CAP_SYS_ADMIN", "", true},
    {"sethostname", "CAP_SYS_ADMIN", "", true},
    {"setdomainname", "CAP_SYS_ADMIN", "", true},
    {"setns", "CAP_SYS_ADMIN", "", true},
    {"swapon", "CAP_SYS_ADMIN", "", false},
    {"swapoff", "CAP_SYS_ADMIN", "", false},
    {"settimeofday", "CAP_SYS_TIME", "", false},
    {"stime", "CAP_SYS_TIME", "", false},
    {"clock_settime", "CAP_SYS_TIME", "", false},
    {"clock_settime64", "CAP_SYS_TIME", "", false},
    {"init_module", "CAP_SYS_MODULE", "", false},
    {"finit_module", "CAP_SYS_MODULE", "", false},
    {"delete_module", "CAP_SYS_MODULE", "", false},
    {"reboot", "CAP_SYS_BOOT", "", false},
    {"kexec_load", "CAP_SYS_BOOT", "", false},
    {"kexec_file_load", "CAP_SYS_BOOT", "", false},
    {"acct", "CAP_SYS_PACCT", "", false},
    {"iopl", "CAP_SYS_RAWIO", "", false},
    {"ioperm", "CAP_SYS_RAWIO", "", false},
    {"vhangup", "CAP_SYS_TTY_CONFIG", "", false},
    {"open_by_handle_at", "CAP_DAC_READ_SEARCH", "", false},
    {"mlockall", "CAP_IPC_LOCK", " (locks all of the process's memory, past RLIMIT_MEMLOCK for all but tiny processes)",
     false},
};

// Calls whose need depends on whose process they reach, which is not traced:
// evidence only when the run had processes of more than one uid.
const char* kSignalCalls[] = {"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"};
const char* kPtraceCalls[] = {"ptrace", "process_vm_readv", "process_vm_writev"};

struct IoctlName {
  uint64_t request;
  const char* name;
};
// Socket ioctls that change an interface or a route (CAP_NET_ADMIN).
constexpr IoctlName kNetAdminIoctls[] = {
    {0x890B, "SIOCADDRT"},     {0x890C, "SIOCDELRT"},          {0x8911, "SIOCSIFLINK"},    {0x8914, "SIOCSIFFLAGS"},
    {0x8916, "SIOCSIFADDR"},   {0x8918, "SIOCSIFDSTADDR"},     {0x891A, "SIOCSIFBRDADDR"}, {0x891C, "SIOCSIFNETMASK"},
    {0x891E, "SIOCSIFMETRIC"}, {0x8920, "SIOCSIFMEM"},         {0x8922, "SIOCSIFMTU"},     {0x8923, "SIOCSIFNAME"},
    {0x8924, "SIOCSIFHWADDR"}, {0x8931, "SIOCADDMULTI"},       {0x8932, "SIOCDELMULTI"},   {0x8934, "SIOCSIFPFLAGS"},
    {0x8936, "SIOCDIFADDR"},   {0x8937, "SIOCSIFHWBROADCAST"}, {0x8943, "SIOCSIFTXQLEN"},  {0x8953, "SIOCDARP"},
    {0x8955, "SIOCSARP"},      {0x8960, "SIOCDRARP"},          {0x8962, "SIOCSRARP"},      {0x8971, "SIOCSIFMAP"},
};

class Inference {
 public:
  Inference(const Recording& rec, const CapabilityContext& ctx) : rec_(rec), ctx_(ctx) {}

  CapabilityEvidence run() {
    for (const auto& r : rec_.runs) {
      if (r.uid) own_uids_.insert(*r.uid);
      if (r.gid) own_gids_.insert(*r.gid);
    }
    ids_known_ = !own_uids_.empty() && !own_gids_.empty();
    find_user_namespaces();
    id_changes();
    ownership();
    presence();
    signals_and_tracing();
    sockets();
    binds();
    scheduling();
    options();
    limits();
    kernel_log();
    bpf_and_perf();
    file_capabilities();
    if (ids_known_ && ctx_.file_info) {
      files();
      leases();
    }
    return std::move(out_);
  }

 private:
  void add(const std::string& cap, std::string evidence) { out_[cap].insert(std::move(evidence)); }

  // The run created a user namespace: calls that its root may make there
  // (mount, sethostname, ...) need nothing from the profile.
  void find_user_namespaces() {
    for (const auto& c : calls_of(rec_, {"clone", "clone3", "unshare"})) {
      int p = c.pos(0);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples)
        if ((t[static_cast<size_t>(p)] & kCloneNewUser) != 0) made_userns_ = true;
    }
    // Namespaces other than a user namespace, made outside one: CAP_SYS_ADMIN.
    for (const auto& c : calls_of(rec_, {"clone", "clone3", "unshare"})) {
      int p = c.pos(0);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples) {
        uint64_t f = t[static_cast<size_t>(p)];
        if ((f & kCloneNewUser) != 0) continue;
        std::string names;
        for (const auto& n : kNamespaceFlags)
          if ((f & n.bit) != 0) names += (names.empty() ? "" : "|") + std::string(n.name);
        if (!names.empty()) add("CAP_SYS_ADMIN", c.name + "(" + names + ")");
      }
    }
  }

  void id_changes() {
    for (const auto& call : kIdCalls) {
      for (const auto& c : calls_of(rec_, {call.name})) {
        uint64_t unchanged = unchanged_for(c.arch, c.name);
        for (const auto& t : c.values->tuples) {
          std::string args;
          bool other = false;
          bool complete = true;
          for (unsigned i = 0; i < call.nargs; ++i) {
            int p = c.pos(i);
            if (p < 0) {
              complete = false;
              break;
            }
            uint64_t v = t[static_cast<size_t>(p)];
            args += (i == 0 ? "" : ", ") + id_text(v, unchanged);
            if (v == unchanged) continue;
            (call.uid ? switched_uids_ : switched_gids_).insert(static_cast<uint32_t>(v));
            const auto& own = call.uid ? own_uids_ : own_gids_;
            if (own.count(static_cast<uint32_t>(v)) == 0) other = true;
          }
          if (complete && other && ids_known_) add(call.uid ? "CAP_SETUID" : "CAP_SETGID", c.name + "(" + args + ")");
        }
      }
    }
  }

  void ownership() {
    for (const auto& c : calls_of(rec_, {std::begin(kChownCalls), std::end(kChownCalls)})) {
      unsigned first = c.name == "fchownat" ? 2 : 1;
      int po = c.pos(first), pg = c.pos(first + 1);
      if (po < 0 || pg < 0) continue;
      uint64_t unchanged = unchanged_for(c.arch, c.name);
      for (const auto& t : c.values->tuples) {
        uint64_t owner = t[static_cast<size_t>(po)], group = t[static_cast<size_t>(pg)];
        if (owner != unchanged) chown_owners_.insert(static_cast<uint32_t>(owner));
        if (group != unchanged) chown_groups_.insert(static_cast<uint32_t>(group));
        if (!ids_known_) continue;
        bool other_owner = owner != unchanged && own_uids_.count(static_cast<uint32_t>(owner)) == 0;
        bool other_group = group != unchanged && !member(static_cast<uint32_t>(group));
        if (other_owner || other_group)
          add("CAP_CHOWN",
              c.name + "(owner " + id_text(owner, unchanged) + ", group " + id_text(group, unchanged) + ")");
      }
    }
  }

  bool member(uint32_t gid) const {
    return own_gids_.count(gid) != 0 || switched_gids_.count(gid) != 0 ||
           std::find(ctx_.groups.begin(), ctx_.groups.end(), gid) != ctx_.groups.end();
  }

  void presence() {
    for (const auto& p : kPresence) {
      if (!called(rec_, p.name)) continue;
      if (p.in_own_userns && made_userns_) continue;
      add(p.cap, std::string(p.name) + p.why);
    }
  }

  // Uids of the run other than the ones it started with.
  [[nodiscard]] std::string other_uids() const {
    std::string s;
    for (uint32_t u : switched_uids_)
      if (own_uids_.count(u) == 0) s += (s.empty() ? "" : ", ") + num(u);
    return s;
  }

  void signals_and_tracing() {
    if (!ids_known_) return;
    std::string others = other_uids();
    if (others.empty()) return;  // one uid throughout: same-uid signals and tracing need nothing
    std::string own;
    for (uint32_t u : own_uids_) own += (own.empty() ? "" : ", ") + num(u);
    std::string why =
        " while processes ran as uid " + own + " and as uid " + others + " (whose process it reached is not traced)";
    for (const char* n : kSignalCalls)
      if (called(rec_, n)) add("CAP_KILL", n + why);
    for (const char* n : kPtraceCalls)
      if (called(rec_, n)) add("CAP_SYS_PTRACE", n + why);
  }

  void sockets() {
    for (const auto& c : calls_of(rec_, {"socket"})) {
      int pf = c.pos(0), pt = c.pos(1), pp = c.pos(2);
      if (pf < 0 || pt < 0) continue;
      for (const auto& t : c.values->tuples) {
        uint64_t family = t[static_cast<size_t>(pf)], type = t[static_cast<size_t>(pt)] & 0xf;
        std::string proto = pp >= 0 ? num(t[static_cast<size_t>(pp)]) : "?";
        if ((family == 2 || family == 10) && (type == 3 || type == 10))
          add("CAP_NET_RAW", std::string("socket(") + (family == 2 ? "AF_INET" : "AF_INET6") + ", " +
                                 (type == 3 ? "SOCK_RAW" : "SOCK_PACKET") + ", " + proto + ")");
        if (family == 17) add("CAP_NET_RAW", "socket(AF_PACKET, " + num(type) + ", " + proto + ")");
      }
    }
  }

  [[nodiscard]] bool counted(const Outcome& o) const {
    return o == kOk || (ctx_.failures && (o == "EACCES" || o == "EPERM"));
  }

  void binds() {
    // Ports below 1024 (net.ipv4.ip_unprivileged_port_start's default, also in a new network namespace).
    for (const auto& [ep, count] : rec_.network) {
      if (ep.op != "bind" || (ep.family != "AF_INET" && ep.family != "AF_INET6")) continue;
      if (ep.port == 0 || ep.port >= 1024 || !counted(ep.result)) continue;
      std::string addr = ep.family == "AF_INET6" ? "[" + ep.address + "]" : ep.address;
      add("CAP_NET_BIND_SERVICE", "bind " + ep.family + (ep.type.empty() ? "" : " " + ep.type) + " " + addr + ":" +
                                      num(ep.port) + ": " + ep.result);
    }
  }

  void scheduling() {
    for (const auto& c : calls_of(rec_, {"setpriority"})) {
      int p = c.pos(2);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples) {
        auto prio = static_cast<int32_t>(static_cast<uint32_t>(t[static_cast<size_t>(p)]));
        if (prio < 0) add("CAP_SYS_NICE", "setpriority(nice " + std::to_string(prio) + ")");
      }
    }
    for (const auto& c : calls_of(rec_, {"sched_setscheduler"})) {
      int p = c.pos(1);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples) {
        uint64_t policy = t[static_cast<size_t>(p)] & ~uint64_t{0x40000000};  // SCHED_RESET_ON_FORK
        if (policy == 1 || policy == 2)
          add("CAP_SYS_NICE", std::string("sched_setscheduler(") + (policy == 1 ? "SCHED_FIFO" : "SCHED_RR") + ")");
      }
    }
    for (const auto& c : calls_of(rec_, {"adjtimex", "clock_adjtime"})) {
      int p = c.pos(c.name == "adjtimex" ? 0 : 1);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples)
        if ((t[static_cast<size_t>(p)] & 0xffffffff) != 0)
          add("CAP_SYS_TIME", c.name + "(modes " + hex(t[static_cast<size_t>(p)]) + ")");
    }
  }

  void options() {
    for (const auto& c : calls_of(rec_, {"prctl"})) {
      int p = c.pos(0);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples) {
        uint64_t option = t[static_cast<size_t>(p)];
        if (option == 24) add("CAP_SETPCAP", "prctl(PR_CAPBSET_DROP)");
        if (option == 35) add("CAP_SYS_RESOURCE", "prctl(PR_SET_MM)");
      }
    }
    for (const auto& c : calls_of(rec_, {"ioctl"})) {
      int p = c.pos(1);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples)
        for (const auto& n : kNetAdminIoctls)
          if ((t[static_cast<size_t>(p)] & 0xffffffff) == n.request)
            add("CAP_NET_ADMIN", std::string("ioctl(") + n.name + ")");
    }
  }

  // setrlimit/prlimit64 tuples: (resource, new hard limit, hard limit before
  // the call). Only a raise above the limit the process had needs
  // CAP_SYS_RESOURCE; lowering, keeping, and any soft limit up to the hard one
  // are free. RLIMIT_NOFILE above fs.nr_open is refused even with the
  // capability, so it is no reason to grant it.
  void limits() {
    for (const auto& c : calls_of(rec_, {"setrlimit", "prlimit64"})) {
      if (c.values->indices.size() != 3) continue;
      for (const auto& t : c.values->tuples) {
        if (t.size() != 3 || t[1] <= t[2]) continue;
        add("CAP_SYS_RESOURCE",
            c.name + "(" + rlimit_name(t[0]) + ", hard " + limit_text(t[2]) + " -> " + limit_text(t[1]) + ")");
      }
    }
  }

  static std::string rlimit_name(uint64_t r) {
    static const char* const names[] = {"RLIMIT_CPU",      "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",
                                        "RLIMIT_CORE",     "RLIMIT_RSS",   "RLIMIT_NPROC",  "RLIMIT_NOFILE",
                                        "RLIMIT_MEMLOCK",  "RLIMIT_AS",    "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
                                        "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME"};
    return r < std::size(names) ? names[r] : "resource " + num(r);
  }

  static std::string limit_text(uint64_t v) { return v == ~uint64_t{0} ? "unlimited" : num(v); }

  // syslog(2): reading the whole buffer (3) and its size (10) are free unless
  // kernel.dmesg_restrict; every other action needs CAP_SYSLOG. /dev/kmsg
  // reads are checked as action 3.
  void kernel_log() {
    static const char* const actions[] = {
        "SYSLOG_ACTION_CLOSE",       "SYSLOG_ACTION_OPEN",       "SYSLOG_ACTION_READ",
        "SYSLOG_ACTION_READ_ALL",    "SYSLOG_ACTION_READ_CLEAR", "SYSLOG_ACTION_CLEAR",
        "SYSLOG_ACTION_CONSOLE_OFF", "SYSLOG_ACTION_CONSOLE_ON", "SYSLOG_ACTION_CONSOLE_LEVEL",
        "SYSLOG_ACTION_SIZE_UNREAD", "SYSLOG_ACTION_SIZE_BUFFER"};
    std::string why = ctx_.dmesg_restrict ? " (kernel.dmesg_restrict = 1)" : "";
    for (const auto& c : calls_of(rec_, {"syslog"})) {
      int p = c.pos(0);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples) {
        uint64_t a = t[static_cast<size_t>(p)];
        bool reading = a == 3 || a == 10;
        if (reading && !ctx_.dmesg_restrict) continue;
        add("CAP_SYSLOG",
            "syslog(" + (a < std::size(actions) ? std::string(actions[a]) : num(a)) + ")" + (reading ? why : ""));
      }
    }
    if (!ctx_.dmesg_restrict) return;
    auto f = rec_.files.find("/dev/kmsg");
    if (f == rec_.files.end()) return;
    if (auto r = f->second.accesses.find(Access::Read); r != f->second.accesses.end())
      for (const auto& [o, n] : r->second)
        if (counted(o)) add("CAP_SYSLOG", "read /dev/kmsg: " + o + why);
  }

  // bpf(2) on this kernel: creating maps, loading programs and BTF need
  // CAP_BPF while unprivileged BPF is disabled (the default of distributions,
  // kernel.unprivileged_bpf_disabled); reaching objects by id needs
  // CAP_SYS_ADMIN; commands on a descriptor the process holds need nothing.
  // perf_event_open with pid -1 watches every process on a CPU: CAP_PERFMON
  // (kernel.perf_event_paranoid above 0, every default).
  void bpf_and_perf() {
    for (const auto& c : calls_of(rec_, {"bpf"})) {
      int p = c.pos(0);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples) {
        uint64_t cmd = t[static_cast<size_t>(p)];
        const char* name = cmd == 0    ? "BPF_MAP_CREATE"
                           : cmd == 5  ? "BPF_PROG_LOAD"
                           : cmd == 18 ? "BPF_BTF_LOAD"
                           : cmd == 11 ? "BPF_PROG_GET_NEXT_ID"
                           : cmd == 12 ? "BPF_MAP_GET_NEXT_ID"
                           : cmd == 13 ? "BPF_PROG_GET_FD_BY_ID"
                           : cmd == 14 ? "BPF_MAP_GET_FD_BY_ID"
                           : cmd == 19 ? "BPF_BTF_GET_FD_BY_ID"
                           : cmd == 23 ? "BPF_BTF_GET_NEXT_ID"
                           : cmd == 30 ? "BPF_LINK_GET_FD_BY_ID"
                           : cmd == 31 ? "BPF_LINK_GET_NEXT_ID"
                                       : nullptr;
        if (name == nullptr) continue;
        bool load = cmd == 0 || cmd == 5 || cmd == 18;
        add(load ? "CAP_BPF" : "CAP_SYS_ADMIN", std::string("bpf(") + name + ")");
      }
    }
    for (const auto& c : calls_of(rec_, {"perf_event_open"})) {
      int pp = c.pos(1), pc = c.pos(2);
      if (pp < 0 || pc < 0) continue;
      for (const auto& t : c.values->tuples)
        if (t[static_cast<size_t>(pp)] == kUnchanged32)
          add("CAP_PERFMON", "perf_event_open(pid -1, cpu " +
                                 std::to_string(static_cast<int32_t>(t[static_cast<size_t>(pc)])) +
                                 ": every process on a CPU)");
    }
  }

  // setxattr of security.capability: file capabilities (CAP_SETFCAP), unless
  // the run made a user namespace of its own, where namespaced file
  // capabilities need it only there.
  void file_capabilities() {
    if (made_userns_) return;
    for (const auto& c : calls_of(rec_, {"setxattr", "lsetxattr", "fsetxattr"})) {
      int p = c.pos(1);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples)
        if (t[static_cast<size_t>(p)] == 1) add("CAP_SETFCAP", c.name + "(security.capability)");
    }
  }

  // F_SETLEASE needs CAP_LEASE on a file the caller does not own. Which
  // descriptor the lease was on is not traced: evidence when the run opened a
  // file that no uid of the run owns (the first one is named).
  void leases() {
    bool lease = false;
    for (const auto& c : calls_of(rec_, {"fcntl", "fcntl64"})) {
      int p = c.pos(1);
      if (p < 0) continue;
      for (const auto& t : c.values->tuples)
        if ((t[static_cast<size_t>(p)] & 0xffffffff) == 1024) lease = true;  // F_SETLEASE
    }
    if (!lease) return;
    for (const auto& [path, fr] : rec_.files) {
      if (path == "/proc" || path.rfind("/proc/", 0) == 0) continue;
      bool opened = false;
      for (Access k : {Access::Read, Access::Write})
        if (auto a = fr.accesses.find(k); a != fr.accesses.end() && a->second.count(kOk) != 0) opened = true;
      if (!opened) continue;
      const auto& f = info(path);
      if (!f || (f->mode & 0170000) != 0100000 || owned(*f)) continue;
      add("CAP_LEASE", "fcntl(F_SETLEASE) while " + path + " (" + describe(*f) +
                           ") was open (which descriptor the lease was on is not traced)");
      return;
    }
  }

  // --- files: what the mode and owner at the end of the run would refuse ---

  const std::optional<FileInfo>& info(const std::string& path) {
    auto it = info_.find(path);
    if (it == info_.end()) it = info_.emplace(path, ctx_.file_info(path)).first;
    return it->second;
  }

  // Whether some uid of the run, with some gid of the run, passes the mode bits
  // `need` (4 read, 2 write, 1 execute/search) of `f`.
  bool permits(const FileInfo& f, uint32_t need) const {
    bool group = member(f.gid);
    auto passes = [&](uint32_t uid) {
      uint32_t bits = uid == f.uid ? (f.mode >> 6) & 7 : group ? (f.mode >> 3) & 7 : f.mode & 7;
      return (bits & need) == need;
    };
    for (uint32_t u : own_uids_)
      if (passes(u)) return true;
    for (uint32_t u : switched_uids_)
      if (passes(u)) return true;
    return false;
  }

  bool owned(const FileInfo& f) const { return own_uids_.count(f.uid) != 0 || switched_uids_.count(f.uid) != 0; }

  static std::string describe(const FileInfo& f) {
    return "mode " + octal(f.mode) + ", owner " + num(f.uid) + ":" + num(f.gid);
  }

  static bool is_dir(const FileInfo& f) { return (f.mode & 0170000) == 0040000; }
  static bool is_link(const FileInfo& f) { return (f.mode & 0170000) == 0120000; }

  static std::string parent_of(const std::string& path) {
    auto s = path.rfind('/');
    return s == 0 || s == std::string::npos ? "/" : path.substr(0, s);
  }

  // Every directory above `path` must be searchable to reach it.
  void search_ancestors(const std::string& path, const std::string& what) {
    for (std::string dir = path; dir != "/";) {
      dir = parent_of(dir);
      if (!searched_.insert(dir).second) continue;  // judged once, for the first path through it
      const auto& f = info(dir);
      if (!f || !is_dir(*f) || permits(*f, 1)) continue;
      add("CAP_DAC_READ_SEARCH", "search " + dir + " (" + describe(*f) + ") for " + what);
    }
  }

  void files() {
    for (const auto& [path, rec] : rec_.files) {
      // /proc decides by more than the mode (ptrace access mode, the task's
      // dumpable flag), and its per-process files are gone by now anyway.
      if (path == "/proc" || path.rfind("/proc/", 0) == 0) continue;
      // Outcomes that show a lookup passed every directory above the path.
      // Descriptor-based calls (fstat, fchdir, fchmod, ...) are recorded on the
      // descriptor's path but look nothing up: a stat that succeeded may be one,
      // a chmod too; a stat that found nothing (ENOENT) was a lookup.
      bool looked_up = false;
      std::string first;
      for (const auto& [kind, outcomes] : rec.accesses)
        for (const auto& [o, n] : outcomes)
          if (bool refused = o == "EACCES" || o == "EPERM";
              (!refused || ctx_.failures) && kind != Access::Chmod && !(kind == Access::Stat && o == kOk) &&
              !(kind == Access::Exec && rec_.executables.count(path) == 0 && !refused)) {
            if (!looked_up) first = std::string(access_name(kind)) + " " + path + ": " + o;
            looked_up = true;
          }
      if (looked_up) search_ancestors(path, first);

      const auto& f = info(path);
      bool changed_by_run = rec.accesses.count(Access::Chmod) != 0;
      for (const auto& [kind, outcomes] : rec.accesses) {
        for (const auto& [o, n] : outcomes) {
          if (!counted(o)) continue;
          std::string what = std::string(access_name(kind)) + " " + path + ": " + o;
          switch (kind) {
            case Access::Create:
              if (rec.type == "chr" || rec.type == "blk")
                add("CAP_MKNOD", "mknod " + path + " (" + rec.type + "): " + o);
              [[fallthrough]];
            case Access::Delete:
            case Access::Rename:
            case Access::Link:
              parent_writable(path, what);
              break;
            case Access::Read:
            case Access::Write:
            case Access::Exec:
              // The end state of a file whose mode or owner the run changed
              // says nothing of what the access saw.
              if (!f || is_link(*f) || changed_by_run || chown_owners_.count(f->uid) != 0) break;
              file_access(path, kind, o, *f, what);
              // Writing (or truncating) a set-user-ID file clears the bit
              // unless the writer has CAP_FSETID: still set, it was kept.
              if (kind == Access::Write && o == kOk && (f->mode & 0170000) == 0100000 && (f->mode & 04000) != 0)
                add("CAP_FSETID", what + " kept the set-user-ID bit (" + describe(*f) + ")");
              break;
            case Access::Chmod:
              if (!f || is_link(*f) || chown_owners_.count(f->uid) != 0) break;
              // The set-group-ID bit survives a chmod by a process outside the
              // file's group only with CAP_FSETID: the kernel clears it silently.
              if ((f->mode & 02000) != 0 && !member(f->gid) && chown_groups_.count(f->gid) == 0 && o == kOk)
                add("CAP_FSETID", "chmod " + path + ": " + o +
                                      " kept the set-group-ID bit of a group the workload is "
                                      "not in (" +
                                      describe(*f) + ")");
              if (owned(*f)) break;
              add("CAP_FOWNER", "chmod " + path + ": " + o + " (" + describe(*f) + ")");
              break;
            case Access::Stat:
              break;
          }
        }
      }
    }
  }

  void file_access(const std::string& path, Access kind, const Outcome& o, const FileInfo& f, const std::string& what) {
    if (kind == Access::Read && !permits(f, 4)) add("CAP_DAC_READ_SEARCH", what + " (" + describe(f) + ")");
    if (kind == Access::Write && !permits(f, 2)) add("CAP_DAC_OVERRIDE", what + " (" + describe(f) + ")");
    // Exec also covers mmap(PROT_EXEC), which needs no execute bit: only real
    // execs (or refused ones) count. CAP_DAC_OVERRIDE runs a file only when
    // some execute bit is set.
    if (kind == Access::Exec && (rec_.executables.count(path) != 0 || o != kOk) && !is_dir(f) && (f.mode & 0111) != 0 &&
        !permits(f, 1))
      add("CAP_DAC_OVERRIDE", "exec " + path + ": " + o + " (" + describe(f) + ")");
  }

  void parent_writable(const std::string& path, const std::string& what) {
    std::string dir = parent_of(path);
    const auto& d = info(dir);
    if (!d || !is_dir(*d) || permits(*d, 3)) return;
    add("CAP_DAC_OVERRIDE", what + " (directory " + dir + ": " + describe(*d) + ")");
  }

  const Recording& rec_;
  const CapabilityContext& ctx_;
  CapabilityEvidence out_;
  std::set<uint32_t> own_uids_, own_gids_, switched_uids_, switched_gids_, chown_owners_, chown_groups_;
  bool ids_known_ = false;
  bool made_userns_ = false;
  std::map<std::string, std::optional<FileInfo>> info_;
  std::set<std::string> searched_;
};

}  // namespace

CapabilityEvidence infer_capabilities(const Recording& rec, const CapabilityContext& ctx) {
  return Inference(rec, ctx).run();
}

}  // namespace profile
