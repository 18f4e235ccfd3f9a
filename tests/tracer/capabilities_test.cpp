// Capability inference (tracer/capabilities.h): every rule, on recordings built
// by hand and files described by a table instead of lstat.
#include "tracer/capabilities.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/policy.h"

namespace profile {
namespace {

constexpr uint64_t kMinus1 = 0xffffffff;

// A recording of one run that started as uid/gid 0 (or `uid`).
Recording run_as(uint32_t uid = 0, uint32_t gid = 0) {
  Recording r;
  RunInfo run;
  run.tracer = "ptrace";
  run.uid = uid;
  run.gid = gid;
  r.runs.push_back(run);
  return r;
}

void calls(Recording& r, const std::string& name, std::vector<unsigned> indices, std::set<std::vector<uint64_t>> tuples,
           const std::string& arch = "x86_64") {
  std::vector<uint64_t> masks(indices.size(), 0xffffffff);
  r.args[arch][name] = ArgValues{std::move(indices), std::move(masks), std::move(tuples)};
  r.add_syscall(arch, name);
}

struct Files {
  std::map<std::string, FileInfo> table;
  void add(const std::string& path, uint32_t mode, uint32_t uid, uint32_t gid) { table[path] = {mode, uid, gid}; }
  // A tree of root-owned 0755 directories above every file, unless given.
  [[nodiscard]] FileInfoFn fn() const {
    return [this](const std::string& p) -> std::optional<FileInfo> {
      if (auto it = table.find(p); it != table.end()) return it->second;
      for (const auto& [path, info] : table)
        if (path.rfind(p + "/", 0) == 0 || p == "/") return FileInfo{S_IFDIR | 0755, 0, 0};
      return std::nullopt;
    };
  }
};

CapabilityEvidence infer(const Recording& r, const Files* files = nullptr, bool failures = false,
                         std::vector<uint32_t> groups = {}) {
  CapabilityContext ctx;
  if (files != nullptr) ctx.file_info = files->fn();
  ctx.failures = failures;
  ctx.groups = std::move(groups);
  return infer_capabilities(r, ctx);
}

std::set<std::string> names(const CapabilityEvidence& e) {
  std::set<std::string> n;
  for (const auto& [cap, why] : e) n.insert(cap);
  return n;
}

using Names = std::set<std::string>;

TEST(Capabilities, SwitchingToAnotherIdNeedsSetuidOrSetgid) {
  Recording r = run_as(0, 0);
  calls(r, "setgid", {0}, {{33}});
  calls(r, "setresuid", {0, 1, 2}, {{33, 33, 33}, {kMinus1, 0, kMinus1}});
  auto e = infer(r);
  EXPECT_EQ(names(e), (Names{"CAP_SETGID", "CAP_SETUID"}));
  EXPECT_EQ(e["CAP_SETGID"], (std::set<std::string>{"setgid(33)"}));
  // The switch back to its own uid 0 is no evidence; the switch to 33 is.
  EXPECT_EQ(e["CAP_SETUID"], (std::set<std::string>{"setresuid(33, 33, 33)"}));
}

TEST(Capabilities, TheWorkloadsOwnIdsAndUnchangedOnesNeedNothing) {
  Recording r = run_as(1000, 1000);
  calls(r, "setuid", {0}, {{1000}});
  calls(r, "setreuid", {0, 1}, {{kMinus1, 1000}});
  calls(r, "setresgid", {0, 1, 2}, {{kMinus1, kMinus1, kMinus1}});
  calls(r, "setfsuid", {0}, {{kMinus1}});
  EXPECT_TRUE(infer(r).empty());
  // i386's 16-bit calls say -1 as 0xffff.
  Recording x = run_as(1000, 1000);
  calls(x, "setuid", {0}, {{0xffff}}, "x86");
  EXPECT_TRUE(infer(x).empty());
  calls(x, "setfsgid32", {0}, {{50}}, "x86");
  EXPECT_EQ(names(infer(x)), Names{"CAP_SETGID"});
}

TEST(Capabilities, RunsOfUnknownIdsGiveNoIdOrFileEvidence) {
  Recording r = run_as();
  r.runs[0].uid.reset();
  r.runs[0].gid.reset();
  calls(r, "setuid", {0}, {{33}});
  Files f;
  f.add("/srv/secret", S_IFREG | 0600, 1234, 1234);
  r.add_file("/srv/secret", Access::Read, kOk, "file");
  EXPECT_TRUE(infer(r, &f).empty());
}

TEST(Capabilities, SetgroupsNeedsSetgid) {
  Recording r = run_as(1000, 1000);
  r.add_syscall("x86_64", "setgroups");
  EXPECT_EQ(infer(r)["CAP_SETGID"], (std::set<std::string>{"setgroups"}));
}

TEST(Capabilities, ChownToAnotherOwnerOrToAGroupNotItsOwnNeedsChown) {
  Recording r = run_as(0, 0);
  calls(r, "fchown", {1, 2}, {{kMinus1, 0}, {0, kMinus1}});
  EXPECT_TRUE(infer(r).empty()) << "its own uid and gid";
  calls(r, "fchownat", {2, 3}, {{33, 33}});
  calls(r, "lchown", {1, 2}, {{kMinus1, 50}});
  auto e = infer(r);
  EXPECT_EQ(e["CAP_CHOWN"], (std::set<std::string>{"fchownat(owner 33, group 33)", "lchown(owner -1, group 50)"}));
  // A supplementary group of the launcher is the workload's own too.
  Recording g = run_as(1000, 1000);
  calls(g, "chown", {1, 2}, {{kMinus1, 50}});
  EXPECT_TRUE(infer(g, nullptr, false, {50}).empty());
  EXPECT_EQ(names(infer(g)), Names{"CAP_CHOWN"});
}

TEST(Capabilities, BindingAPortBelow1024NeedsNetBindService) {
  Recording r = run_as();
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "bind", "127.0.0.1", 80, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_INET6", "SOCK_DGRAM", "bind", "::1", 53, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "bind", "127.0.0.1", 8080, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", 22, "", kOk});
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "bind", "127.0.0.1", 0, "", kOk});
  EXPECT_EQ(infer(r)["CAP_NET_BIND_SERVICE"], (std::set<std::string>{"bind AF_INET SOCK_STREAM 127.0.0.1:80: ok",
                                                                     "bind AF_INET6 SOCK_DGRAM [::1]:53: ok"}));
}

TEST(Capabilities, RefusedCallsCountOnlyWhenAskedFor) {
  Recording r = run_as();
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "bind", "127.0.0.1", 80, "", "EACCES"});
  Files f;
  f.add("/srv/secret", S_IFREG | 0600, 1234, 1234);
  r.add_file("/srv/secret", Access::Read, "EACCES", "file");
  EXPECT_TRUE(infer(r, &f).empty()) << "learning: a refusal the workload lived with shows no need";
  auto e = infer(r, &f, true);
  EXPECT_EQ(e["CAP_NET_BIND_SERVICE"], (std::set<std::string>{"bind AF_INET SOCK_STREAM 127.0.0.1:80: EACCES"}));
  EXPECT_EQ(e["CAP_DAC_READ_SEARCH"], (std::set<std::string>{"read /srv/secret: EACCES (mode 0600, owner 1234:1234)"}));
}

TEST(Capabilities, ReadingWritingOrRunningWhatTheModeRefusesNeedsDacCapabilities) {
  Recording r = run_as(0, 0);
  Files f;
  f.add("/srv/secret", S_IFREG | 0600, 1234, 1234);
  f.add("/srv/log", S_IFREG | 0644, 1234, 1234);
  f.add("/srv/tool", S_IFREG | 0700, 1234, 1234);
  f.add("/srv/lib.so", S_IFREG | 0644, 1234, 1234);  // mmap(PROT_EXEC): no execute bit needed
  f.add("/srv/public", S_IFREG | 0644, 1234, 1234);
  f.add("/srv/dir", S_IFDIR | 0700, 1234, 1234);
  r.add_file("/srv/secret", Access::Read, kOk, "file");
  r.add_file("/srv/log", Access::Write, kOk, "file");
  r.add_file("/srv/tool", Access::Exec, kOk, "file");
  r.add_exec("/srv/tool");
  r.add_file("/srv/lib.so", Access::Exec, kOk, "file");
  r.add_file("/srv/public", Access::Read, kOk, "file");
  r.add_file("/srv/dir", Access::Read, kOk, "dir");
  auto e = infer(r, &f);
  EXPECT_EQ(names(e), (Names{"CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH"}));
  EXPECT_EQ(e["CAP_DAC_READ_SEARCH"], (std::set<std::string>{"read /srv/dir: ok (mode 0700, owner 1234:1234)",
                                                             "read /srv/secret: ok (mode 0600, owner 1234:1234)"}));
  EXPECT_EQ(e["CAP_DAC_OVERRIDE"], (std::set<std::string>{"exec /srv/tool: ok (mode 0700, owner 1234:1234)",
                                                          "write /srv/log: ok (mode 0644, owner 1234:1234)"}));
}

TEST(Capabilities, AnIdTheRunSwitchedToOrAGroupItHasIsEnough) {
  Recording r = run_as(0, 0);
  calls(r, "setuid", {0}, {{1234}});
  Files f;
  f.add("/srv/secret", S_IFREG | 0600, 1234, 1234);
  f.add("/srv/grp", S_IFREG | 0640, 99, 50);
  r.add_file("/srv/secret", Access::Read, kOk, "file");
  r.add_file("/srv/grp", Access::Read, kOk, "file");
  auto e = infer(r, &f, false, {50});
  EXPECT_EQ(names(e), Names{"CAP_SETUID"}) << "uid 1234 reads its file, group 50 its";
}

TEST(Capabilities, DirectoriesOnTheWayMustBeSearchable) {
  Recording r = run_as(0, 0);
  Files f;
  f.add("/home/u", S_IFDIR | 0700, 1000, 1000);
  f.add("/home/u/.cfg", S_IFREG | 0644, 1000, 1000);
  r.add_file("/home/u/.cfg", Access::Stat, kOk, "file");
  r.add_file("/home/u/missing", Access::Stat, "ENOENT");  // found missing: searched too
  auto e = infer(r, &f);
  ASSERT_EQ(names(e), Names{"CAP_DAC_READ_SEARCH"});
  ASSERT_EQ(e["CAP_DAC_READ_SEARCH"].size(), 1u) << "one line per directory";
  EXPECT_EQ(e["CAP_DAC_READ_SEARCH"].begin()->rfind("search /home/u (mode 0700, owner 1000:1000) for ", 0), 0u)
      << *e["CAP_DAC_READ_SEARCH"].begin();
}

TEST(Capabilities, DescriptorBasedCallsLookNothingUp) {
  // fstat of an inherited stdout below a 0700 directory of root, as uid 65534:
  // the stat is recorded on the descriptor's path, but nothing was searched.
  Recording r = run_as(65534, 65534);
  Files f;
  f.add("/run/jobs", S_IFDIR | 0700, 0, 0);
  f.add("/run/jobs/stdout", S_IFREG | 0644, 0, 0);
  r.add_file("/run/jobs/stdout", Access::Stat, kOk, "file");
  r.add_file("/run/jobs/lib.so", Access::Exec, kOk, "file");  // mmap(PROT_EXEC) of an open descriptor
  EXPECT_TRUE(infer(r, &f).empty());
}

TEST(Capabilities, CreatingOrRemovingInADirectoryItCannotWriteNeedsDacOverride) {
  Recording r = run_as(0, 0);
  Files f;
  f.add("/srv/d", S_IFDIR | 0755, 1234, 1234);
  r.add_file("/srv/d/new", Access::Create, kOk, "file");
  r.add_file("/srv/d/old", Access::Delete, kOk);
  auto e = infer(r, &f);
  EXPECT_EQ(e["CAP_DAC_OVERRIDE"],
            (std::set<std::string>{"create /srv/d/new: ok (directory /srv/d: mode 0755, owner 1234:1234)",
                                   "delete /srv/d/old: ok (directory /srv/d: mode 0755, owner 1234:1234)"}));
}

TEST(Capabilities, ChangingTheModeOfAFileItDoesNotOwnNeedsFowner) {
  Recording r = run_as(0, 0);
  Files f;
  f.add("/srv/theirs", S_IFREG | 0644, 1234, 1234);
  f.add("/srv/given", S_IFREG | 0600, 33, 33);
  f.add("/srv/mine", S_IFREG | 0600, 0, 0);
  r.add_file("/srv/theirs", Access::Chmod, kOk, "file");
  r.add_file("/srv/mine", Access::Chmod, kOk, "file");
  // Chowned to 33 by the run itself: its end state says nothing of the chmod.
  calls(r, "chown", {1, 2}, {{33, 33}});
  r.add_file("/srv/given", Access::Chmod, kOk, "file");
  r.add_file("/srv/given", Access::Read, kOk, "file");
  auto e = infer(r, &f);
  EXPECT_EQ(names(e), (Names{"CAP_CHOWN", "CAP_FOWNER"}));
  EXPECT_EQ(e["CAP_FOWNER"], (std::set<std::string>{"chmod /srv/theirs: ok (mode 0644, owner 1234:1234)"}));
}

TEST(Capabilities, FilesGoneByTheEndOrUnderProcGiveNoEvidence) {
  Recording r = run_as(0, 0);
  Files f;
  f.add("/proc/1/environ", S_IFREG | 0400, 1234, 1234);
  r.add_file("/proc/1/environ", Access::Read, kOk, "file");
  r.add_file("/srv/gone", Access::Read, kOk, "file");
  EXPECT_TRUE(infer(r, &f).empty());
  EXPECT_TRUE(infer(r).empty()) << "no file information at all";
}

TEST(Capabilities, RawAndPacketSocketsNeedNetRawButPingAndNetlinkDoNot) {
  Recording r = run_as();
  calls(r, "socket", {0, 1, 2}, {{2, 3, 1}, {17, 3, 768}, {2, 2, 1}, {16, 3, 0}, {10, 1, 0}});
  EXPECT_EQ(infer(r)["CAP_NET_RAW"],
            (std::set<std::string>{"socket(AF_INET, SOCK_RAW, 1)", "socket(AF_PACKET, 3, 768)"}));
}

TEST(Capabilities, ChrootAndDeviceNodesNeedTheirCapabilities) {
  Recording r = run_as();
  r.add_syscall("x86_64", "chroot");
  r.add_file("/dev/mine", Access::Create, kOk, "chr");
  r.add_file("/run/fifo", Access::Create, kOk, "fifo");
  Files f;
  f.add("/dev/mine", S_IFCHR | 0600, 0, 0);
  f.add("/run/fifo", S_IFIFO | 0600, 0, 0);
  auto e = infer(r, &f);
  EXPECT_EQ(names(e), (Names{"CAP_MKNOD", "CAP_SYS_CHROOT"}));
  EXPECT_EQ(e["CAP_MKNOD"], (std::set<std::string>{"mknod /dev/mine (chr): ok"}));
}

TEST(Capabilities, NamespacesAndMountsNeedSysAdminUnlessInAUserNamespaceOfItsOwn) {
  Recording r = run_as();
  calls(r, "unshare", {0}, {{0x40020000}});  // CLONE_NEWNS|CLONE_NEWNET
  r.add_syscall("x86_64", "mount");
  r.add_syscall("x86_64", "sethostname");
  auto e = infer(r);
  EXPECT_EQ(e["CAP_SYS_ADMIN"], (std::set<std::string>{"mount", "sethostname", "unshare(CLONE_NEWNS|CLONE_NEWNET)"}));
  Recording u = run_as();
  calls(u, "unshare", {0}, {{0x10020000}});  // CLONE_NEWUSER|CLONE_NEWNS
  u.add_syscall("x86_64", "mount");
  EXPECT_TRUE(infer(u).empty());
}

TEST(Capabilities, SignalsAndTracingNeedCapabilitiesOnlyAcrossUids) {
  Recording r = run_as(0, 0);
  r.add_syscall("x86_64", "kill");
  r.add_syscall("x86_64", "ptrace");
  EXPECT_TRUE(infer(r).empty()) << "one uid: its own processes";
  calls(r, "setuid", {0}, {{33}});
  auto e = infer(r);
  EXPECT_EQ(names(e), (Names{"CAP_KILL", "CAP_SETUID", "CAP_SYS_PTRACE"}));
  EXPECT_NE(e["CAP_KILL"].begin()->find("uid 0 and as uid 33"), std::string::npos) << *e["CAP_KILL"].begin();
}

TEST(Capabilities, CallsThatAlwaysNeedACapability) {
  Recording r = run_as();
  for (const char* n : {"settimeofday", "clock_settime", "finit_module", "reboot", "mlockall", "acct", "iopl"})
    r.add_syscall("x86_64", n);
  EXPECT_EQ(names(infer(r)), (Names{"CAP_IPC_LOCK", "CAP_SYS_BOOT", "CAP_SYS_MODULE", "CAP_SYS_PACCT", "CAP_SYS_RAWIO",
                                    "CAP_SYS_TIME"}));
}

TEST(Capabilities, SchedulingAndClockArgumentsTellWhetherACapabilityWasUsed) {
  Recording r = run_as();
  calls(r, "setpriority", {2}, {{5}, {0xfffffffb}});         // nice 5, nice -5
  calls(r, "sched_setscheduler", {1}, {{0}, {0x40000001}});  // SCHED_OTHER, SCHED_FIFO|RESET_ON_FORK
  calls(r, "adjtimex", {0}, {{0}});                          // a read
  auto e = infer(r);
  EXPECT_EQ(e["CAP_SYS_NICE"], (std::set<std::string>{"sched_setscheduler(SCHED_FIFO)", "setpriority(nice -5)"}));
  EXPECT_EQ(e.count("CAP_SYS_TIME"), 0u);
  calls(r, "adjtimex", {0}, {{0}, {1}});
  EXPECT_EQ(infer(r)["CAP_SYS_TIME"], (std::set<std::string>{"adjtimex(modes 0x1)"}));
}

TEST(Capabilities, PrctlOptionsAndInterfaceIoctls) {
  Recording r = run_as();
  calls(r, "prctl", {0}, {{24}, {15}});          // PR_CAPBSET_DROP, PR_SET_NAME
  calls(r, "ioctl", {1}, {{0x8914}, {0x5401}});  // SIOCSIFFLAGS, TCGETS
  auto e = infer(r);
  EXPECT_EQ(names(e), (Names{"CAP_NET_ADMIN", "CAP_SETPCAP"}));
  EXPECT_EQ(e["CAP_NET_ADMIN"], (std::set<std::string>{"ioctl(SIOCSIFFLAGS)"}));
}

TEST(Capabilities, BuiltInArgumentPolicyRecordsIdsAndOwners) {
  const ArgPolicy& p = builtin_arg_policy();
  for (const char* n : {"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
                        "chown", "fchown", "lchown", "fchownat", "setuid32", "chown32"}) {
    const ArgRule* r = p.find(n);
    ASSERT_NE(r, nullptr) << n;
    for (uint64_t m : r->masks) EXPECT_EQ(m, 0xffffffffu) << n;
  }
  EXPECT_EQ(p.find("setresuid")->indices, (std::vector<unsigned>{0, 1, 2}));
  EXPECT_EQ(p.find("fchownat")->indices, (std::vector<unsigned>{2, 3}));
  EXPECT_EQ(p.find("chown")->indices, (std::vector<unsigned>{1, 2}));
  EXPECT_FALSE(p.find("adjtimex")->source.empty()) << "timex.modes is in memory: reported, not filtered";
}

constexpr uint64_t kInfinity = ~uint64_t{0};

// Tuples as both tracers record them: (resource, new hard limit, hard limit before).
void limits(Recording& r, const std::string& name, std::set<std::vector<uint64_t>> tuples) {
  std::vector<unsigned> idx = name == "setrlimit" ? std::vector<unsigned>{0, 1, 0} : std::vector<unsigned>{1, 2, 1};
  r.args["x86_64"][name] = ArgValues{idx, {0xffffffff, kInfinity, kInfinity}, std::move(tuples)};
  r.add_syscall("x86_64", name);
}

TEST(Capabilities, RaisingAHardLimitNeedsSysResourceButLoweringOrKeepingDoesNot) {
  Recording r = run_as();
  limits(r, "setrlimit", {{7, 4096, 4096}, {7, 1024, 4096}, {3, kInfinity, kInfinity}});  // keep, lower, keep
  limits(r, "prlimit64", {{4, 0, kInfinity}});                                            // lower the core limit
  EXPECT_EQ(infer(r).count("CAP_SYS_RESOURCE"), 0u);
  limits(r, "setrlimit", {{7, 8192, 4096}, {7, 1024, 4096}});
  limits(r, "prlimit64", {{4, kInfinity, 0}});
  auto e = infer(r);
  EXPECT_EQ(names(e), (Names{"CAP_SYS_RESOURCE"}));
  EXPECT_EQ(e["CAP_SYS_RESOURCE"], (std::set<std::string>{"prlimit64(RLIMIT_CORE, hard 0 -> unlimited)",
                                                          "setrlimit(RLIMIT_NOFILE, hard 4096 -> 8192)"}));
}

TEST(Capabilities, KernelLogActionsOtherThanReadingNeedSyslog) {
  Recording r = run_as();
  calls(r, "syslog", {0}, {{3}, {10}});  // read all, size of the buffer
  r.add_file("/dev/kmsg", Access::Read, kOk, "chr");
  EXPECT_EQ(infer(r).count("CAP_SYSLOG"), 0u);
  calls(r, "syslog", {0}, {{3}, {5}});  // and clear
  EXPECT_EQ(infer(r)["CAP_SYSLOG"], (std::set<std::string>{"syslog(SYSLOG_ACTION_CLEAR)"}));
  // kernel.dmesg_restrict = 1: reading needs it too, through syslog(2) or /dev/kmsg.
  CapabilityContext ctx;
  ctx.dmesg_restrict = true;
  EXPECT_EQ(infer_capabilities(r, ctx)["CAP_SYSLOG"],
            (std::set<std::string>{"read /dev/kmsg: ok (kernel.dmesg_restrict = 1)", "syslog(SYSLOG_ACTION_CLEAR)",
                                   "syslog(SYSLOG_ACTION_READ_ALL) (kernel.dmesg_restrict = 1)"}));
}

TEST(Capabilities, BpfLoadsNeedBpfSystemWidePerfEventsNeedPerfmon) {
  Recording r = run_as();
  calls(r, "bpf", {0}, {{1}, {15}});                    // map lookup, info by fd: on descriptors it holds
  calls(r, "perf_event_open", {1, 2}, {{0, kMinus1}});  // its own process, any CPU
  EXPECT_TRUE(infer(r).empty());
  calls(r, "bpf", {0}, {{0}, {5}, {1}, {14}});  // map create, prog load, lookup, map fd by id
  calls(r, "perf_event_open", {1, 2}, {{0, kMinus1}, {kMinus1, 0}});
  auto e = infer(r);
  EXPECT_EQ(names(e), (Names{"CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN"}));
  EXPECT_EQ(e["CAP_BPF"], (std::set<std::string>{"bpf(BPF_MAP_CREATE)", "bpf(BPF_PROG_LOAD)"}));
  EXPECT_EQ(e["CAP_SYS_ADMIN"], (std::set<std::string>{"bpf(BPF_MAP_GET_FD_BY_ID)"}));
  EXPECT_EQ(e["CAP_PERFMON"], (std::set<std::string>{"perf_event_open(pid -1, cpu 0: every process on a CPU)"}));
}

TEST(Capabilities, SettingFileCapabilitiesNeedsSetfcap) {
  Recording r = run_as();
  calls(r, "setxattr", {1}, {{0}});  // user.* or security.selinux: not file capabilities
  EXPECT_TRUE(infer(r).empty());
  calls(r, "fsetxattr", {1}, {{1}});
  EXPECT_EQ(infer(r)["CAP_SETFCAP"], (std::set<std::string>{"fsetxattr(security.capability)"}));
  calls(r, "unshare", {0}, {{0x10000000}});  // in a user namespace of its own
  EXPECT_EQ(infer(r).count("CAP_SETFCAP"), 0u);
}

TEST(Capabilities, ALeaseWhileAFileOfAnotherOwnerWasOpenNeedsLease) {
  Recording r = run_as(0, 0);
  Files f;
  f.add("/srv/mine", S_IFREG | 0644, 0, 0);
  f.add("/srv/theirs", S_IFREG | 0644, 1234, 1234);
  r.add_file("/srv/mine", Access::Read, kOk, "file");
  calls(r, "fcntl", {1}, {{1024}, {4}});  // F_SETLEASE, F_SETFL
  EXPECT_EQ(infer(r, &f).count("CAP_LEASE"), 0u);
  r.add_file("/srv/theirs", Access::Read, kOk, "file");
  EXPECT_EQ(infer(r, &f)["CAP_LEASE"],
            (std::set<std::string>{"fcntl(F_SETLEASE) while /srv/theirs (mode 0644, owner 1234:1234) was open (which "
                                   "descriptor the lease was on is not traced)"}));
  calls(r, "fcntl", {1}, {{4}});  // no lease taken
  EXPECT_EQ(infer(r, &f).count("CAP_LEASE"), 0u);
}

TEST(Capabilities, KeepingASetIdBitThatTheKernelWouldClearNeedsFsetid) {
  Recording r = run_as(0, 0);
  Files f;
  f.add("/srv/sgid-other", S_IFREG | 02755, 0, 50);  // group 50: not the workload's
  f.add("/srv/sgid-own", S_IFREG | 02755, 0, 0);
  f.add("/srv/suid", S_IFREG | 04755, 0, 0);
  f.add("/srv/plain", S_IFREG | 0755, 0, 0);
  r.add_file("/srv/sgid-own", Access::Chmod, kOk, "file");
  r.add_file("/srv/plain", Access::Write, kOk, "file");
  EXPECT_EQ(infer(r, &f).count("CAP_FSETID"), 0u);
  r.add_file("/srv/sgid-other", Access::Chmod, kOk, "file");
  r.add_file("/srv/suid", Access::Write, kOk, "file");
  EXPECT_EQ(infer(r, &f)["CAP_FSETID"],
            (std::set<std::string>{"chmod /srv/sgid-other: ok kept the set-group-ID bit of a group the workload is not "
                                   "in (mode 2755, owner 0:50)",
                                   "write /srv/suid: ok kept the set-user-ID bit (mode 4755, owner 0:0)"}));
  // A group it has (supplementary) or gave the file itself: no evidence.
  EXPECT_EQ(infer(r, &f, false, {50})["CAP_FSETID"],
            (std::set<std::string>{"write /srv/suid: ok kept the set-user-ID bit (mode 4755, owner 0:0)"}));
}

TEST(Capabilities, BuiltInArgumentPolicyRecordsWhatTheNewRulesNeedWithoutFilteringIt) {
  const ArgPolicy& p = builtin_arg_policy();
  for (const char* n :
       {"setrlimit", "prlimit64", "setxattr", "lsetxattr", "fsetxattr", "syslog", "bpf", "perf_event_open"}) {
    const ArgRule* r = p.find(n);
    ASSERT_NE(r, nullptr) << n;
    EXPECT_FALSE(r->filter) << n << ": recorded for inference, never compared by seccomp";
    EXPECT_EQ(r->sources.size(), r->indices.size()) << n;
  }
  EXPECT_EQ(p.find("setrlimit")->sources, (std::vector<std::string>{"", "rlimit.rlim_max", "rlimit.current_max"}));
  EXPECT_TRUE(p.find("socket")->filter);
}

}  // namespace
}  // namespace profile
