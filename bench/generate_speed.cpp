// Speed of `profile generate`: every artifact from a recording of 100,000 files
// and 400 syscalls merged from 100 runs (target: under one second). Prints the
// time of each stage and, as the peer measured in the same run, the time to
// parse and compile Docker's default seccomp profile with libseccomp.
//
// usage: bench_generate_speed [SHARED_DIR]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/atomic_file.h"
#include "common/recording.h"
#include "enforce/seccomp_filter.h"
#include "profilegen/bundle.h"
#include "profilegen/gen_policy.h"
#include "profilegen/landlock_gen.h"
#include "profilegen/seccomp_gen.h"

using namespace profile;
using Clock = std::chrono::steady_clock;

static double secs(Clock::time_point a) {
  return std::chrono::duration<double>(Clock::now() - a).count();
}

int main(int argc, char** argv) {
  std::string shared = argc > 1 ? argv[1] : "../shared";
  // 400 distinct syscalls: every name libseccomp knows on x86_64, then i386 ones.
  std::vector<std::pair<std::string, std::string>> calls;
  for (const auto& n : known_syscalls("x86_64")) calls.emplace_back("x86_64", n);
  for (const auto& n : known_syscalls("x86"))
    if (calls.size() < 400) calls.emplace_back("x86", n);
  calls.resize(std::min<size_t>(calls.size(), 400));

  std::vector<Recording> runs(100);
  for (size_t r = 0; r < runs.size(); ++r) {
    Recording& rec = runs[r];
    RunInfo info;
    info.command = {"/usr/bin/app", std::to_string(r)};
    info.tracer = "ptrace";
    rec.runs.push_back(info);
    for (size_t i = r % 4; i < calls.size(); i += 4) rec.add_syscall(calls[i].first, calls[i].second, 10);
    rec.args["x86_64"]["socket"] = ArgValues{{0, 1, 2}, {~uint64_t{0}, 0xf, ~uint64_t{0}}, {{2, 1, 0}, {10, 2, r % 3}}};
    rec.args["x86_64"]["ioctl"] = ArgValues{{1}, {0xffffffff}, {{0x5401 + r % 16}}};
    for (size_t f = 0; f < 1000; ++f) {
      size_t id = r * 1000 + f;
      switch (id % 10) {
        case 0:
          rec.add_file("/usr/lib/x86_64-linux-gnu/lib" + std::to_string(id) + ".so", Access::Read, kOk, "file");
          break;
        case 1:
          rec.add_file("/tmp/tmp" + std::to_string(id), Access::Create, kOk, "file");
          break;
        case 2:
          rec.add_file("/proc/" + std::to_string(id) + "/status", Access::Read, kOk, "file");
          break;
        case 3:
          rec.add_file("/home/u/out/" + std::to_string(id), Access::Write, kOk, "file");
          break;
        default:
          rec.add_file("/data/d" + std::to_string(id % 97) + "/f" + std::to_string(id), Access::Read, kOk, "file");
      }
    }
    rec.add_endpoint(
        NetEndpoint{"AF_INET", "SOCK_STREAM", "connect", "127.0.0.1", static_cast<uint32_t>(1000 + r), "", kOk});
  }

  auto t0 = Clock::now();
  Recording merged;
  for (const auto& r : runs)
    if (auto s = merged.merge(r); !s) return std::fprintf(stderr, "merge: %s\n", s.error().message.c_str()), 2;
  double t_merge = secs(t0);

  char tmpl[] = "/tmp/profile-bench-gen-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 2;
  std::string dir = std::string(tmpl) + "/bundle";
  auto t1 = Clock::now();
  GenerateReport report;
  // As `profile generate DIR` does: recording.json is the input, already on disk.
  GenerateOptions opts;
  opts.keep_recording = true;
  opts.selinux = false;  // timed separately below: it is another engineer's generator
  auto files = render_bundle(merged, opts, "", &report);
  if (!files) return std::fprintf(stderr, "render: %s\n", files.error().message.c_str()), 2;
  double t_render = secs(t1);
  auto t2 = Clock::now();
  if (auto s = write_bundle_atomic(dir, *files); !s)
    return std::fprintf(stderr, "write: %s\n", s.error().message.c_str()), 2;
  double t_write = secs(t2);
  auto t3 = Clock::now();
  auto prepared = compile_seccomp_json(files->at("seccomp.json"), "seccomp.json");
  double t_compile = secs(t3);
  auto t4 = Clock::now();
  auto docker = compile_seccomp_file(shared + "/reference/docker-default-seccomp.json");
  double t_docker = secs(t4);
  (void)std::system(("rm -rf " + std::string(tmpl)).c_str());
  // Where render time goes.
  auto t5 = Clock::now();
  std::string rj = recording_to_json(merged);
  double t_recjson = secs(t5);
  auto policy = load_gen_policy("");
  auto t6 = Clock::now();
  auto lm = build_landlock_model(merged, *policy);
  double t_landlock = secs(t6);
  auto t8 = Clock::now();
  GenerateOptions with_selinux;
  with_selinux.keep_recording = true;
  GenerateReport se_report;
  auto se_files = render_bundle(merged, with_selinux, "", &se_report);
  double t_selinux = secs(t8) - t_render;
  auto t7 = Clock::now();
  auto sm = build_seccomp_model(merged, *policy, {});
  double t_seccomp = secs(t7);
  if (!prepared || !docker) return std::fprintf(stderr, "compile failed\n"), 2;

  size_t syscalls = 0;
  for (const auto& [a, m] : merged.syscalls) syscalls += m.size();
  size_t bytes = 0;
  for (const auto& [n, c] : *files) bytes += c.size();
  double total = t_render + t_write;
  std::printf("input: %zu runs, %zu files, %zu syscalls\n", merged.runs.size(), merged.files.size(), syscalls);
  std::printf("merge 100 runs:            %.3f s\n", t_merge);
  std::printf("render all artifacts:      %.3f s (%zu bytes, %zu Landlock rules)\n", t_render, bytes,
              report.landlock_rules);
  std::printf("  of which Landlock model %.3f s, seccomp model %.3f s\n", t_landlock, t_seccomp);
  std::printf("write bundle atomically:   %.3f s\n", t_write);
  std::printf("generate total:            %.3f s  (target < 1 s: %.2fx of budget)\n", total, total / 1.0);
  std::printf("SELinux module on top:     %.3f s (%s)\n", t_selinux,
              se_files && se_files->count("selinux/app.pp") ? "generated" : "not generated");
  std::printf("(serialising the merged recording.json, done once by learn/merge: %.3f s)\n", t_recjson);
  std::printf("compile our seccomp.json:  %.4f s (%zu BPF instructions)\n", t_compile, prepared->program.size());
  std::printf("peer, compile Docker's default profile: %.4f s (%zu BPF instructions); ratio ours/docker %.2f\n",
              t_docker, docker->program.size(), t_compile / t_docker);
  return total < 1.0 ? 0 : 1;
}
