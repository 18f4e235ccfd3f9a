#include "common/names.h"

#include <sys/socket.h>
#include <sys/stat.h>

namespace profile {

const char* file_type_name(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "file";
    case S_IFDIR:
      return "dir";
    case S_IFLNK:
      return "symlink";
    case S_IFCHR:
      return "chr";
    case S_IFBLK:
      return "blk";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "sock";
    default:
      return "";
  }
}

std::string socket_family_name(int family) {
  switch (family) {
    case AF_UNIX:
      return "AF_UNIX";
    case AF_INET:
      return "AF_INET";
    case AF_INET6:
      return "AF_INET6";
    case AF_NETLINK:
      return "AF_NETLINK";
    case AF_PACKET:
      return "AF_PACKET";
    case AF_UNSPEC:
      return "AF_UNSPEC";
    case AF_ALG:
      return "AF_ALG";
    case AF_VSOCK:
      return "AF_VSOCK";
    case AF_BLUETOOTH:
      return "AF_BLUETOOTH";
    case AF_CAN:
      return "AF_CAN";
    case AF_XDP:
      return "AF_XDP";
    default:
      return "AF_" + std::to_string(family);
  }
}

std::string socket_type_name(int type) {
  switch (type & 0xf) {
    case SOCK_STREAM:
      return "SOCK_STREAM";
    case SOCK_DGRAM:
      return "SOCK_DGRAM";
    case SOCK_RAW:
      return "SOCK_RAW";
    case SOCK_RDM:
      return "SOCK_RDM";
    case SOCK_SEQPACKET:
      return "SOCK_SEQPACKET";
    case SOCK_PACKET:
      return "SOCK_PACKET";
    default:
      return type == 0 ? "" : "SOCK_" + std::to_string(type & 0xf);
  }
}

}  // namespace profile
