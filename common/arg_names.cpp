#include "common/arg_names.h"

// Constants from the headers, never retyped: <sys/socket.h>, <sys/mman.h>,
// <fcntl.h>, <sys/prctl.h>, <sys/personality.h> from libc; clone flags, ioctl
// requests and the i386 multiplexer calls from the kernel's uapi headers.
#include <asm/ioctls.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/ipc.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <cctype>
#include <cstdio>
#include <string_view>

#include "common/names.h"

// <linux/netlink.h> clashes with nothing, but its protocol names are all we need.
#include <linux/netlink.h>

namespace profile {
namespace {

struct Named {
  uint64_t value;
  const char* name;
};

#define N(x)                     \
  Named {                        \
    static_cast<uint64_t>(x), #x \
  }

// Tables list one name per value; where the headers give aliases (AF_LOCAL,
// TIOCINQ) the usual spelling is the one kept.
constexpr Named kFamilies[] = {
    N(AF_UNSPEC),   N(AF_UNIX),       N(AF_INET),    N(AF_AX25),      N(AF_IPX),     N(AF_APPLETALK), N(AF_NETROM),
    N(AF_BRIDGE),   N(AF_ATMPVC),     N(AF_X25),     N(AF_INET6),     N(AF_ROSE),    N(AF_DECnet),    N(AF_NETBEUI),
    N(AF_SECURITY), N(AF_KEY),        N(AF_NETLINK), N(AF_PACKET),    N(AF_ASH),     N(AF_ECONET),    N(AF_ATMSVC),
    N(AF_RDS),      N(AF_SNA),        N(AF_IRDA),    N(AF_PPPOX),     N(AF_WANPIPE), N(AF_LLC),       N(AF_IB),
    N(AF_MPLS),     N(AF_CAN),        N(AF_TIPC),    N(AF_BLUETOOTH), N(AF_IUCV),    N(AF_RXRPC),     N(AF_ISDN),
    N(AF_PHONET),   N(AF_IEEE802154), N(AF_CAIF),    N(AF_ALG),       N(AF_NFC),     N(AF_VSOCK),     N(AF_KCM),
    N(AF_QIPCRTR),  N(AF_SMC),        N(AF_XDP),
#ifdef AF_MCTP
    N(AF_MCTP),
#endif
};

constexpr Named kSocketTypes[] = {N(SOCK_STREAM),    N(SOCK_DGRAM), N(SOCK_RAW),   N(SOCK_RDM),
                                  N(SOCK_SEQPACKET), N(SOCK_DCCP),  N(SOCK_PACKET)};
constexpr Named kSocketTypeFlags[] = {N(SOCK_NONBLOCK), N(SOCK_CLOEXEC)};

constexpr Named kIpProtocols[] = {N(IPPROTO_IP),    N(IPPROTO_ICMP),   N(IPPROTO_IGMP), N(IPPROTO_TCP),
                                  N(IPPROTO_UDP),   N(IPPROTO_IPV6),   N(IPPROTO_GRE),  N(IPPROTO_ESP),
                                  N(IPPROTO_AH),    N(IPPROTO_ICMPV6), N(IPPROTO_SCTP), N(IPPROTO_UDPLITE),
                                  N(IPPROTO_MPTCP), N(IPPROTO_RAW)};

constexpr Named kNetlinkProtocols[] = {N(NETLINK_ROUTE),      N(NETLINK_USERSOCK),      N(NETLINK_FIREWALL),
                                       N(NETLINK_SOCK_DIAG),  N(NETLINK_NFLOG),         N(NETLINK_XFRM),
                                       N(NETLINK_SELINUX),    N(NETLINK_ISCSI),         N(NETLINK_AUDIT),
                                       N(NETLINK_FIB_LOOKUP), N(NETLINK_CONNECTOR),     N(NETLINK_NETFILTER),
                                       N(NETLINK_IP6_FW),     N(NETLINK_DNRTMSG),       N(NETLINK_KOBJECT_UEVENT),
                                       N(NETLINK_GENERIC),    N(NETLINK_SCSITRANSPORT), N(NETLINK_ECRYPTFS),
                                       N(NETLINK_RDMA),       N(NETLINK_CRYPTO),        N(NETLINK_SMC)};

// Terminal, file, socket and random-device requests: the ones programs make
// without knowing it (isatty, the shell's job control, getrandom's fallback).
constexpr Named kIoctls[] = {
    N(TCGETS), N(TCSETS), N(TCSETSW), N(TCSETSF), N(TCGETA), N(TCSETA), N(TCSETAW), N(TCSETAF), N(TCSBRK), N(TCXONC),
    N(TCFLSH), N(TIOCEXCL), N(TIOCNXCL), N(TIOCSCTTY), N(TIOCGPGRP), N(TIOCSPGRP), N(TIOCOUTQ), N(TIOCSTI),
    N(TIOCGWINSZ), N(TIOCSWINSZ), N(TIOCMGET), N(TIOCMBIS), N(TIOCMBIC), N(TIOCMSET), N(TIOCGSOFTCAR), N(TIOCSSOFTCAR),
    N(FIONREAD), N(TIOCLINUX), N(TIOCCONS), N(TIOCGSERIAL), N(TIOCSSERIAL), N(TIOCPKT), N(FIONBIO), N(TIOCNOTTY),
    N(TIOCSETD), N(TIOCGETD), N(TCSBRKP), N(TIOCSBRK), N(TIOCCBRK), N(TIOCGSID), N(TIOCGRS485), N(TIOCSRS485),
    N(TIOCGPTN), N(TIOCSPTLCK), N(TIOCGDEV), N(TCGETX), N(TCSETX), N(TCSETXF), N(TCSETXW), N(TIOCSIG), N(TIOCVHANGUP),
    N(TIOCGPKT), N(TIOCGPTLCK), N(TIOCGEXCL), N(TIOCGPTPEER), N(FIONCLEX), N(FIOCLEX), N(FIOASYNC), N(TIOCSERCONFIG),
    N(TIOCSERGWILD), N(TIOCSERSWILD), N(TIOCGLCKTRMIOS), N(TIOCSLCKTRMIOS), N(TIOCSERGSTRUCT), N(TIOCSERGETLSR),
    N(TIOCSERGETMULTI), N(TIOCSERSETMULTI), N(TIOCMIWAIT), N(TIOCGICOUNT), N(FIOQSIZE),
    // <linux/fs.h>
    N(FS_IOC_GETFLAGS), N(FS_IOC_SETFLAGS), N(FS_IOC_GETVERSION), N(FS_IOC_SETVERSION), N(FS_IOC_FSGETXATTR),
    N(FS_IOC_FSSETXATTR), N(FICLONE), N(FICLONERANGE), N(FIDEDUPERANGE), N(FIFREEZE), N(FITHAW), N(FITRIM), N(FIBMAP),
    N(FIGETBSZ), N(BLKGETSIZE), N(BLKGETSIZE64), N(BLKSSZGET), N(BLKBSZGET), N(BLKROGET), N(BLKFLSBUF), N(BLKRRPART),
    N(BLKDISCARD), N(BLKIOMIN), N(BLKIOOPT),
    // <linux/sockios.h>
    N(SIOCADDRT), N(SIOCDELRT), N(SIOCGIFNAME), N(SIOCGIFCONF), N(SIOCGIFFLAGS), N(SIOCSIFFLAGS), N(SIOCGIFADDR),
    N(SIOCSIFADDR), N(SIOCGIFNETMASK), N(SIOCGIFMTU), N(SIOCSIFMTU), N(SIOCGIFHWADDR), N(SIOCGIFINDEX),
    N(SIOCGIFBRDADDR), N(SIOCGIFDSTADDR), N(SIOCETHTOOL), N(SIOCGIFTXQLEN), N(SIOCGSTAMP_OLD), N(SIOCGSTAMPNS_OLD),
    N(SIOCATMARK), N(SIOCSPGRP), N(SIOCGPGRP), N(SIOCOUTQ), N(SIOCINQ) /* = FIONREAD */,
    // <linux/random.h>
    N(RNDGETENTCNT), N(RNDADDTOENTCNT), N(RNDGETPOOL), N(RNDADDENTROPY), N(RNDZAPENTCNT), N(RNDCLEARPOOL),
    N(RNDRESEEDCRNG)};

constexpr Named kPrctlOptions[] = {
    N(PR_SET_PDEATHSIG),
    N(PR_GET_PDEATHSIG),
    N(PR_GET_DUMPABLE),
    N(PR_SET_DUMPABLE),
    N(PR_GET_UNALIGN),
    N(PR_SET_UNALIGN),
    N(PR_GET_KEEPCAPS),
    N(PR_SET_KEEPCAPS),
    N(PR_GET_FPEMU),
    N(PR_SET_FPEMU),
    N(PR_GET_FPEXC),
    N(PR_SET_FPEXC),
    N(PR_GET_TIMING),
    N(PR_SET_TIMING),
    N(PR_SET_NAME),
    N(PR_GET_NAME),
    N(PR_GET_ENDIAN),
    N(PR_SET_ENDIAN),
    N(PR_GET_SECCOMP),
    N(PR_SET_SECCOMP),
    N(PR_CAPBSET_READ),
    N(PR_CAPBSET_DROP),
    N(PR_GET_TSC),
    N(PR_SET_TSC),
    N(PR_GET_SECUREBITS),
    N(PR_SET_SECUREBITS),
    N(PR_SET_TIMERSLACK),
    N(PR_GET_TIMERSLACK),
    N(PR_TASK_PERF_EVENTS_DISABLE),
    N(PR_TASK_PERF_EVENTS_ENABLE),
    N(PR_MCE_KILL),
    N(PR_MCE_KILL_GET),
    N(PR_SET_MM),
    N(PR_SET_PTRACER),
    N(PR_SET_CHILD_SUBREAPER),
    N(PR_GET_CHILD_SUBREAPER),
    N(PR_SET_NO_NEW_PRIVS),
    N(PR_GET_NO_NEW_PRIVS),
    N(PR_GET_TID_ADDRESS),
    N(PR_SET_THP_DISABLE),
    N(PR_GET_THP_DISABLE),
    N(PR_MPX_ENABLE_MANAGEMENT),
    N(PR_MPX_DISABLE_MANAGEMENT),
    N(PR_SET_FP_MODE),
    N(PR_GET_FP_MODE),
    N(PR_CAP_AMBIENT),
    N(PR_SVE_SET_VL),
    N(PR_SVE_GET_VL),
    N(PR_GET_SPECULATION_CTRL),
    N(PR_SET_SPECULATION_CTRL),
    N(PR_PAC_RESET_KEYS),
    N(PR_SET_TAGGED_ADDR_CTRL),
    N(PR_GET_TAGGED_ADDR_CTRL),
    N(PR_SET_IO_FLUSHER),
    N(PR_GET_IO_FLUSHER),
    N(PR_SET_SYSCALL_USER_DISPATCH),
    N(PR_PAC_SET_ENABLED_KEYS),
    N(PR_PAC_GET_ENABLED_KEYS),
    N(PR_SCHED_CORE),
    N(PR_SME_SET_VL),
    N(PR_SME_GET_VL),
    N(PR_SET_VMA),
#ifdef PR_SET_MDWE
    N(PR_SET_MDWE),
    N(PR_GET_MDWE),
#endif
};

constexpr Named kFcntlCommands[] = {
    N(F_DUPFD),
    N(F_GETFD),
    N(F_SETFD),
    N(F_GETFL),
    N(F_SETFL),
    N(F_GETLK),
    N(F_SETLK),
    N(F_SETLKW),
    N(F_SETOWN),
    N(F_GETOWN),
    N(F_SETSIG),
    N(F_GETSIG),
    N(F_SETOWN_EX),
    N(F_GETOWN_EX),
    N(F_OFD_GETLK),
    N(F_OFD_SETLK),
    N(F_OFD_SETLKW),
    N(F_SETLEASE),
    N(F_GETLEASE),
    N(F_NOTIFY),
    N(F_DUPFD_CLOEXEC),
    N(F_SETPIPE_SZ),
    N(F_GETPIPE_SZ),
    N(F_ADD_SEALS),
    N(F_GET_SEALS),
    N(F_GET_RW_HINT),
    N(F_SET_RW_HINT),
    N(F_GET_FILE_RW_HINT),
    N(F_SET_FILE_RW_HINT),
#if defined(F_GETLK64) && F_GETLK64 != F_GETLK
    // i386's fcntl64 takes the 64-bit lock commands under their own numbers.
    N(F_GETLK64),
    N(F_SETLK64),
    N(F_SETLKW64),
#endif
};

constexpr Named kProtFlags[] = {N(PROT_READ), N(PROT_WRITE), N(PROT_EXEC), N(PROT_GROWSDOWN), N(PROT_GROWSUP)};

constexpr Named kCloneFlags[] = {
    N(CLONE_NEWTIME),       N(CLONE_VM),         N(CLONE_FS),           N(CLONE_FILES),         N(CLONE_SIGHAND),
    N(CLONE_PIDFD),         N(CLONE_PTRACE),     N(CLONE_VFORK),        N(CLONE_PARENT),        N(CLONE_THREAD),
    N(CLONE_NEWNS),         N(CLONE_SYSVSEM),    N(CLONE_SETTLS),       N(CLONE_PARENT_SETTID), N(CLONE_CHILD_CLEARTID),
    N(CLONE_DETACHED),      N(CLONE_UNTRACED),   N(CLONE_CHILD_SETTID), N(CLONE_NEWCGROUP),     N(CLONE_NEWUTS),
    N(CLONE_NEWIPC),        N(CLONE_NEWUSER),    N(CLONE_NEWPID),       N(CLONE_NEWNET),        N(CLONE_IO),
    N(CLONE_CLEAR_SIGHAND), N(CLONE_INTO_CGROUP)};

// personality(2): the execution domain in the low byte, flags above it.
constexpr Named kPersonalityDomains[] = {N(PER_LINUX),   N(PER_SVR4),   N(PER_SVR3),   N(PER_SCOSVR3), N(PER_WYSEV386),
                                         N(PER_ISCR4),   N(PER_BSD),    N(PER_XENIX),  N(PER_LINUX32), N(PER_IRIX32),
                                         N(PER_IRIXN32), N(PER_IRIX64), N(PER_RISCOS), N(PER_SOLARIS), N(PER_UW7),
                                         N(PER_OSF4),    N(PER_HPUX)};
constexpr Named kPersonalityFlags[] = {N(UNAME26),          N(ADDR_NO_RANDOMIZE),  N(FDPIC_FUNCPTRS),
                                       N(MMAP_PAGE_ZERO),   N(ADDR_COMPAT_LAYOUT), N(READ_IMPLIES_EXEC),
                                       N(ADDR_LIMIT_32BIT), N(SHORT_INODE),        N(WHOLE_SECONDS),
                                       N(STICKY_TIMEOUTS),  N(ADDR_LIMIT_3GB)};

// i386's socketcall(2) and ipc(2) call numbers (<linux/net.h>, <linux/ipc.h>).
constexpr Named kSocketcalls[] = {N(SYS_SOCKET),   N(SYS_BIND),        N(SYS_CONNECT),     N(SYS_LISTEN),
                                  N(SYS_ACCEPT),   N(SYS_GETSOCKNAME), N(SYS_GETPEERNAME), N(SYS_SOCKETPAIR),
                                  N(SYS_SEND),     N(SYS_RECV),        N(SYS_SENDTO),      N(SYS_RECVFROM),
                                  N(SYS_SHUTDOWN), N(SYS_SETSOCKOPT),  N(SYS_GETSOCKOPT),  N(SYS_SENDMSG),
                                  N(SYS_RECVMSG),  N(SYS_ACCEPT4),     N(SYS_RECVMMSG),    N(SYS_SENDMMSG)};
constexpr Named kIpcCalls[] = {N(SEMOP),  N(SEMGET), N(SEMCTL), N(SEMTIMEDOP), N(MSGSND), N(MSGRCV),
                               N(MSGGET), N(MSGCTL), N(SHMAT),  N(SHMDT),      N(SHMGET), N(SHMCTL)};

#undef N

template <size_t K>
const char* find(const Named (&table)[K], uint64_t value) {
  for (const auto& e : table)
    if (e.value == value) return e.name;
  return nullptr;
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string enum_name(const char* name, const char* prefix, uint64_t value) {
  return name != nullptr ? std::string(name) : std::string(prefix) + std::to_string(value);
}

// "A|B|0x40": every named bit, then what is left as a number.
template <size_t K>
std::string flags_name(const Named (&table)[K], uint64_t value) {
  std::string out;
  uint64_t left = value;
  for (const auto& e : table) {
    if (e.value == 0 || (value & e.value) != e.value || (left & e.value) == 0) continue;
    out += (out.empty() ? "" : "|") + std::string(e.name);
    left &= ~e.value;
  }
  if (left != 0) out += (out.empty() ? "" : "|") + hex(left);
  return out;
}

// A 0 recorded under a mask of some flags: none of them was set.
template <size_t K>
std::string none_of(const Named (&table)[K], uint64_t mask) {
  std::string names = flags_name(table, mask);
  for (auto& ch : names)
    if (ch == '|') ch = '/';
  return "no " + names;
}

// An ioctl request without a name, in the form of <asm-generic/ioctl.h>'s macros.
std::string ioctl_request_name(uint64_t request) {
  if (const char* n = find(kIoctls, request & 0xffffffff)) return n;
  unsigned dir = _IOC_DIR(request), type = _IOC_TYPE(request), nr = _IOC_NR(request), size = _IOC_SIZE(request);
  static const char* const kDir[] = {"_IOC_NONE", "_IOC_WRITE", "_IOC_READ", "_IOC_READ|_IOC_WRITE"};
  std::string t = std::isprint(static_cast<int>(type)) != 0 && type != '\'' && type != '\\'
                      ? "'" + std::string(1, static_cast<char>(type)) + "'"
                      : hex(type);
  return "_IOC(" + std::string(kDir[dir & 3]) + ", " + t + ", " + hex(nr) + ", " + std::to_string(size) + ")";
}

std::string personality_name(uint64_t value) {
  if (value == 0xffffffff) return "query";  // personality(0xffffffff) reads the current one
  std::string domain = enum_name(find(kPersonalityDomains, value & PER_MASK), "PER_", value & PER_MASK);
  std::string flags = flags_name(kPersonalityFlags, value & ~uint64_t{PER_MASK});
  return flags.empty() ? domain : domain + "|" + flags;
}

std::string protocol_name(uint64_t value, int64_t family) {
  if (family == AF_INET || family == AF_INET6) return enum_name(find(kIpProtocols, value), "IPPROTO_", value);
  if (family == AF_NETLINK) return enum_name(find(kNetlinkProtocols, value), "NETLINK_", value);
  if (family == AF_PACKET) {
    // An ethertype in network byte order (ETH_P_ALL = htons(3)).
    uint16_t p = static_cast<uint16_t>(((value & 0xff) << 8) | ((value >> 8) & 0xff));
    return p == 3 ? "ETH_P_ALL" : "ETH_P_" + hex(p);
  }
  return value == 0 ? "default protocol" : "";
}

bool is_any(std::string_view s, std::initializer_list<std::string_view> names) {
  for (auto n : names)
    if (s == n) return true;
  return false;
}

}  // namespace

std::string socket_family_name(int family) {
  return enum_name(find(kFamilies, static_cast<uint64_t>(family)), "AF_", static_cast<uint64_t>(family));
}

std::string socket_type_name(int type) {
  if (type == 0) return "";
  uint64_t t = static_cast<uint64_t>(type) & 0xf;
  return enum_name(find(kSocketTypes, t), "SOCK_", t);
}

std::string arg_value_name(const std::string& syscall, unsigned index, uint64_t value, uint64_t mask, int64_t family) {
  const bool partial = mask != ~uint64_t{0} && (mask & 0xffffffff) != 0xffffffff;
  if (is_any(syscall, {"socket", "socketpair"})) {
    if (index == 0) return socket_family_name(static_cast<int>(value));
    if (index == 1) {
      std::string t = enum_name(find(kSocketTypes, value & 0xf), "SOCK_", value & 0xf);
      std::string f = flags_name(kSocketTypeFlags, value & ~uint64_t{0xf});
      return f.empty() ? t : t + "|" + f;
    }
    if (index == 2) return protocol_name(value, family);
    return "";
  }
  if (syscall == "ioctl" && index == 1) return ioctl_request_name(value);
  if (syscall == "prctl" && index == 0) return enum_name(find(kPrctlOptions, value), "PR_", value);
  if (is_any(syscall, {"fcntl", "fcntl64"}) && index == 1) return enum_name(find(kFcntlCommands, value), "F_", value);
  if (is_any(syscall, {"mmap", "mmap2", "mprotect", "pkey_mprotect"}) && index == 2) {
    if (value == 0) return partial ? none_of(kProtFlags, mask) : "PROT_NONE";
    return flags_name(kProtFlags, value);
  }
  if ((is_any(syscall, {"clone", "clone3", "unshare"}) && index == 0)) {
    if (value == 0) return partial ? "no namespace flags" : "0";
    return flags_name(kCloneFlags, value);
  }
  if (syscall == "personality" && index == 0) return personality_name(value);
  if (syscall == "socketcall" && index == 0) return enum_name(find(kSocketcalls, value), "SYS_", value);
  if (syscall == "ipc" && index == 0) {
    std::string call = enum_name(find(kIpcCalls, value & 0xffff), "IPC_CALL_", value & 0xffff);
    return (value >> 16) == 0 ? call : call + " (version " + std::to_string(value >> 16) + ")";
  }
  return "";
}

std::string arg_value_text(const std::string& syscall, unsigned index, uint64_t value, uint64_t mask, int64_t family) {
  std::string name = arg_value_name(syscall, index, value, mask, family);
  // Ids and other plain numbers: 32-bit all ones is the "leave unchanged" -1.
  std::string number = (value == 0xffffffff || value == ~uint64_t{0}) ? "-1" : std::to_string(value);
  if (name.empty()) return number;
  if (name == number) return name;
  bool hexadecimal = syscall == "ioctl" || syscall.rfind("clone", 0) == 0 || syscall == "unshare" ||
                     syscall == "personality" || syscall == "mprotect" || syscall == "mmap";
  return name + " (" + (hexadecimal ? hex(value) : number) + ")";
}

std::vector<std::string> arg_tuple_values(const std::string& syscall, const std::vector<unsigned>& indices,
                                          const std::vector<uint64_t>& masks, const std::vector<uint64_t>& tuple) {
  int64_t family = -1;
  for (size_t i = 0; i < indices.size() && i < tuple.size(); ++i)
    if (indices[i] == 0 && (syscall == "socket" || syscall == "socketpair")) family = static_cast<int64_t>(tuple[i]);
  std::vector<std::string> out;
  for (size_t i = 0; i < tuple.size(); ++i) {
    unsigned index = i < indices.size() ? indices[i] : static_cast<unsigned>(i);
    uint64_t mask = i < masks.size() ? masks[i] : ~uint64_t{0};
    out.push_back(arg_value_text(syscall, index, tuple[i], mask, family));
  }
  return out;
}

std::string arg_tuple_text(const std::string& syscall, const std::vector<unsigned>& indices,
                           const std::vector<uint64_t>& masks, const std::vector<uint64_t>& tuple) {
  std::string out;
  for (const auto& v : arg_tuple_values(syscall, indices, masks, tuple)) out += (out.empty() ? "" : ", ") + v;
  return out;
}

}  // namespace profile
