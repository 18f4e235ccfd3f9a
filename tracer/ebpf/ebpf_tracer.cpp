// Placeholder until the eBPF tracer lands (issue 5): says so plainly so that
// --tracer auto falls back to ptrace and --tracer ebpf fails with a clear reason.
#include "tracer/learn.h"

namespace profile {
Result<std::unique_ptr<Tracer>> make_ebpf_tracer() {
  return make_error("the eBPF tracer is not part of this build yet");
}
}  // namespace profile
