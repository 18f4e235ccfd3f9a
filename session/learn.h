// `profile learn` as a library call: launch the workload in the learning
// container under a tracer and return what it did.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/policy.h"
#include "common/recording.h"
#include "enforce/launcher.h"
#include "tracer/factory.h"
#include "tracer/tracer.h"

namespace profile {

enum class TracerKind { Auto, Ptrace, Ebpf };
Result<TracerKind> tracer_kind_from_name(const std::string& name);

struct LearnOptions {
  LaunchSpec spec;
  TracerKind tracer = TracerKind::Auto;
  const ArgPolicy* args = nullptr;   // null = built-in policies/args.toml
  LiveCounters* counters = nullptr;  // may be null
  // Called once the workload is running (after the launcher's fork, so a thread
  // started here cannot hold a lock that a forked child would inherit).
  std::function<void()> on_started;
  // > 0: SIGKILL every process of the container after this many seconds
  // (`profile enforce --complain --timeout`); LearnResult::timed_out says so.
  double timeout_s = 0;
  // Capability inference (tracer/capabilities.h) also counts calls refused with
  // EACCES/EPERM as evidence: `enforce --complain` reports what failed for lack
  // of a capability. Learning counts only what succeeded.
  bool capability_failures = false;
  // With spec.rootfs (learn --image/--rootfs): what RunInfo says of the image.
  std::string image;         // the reference as given; "" for --rootfs
  std::string image_digest;  // its image ID, "sha256:..."
};

struct LearnResult {
  Recording recording;        // with exactly one RunInfo describing this run
  ExitInfo exit;              // the workload's exit
  std::string tracer;         // "ptrace" or "ebpf"
  std::string tracer_reason;  // why that tracer (for --tracer auto)
  bool timed_out = false;     // the container was killed by timeout_s
  // 0, or the termination signal (SIGINT, SIGTERM...) after which the container
  // had to be killed because its pid 1 could not pass it on (see Watchdog).
  int killed_after_signal = 0;
  // Where the time went, in milliseconds (--verbose prints them): loading the
  // tracer, starting the container, the workload's run, reading the tracer's
  // results, and closing the tracer.
  struct Timings {
    double load = 0, start = 0, run = 0, collect = 0, close = 0;
  } timings;
};

Result<LearnResult> learn(const LearnOptions& options);

}  // namespace profile
