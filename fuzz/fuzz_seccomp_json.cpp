// seccomp.json as `profile enforce` compiles it (enforce/seccomp_filter.cpp
// compile_seccomp_json): Docker/moby format, with includes/excludes on a fixed
// capability set and kernel release so that a finding reproduces anywhere.
// Compiling needs no privilege (libseccomp exports the program to a memfd).
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "enforce/seccomp_filter.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace profile;
  SeccompCompileOptions opts;
  opts.capabilities = {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE"};
  opts.kernel_release = "6.1.0-13-amd64";
  auto p = compile_seccomp_json(fuzz::text_of(data, size), "seccomp.json", opts);
  if (!p) {
    fuzz::check_refusal(p.error(), "seccomp.json");
    return 0;
  }
  if (p->program.empty() || p->program.size() > BPF_MAXINSNS) fuzz::fail("a program the kernel cannot load");
  // An errno the kernel would not report as one (above MAX_ERRNO) is refused at parse time.
  for (const auto& insn : p->program)
    if (insn.code == (BPF_RET | BPF_K) && (insn.k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO &&
        (insn.k & SECCOMP_RET_DATA) > 4095)
      fuzz::fail("a program returns errno " + std::to_string(insn.k & SECCOMP_RET_DATA));
  return 0;
}
