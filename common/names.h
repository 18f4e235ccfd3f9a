// Names the recording uses for kernel constants, shared by both tracers.
#pragma once

#include <string>

namespace profile {

// "file", "dir", "symlink", "chr", "blk", "fifo", "sock"; "" for anything else.
const char* file_type_name(unsigned mode);
// "AF_INET", "AF_UNIX", ...; "AF_42" for a family without a name here.
std::string socket_family_name(int family);
// "SOCK_STREAM", ...; SOCK_NONBLOCK/SOCK_CLOEXEC ignored; "" for 0.
std::string socket_type_name(int type);
// How users name an architecture of the recording: libseccomp's "x86" is "i386";
// others keep their name ("x86_64", "x32", "aarch64").
std::string arch_display_name(const std::string& arch);

}  // namespace profile
