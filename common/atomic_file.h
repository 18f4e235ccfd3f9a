// Atomic file writes: a reader (or a crash) sees the old content or the new
// content, never a mix. Writes a temporary file in the same directory, fsyncs it,
// renames it over the target and fsyncs the directory.
#pragma once

#include <string>

#include "common/result.h"

namespace profile {

Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0644);
// The same below an open directory, for a directory checked through its fd
// (nothing swapped in under its path meanwhile receives the file); `name` is a
// plain file name.
Status write_file_atomic_at(int dirfd, const std::string& name, const std::string& content, unsigned mode = 0644);

// Reads a whole file; the error names the path.
Result<std::string> read_file(const std::string& path);

}  // namespace profile
