// A per-user cache of compiled seccomp programs, so that `profile enforce` does
// not spend libseccomp's few milliseconds on every launch of the same bundle.
//
// An entry holds everything the compile depended on (the build-id of this
// profile binary, the JSON file's path and text, the capabilities, the kernel
// release for minKernel, the native architecture, libseccomp's version, and
// whether denials notify the denial report) next to the program and its
// warnings. A hit needs all of it to be byte-for-byte equal, so an entry can only ever stand for the exact
// compile it came from: the file name (a hash) is an index, not a proof.
// Entries live in the per-user cache of common/user_cache.h (kind "seccomp":
// /var/cache/profile/seccomp for root), trusted only when the user owns them
// and nobody else may write them. Any unreadable or corrupt entry is a miss.
#pragma once

#include <string>

#include "common/result.h"
#include "enforce/seccomp_filter.h"

namespace profile {

struct SeccompCacheStats {
  bool hit = false;     // served from the cache
  bool stored = false;  // compiled and written to the cache
};

// compile_seccomp_file through the cache. Errors are the compile's own (a
// cache that cannot be read or written only costs the compile).
Result<PreparedSeccomp> compile_seccomp_file_cached(const std::string& path, const SeccompCompileOptions& opts = {},
                                                    SeccompCacheStats* stats = nullptr);

// The same for a file's text the caller has already read (and checked), e.g.
// through BundleDir; `path` names it in errors and in the cache key.
Result<PreparedSeccomp> compile_seccomp_text_cached(const std::string& path, const std::string& text,
                                                    const SeccompCompileOptions& opts = {},
                                                    SeccompCacheStats* stats = nullptr);

// The directory used, "" when the cache is off.
std::string seccomp_cache_dir();

}  // namespace profile
