// Built instead of the eBPF tracer when PROFILE_EBPF is OFF: says so plainly so
// that --tracer auto falls back to ptrace and --tracer ebpf fails with a reason.
#include "tracer/factory.h"

namespace profile {
Result<std::unique_ptr<Tracer>> make_ebpf_tracer() {
  return make_error("this build of profile has no eBPF tracer (configured with -DPROFILE_EBPF=OFF)");
}
}  // namespace profile
