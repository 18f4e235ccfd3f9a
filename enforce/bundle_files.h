// Reading a profile bundle for `profile enforce` so that what is enforced is what
// the bundle's owner wrote. As sshd's StrictModes does for authorized_keys, the
// bundle directory and every file read from it must be owned by the caller's
// effective uid or by root, and writable by nobody else (no group or other write
// bit): anyone who can change seccomp.json, landlock.json or profile.toml can
// make the next run unconfined. The checks are made on the descriptors that are
// then read (openat relative to the directory's fd, O_NOFOLLOW on every
// component, fstat of the fd), so renaming or swapping a file between the check
// and the read cannot slip another one in.
//
// Errors are one sentence with ErrorKind::BadInput (exit status 2).
// Needs: nothing beyond read access to the bundle.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/fd.h"
#include "common/result.h"

namespace profile {

class BundleDir {
 public:
  // Opens `dir` (a symbolic link to it is followed: the user named it) and
  // checks the directory's owner and mode.
  static Result<BundleDir> open(const std::string& dir);

  // Reads `relative` ("seccomp.json", "selinux/web.pp"): every component is
  // opened with O_NOFOLLOW below the bundle's fd, directories on the way and the
  // file itself are checked, then the file is read from the checked fd.
  [[nodiscard]] Result<std::string> read(const std::string& relative) const;
  // The same checks without reading; a file that does not exist is fine.
  [[nodiscard]] Status check_if_present(const std::string& relative) const;

  [[nodiscard]] const std::string& name() const { return name_; }  // as the user gave it
  // Where the directory really is (resolved through its fd), for the
  // read-only bind mount and the Landlock check.
  [[nodiscard]] const std::string& real_path() const { return real_; }
  [[nodiscard]] dev_t dev() const { return dev_; }
  [[nodiscard]] ino_t ino() const { return ino_; }

 private:
  Result<Fd> open_checked(const std::string& relative, bool missing_ok) const;

  Fd fd_;
  std::string name_, real_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace profile
