// The one SOCK_SEQPACKET socketpair between the launcher and the processes it
// starts. The launcher sends Go (once to let the supervisor set up, once more
// for release()); children send Ready, Error (errno + a static step text) or the
// workload's Exit. The child end is close-on-exec, so a successful execve shows
// up as nothing at all and EOF means every child is gone.
//
// The child-side functions are async-signal-safe: they run between clone and
// execve, where the launcher's other threads may hold malloc locks.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace profile {

enum class ChannelMsgType : uint32_t { Go = 1, Ready = 2, Error = 3, Exit = 4 };

struct ChannelMsg {
  ChannelMsgType type;
  int32_t err;          // Error: the errno
  int32_t wait_status;  // Exit: the workload's wait status
  char step[116];       // Error: what failed, e.g. "mount(\"proc\", \"/proc\")"
};

// After seccomp is loaded, send(2) and even _exit may be denied by the filter,
// so a failed execve is also written here: a page of memory shared with the
// launcher (MAP_SHARED, mapped before clone), read when the channel is silent.
struct SharedFailure {
  uint32_t set;  // 1 once written
  int32_t err;
  char step[116];
};
// Child side; `f` may be null.
void shared_failure_record(SharedFailure* f, const char* step, int err) noexcept;

// Child side.
void channel_send(int fd, ChannelMsgType type, int err, int wait_status, const char* step) noexcept;
// Blocks until Go arrives; false on EOF (the launcher died) or error.
bool channel_wait_go(int fd) noexcept;
// Sends Error{step, err} and exits with kLauncherFailure.
[[noreturn]] void channel_fail(int fd, const char* step, int err) noexcept;

// Launcher side.
Status channel_send_go(int fd);
// Reads one message; `block` false uses MSG_DONTWAIT. Returns false at EOF or
// when nothing is pending.
Result<bool> channel_receive(int fd, ChannelMsg& msg, bool block);
// "step: ERRNO" for an Error message.
Error channel_error(const ChannelMsg& msg);
// The same for a SharedFailure: true and *out set when a child wrote it.
bool shared_failure_error(const SharedFailure* f, Error& out);

}  // namespace profile
