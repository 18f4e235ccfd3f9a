// Runs one program of the SELinux toolchain (make, checkmodule, semodule_package,
// semodule, restorecon): the one place under profilegen/ that starts a process.
// fork + execvp with stdin from /dev/null and stdout+stderr captured in an
// unlinked temporary file, so a tool that prints a lot never blocks on a pipe.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

// Runs argv (PATH lookup) in `cwd`, stdout+stderr captured. Error on a non-zero exit
// names the command and quotes the last lines of its output.
Result<std::string> run_selinux_tool(const std::vector<std::string>& argv, const std::string& cwd);

}  // namespace profile
