// Network address decoding for the ptrace tracer: socket families and types by
// name, sockaddr (AF_INET, AF_INET6, AF_UNIX path and abstract "@name") into a
// NetEndpoint, and the family/type of a tracee's socket descriptor.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/names.h"
#include "common/recording.h"

namespace profile::ptrace {

using profile::socket_family_name;  // common/names.h
using profile::socket_type_name;

// Fills family, address, port and path of `ep` from a sockaddr of `len` bytes.
// False when it is too short to hold a family.
bool decode_sockaddr(const void* addr, size_t len, NetEndpoint& ep);

// The family and type of descriptor `fd` of thread `tid`, by duplicating it
// (pidfd_getfd) and asking the socket itself, so that dup'ed, inherited and
// passed sockets are all known. False when it is not a socket or cannot be had.
bool tracee_socket_info(pid_t tid, int fd, int& family, int& type);

// The local address a tracee's socket is bound to (for listen/accept).
bool tracee_socket_name(pid_t tid, int fd, NetEndpoint& ep);

}  // namespace profile::ptrace
