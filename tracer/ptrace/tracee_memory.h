// Reading a stopped tracee's memory with process_vm_readv (one syscall per read,
// no PTRACE_PEEKDATA word loops). Strings are read page by page so that a string
// ending just before an unmapped page is still read whole.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace profile::ptrace {

// Copies `len` bytes at `addr` of `tid` into `out`; false when any byte is unreadable.
bool read_tracee(pid_t tid, uint64_t addr, void* out, size_t len);

// Reads the NUL-terminated string at `addr` into `out` (reusing its capacity),
// at most `max` bytes; false when unreadable, unterminated within `max`, or addr is 0.
bool read_tracee_string(pid_t tid, uint64_t addr, std::string& out, size_t max = 4096);

}  // namespace profile::ptrace
