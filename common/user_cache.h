// A per-user cache of derived data: compiled seccomp programs (enforce), the
// kernel-type subset the eBPF tracer relocates against (tracer/ebpf). Each
// kind has its own subdirectory; an entry stores every input it was made from
// and is used only when those are byte-for-byte what the caller has now.
// Entries are trusted like the user's own files: the directory and the entry
// must belong to the effective user and be writable by nobody else, else they
// are ignored (and never written into). Deleting the cache is always safe.
//
// Where: $PROFILE_CACHE_DIR/<kind> if set ("none" turns every cache off),
// else /var/cache/profile/<kind> for root, else $XDG_CACHE_HOME/profile/<kind>
// or ~/.cache/profile/<kind>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"

namespace profile::user_cache {

// The directory of `kind` ("seccomp", "btf"); "" when caching is off.
std::string dir(const std::string& kind);

// The GNU build-id of the running executable: another build may derive the
// same inputs differently. "" when the linker made none (do not cache then).
std::string build_id();

// Length-prefixed appends, so that no two input lists encode the same.
void put_u32(std::string& out, uint32_t v);
void put_bytes(std::string& out, const std::string& s);

// A file name for an entry: a hash of `inputs` (an index, not a proof: the
// entry itself must hold the inputs) with `ext`.
std::string entry_name(const std::string& inputs, const char* ext);

// The entry's content, when it and `dir` are trusted; nullopt otherwise.
std::optional<std::string> read(const std::string& dir, const std::string& name);

// Writes the entry (mode 0600, atomically, through the checked directory's
// fd), creating the directory (0700) when missing.
Status write(const std::string& dir, const std::string& name, const std::string& content);

}  // namespace profile::user_cache
