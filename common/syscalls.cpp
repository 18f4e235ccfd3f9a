#include "common/syscalls.h"

#include <linux/audit.h>
#include <seccomp.h>

#include <cstdlib>
#include <memory>

namespace profile {
namespace {
constexpr uint64_t kX32SyscallBit = 0x40000000ULL;

struct ArchEntry {
  const char* name;
  const char* scmp;
  uint32_t token;
};

// The names are libseccomp's own (seccomp_arch_resolve_name accepts them); this
// table only pairs them with the SCMP_ARCH_* spelling used by Docker and OCI.
const ArchEntry kArches[] = {
    {"x86_64", "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"x86", "SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"x32", "SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"aarch64", "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"arm", "SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"riscv64", "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
    {"ppc64le", "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"s390x", "SCMP_ARCH_S390X", SCMP_ARCH_S390X},
};
}  // namespace

std::string native_arch() {
  uint32_t native = seccomp_arch_native();
  for (const auto& a : kArches)
    if (a.token == native) return a.name;
  return "unknown";
}

std::optional<uint32_t> arch_token(const std::string& arch) {
  uint32_t token = seccomp_arch_resolve_name(arch.c_str());
  if (token == 0) return std::nullopt;
  return token;
}

std::string arch_from_audit(uint32_t audit_arch, uint64_t nr) {
  if (audit_arch == AUDIT_ARCH_X86_64 && (nr & kX32SyscallBit) != 0) return "x32";
  for (const auto& a : kArches)
    if (a.token == audit_arch) return a.name;
  return "";
}

std::string scmp_arch_name(const std::string& arch) {
  for (const auto& a : kArches)
    if (arch == a.name) return a.scmp;
  return "";
}

std::string arch_from_scmp_name(const std::string& scmp_name) {
  for (const auto& a : kArches)
    if (scmp_name == a.scmp) return a.name;
  return "";
}

std::vector<std::string> compatible_arches(const std::string& native) {
  if (native == "x86_64") return {"x86_64", "x86", "x32"};
  if (native == "aarch64") return {"aarch64", "arm"};
  return {native};
}

bool is_numeric_syscall(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string syscall_name(const std::string& arch, uint64_t nr) {
  auto token = arch_token(arch);
  if (token && nr <= 0x7fffffffULL) {
    std::unique_ptr<char, decltype(&std::free)> name(seccomp_syscall_resolve_num_arch(*token, static_cast<int>(nr)),
                                                     &std::free);
    if (name) return name.get();
  }
  return std::to_string(nr);
}

std::optional<int64_t> syscall_number(const std::string& arch, const std::string& name) {
  if (is_numeric_syscall(name)) {
    if (name.size() > 10) return std::nullopt;
    return std::stoll(name);
  }
  auto token = arch_token(arch);
  if (!token) return std::nullopt;
  int nr = seccomp_syscall_resolve_name_arch(*token, name.c_str());
  if (nr == __NR_SCMP_ERROR || nr < 0) return std::nullopt;
  return nr;
}

}  // namespace profile
