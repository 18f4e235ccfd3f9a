// The signals the launcher and the supervisor pass on to the workload.
#pragma once

#include <signal.h>

namespace profile {

inline constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
inline constexpr int kForwardedSignalCount = sizeof(kForwardedSignals) / sizeof(kForwardedSignals[0]);

}  // namespace profile
