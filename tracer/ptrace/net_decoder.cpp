#include "tracer/ptrace/net_decoder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "common/fd.h"

namespace profile::ptrace {
namespace {

// A pidfd for the thread `tid`: without PIDFD_THREAD, pidfd_open accepts only a
// thread-group leader; PIDFD_THREAD (Linux 6.9) names any thread. On an older
// kernel a socket call made by another thread gets no pidfd, so the socket's
// own name and type are not read for it.
Fd open_pidfd(pid_t tid) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, tid, 0));
  if (fd >= 0) return Fd(fd);
  constexpr unsigned kPidfdThread = O_EXCL;
  return Fd(static_cast<int>(::syscall(SYS_pidfd_open, tid, kPidfdThread)));
}

Fd dup_tracee_fd(pid_t tid, int fd) {
  Fd pidfd = open_pidfd(tid);
  if (!pidfd) return Fd();
  return Fd(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
}

}  // namespace

bool decode_sockaddr(const void* addr, size_t len, NetEndpoint& ep) {
  sa_family_t family = 0;
  if (len < sizeof family) return false;
  std::memcpy(&family, addr, sizeof family);
  ep.family = socket_family_name(family);
  ep.address.clear();
  ep.path.clear();
  ep.port = 0;
  char text[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, addr, sizeof in);
    ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    ep.address = text;
    ep.port = ntohs(in.sin_port);
  } else if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr, sizeof in6);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    ep.address = text;
    ep.port = ntohs(in6.sin6_port);
  } else if (family == AF_UNIX) {
    const char* base = static_cast<const char*>(addr) + offsetof(sockaddr_un, sun_path);
    size_t n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
    if (n > sizeof(sockaddr_un::sun_path)) n = sizeof(sockaddr_un::sun_path);
    if (n > 0 && base[0] == '\0') {
      // Abstract: the name is every byte of the given length, NULs included.
      ep.path = "@" + std::string(base + 1, n - 1);
    } else if (n > 0) {
      ep.path.assign(base, strnlen(base, n));
    }
  }
  return true;
}

bool tracee_socket_info(pid_t tid, int fd, int& family, int& type) {
  Fd sock = dup_tracee_fd(tid, fd);
  if (!sock) return false;
  socklen_t len = sizeof family;
  if (::getsockopt(sock.get(), SOL_SOCKET, SO_DOMAIN, &family, &len) != 0) return false;
  len = sizeof type;
  if (::getsockopt(sock.get(), SOL_SOCKET, SO_TYPE, &type, &len) != 0) return false;
  return true;
}

bool tracee_socket_name(pid_t tid, int fd, NetEndpoint& ep) {
  Fd sock = dup_tracee_fd(tid, fd);
  if (!sock) return false;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  int type = 0;
  socklen_t tlen = sizeof type;
  if (::getsockopt(sock.get(), SOL_SOCKET, SO_TYPE, &type, &tlen) == 0) ep.type = socket_type_name(type);
  return decode_sockaddr(&ss, len, ep);
}

}  // namespace profile::ptrace
