#include "profilegen/diff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/json_text.h"
#include "profilegen/bundle.h"
#include "profilegen/selinux/cil.h"
#include "tests/profilegen/sample.h"

namespace profile {
namespace {

AllowedView view(const Recording& r) {
  auto files = render_bundle(r, testing::no_selinux(), "", nullptr);
  EXPECT_TRUE(files) << files.error().message;
  auto v = allowed_view_from_files(files->at("seccomp.json"), files->at("landlock.json"), "x");
  EXPECT_TRUE(v);
  return *v;
}

AllowedView view_with_manifest(const Recording& r) {
  auto files = render_bundle(r, testing::no_selinux(), "", nullptr);
  EXPECT_TRUE(files) << files.error().message;
  auto v =
      allowed_view_from_files(files->at("seccomp.json"), files->at("landlock.json"), "x", files->at("profile.toml"));
  EXPECT_TRUE(v) << v.error().message;
  return *v;
}

TEST(Diff, CapabilitiesKeptByNewAndNotOldAreAdditions) {
  Recording more = testing::sample_recording();
  more.capabilities["CAP_SETUID"] = {"setuid(33)"};
  auto d = diff_views(view_with_manifest(testing::sample_recording()), view_with_manifest(more));
  ASSERT_EQ(d.added.capabilities.size(), 1u);
  EXPECT_EQ(d.added.capabilities[0].first, "CAP_SETUID");
  EXPECT_TRUE(d.added.syscalls.empty());
  EXPECT_NE(diff_to_text(d).find("+ cap     CAP_SETUID\n"), std::string::npos) << diff_to_text(d);
  EXPECT_NE(diff_to_json(d).find("\"more_permissive\":true"), std::string::npos);
  EXPECT_NE(diff_to_json(d).find("\"capabilities\":[{\"name\":\"CAP_SETUID\""), std::string::npos) << diff_to_json(d);
  // Without the manifests (seccomp and Landlock only) capabilities are not compared.
  EXPECT_TRUE(diff_views(view(testing::sample_recording()), view(more)).added.empty());
}

TEST(Diff, IdenticalProfilesHaveNoDifference) {
  auto d = diff_views(view(testing::sample_recording()), view(testing::sample_recording()));
  EXPECT_TRUE(d.added.empty());
  EXPECT_TRUE(d.removed.empty());
  EXPECT_EQ(diff_to_text(d), "no differences in what the profiles allow\n");
}

TEST(Diff, AdditionsAreFoundAndDangerousOnesMarked) {
  Recording more = testing::sample_recording();
  more.add_syscall("x86_64", "mount");
  more.add_syscall("x86_64", "getppid");
  more.args["x86_64"]["socket"].tuples.insert({10, 1, 0});
  more.add_file("/etc/shadow", Access::Read, kOk, "file");
  more.add_endpoint(NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", 6379, "", kOk});
  auto d = diff_views(view(testing::sample_recording()), view(more));
  EXPECT_EQ(d.added.syscalls, (std::vector<std::string>{"getppid", "mount"}));
  EXPECT_EQ(d.dangerous.count("mount"), 1u);
  ASSERT_EQ(d.added.args.size(), 1u);
  EXPECT_NE(d.added.args[0].find("socket: a0 == 0xa"), std::string::npos) << d.added.args[0];
  ASSERT_EQ(d.added.files.size(), 1u);
  EXPECT_EQ(d.added.files[0].first, "/etc/shadow");
  EXPECT_EQ(d.added.net, std::vector<std::string>{"connect tcp/6379"});
  EXPECT_TRUE(d.removed.empty());
  std::string text = diff_to_text(d);
  EXPECT_NE(text.find("+ syscall mount   [DANGEROUS"), std::string::npos) << text;
  EXPECT_NE(diff_to_json(d).find("\"more_permissive\":true"), std::string::npos);
  // And the reverse direction is reported as removals.
  auto back = diff_views(view(more), view(testing::sample_recording()));
  EXPECT_TRUE(back.added.empty());
  EXPECT_EQ(back.removed.syscalls, (std::vector<std::string>{"getppid", "mount"}));
}

TEST(Diff, AnyArgumentsIsMoreThanSomeValues) {
  auto a = view(testing::sample_recording());
  Recording r = testing::sample_recording();
  r.args["x86_64"].erase("ioctl");
  auto d = diff_views(a, view(r));
  EXPECT_EQ(d.added.args, std::vector<std::string>{"ioctl: any arguments"});
}

// landlock.json stores a path that is not UTF-8 as json text (profile-recording(5)):
// the diff compares and prints the bytes, and --json encodes them exactly once.
TEST(Diff, PathsThatAreNotUtf8AreBytesInTextAndJson) {
  const std::string bad =
      "/etc/in\xfe"
      "dir/bad\xffname";
  Recording more = testing::sample_recording();
  more.add_file(bad, Access::Read, kOk, "file");
  auto d = diff_views(view(testing::sample_recording()), view(more));
  ASSERT_EQ(d.added.files.size(), 1u);
  EXPECT_EQ(d.added.files[0].first, bad);
  EXPECT_NE(diff_to_text(d).find("+ file    " + bad + " ("), std::string::npos) << diff_to_text(d);
  std::string j;
  ASSERT_NO_THROW(j = diff_to_json(d));
  auto parsed = nlohmann::json::parse(j);
  EXPECT_EQ(json_text_to_bytes(parsed["added"]["files"][0]["path"].get<std::string>()), bad) << j;
}

}  // namespace
}  // namespace profile

namespace profile {
namespace {

// A rendered bundle whose files a test edits: the diff of the whole bundle.
struct Files {
  std::string seccomp, landlock;
  Manifest manifest;
  std::string cil;  // selinux/<name>.cil, "" = none
  AllowedView view() const {
    auto v = allowed_view_from_files(seccomp, landlock, "x", manifest_to_toml(manifest), cil,
                                     "selinux/" + manifest.name + ".cil");
    EXPECT_TRUE(v) << v.error().message;
    return *v;
  }
};

Files rendered(const Recording& r) {
  auto files = render_bundle(r, testing::no_selinux(), "", nullptr);
  EXPECT_TRUE(files) << files.error().message;
  auto m = parse_manifest(files->at("profile.toml"), "profile.toml");
  EXPECT_TRUE(m) << m.error().message;
  return Files{files->at("seccomp.json"), files->at("landlock.json"), *m, ""};
}

const Change* find_change(const ProfileDiff& d, const std::string& cls, const std::string& subject) {
  for (const auto& c : d.changes)
    if (c.cls == cls && c.subject == subject) return &c;
  return nullptr;
}

// A bundle that grants more through its manifest alone was once reported as "no differences", exit 0.
TEST(DiffBundle, ManifestWideningsAreHighRiskChanges) {
  Files old_f = rendered(testing::sample_recording());
  Files new_f = old_f;
  new_f.manifest.capabilities.push_back("CAP_SYS_ADMIN");
  new_f.manifest.bind.push_back(BindMount{"/", "/host", false, false});
  new_f.manifest.net = "host";
  auto d = diff_views(old_f.view(), new_f.view());
  EXPECT_TRUE(d.more_permissive());
  const Change* cap = find_change(d, "capability", "CAP_SYS_ADMIN");
  ASSERT_NE(cap, nullptr) << diff_to_text(d);
  EXPECT_EQ(cap->risk, "high");
  const Change* bind = find_change(d, "bind", "/host");
  ASSERT_NE(bind, nullptr);
  EXPECT_EQ(bind->risk, "high");
  EXPECT_NE(bind->reason.find("whole file system"), std::string::npos) << bind->reason;
  const Change* net = find_change(d, "network", "net");
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->risk, "high");
  EXPECT_EQ(net->detail, old_f.manifest.net + " -> host");
  std::string text = diff_to_text(d);
  EXPECT_NE(text.find("capabilities:\n+ cap     CAP_SYS_ADMIN\n      high: "), std::string::npos) << text;
  EXPECT_NE(text.find("bind mounts:\n+ bind    /host (/ -> /host (read-write))\n"), std::string::npos) << text;
  EXPECT_NE(text.find("NEW allows more than OLD: 3 high"), std::string::npos) << text;
  // Back again: narrowing only, not more permissive.
  auto back = diff_views(new_f.view(), old_f.view());
  EXPECT_FALSE(back.more_permissive()) << diff_to_text(back);
  EXPECT_FALSE(back.changes.empty());
}

TEST(DiffBundle, EverySettingOfTheManifestIsCompared) {
  Files old_f = rendered(testing::sample_recording());
  old_f.manifest.bind.push_back(BindMount{"/data", "/data", true, false});
  old_f.manifest.readonly_root = true;
  old_f.manifest.private_tmp = true;
  old_f.manifest.memory_max = 1 << 20;
  old_f.manifest.user_namespace = "always";
  Files new_f = old_f;
  new_f.manifest.bind.back().readonly = false;
  new_f.manifest.readonly_root = false;
  new_f.manifest.private_tmp = false;
  new_f.manifest.memory_max = 0;
  new_f.manifest.user_namespace = "never";
  new_f.manifest.env.push_back("LD_PRELOAD");
  new_f.manifest.env.push_back("APP_MODE");
  new_f.manifest.capabilities.push_back("CAP_SETUID");
  new_f.manifest.ambient_capabilities.push_back("CAP_SETUID");
  auto d = diff_views(old_f.view(), new_f.view());
  struct Want {
    const char *cls, *subject, *risk;
  };
  for (const Want& w :
       {Want{"bind", "/data", "medium"}, Want{"readonly_root", "readonly_root", "medium"},
        Want{"private_tmp", "private_tmp", "medium"}, Want{"limits", "memory_max", "low"},
        Want{"namespace", "user_namespace", "high"}, Want{"env", "LD_PRELOAD", "high"}, Want{"env", "APP_MODE", "low"},
        Want{"capability", "CAP_SETUID", "medium"}, Want{"ambient_capability", "CAP_SETUID", "medium"}}) {
    const Change* c = find_change(d, w.cls, w.subject);
    ASSERT_NE(c, nullptr) << w.cls << " " << w.subject << "\n" << diff_to_text(d);
    EXPECT_TRUE(c->widens) << w.subject;
    EXPECT_EQ(c->risk, w.risk) << w.subject;
  }
  EXPECT_EQ(find_change(d, "bind", "/data")->reason, "write where there was read");
  EXPECT_EQ(find_change(d, "limits", "memory_max")->detail, "1048576 -> unlimited");
}

TEST(DiffBundle, FilesAreClassifiedBySensitivityExecutionAndWrites) {
  Recording more = testing::sample_recording();
  more.add_file("/etc/shadow", Access::Read, kOk, "file");
  more.add_exec("/usr/bin/dash");
  more.add_file("/usr/bin/dash", Access::Exec, kOk, "file");
  more.add_file("/etc/hosts", Access::Write, kOk, "file");          // was read
  more.add_file("/opt/other/sink.db", Access::Write, kOk, "file");  // outside /srv and /tmp
  more.add_file("/etc/app.conf", Access::Read, kOk, "file");
  more.add_file("/run/docker.sock", Access::Write, kOk, "sock");
  auto d = diff_views(rendered(testing::sample_recording()).view(), rendered(more).view());
  std::string text = diff_to_text(d);
  auto expect = [&](const char* cls, const char* subject, const char* risk, const char* reason_part) {
    const Change* c = find_change(d, cls, subject);
    ASSERT_NE(c, nullptr) << cls << " " << subject << "\n" << text;
    EXPECT_EQ(c->risk, risk) << subject;
    EXPECT_NE(c->reason.find(reason_part), std::string::npos) << c->reason;
  };
  expect("sensitive_path", "/etc/shadow", "high", "password hashes");
  expect("sensitive_path", "/run/docker.sock", "high", "Docker engine socket");
  expect("executable", "/usr/bin/dash", "high", "a shell");
  expect("file", "/etc/hosts", "medium", "write where there was read");
  expect("file", "/etc/app.conf", "low", "new read access");
  // The rule may be on the file or on its (new) directory.
  bool sink = false;
  for (const auto& c : d.changes)
    sink = sink || (c.cls == "file" && c.subject.rfind("/opt/other", 0) == 0 && c.risk == "medium" &&
                    c.reason.find("data sink outside") != std::string::npos);
  EXPECT_TRUE(sink) << text;
}

TEST(DiffBundle, SeccompAndLandlockSettingsAreCompared) {
  Files old_f = rendered(testing::sample_recording());
  Files new_f = old_f;
  auto s = nlohmann::json::parse(new_f.seccomp);
  s["architectures"].push_back("SCMP_ARCH_X86");
  new_f.seccomp = s.dump();
  auto l = nlohmann::json::parse(new_f.landlock);
  auto& h = l["handled_fs"];
  h.erase(std::find(h.begin(), h.end(), "write_file"));
  l["net"]["connect_tcp_ephemeral"] = true;
  new_f.landlock = l.dump();
  auto d = diff_views(old_f.view(), new_f.view());
  ASSERT_NE(find_change(d, "arch", "SCMP_ARCH_X86"), nullptr) << diff_to_text(d);
  EXPECT_EQ(find_change(d, "arch", "SCMP_ARCH_X86")->risk, "medium");
  ASSERT_NE(find_change(d, "landlock", "handled_fs write_file"), nullptr) << diff_to_text(d);
  EXPECT_EQ(find_change(d, "landlock", "handled_fs write_file")->risk, "high");
  ASSERT_NE(find_change(d, "network", "connect tcp/ephemeral"), nullptr) << diff_to_text(d);
  s["defaultAction"] = "SCMP_ACT_ALLOW";
  new_f.seccomp = s.dump();
  auto d2 = diff_views(old_f.view(), new_f.view());
  ASSERT_NE(find_change(d2, "seccomp_action", "defaultAction"), nullptr) << diff_to_text(d2);
  EXPECT_EQ(find_change(d2, "seccomp_action", "defaultAction")->risk, "high");
}

TEST(DiffBundle, JsonHasArraysClassesAndStableOrder) {
  Recording more = testing::sample_recording();
  more.add_file("/etc/shadow", Access::Read, kOk, "file");
  more.add_file("/etc/shadow", Access::Write, kOk, "file");
  more.add_syscall("x86_64", "mount");
  Files old_f = rendered(testing::sample_recording()), new_f = rendered(more);
  new_f.manifest.capabilities.push_back("CAP_SYS_PTRACE");
  std::string a = diff_to_json(diff_views(old_f.view(), new_f.view()));
  EXPECT_EQ(a, diff_to_json(diff_views(old_f.view(), new_f.view())));
  auto j = nlohmann::json::parse(a);
  EXPECT_TRUE(j["added"]["files"][0]["access"].is_array()) << a;
  EXPECT_EQ(j["highest_risk"], "high");
  ASSERT_TRUE(j["changes"].is_array());
  std::vector<std::string> classes;
  for (const auto& c : j["changes"]) {
    EXPECT_TRUE(c.contains("risk") && c.contains("reason") && c.contains("subject")) << c.dump();
    classes.push_back(c["class"]);
  }
  // Grouped by class, capabilities first.
  EXPECT_EQ(classes.front(), "capability") << a;
  std::vector<std::string> seen;
  for (const auto& c : classes)
    if (seen.empty() || seen.back() != c) seen.push_back(c);
  std::set<std::string> uniq(seen.begin(), seen.end());
  EXPECT_EQ(uniq.size(), seen.size()) << a;
}

// A module as `profile generate` writes it, for the workload `name`.
SelinuxModel selinux_model(const std::string& name) {
  SelinuxModel m;
  m.name = name;
  m.domain = name + "_t";
  m.exec_type = name + "_exec_t";
  m.private_types = {name + "_data_t"};
  m.rules[{m.domain, "self", "process"}] = {"fork", "sigchld"};
  m.rules[{m.domain, "etc_t", "file"}] = {"getattr", "open", "read"};
  m.rules[{m.domain, name + "_data_t", "file"}] = {"create", "getattr", "open", "read", "write"};
  m.rules[{m.domain, "null_device_t", "chr_file"}] = {"open", "write"};
  return m;
}

TEST(DiffBundle, SelinuxAllowRulesAreComparedAndClassified) {
  Files old_f = rendered(testing::sample_recording());
  old_f.cil = write_cil_module(selinux_model("app"), false);
  // Learned under another name: the module's own types compare by their suffix.
  SelinuxModel m = selinux_model("app_ci");
  m.rules[{m.domain, "shadow_t", "file"}] = {"getattr", "open", "read"};
  m.rules[{m.domain, "docker_var_run_t", "sock_file"}] = {"write"};
  m.rules[{m.domain, "shell_exec_t", "file"}] = {"execute", "execute_no_trans", "getattr", "map", "open", "read"};
  m.rules[{m.domain, "var_log_t", "file"}] = {"append", "open"};
  m.rules[{m.domain, "usr_t", "file"}] = {"getattr", "open", "read"};
  m.rules[{m.domain, "self", "capability"}] = {"sys_admin"};
  m.rules[{m.domain, "app_ci_data_t", "dir"}] = {"add_name", "write"};
  m.rules[{m.domain, "null_device_t", "chr_file"}] = {"open"};  // write removed
  Files new_f = old_f;
  new_f.manifest.name = "app_ci";
  new_f.cil = write_cil_module(m, false);
  auto d = diff_views(old_f.view(), new_f.view());
  std::map<std::string, const Change*> got;
  for (const auto& c : d.changes)
    if (c.cls == "selinux") got[std::string(c.widens ? "+" : "-") + c.subject] = &c;
  auto risk = [&](const std::string& key) {
    auto it = got.find(key);
    return it == got.end() ? std::string("(missing)") : it->second->risk;
  };
  EXPECT_EQ(risk("+app_ci_t shadow_t:file"), "high") << diff_to_text(d);
  EXPECT_NE(got["+app_ci_t shadow_t:file"]->reason.find("password hashes"), std::string::npos);
  EXPECT_EQ(got["+app_ci_t shadow_t:file"]->file, "selinux/app_ci.cil");
  EXPECT_EQ(risk("+app_ci_t docker_var_run_t:sock_file"), "high");
  EXPECT_NE(got["+app_ci_t docker_var_run_t:sock_file"]->reason.find("Docker"), std::string::npos);
  EXPECT_EQ(risk("+app_ci_t shell_exec_t:file"), "high");
  EXPECT_EQ(risk("+app_ci_t var_log_t:file"), "high") << "a write to a shared type";
  EXPECT_EQ(risk("+app_ci_t self:capability"), "high") << "sys_admin, as CAP_SYS_ADMIN";
  EXPECT_EQ(risk("+app_ci_t usr_t:file"), "medium") << "a new read";
  EXPECT_EQ(risk("+app_ci_t app_ci_data_t:dir"), "low") << "its own type";
  EXPECT_EQ(risk("-app_ci_t null_device_t:chr_file"), "low");
  EXPECT_EQ(got["-app_ci_t null_device_t:chr_file"]->detail, "write");
  // Unchanged rules (etc_t, the process rules, the entrypoint) are no change at all.
  EXPECT_EQ(got.count("+app_ci_t etc_t:file"), 0u);
  EXPECT_EQ(got.count("+app_ci_t self:process"), 0u);
  EXPECT_EQ(got.count("+app_ci_t app_ci_exec_t:file"), 0u);
  EXPECT_EQ(got.size(), 8u) << diff_to_text(d);
  std::string text = diff_to_text(d);
  EXPECT_NE(text.find("SELinux allow rules:\n+ allow   "), std::string::npos) << text;
  EXPECT_NE(text.find("\n+ allow   app_ci_t shadow_t:file (getattr open read)\n      high: "), std::string::npos)
      << text;
  auto j = nlohmann::json::parse(diff_to_json(d));
  EXPECT_EQ(j["highest_risk"], "high");
  // The same module on both sides: no SELinux change; a bundle without a module: not compared.
  EXPECT_TRUE(diff_views(old_f.view(), old_f.view()).changes.empty());
  Files none = old_f;
  none.cil.clear();
  EXPECT_TRUE(diff_views(none.view(), new_f.view()).changes.size() < d.changes.size());
  for (const auto& c : diff_views(none.view(), new_f.view()).changes) EXPECT_NE(c.cls, "selinux");
  // Dropping the module is no way around the comparison.
  auto dropped = diff_views(old_f.view(), none.view());
  const Change* gone = find_change(dropped, "selinux", "selinux/app.cil");
  ASSERT_NE(gone, nullptr) << diff_to_text(dropped);
  EXPECT_TRUE(gone->widens);
  EXPECT_EQ(gone->risk, "high");
}

TEST(DiffBundle, AnAllowRuleProfileCannotReadIsAnErrorNamingItsLine) {
  Files f = rendered(testing::sample_recording());
  f.cil = "(type app_t)\n(allow app_t etc_t file read)\n";
  auto v = allowed_view_from_files(f.seccomp, f.landlock, "b", manifest_to_toml(f.manifest), f.cil, "selinux/app.cil");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("b/selinux/app.cil:2:"), std::string::npos) << v.error().message;
  EXPECT_FALSE(parse_cil_allow_rules("(allow a b (file (read)))\n", "x.cil")) << "no domain declared";
}

TEST(DiffBundle, GatePolicyRejectsEntriesWithoutReason) {
  EXPECT_FALSE(parse_gate_policy("[[sensitive]]\npath = \"/x\"\n", "g.toml"));
  EXPECT_FALSE(parse_gate_policy("[capabilities]\nCAP_X = \"huge\"\n", "g.toml"));
  auto g = parse_gate_policy("[[sensitive]]\npath = \"/home/*/.ssh\"\nsubtree = true\nreason = \"keys\"\n", "g.toml");
  ASSERT_TRUE(g);
  EXPECT_NE(g->sensitive_reason("/home/u/.ssh/id_rsa", {"read_file"}), "");
  EXPECT_NE(g->sensitive_reason("/home", {"read_file"}), "");  // a rule on an ancestor reaches it
  EXPECT_EQ(g->sensitive_reason("/home/u/notes", {"read_file"}), "");
  EXPECT_NE(builtin_gate_policy().sensitive_reason("/dev/sda1", {"read_file"}), "");
  EXPECT_EQ(builtin_gate_policy().sensitive_reason("/proc/sys/vm/overcommit_memory", {"read_file"}), "");
  EXPECT_NE(builtin_gate_policy().sensitive_reason("/proc/sys/vm/overcommit_memory", {"write_file"}), "");
}

}  // namespace
}  // namespace profile
