// Signal forwarding from the launcher to the container's first process.
#include "enforce/signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "enforce/launcher.h"

namespace profile {
namespace {

std::atomic<pid_t> g_target{-1};
// When the target shares our process group, the terminal already delivered its
// own signals (Ctrl-C, window size) to it: forwarding them would double them.
std::atomic<bool> g_skip_terminal{false};
struct sigaction g_saved[kForwardedSignalCount];
bool g_installed = false;
// The process-wide pipe of termination_signal_fd(): created once, never closed,
// so that the handler can never write into a descriptor reused for something else.
std::atomic<int> g_notify_read{-1}, g_notify_write{-1};

bool is_termination(int sig) {
  return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

void forward_handler(int sig, siginfo_t* info, void* /*ucontext*/) {
  pid_t target = g_target.load(std::memory_order_relaxed);
  if (target <= 0) return;
  if (int fd = g_notify_write.load(std::memory_order_relaxed); fd >= 0 && is_termination(sig)) {
    int saved = errno;
    auto byte = static_cast<unsigned char>(sig);
    (void)!::write(fd, &byte, 1);  // non-blocking: a full pipe already says enough
    errno = saved;
  }
  // Terminal-generated signals arrive with SI_KERNEL (sent via kill_pgrp).
  if (g_skip_terminal.load(std::memory_order_relaxed) && info != nullptr && info->si_code == SI_KERNEL) return;
  int saved = errno;
  ::kill(target, sig);
  errno = saved;
}

}  // namespace

int termination_signal_fd() {
  static const int fd = [] {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    g_notify_write.store(p[1]);
    g_notify_read.store(p[0]);
    return p[0];
  }();
  return fd;
}

void forward_signals_to(pid_t pid) {
  if (pid <= 0) {
    g_target.store(-1);
    if (g_installed) {
      for (int i = 0; i < kForwardedSignalCount; ++i) ::sigaction(kForwardedSignals[i], &g_saved[i], nullptr);
      g_installed = false;
    }
    return;
  }
  // What was said about an earlier container is not about this one.
  if (int fd = termination_signal_fd(); fd >= 0) {
    unsigned char buf[64];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
  }
  g_skip_terminal.store(::getpgid(pid) == ::getpgrp());
  g_target.store(pid);
  if (g_installed) return;
  struct sigaction sa {};
  sa.sa_sigaction = &forward_handler;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < kForwardedSignalCount; ++i) ::sigaction(kForwardedSignals[i], &sa, &g_saved[i]);
  g_installed = true;
}

}  // namespace profile
