#include "tracer/ptrace/tracee_memory.h"

#include <sys/uio.h>

#include <cstring>

namespace profile::ptrace {
namespace {
constexpr uint64_t kPage = 4096;
}

bool read_tracee(pid_t tid, uint64_t addr, void* out, size_t len) {
  if (addr == 0) return false;
  iovec local{out, len};
  iovec remote{reinterpret_cast<void*>(addr), len};  // NOLINT(performance-no-int-to-ptr)
  return ::process_vm_readv(tid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

bool read_tracee_string(pid_t tid, uint64_t addr, std::string& out, size_t max) {
  out.clear();
  if (addr == 0) return false;
  char buf[kPage];
  while (out.size() < max) {
    // Never cross a page boundary in one read: the next page may be unmapped.
    size_t chunk = kPage - (addr % kPage);
    if (chunk > max - out.size()) chunk = max - out.size();
    iovec local{buf, chunk};
    iovec remote{reinterpret_cast<void*>(addr), chunk};  // NOLINT(performance-no-int-to-ptr)
    ssize_t n = ::process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n <= 0) return false;
    const void* nul = std::memchr(buf, '\0', static_cast<size_t>(n));
    if (nul != nullptr) {
      out.append(buf, static_cast<const char*>(nul) - buf);
      return true;
    }
    out.append(buf, static_cast<size_t>(n));
    addr += static_cast<uint64_t>(n);
  }
  return false;
}

}  // namespace profile::ptrace
