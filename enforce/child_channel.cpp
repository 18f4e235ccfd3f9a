#include "enforce/child_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "enforce/launcher.h"

namespace profile {

void channel_send(int fd, ChannelMsgType type, int err, int wait_status, const char* step) noexcept {
  ChannelMsg msg{};
  msg.type = type;
  msg.err = err;
  msg.wait_status = wait_status;
  if (step != nullptr) {
    size_t i = 0;
    for (; step[i] != '\0' && i + 1 < sizeof msg.step; ++i) msg.step[i] = step[i];
    msg.step[i] = '\0';
  }
  while (::send(fd, &msg, sizeof msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

bool channel_wait_go(int fd) noexcept {
  ChannelMsg msg{};
  while (true) {
    ssize_t n = ::recv(fd, &msg, sizeof msg, 0);
    if (n < 0 && errno == EINTR) continue;
    return n == static_cast<ssize_t>(sizeof msg) && msg.type == ChannelMsgType::Go;
  }
}

void shared_failure_record(SharedFailure* f, const char* step, int err) noexcept {
  if (f == nullptr) return;
  size_t i = 0;
  for (; step != nullptr && step[i] != '\0' && i + 1 < sizeof f->step; ++i) f->step[i] = step[i];
  f->step[i] = '\0';
  f->err = err;
  __atomic_store_n(&f->set, 1u, __ATOMIC_RELEASE);
}

bool shared_failure_error(const SharedFailure* f, Error& out) {
  if (f == nullptr || __atomic_load_n(&f->set, __ATOMIC_ACQUIRE) != 1) return false;
  ChannelMsg msg{};
  msg.type = ChannelMsgType::Error;
  msg.err = f->err;
  static_assert(sizeof msg.step == sizeof f->step);
  std::memcpy(msg.step, f->step, sizeof msg.step);
  msg.step[sizeof msg.step - 1] = '\0';
  out = channel_error(msg);
  return true;
}

void channel_fail(int fd, const char* step, int err) noexcept {
  channel_send(fd, ChannelMsgType::Error, err, 0, step);
  ::_exit(kLauncherFailure);
}

Status channel_send_go(int fd) {
  ChannelMsg msg{};
  msg.type = ChannelMsgType::Go;
  while (::send(fd, &msg, sizeof msg, MSG_NOSIGNAL) < 0) {
    if (errno == EINTR) continue;
    return Errno().error("send(Go) to the container's first process");
  }
  return {};
}

Result<bool> channel_receive(int fd, ChannelMsg& msg, bool block) {
  while (true) {
    std::memset(&msg, 0, sizeof msg);
    ssize_t n = ::recv(fd, &msg, sizeof msg, block ? 0 : MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNRESET) return false;
      return Errno().error("recv from the container's processes");
    }
    if (n == 0) return false;
    if (n != static_cast<ssize_t>(sizeof msg)) return make_error("short message from the container's processes");
    msg.step[sizeof msg.step - 1] = '\0';
    return true;
  }
}

Error channel_error(const ChannelMsg& msg) {
  Error e = sys_error(msg.step, msg.err);
  // The workload's own execve failing is the command not running (as a shell
  // reports it: 126 when it may not be executed, e.g. refused by Landlock or
  // seccomp; 127 when it is not there), not a launcher failure.
  if (std::strcmp(msg.step, "execve") == 0) {
    if (msg.err == EACCES || msg.err == EPERM || msg.err == ENOEXEC) e.kind = ErrorKind::NotExecutable;
    if (msg.err == ENOENT || msg.err == ENOTDIR) e.kind = ErrorKind::NotFound;
  }
  return e;
}

}  // namespace profile
