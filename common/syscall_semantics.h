// What a syscall's arguments mean to a tracer, by syscall name: which argument is
// a path and relative to which dirfd, which holds the flags or the mode, whether
// the final symlink is followed, which is a socket and its sockaddr, and what
// kind of access the call is. One table for both tracers (tracer/ptrace builds
// its per-number decoder from it, tracer/ebpf the specs it hands the kernel), so
// that they cannot disagree about a call that no sample workload happens to make.
//
// Names are libseccomp's; one entry covers every x86 architecture that has the
// name (the i386 variants …64, …32 are entries of their own with the same
// layout). Argument positions are 0-based; -1 means none.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/recording.h"

namespace profile {

enum class SyscallEffect : uint8_t {
  Open,         // open/openat: the flags argument decides the access kinds
  Openat2,      // the flags are the first field of struct open_how
  Creat,        // open(O_CREAT|O_WRONLY|O_TRUNC)
  Exec,         // execve/execveat
  Path,         // one path (or, with no path argument, the file of a descriptor): `kind`
  Path2,        // two paths (rename, link): `kind` for the first, `kind2` for the second
  Symlink,      // only the new name is a path; the target is text
  Net,          // a socket call: `fd`, and `addr`/`addrlen` when it passes a sockaddr
  Mmap,         // a PROT_EXEC mapping executes the mapped file
  FsChange,     // pivot_root/setns/unshare/mount: the root, mounts or ids change
  Creds,        // setuid family, capset: the thread's privileges change
  Confine,      // seccomp, landlock_restrict_self, prctl: the workload confines itself
  Descriptors,  // close, dup2, dup3...: the descriptor table changes
};

// When the kernel follows the final symlink of a path argument.
enum class FollowRule : uint8_t {
  Yes,         // always
  No,          // never (lstat, unlink, mkdir, rename...)
  AtNofollow,  // unless AT_SYMLINK_NOFOLLOW is in the flags argument
  AtFollow,    // only with AT_SYMLINK_FOLLOW (linkat, name_to_handle_at)
  Inotify,     // unless IN_DONT_FOLLOW is in the mask
};

struct SyscallPathArg {
  int8_t dirfd = -1;  // argument of the dirfd; -1 = relative to the cwd
  int8_t path = -1;   // argument of the path; -1 = none (the file of `dirfd`)
};

struct SyscallSemantics {
  const char* name = "";
  SyscallEffect effect = SyscallEffect::Path;
  Access kind = Access::Stat;   // Path, Symlink, Exec: the access; Path2: the first path's
  Access kind2 = Access::Stat;  // Path2: the second path's
  SyscallPathArg a;
  SyscallPathArg b;   // Path2 only
  int8_t flags = -1;  // AT_* / open flags / inotify mask
  FollowRule follow = FollowRule::Yes;
  const char* created_type = "";  // type of what a successful create makes ("file", "dir", ...)
  int8_t mode = -1;               // mknod: the mode, whose S_IFMT bits say what is made
  bool null_path_is_fd = false;   // utimensat(fd, NULL, ...) names the descriptor's file
  // A read-only probe whose outcome a privileged tracer can tell from the path
  // lookup alone (stat family, access, readlink, chdir, statfs).
  bool probe = false;
  int8_t access_mode = -1;  // access/faccessat: the mode (F_OK, R_OK, ...)
  int8_t fd = -1;           // Net: the socket; Descriptors: the one descriptor closed or replaced
  int8_t addr = -1;         // Net: the sockaddr; -1 = the socket's own address (listen, accept)
  int8_t addrlen = -1;      // Net: its length
  const char* net_op = "";  // Net: the recording's op ("bind", "connect", "sendto", "listen", "accept")
};

// Every syscall a tracer decodes beyond counting it, in a fixed order.
const std::vector<SyscallSemantics>& syscall_semantics();
// The entry for `name`, or null (the call is only counted).
const SyscallSemantics* find_syscall_semantics(std::string_view name);

}  // namespace profile
