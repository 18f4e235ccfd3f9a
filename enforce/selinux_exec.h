// The SELinux step of `profile enforce`: run the workload in <name>_t.
//
// Parent (before spawning): prepare_selinux_exec_from_parent() decides. When SELinux
// is enabled and the loaded policy knows <name>_t (the module is installed, see
// `profile selinux-install`), it returns the exec context: the launcher's own context
// with the type replaced ("unconfined_u:unconfined_r:<name>_t:s0-s0:c0.c1023").
// Otherwise it returns "" and a notice to print (once per process), or, when the
// manifest demands SELinux (selinux_required), an Error: never run less confined than asked.
//
// Child (between clone and exec): apply_selinux_exec_in_child() does what libselinux's
// setexeccon() does (write the context to /proc/thread-self/attr/exec), without its
// allocation (setexeccon builds the path with asprintf), so it is safe after fork.
#pragma once

#include <string>

#include "common/result.h"

namespace profile {

struct SelinuxExecPlan {
  std::string context;  // "" = no SELinux step
  std::string notice;   // plain sentence for the user when SELinux is skipped; "" when none
};

// `name`: workload name; `module`: the manifest's selinux_module ("" = none);
// `required`: the manifest's selinux_required.
Result<SelinuxExecPlan> prepare_selinux_exec_from_parent(const std::string& name, const std::string& module,
                                                         bool required);

// Async-signal-safe. Returns 0 or an errno value; *step names what failed.
int apply_selinux_exec_in_child(const char* context, const char** step) noexcept;

}  // namespace profile
