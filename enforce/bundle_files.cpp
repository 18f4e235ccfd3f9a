#include "enforce/bundle_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace profile {
namespace {

Error refuse(const std::string& bundle, const std::string& what) {
  return Error{"refusing the bundle " + bundle + ": " + what, 0, ErrorKind::BadInput};
}

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// The StrictModes rule for one object of the bundle (`shown` names it).
Status check_stat(const std::string& bundle, const std::string& shown, const struct stat& st) {
  uid_t me = ::geteuid();
  if (st.st_uid != me && st.st_uid != 0) {
    return refuse(bundle, shown + " is owned by uid " + std::to_string(st.st_uid) + ", neither you (uid " +
                              std::to_string(me) +
                              ") nor root, and whoever can change a bundle decides how confined the next run is");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    const char* who = (st.st_mode & S_IWOTH) != 0 ? "other users" : "its group";
    return refuse(bundle, shown + " is writable by " + who + " (mode " + octal_mode(st.st_mode) +
                              "), and whoever can change a bundle decides how confined the next run is (chmod go-w " +
                              shown + ")");
  }
  return {};
}

}  // namespace

Result<BundleDir> BundleDir::open(const std::string& dir) {
  BundleDir b;
  b.name_ = dir;
  b.fd_ = Fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!b.fd_) {
    int err = errno;
    return Error{"cannot open the bundle " + dir + ": " + errno_name(err), err, ErrorKind::BadInput};
  }
  struct stat st {};
  if (::fstat(b.fd_.get(), &st) != 0) return Errno().error("fstat(\"" + dir + "\")");
  if (auto ok = check_stat(dir, dir, st); !ok) return ok.error();
  b.dev_ = st.st_dev;
  b.ino_ = st.st_ino;
  char buf[4096];
  std::string link = "/proc/self/fd/" + std::to_string(b.fd_.get());
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n <= 0 || buf[0] != '/') return Errno().error("readlink(\"" + link + "\") (where the bundle " + dir + " is)");
  b.real_.assign(buf, static_cast<size_t>(n));
  return b;
}

Result<Fd> BundleDir::open_checked(const std::string& relative, bool missing_ok) const {
  auto outside = [&] {
    return refuse(name_,
                  "profile.toml names the artifact \"" + relative + "\", which is not a plain path inside the bundle");
  };
  if (relative.empty() || relative[0] == '/') return outside();
  Fd dir;  // the directory we are in; invalid = the bundle itself
  size_t start = 0;
  while (true) {
    size_t slash = relative.find('/', start);
    bool last = slash == std::string::npos;
    std::string component = relative.substr(start, last ? std::string::npos : slash - start);
    if (component.empty() || component == "." || component == "..") return outside();
    std::string shown = name_ + "/" + relative.substr(0, last ? std::string::npos : slash);
    int at = dir ? dir.get() : fd_.get();
    int flags = O_NOFOLLOW | O_CLOEXEC | (last ? O_RDONLY | O_NONBLOCK : O_RDONLY | O_DIRECTORY);
    Fd next(::openat(at, component.c_str(), flags));
    if (!next) {
      int err = errno;
      if (missing_ok && err == ENOENT) return Fd();
      if (err == ELOOP) return refuse(name_, shown + " is a symbolic link; a bundle holds its files itself");
      return Error{"cannot open " + shown + ": " + errno_name(err), err, ErrorKind::BadInput};
    }
    struct stat st {};
    if (::fstat(next.get(), &st) != 0) return Errno().error("fstat(\"" + shown + "\")");
    if (auto ok = check_stat(name_, shown, st); !ok) return ok.error();
    if (last) {
      if (!S_ISREG(st.st_mode)) return refuse(name_, shown + " is not a regular file");
      // O_NONBLOCK only kept a FIFO from blocking the open; reads are plain.
      (void)::fcntl(next.get(), F_SETFL, 0);
      return next;
    }
    dir = std::move(next);
    start = slash + 1;
  }
}

Result<std::string> BundleDir::read(const std::string& relative) const {
  auto fd = open_checked(relative, false);
  if (!fd) return fd.error();
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno().error("read(\"" + name_ + "/" + relative + "\")");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status BundleDir::check_if_present(const std::string& relative) const {
  auto fd = open_checked(relative, true);
  if (!fd) return fd.error();
  return {};
}

}  // namespace profile
