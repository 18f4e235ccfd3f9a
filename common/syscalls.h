// Syscall identity: architectures and syscall names/numbers, all from libseccomp's
// tables (never a hand-written list).
//
// Architectures are named as libseccomp names them: "x86_64", "x86" (i386), "x32",
// "aarch64", ... A syscall that libseccomp cannot name (newer than its table) is
// named by its decimal number, e.g. "457"; a real name is never all digits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace profile {

// The architecture this binary runs on, e.g. "x86_64".
std::string native_arch();

// libseccomp's token (SCMP_ARCH_*) for an architecture name; nullopt if unknown.
std::optional<uint32_t> arch_token(const std::string& arch);

// The recording's architecture name for a syscall as reported by the kernel
// (AUDIT_ARCH_* from PTRACE_GET_SYSCALL_INFO or seccomp_data), taking the x32 bit
// of x86_64 numbers into account. Empty string if the audit arch is unknown.
std::string arch_from_audit(uint32_t audit_arch, uint64_t nr);

// Docker/OCI spelling: "x86_64" -> "SCMP_ARCH_X86_64"; "x86" -> "SCMP_ARCH_X86".
std::string scmp_arch_name(const std::string& arch);
// The inverse; empty string if unknown.
std::string arch_from_scmp_name(const std::string& scmp_name);

// Architectures that can run on this machine's native architecture
// (x86_64 -> x86_64, x86, x32).
std::vector<std::string> compatible_arches(const std::string& native);

// Name of syscall `nr` on `arch`; its decimal number when libseccomp has no name.
std::string syscall_name(const std::string& arch, uint64_t nr);

// Number of `name` on `arch`. Accepts a decimal number as name. nullopt when the
// name is unknown to libseccomp for that architecture (or is a multiplexed
// pseudo-syscall with a negative number).
std::optional<int64_t> syscall_number(const std::string& arch, const std::string& name);

// True when `name` is a decimal number (a syscall libseccomp could not name).
bool is_numeric_syscall(const std::string& name);

}  // namespace profile
