#include "common/names.h"

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

// socket_family_name and socket_type_name are in arg_names.cpp, with their tables.

std::string arch_display_name(const std::string& arch) {
  return arch == "x86" ? "i386" : arch;
}

}  // namespace profile
