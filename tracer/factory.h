// The two tracer backends, for whoever drives them (session/learn.h). Each
// backend defines its own factory: ptrace/ptrace_tracer.cpp, and
// ebpf/ebpf_tracer.cpp (ebpf/ebpf_unavailable.cpp when built without eBPF).
#pragma once

#include <memory>

#include "common/result.h"
#include "tracer/tracer.h"

namespace profile {

// make_ebpf_tracer fails with a one-sentence reason when BPF cannot be used here
// (no permission, no BTF, locked down, not built).
std::unique_ptr<Tracer> make_ptrace_tracer();
Result<std::unique_ptr<Tracer>> make_ebpf_tracer();

}  // namespace profile
