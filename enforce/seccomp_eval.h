// A classic BPF interpreter for seccomp programs, in user space: runs the
// program compile_seccomp_json made over one struct seccomp_data and returns
// the SECCOMP_RET_* value the kernel would act on. Used by `profile check` to
// prove offline that every recorded call is allowed by the compiled filter (not
// by our reading of seccomp.json) and that sensitive calls are not. Pure logic.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

// Errors for programs the kernel would reject at load: a load outside
// seccomp_data or unaligned, a division by zero, a jump or fall off the end,
// an opcode seccomp does not accept.
Result<uint32_t> run_seccomp_bpf(const std::vector<sock_filter>& program, const seccomp_data& data);

// "ALLOW", "ERRNO(38)", "KILL_PROCESS", ... for a SECCOMP_RET_* value.
std::string seccomp_ret_text(uint32_t ret);
// SECCOMP_RET_ALLOW or SECCOMP_RET_LOG: the call runs.
bool seccomp_ret_allows(uint32_t ret);

// AUDIT_ARCH_* for a libseccomp architecture name ("x86_64", "x86", "x32",
// "aarch64", ...); 0 if unknown. x32 shares x86_64's value (its calls carry
// __X32_SYSCALL_BIT in nr).
uint32_t audit_arch_of(const std::string& arch);

}  // namespace profile
