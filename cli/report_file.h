// `--report FILE` of learn and enforce: the machine-readable result goes to a file
// of its own, so that the workload's stdout stays the workload's (`--json` prints
// it on the same stdout the workload writes to).
#pragma once

#include <string>

#include "common/result.h"

namespace profile::cli {

// Checks FILE before the workload runs, so that a long run is never lost to a bad
// report path at the end: "-" and a file that is also our stdout or stderr are
// refused (the report would share the workload's stream), and FILE's directory
// (or FILE itself, when it is a pipe or a device) must be writable.
Status check_report_path(const std::string& path);

// Writes the report: a regular file (or a new one) atomically, through a symbolic
// link to its target; a pipe or a device (`/dev/fd/3`, a process substitution) as
// it is, since a rename cannot replace those.
Status write_report(const std::string& path, const std::string& content);

}  // namespace profile::cli
