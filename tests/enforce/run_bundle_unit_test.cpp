// The pure checks of `profile enforce` (session/run_bundle.cpp) that decide
// whether a bundle may run at all on this kernel and with these limits.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>

#include "enforce/landlock.h"
#include "session/run_bundle.h"

namespace profile {
namespace {

constexpr uint64_t kReadFile = 1ULL << 2, kRefer = 1ULL << 13, kTruncate = 1ULL << 14, kIoctlDev = 1ULL << 15;

LandlockProfile everything() {
  LandlockProfile p;
  p.handled_fs = (1ULL << 16) - 1;
  p.handled_net = 3;
  p.scoped = 3;
  return p;
}

using Features = std::vector<std::string>;

TEST(MissingLandlockFeatures, EachFeatureIsMissingBelowTheAbiThatBroughtIt) {
  LandlockProfile p = everything();
  EXPECT_EQ(missing_landlock_features(p, 0), (Features{"fs", "refer", "truncate", "net_tcp", "ioctl_dev", "scope"}));
  EXPECT_EQ(missing_landlock_features(p, 1), (Features{"refer", "truncate", "net_tcp", "ioctl_dev", "scope"}));
  EXPECT_EQ(missing_landlock_features(p, 2), (Features{"truncate", "net_tcp", "ioctl_dev", "scope"}));
  EXPECT_EQ(missing_landlock_features(p, 3), (Features{"net_tcp", "ioctl_dev", "scope"}));
  EXPECT_EQ(missing_landlock_features(p, 4), (Features{"ioctl_dev", "scope"}));
  EXPECT_EQ(missing_landlock_features(p, 5), (Features{"scope"}));
  EXPECT_EQ(missing_landlock_features(p, 6), Features{});
  EXPECT_EQ(missing_landlock_features(p, 7), Features{});
}

TEST(MissingLandlockFeatures, OnlyWhatTheProfileUses) {
  LandlockProfile p;
  p.handled_fs = kReadFile | kTruncate;
  EXPECT_EQ(missing_landlock_features(p, 2), Features{"truncate"});
  EXPECT_EQ(missing_landlock_features(p, 0), (Features{"fs", "truncate"}));
  p.handled_fs = kReadFile | kRefer | kIoctlDev;
  EXPECT_EQ(missing_landlock_features(p, 4), Features{"ioctl_dev"});
  EXPECT_EQ(missing_landlock_features(p, 1), (Features{"refer", "ioctl_dev"}));
}

TEST(ParseSize, SizesInBytes) {
  EXPECT_EQ(*parse_size("0"), 0u);
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size("512M"), 512ull << 20);
  EXPECT_EQ(*parse_size("1.5G"), 3ull << 29);
  EXPECT_EQ(*parse_size("0.5K"), 512u);
}

TEST(ParseSize, AFractionOfAByteIsNotUnlimited) {
  // 0 is "unlimited": "0.4" must not silently become it.
  for (const char* s : {"0.4", "0.999", "0.5B", "1e-4K"}) {
    auto r = parse_size(s);
    ASSERT_FALSE(r) << s << " gave " << *r;
    EXPECT_NE(r.error().message.find("less than one byte"), std::string::npos) << r.error().message;
  }
}

TEST(ParseSize, TooLargeIsRefusedNotUndefined) {
  for (const char* s : {"1e300", "20000000000G", "9223372036854775808", "1e19"}) {
    auto r = parse_size(s);
    ASSERT_FALSE(r) << s << " gave " << *r;
    EXPECT_NE(r.error().message.find("larger than any memory limit"), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(parse_size("8000000000G"));  // below 2^63
}

// --complain speaks the user's language: argument values as the headers name
// them (with the raw condition kept), dangerous syscalls tagged with the reason,
// calls through another ABI with their architecture, unnamed calls by number.
TEST(ComplainReport, DecodesValuesAndTagsDangerousCalls) {
  EnforceReport r;
  r.complain = true;
  r.outside.syscalls = {"ptrace", "getpid"};
  r.outside_arches = {{"ptrace", {"i386"}}, {"getpid", {"x86_64"}}};
  r.outside.args = {"socket: (a1 & 0xf) == 0x1 && a0 == 0xa && a2 == 0x0", "ioctl: (a1 & 0xffffffff) == 0x5413",
                    "unshare: (a0 & 0x7e020080) == 0x10020000", "mount: any arguments"};
  r.outside_architectures = {"x32"};
  r.outside_unnamed = {"x86_64:462"};
  std::string text = complain_report_text(r);
  for (const char* want :
       {"family AF_INET6 (10), type SOCK_STREAM (1), protocol IPPROTO_IP (0)",
        "[(a1 & 0xf) == 0x1 && a0 == 0xa && a2 == 0x0]", "request TIOCGWINSZ (0x5413)",
        "flags CLONE_NEWNS|CLONE_NEWUSER (0x10020000)", "syscall  ptrace (i386)  [DANGEROUS: ", "unshare: flags",
        "architecture x32: not in the profile", "#462 (x86_64)", "mount: any arguments  [DANGEROUS: "})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  // The machine's own architecture and a harmless call carry no mark.
  EXPECT_NE(text.find("syscall  getpid\n"), std::string::npos) << text;

  auto j = nlohmann::json::parse(enforce_report_json(r));
  const auto& o = j["outside_profile"];
  EXPECT_EQ(o["args"].size(), 4u);  // the raw conditions stay as they were
  EXPECT_EQ(o["args_decoded"][1], "ioctl: request TIOCGWINSZ (0x5413)");
  EXPECT_TRUE(o["dangerous"].contains("ptrace"));
  EXPECT_TRUE(o["dangerous"].contains("unshare"));
  EXPECT_FALSE(o["dangerous"].contains("getpid"));
  EXPECT_EQ(o["syscall_arches"]["ptrace"][0], "i386");
}

TEST(WorkloadUser, NumbersNamesAndRefusals) {
  auto u = resolve_workload_user("65534:65534");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->uid, 65534u);
  EXPECT_EQ(u->gid, 65534u);
  EXPECT_EQ(u->groups.front(), 65534u);
  auto root = resolve_workload_user("root");
  ASSERT_TRUE(root) << root.error().message;
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->gid, 0u);
  auto named = resolve_workload_user("0:root");
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(named->gid, 0u);
  for (const char* bad : {"", ":1", "1:", "no-such-user-here", "0:no-such-group-here", "4294967295:0", "3999999:"}) {
    auto r = resolve_workload_user(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::BadInput) << bad;
    }
  }
  // A uid without a passwd entry has no group to default to.
  auto orphan = resolve_workload_user("3999999");
  ASSERT_FALSE(orphan);
  EXPECT_NE(orphan.error().message.find("3999999:GID"), std::string::npos) << orphan.error().message;
  auto given = resolve_workload_user("3999999:3999999");
  ASSERT_TRUE(given);
  EXPECT_EQ(given->groups, std::vector<uint32_t>{3999999u});
}

EnforceReport with_denial(int exit_code, int signal) {
  EnforceReport r;
  r.exit.code = exit_code;
  r.exit.signal = signal;
  r.denials.on = true;
  r.denials.seccomp_watched = true;
  Denial d;
  d.mechanism = "seccomp";
  d.arch = "x86_64";
  d.syscall = "getpriority";
  d.count = 3;
  d.first_pid = 7;
  d.first_comm = "probe";
  d.error = EPERM;
  r.denials.denials.push_back(d);
  return r;
}

TEST(DenialReportLines, DenialsThenTheWayOut) {
  auto lines = denial_report_lines(with_denial(1, 0), "web");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("denied 3x: getpriority(), first by pid 7 (probe)", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1],
            "to see all the workload needs outside the profile: profile enforce --complain web; to add it to the "
            "profile: profile enforce --complain --update web");
}

TEST(DenialReportLines, QuietWhenNothingWasDeniedAndAllWentWell) {
  EnforceReport r = with_denial(0, 0);
  r.denials.denials.clear();
  EXPECT_TRUE(denial_report_lines(r, "web").empty());
  r.denials.landlock = true;
  EXPECT_TRUE(denial_report_lines(r, "web").empty());
  // A failure with Landlock active: say what cannot be seen.
  r.exit.code = 1;
  auto lines = denial_report_lines(r, "web");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "the workload exited with status 1 and seccomp denied it nothing");
  EXPECT_NE(lines[1].find("Landlock are not observable here"), std::string::npos);
}

TEST(DenialReportLines, OffSaysNothing) {
  EnforceReport r = with_denial(1, 0);
  r.denials.on = false;
  EXPECT_TRUE(denial_report_lines(r, "web").empty());
}

TEST(DenialReportLines, SignalCallOut) {
  auto lines = denial_report_lines(with_denial(0, SIGSEGV), "web");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[1].find("killed by SIGSEGV after denied calls"), std::string::npos);
  EnforceReport sys = with_denial(0, SIGSYS);
  sys.denials.denials.clear();
  sys.denials.seccomp_kills = true;
  lines = denial_report_lines(sys, "web");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("killed by SIGSYS"), std::string::npos);
}

TEST(DenialReportJson, CarriesTheDenialsOnlyWhenOn) {
  std::string j = enforce_report_json(with_denial(1, 0));
  EXPECT_NE(j.find("\"denials\": ["), std::string::npos) << j;
  EXPECT_NE(j.find("\"syscall\": \"getpriority\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"count\": 3"), std::string::npos) << j;
  EXPECT_NE(j.find("\"errno\": \"EPERM\""), std::string::npos) << j;
  EnforceReport off = with_denial(1, 0);
  off.denials.on = false;
  EXPECT_EQ(enforce_report_json(off).find("\"denials\""), std::string::npos);
}

TEST(SeccompFacts, ArgumentOnlyAllowsAndKillingDefaults) {
  auto f = seccomp_facts(R"({"defaultAction":"SCMP_ACT_KILL_PROCESS","syscalls":[
    {"names":["read","socket"],"action":"SCMP_ACT_ALLOW"},
    {"names":["socket","ioctl"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]},
    {"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]})");
  EXPECT_TRUE(f.kills);
  EXPECT_EQ(f.allowed_with_args, (std::set<std::string>{"ioctl"}));
  EXPECT_FALSE(seccomp_facts(R"({"defaultAction":"SCMP_ACT_ERRNO"})").kills);
  EXPECT_TRUE(seccomp_facts("not json").allowed_with_args.empty());
}

}  // namespace
}  // namespace profile
