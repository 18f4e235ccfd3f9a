// The ELF interpreter (PT_INTERP, the dynamic loader) of an executable. The
// kernel maps it during execve without a call of the workload's, so neither
// tracer sees it opened; on the host it lies below a directory the profile
// grants anyway (/usr/lib), in an image it may not (/lib64, Alpine's /lib).
#pragma once

#include <optional>
#include <string>

#include "common/recording.h"

namespace profile {

// The PT_INTERP path of the ELF file at `host_path`; nullopt for a static
// executable, a script or anything unreadable.
std::optional<std::string> elf_interpreter(const std::string& host_path);

// For each executable of `rec` (paths inside the root filesystem `root`),
// records an exec of its interpreter, as the kernel made it.
void add_elf_interpreters(Recording& rec, const std::string& root);

}  // namespace profile
