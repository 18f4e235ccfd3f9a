// recording_to_json is a streaming writer that must give byte for byte what the
// nlohmann DOM + dump(2) it replaced gave; strings that are not valid UTF-8 are
// stored losslessly (common/json_text.h) instead of throwing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "common/json_text.h"
#include "common/recording.h"

namespace profile {
namespace {
using nlohmann::json;

// The writer this replaced, kept as the reference. Strings pass through
// bytes_to_json_text, the identity on valid UTF-8, so for such recordings this is
// exactly the old code; for the others it is what nlohmann makes of the encoded text.
std::string t(const std::string& s) {
  return bytes_to_json_text(s);
}

json reference_run(const RunInfo& r) {
  json j = json::object();
  json cmd = json::array();
  for (const auto& a : r.command) cmd.push_back(t(a));
  j["command"] = cmd;
  j["cwd"] = t(r.cwd);
  j["tracer"] = t(r.tracer);
  j["kernel"] = t(r.kernel);
  j["arch"] = t(r.arch);
  j["started"] = t(r.started);
  j["duration_ms"] = r.duration_ms;
  j["exit"] = r.exit.signal != 0 ? json{{"signal", r.exit.signal}} : json{{"code", r.exit.code}};
  j["lost_events"] = r.lost_events;
  json c = json::object();
  for (const auto& [k, v] : r.container) c[t(k)] = t(v);
  j["container"] = c;
  if (r.uid) j["uid"] = *r.uid;
  if (r.gid) j["gid"] = *r.gid;
  if (r.home) j["home"] = t(*r.home);
  if (r.image) j["image"] = t(*r.image);
  if (r.image_digest) j["image_digest"] = t(*r.image_digest);
  if (r.rootfs) j["rootfs"] = t(*r.rootfs);
  if (r.env) {
    json env = json::array();
    for (const auto& n : *r.env) env.push_back(t(n));
    j["env"] = env;
  }
  return j;
}

std::string reference_to_json(const Recording& rec) {
  json j = json::object();
  j["format"] = kRecordingFormat;
  json runs = json::array();
  for (const auto& r : rec.runs) runs.push_back(reference_run(r));
  j["runs"] = runs;
  j["syscalls"] = json::object();
  for (const auto& [arch, names] : rec.syscalls) {
    json n = json::object();
    for (const auto& [name, count] : names) n[t(name)] = count;
    j["syscalls"][t(arch)] = n;
  }
  j["args"] = json::object();
  for (const auto& [arch, per_sys] : rec.args)
    for (const auto& [name, v] : per_sys) {
      json tuples = json::array();
      for (const auto& tu : v.tuples) tuples.push_back(tu);
      j["args"][t(arch)][t(name)] = {{"indices", v.indices}, {"masks", v.masks}, {"values", tuples}};
    }
  j["files"] = json::object();
  for (const auto& [path, f] : rec.files) {
    json acc = json::object();
    for (const auto& [kind, outcomes] : f.accesses) {
      json o = json::object();
      for (const auto& [name, count] : outcomes) o[t(name)] = count;
      acc[access_name(kind)] = o;
    }
    json fj = {{"access", acc}};
    if (!f.type.empty()) fj["type"] = t(f.type);
    j["files"][t(path)] = fj;
  }
  json ex = json::object();
  for (const auto& [path, count] : rec.executables) ex[t(path)] = count;
  j["executables"] = ex;
  json net = json::array();
  for (const auto& [ep, count] : rec.network) {
    json e = {{"family", t(ep.family)}, {"op", t(ep.op)}, {"result", t(ep.result)}, {"count", count}};
    if (!ep.type.empty()) e["type"] = t(ep.type);
    if (!ep.address.empty()) e["address"] = t(ep.address);
    if (ep.port != 0) e["port"] = ep.port;
    if (!ep.path.empty()) e["path"] = t(ep.path);
    net.push_back(e);
  }
  j["network"] = net;
  if (!rec.capabilities.empty()) {
    json caps = json::object();
    for (const auto& [cap, evidence] : rec.capabilities) {
      json e = json::array();
      for (const auto& x : evidence) e.push_back(t(x));
      caps[t(cap)] = e;
    }
    j["capabilities"] = caps;
  }
  if (rec.runs.size() > 1 && rec.coverage.known) {
    const Coverage& c = rec.coverage;
    json cov = {{"syscalls", json::object()},
                {"files", json::object()},
                {"executables", json::object()},
                {"capabilities", json::object()},
                {"network", json::array()}};
    for (const auto& [arch, names] : c.syscalls)
      for (const auto& [name, n] : names) cov["syscalls"][t(arch)][t(name)] = n;
    for (const auto& [path, n] : c.files) cov["files"][t(path)] = n;
    for (const auto& [path, n] : c.executables) cov["executables"][t(path)] = n;
    for (const auto& [cap, n] : c.capabilities) cov["capabilities"][t(cap)] = n;
    for (const auto& [ep, n] : c.network) {
      json e = {{"family", t(ep.family)}, {"op", t(ep.op)}, {"result", t(ep.result)}, {"count", n}};
      if (!ep.type.empty()) e["type"] = t(ep.type);
      if (!ep.address.empty()) e["address"] = t(ep.address);
      if (ep.port != 0) e["port"] = ep.port;
      if (!ep.path.empty()) e["path"] = t(ep.path);
      cov["network"].push_back(e);
    }
    j["coverage"] = cov;
  }
  return j.dump(2) + "\n";
}

// Strings that exercise the escaper: quotes, backslashes, every control class,
// DEL, 2/3/4-byte UTF-8, slash (not escaped by nlohmann).
const std::vector<std::string> kTricky = {
    "plain",
    "with \"quotes\"",
    "back\\slash",
    "tab\there",
    "nl\nx",
    "cr\rx",
    "bs\bx",
    "ff\fx",
    "nul\x01\x1f",
    "del\x7f",
    "caf\xc3\xa9",
    "\xe4\xb8\xad\xe6\x96\x87",
    "emoji \xf0\x9f\x98\x80",
    "a/b</script>",
    "",
};

// A recording touching every field, its strings taken from `strs`. `lossy` adds
// the empty containers the document cannot carry back (an architecture without
// syscalls in args, an access kind without outcomes); they must still print as nlohmann did.
Recording rich(const std::vector<std::string>& strs, bool lossy) {
  Recording r;
  auto s = [&](size_t i) { return strs[i % strs.size()]; };
  RunInfo a;
  a.command = {"/bin/sh", "-c", s(1) + s(2)};
  a.cwd = "/tmp/" + s(3);
  a.tracer = "ptrace";
  a.kernel = "6.18.0";
  a.arch = "x86_64";
  a.started = "2026-11-29T00:00:00Z";
  a.duration_ms = 123456789012ULL;
  a.exit.code = 3;
  a.lost_events = 0;
  a.container = {{"net", "loopback"}, {"root", s(4)}, {s(5), "x"}};
  a.uid = 4294967295u;
  a.gid = 0;
  a.home = "/home/" + s(6);
  a.image = "oci:/srv/" + s(7) + ":1";
  a.image_digest = "sha256:" + s(8);
  a.rootfs = "/var/cache/profile/images/" + s(9) + "/rootfs";
  std::set<std::string> names(strs.begin(), strs.end());
  a.env = std::vector<std::string>(names.begin(), names.end());
  r.runs.push_back(a);
  RunInfo b;  // killed by a signal; empty command, container and strings
  b.tracer = "ebpf";
  b.exit.signal = 9;
  b.lost_events = 17;
  r.runs.push_back(b);
  RunInfo c;  // an empty environment, which is not an unknown one
  c.tracer = "ptrace";
  c.uid = 1000;
  c.env = std::vector<std::string>{};
  c.exit.code = 255;
  c.duration_ms = ~0ULL;
  r.runs.push_back(c);
  r.add_syscall("x86_64", "openat", 4);
  r.add_syscall("x86_64", "read");
  r.add_syscall("x86", "getpid");
  r.add_syscall("x86_64", "457");
  r.syscalls["x32"];  // an architecture with no syscalls: "x32": {}
  r.args["x86_64"]["socket"] = ArgValues{{0, 1, 2}, {~0ULL, 0xf, ~0ULL}, {{2, 1, 0}, {10, 2, 17}, {~0ULL, 0, 0}}};
  r.args["x86_64"]["mmap"] = ArgValues{{2}, {4}, {}};  // no values seen
  r.args["x86_64"]["none"] = ArgValues{};              // no indices at all
  r.args["x86"];                                       // no syscalls: dropped, as the DOM did
  for (size_t i = 0; i < strs.size(); ++i) {
    r.add_file("/d/" + s(i), static_cast<Access>(i % 9), i % 3 ? kOk : "ENOENT", i % 2 ? "file" : "");
    r.add_file("/d/" + s(i), Access::Stat, kOk, "", i + 1);
    r.add_file("/d/" + s(i), Access::Chmod, "EPERM");
    r.add_exec("/bin/" + s(i), i + 1);
  }
  r.files["/no/accesses"];                                        // "access": {}
  if (lossy) r.files["/empty/outcomes"].accesses[Access::Write];  // "write": {}
  r.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", 8080, "", kOk}, 3);
  r.add_endpoint(NetEndpoint{"AF_INET6", "", "bind", "::1", 0, "", "EADDRINUSE"});
  r.add_endpoint(NetEndpoint{"AF_UNIX", "SOCK_DGRAM", "sendto", "", 0, "/run/" + s(6), kOk});
  r.add_endpoint(NetEndpoint{"AF_UNIX", "SOCK_STREAM", "connect", "", 0, "@" + s(7), "ENOENT"});
  r.add_endpoint(NetEndpoint{"AF_NETLINK", "", "bind", "", 0, "", kOk});
  r.capabilities["CAP_SETGID"] = {"setgid(33)", "setgroups"};
  r.capabilities["CAP_DAC_READ_SEARCH"] = {"read /d/" + s(8) + ": ok (mode 0600, owner 1:1)"};
  // Which of the 3 runs saw what, with the tricky names as keys.
  r.coverage.syscalls["x86_64"]["openat"] = 1;
  r.coverage.files["/d/" + s(1)] = 2;
  r.coverage.executables["/bin/" + s(2)] = 1;
  r.coverage.capabilities["CAP_SETGID"] = 0;
  r.coverage.network[NetEndpoint{"AF_UNIX", "SOCK_STREAM", "connect", "", 0, "@" + s(7), "ENOENT"}] = 1;
  return r;
}

// Many files with deterministic pseudo-random names, from `alphabet`.
Recording many_files(size_t n, const std::string& alphabet, uint32_t seed) {
  std::mt19937 rng(seed);
  Recording r;
  for (size_t i = 0; i < n; ++i) {
    std::string p = "/";
    size_t len = 1 + rng() % 40;
    for (size_t k = 0; k < len; ++k) p += alphabet[rng() % alphabet.size()];
    r.add_file(p, static_cast<Access>(rng() % 9), rng() % 4 ? kOk : "EACCES", rng() % 2 ? "file" : "dir", rng() % 5);
    if (rng() % 7 == 0) r.add_exec(p);
  }
  return r;
}

void expect_same_as_nlohmann_and_round_trips(const Recording& r) {
  std::string ours = recording_to_json(r);
  EXPECT_EQ(ours, reference_to_json(r));
  if (r.args.count("x86")) return;  // lossy on purpose, see rich()
  auto back = recording_from_json(ours, "mem");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, r);
  EXPECT_EQ(recording_to_json(*back), ours);
}

TEST(RecordingJson, EmptyRecordingMatchesNlohmann) {
  Recording r;
  EXPECT_EQ(recording_to_json(r), reference_to_json(r));
  EXPECT_EQ(recording_to_json(r),
            "{\n  \"args\": {},\n  \"executables\": {},\n  \"files\": {},\n  \"format\": \"profile-recording/1\",\n"
            "  \"network\": [],\n  \"runs\": [],\n  \"syscalls\": {}\n}\n");
}

TEST(RecordingJson, EveryFieldAndEscapeMatchesNlohmann) {
  expect_same_as_nlohmann_and_round_trips(rich(kTricky, true));
  expect_same_as_nlohmann_and_round_trips(rich(kTricky, false));
}

TEST(RecordingJson, ManyFilesMatchNlohmann) {
  expect_same_as_nlohmann_and_round_trips(
      many_files(5000, "abcXYZ019._-/ \"\\\t\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 1));
}

TEST(RecordingJson, InvalidUtf8IsEncodedNotThrown) {
  const std::vector<std::string> bad = {
      "bad\xffname",         // a byte that never occurs in UTF-8
      "\xc3",                // truncated at the end
      "\xe2\x82x",           // truncated in the middle
      "\xc0\x80",            // overlong NUL
      "\xed\xa0\x80",        // a surrogate
      "\xf5\x80\x80\x80",    // past U+10FFFF
      "\xf4\x8f\xbe\x80",    // a literal U+10FF80 (reserved): encoded byte by byte
      "\xf4\x8f\xbf\xbf",    // a literal U+10FFFF
      "\xf4\x8f\xbd\xbf",    // U+10FF7F: not reserved, passes as is
      "\x80\xbf\xfe\"\\\n",  // stray continuation bytes next to escapes
      "caf\xc3\xa9\xe9",     // valid then latin-1
  };
  Recording r = rich(bad, false);
  // Encoded keys sort differently from the raw bytes ("\xc3" < "\xe4..." raw,
  // but U+10FFC3 > U+4E2D): the output must still have nlohmann's key order.
  r.add_file("/k/\xc3", Access::Read, kOk);
  r.add_file("/k/\xe4\xb8\xad", Access::Read, kOk);
  std::string out = recording_to_json(r);
  EXPECT_NO_THROW(json::parse(out));  // valid UTF-8, valid JSON
  EXPECT_LT(out.find("/k/\xe4\xb8\xad"), out.find("/k/\xf4\x8f\xbf\x83"));
  expect_same_as_nlohmann_and_round_trips(r);
  expect_same_as_nlohmann_and_round_trips(rich(bad, true));
  expect_same_as_nlohmann_and_round_trips(many_files(2000, "ab/\xff\xc3\xa9\x80\xf4\x8f\xbe\xbf", 2));
}

TEST(RecordingJson, ByteEncodingIsTheDocumentedOne) {
  EXPECT_EQ(bytes_to_json_text("/tmp/bad\xffname"), "/tmp/bad\xf4\x8f\xbf\xbfname");  // U+10FFFF
  EXPECT_EQ(bytes_to_json_text("\x80"), "\xf4\x8f\xbe\x80");                          // U+10FF80
  EXPECT_EQ(bytes_to_json_text("\xf4\x8f\xbe\x80"), "\xf4\x8f\xbf\xb4\xf4\x8f\xbe\x8f\xf4\x8f\xbe\xbe\xf4\x8f\xbe\x80");
  EXPECT_EQ(bytes_to_json_text("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_TRUE(json_text_is_plain("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(json_text_is_plain("\xc3"));
  EXPECT_FALSE(json_text_is_plain("\xf4\x8f\xbf\xbf"));
  std::string lit;
  append_json_string(lit, "a\"\xff\x01");
  EXPECT_EQ(lit, "\"a\\\"\xf4\x8f\xbf\xbf\\u0001\"");
}

TEST(RecordingJson, AnyBytesRoundTripThroughJsonText) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 12, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 4 ? 0x80 + rng() % 0x80 : rng() % 0x100);
    std::string text = bytes_to_json_text(s);
    std::string lit;
    append_json_escaped(lit, text);
    json parsed;
    ASSERT_NO_THROW(parsed = json::parse(lit)) << i;
    ASSERT_EQ(json_text_to_bytes(parsed.get<std::string>()), s) << i;
  }
}

TEST(RecordingJson, OnlyTheCanonicalSpellingIsAccepted) {
  // U+10FFC3 U+10FFA9 would decode to "\xc3\xa9", which is valid UTF-8 and is
  // written as itself: a second spelling of the same path is refused.
  std::string doc = R"({"format":"profile-recording/1","runs":[],"syscalls":{},"files":{"/caf)"
                    "\xf4\x8f\xbf\x83\xf4\x8f\xbe\xa9"
                    R"(":{"access":{}}}})";
  auto r = recording_from_json(doc, "in.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/files/"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("valid UTF-8"), std::string::npos) << r.error().message;
}

// Only the runs (enforce's learned ${WORKDIR}): the same runs as a full load, and
// the same refusal of a document that is no recording.
TEST(RecordingJson, RunsAloneReadAsInTheWholeRecording) {
  Recording rec = rich({"a", "b\xff", "c"}, false);
  std::string text = recording_to_json(rec);
  auto runs = recording_runs_from_json(text, "r.json");
  ASSERT_TRUE(runs) << runs.error().message;
  EXPECT_EQ(*runs, rec.runs);
  EXPECT_FALSE(recording_runs_from_json("{\"format\": \"other/1\", \"runs\": []}", "r.json"));
  EXPECT_FALSE(recording_runs_from_json("{\"format\": \"profile-recording/1\", \"runs\": [{}]}", "r.json"));
}

}  // namespace
}  // namespace profile
