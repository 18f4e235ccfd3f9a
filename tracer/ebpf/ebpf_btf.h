// The kernel's type information (BTF) narrowed to what the eBPF tracer's CO-RE
// relocations read, cached per user and kernel.
//
// libbpf relocates field offsets against the running kernel's BTF: parsing the
// whole of /sys/kernel/btf/vmlinux (5 MB, 120,000+ types) and searching it for
// each struct the program names costs ~40 ms of every `profile learn`, more than
// all the rest of the tracer's start-up. The structs the program uses, copied
// with every member at its offset (pointers as void*, embedded structs and
// arrays as they are), relocate identically from a few KB. They are built once
// per kernel from the full BTF and kept in the per-user cache (kind "btf"),
// keyed on this build of profile and the kernel's build-id.
#pragma once

#include <string>

#include "common/fd.h"
#include "common/result.h"

struct btf;

namespace profile::ebpf {

// Raw BTF holding every named struct and union of `local` (the BPF object's
// own BTF) as `vmlinux` defines it; an error when one the object needs to read
// cannot be copied.
Result<std::string> minimal_btf(const btf* local, const btf* vmlinux);

// The kernel's identity for the cache: its GNU build-id (/sys/kernel/notes),
// release, version and BTF size. "" when it cannot be told (no cache then).
std::string kernel_identity();

// A memfd holding the minimal BTF for this kernel, from the cache when an
// entry for exactly this build and kernel is there, else built from
// /sys/kernel/btf/vmlinux with `local` and stored. An empty Fd when neither
// works: the caller then lets libbpf use the full BTF.
// `local` may be null on a cache hit; `built` tells whether it was built now.
Fd kernel_btf_subset(const btf* local, bool* built = nullptr);

}  // namespace profile::ebpf
