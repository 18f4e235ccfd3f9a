// The eBPF tracer's syscall tables and decoding, kept apart from the BPF
// loading so that they can be tested without root.
//
// The kernel side knows syscalls only by (arch, number) and argument positions;
// which syscall takes which path, flags or sockaddr is decided here, from the
// libseccomp names of each architecture, and handed to the kernel as one
// pl_sys_spec per (arch, number). The kernel's keys come back here to be turned
// into the recording's vocabulary (access kinds, outcomes, endpoints).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/policy.h"
#include "common/recording.h"
#include "common/syscall_semantics.h"
#include "tracer/ebpf/learn_events.h"

namespace profile::ebpf {

// The recording's architecture name for a PL_ARCH_* index.
const char* arch_name(uint32_t arch);
// The number libseccomp uses for (arch, nr as the kernel side stores it): x32
// numbers get their x32 bit back.
uint64_t seccomp_nr(uint32_t arch, uint64_t nr);

struct SpecEntry {
  uint32_t index;  // arch * PL_MAX_NR + nr
  pl_sys_spec spec;
};
// Every syscall on x86_64, x86 and x32 that takes a path, has arguments selected
// by `args`, or takes a sockaddr.
std::vector<SpecEntry> build_specs(const ArgPolicy& args);

// The argument rule of `args` for a syscall name, as the kernel side applies it.
struct ArgLayout {
  std::vector<unsigned> indices;
  std::vector<uint64_t> masks;
};
std::optional<ArgLayout> arg_layout(const ArgPolicy& args, const std::string& syscall);

// Symlink rule of a path argument (common/syscall_semantics.h).
using Follow = FollowRule;

// Access kinds of one path argument of `syscall`: `slot` 0 or 1, raw `flags`
// argument, `existed` whether the file was there before the call.
std::vector<Access> access_kinds(const std::string& syscall, unsigned slot, uint64_t flags, bool existed);
// Whether the call creates a regular file when it is missing (open O_CREAT, creat).
bool creates(const std::string& syscall, uint64_t flags);
// Whether the kernel follows a final symlink in this path argument.
bool follows(const std::string& syscall, unsigned slot, uint64_t flags);
// False for an empty or NULL path that names nothing (the call fails ENOENT or
// EFAULT); true for AT_EMPTY_PATH and utimensat(fd, NULL), which name the fd.
bool names_a_file(const std::string& syscall, uint64_t flags, bool path_empty, bool path_null);
// Type of what a successful call made when the name was new ("file", "dir", ...).
std::string created_type(const std::string& syscall, uint64_t flags);

// "ok" or the errno name of a negative return value.
Outcome outcome_of(int64_t err);

// `base` (absolute, may be empty) joined with `path`, then "." and ".." and
// repeated slashes removed lexically: what the kernel resolved when no
// component was a symlink.
std::string absolute_path(const std::string& base, const std::string& path);

// The endpoint of a pl_net_key; nullopt when the address is not one the
// recording describes (too short, unknown layout).
std::optional<NetEndpoint> endpoint_of(const pl_net_key& key, const std::string& syscall);

}  // namespace profile::ebpf
