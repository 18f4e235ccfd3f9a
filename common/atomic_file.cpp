#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/fd.h"

namespace profile {
namespace {

// Writes everything, sets the mode and fsyncs; `tmp` names the file in errors.
Status fill(int fd, const std::string& content, unsigned mode, const std::string& tmp) {
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno().error("write(\"" + tmp + "\")");
    }
    off += static_cast<size_t>(n);
  }
  if (::fchmod(fd, mode) != 0) return Errno().error("fchmod(\"" + tmp + "\")");
  if (::fsync(fd) != 0) return Errno().error("fsync(\"" + tmp + "\")");
  return {};
}

}  // namespace

Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode) {
  std::string dir = ".";
  if (auto slash = path.rfind('/'); slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
  std::string tmp = path + ".tmp-XXXXXX";
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) return Errno().error("mkostemp(\"" + tmp + "\")");
  auto fail = [&](const std::string& call) {
    int err = errno;
    ::unlink(tmp.c_str());
    return sys_error(call, err);
  };
  if (auto st = fill(fd.get(), content, mode, tmp); !st) {
    ::unlink(tmp.c_str());
    return st;
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename(\"" + tmp + "\", \"" + path + "\")");
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  // The rename is done; an fsync failure on the directory only weakens durability
  // across a power loss, so it is not reported as a failed write.
  if (dfd) (void)::fsync(dfd.get());
  return {};
}

Status write_file_atomic_at(int dirfd, const std::string& name, const std::string& content, unsigned mode) {
  std::string tmp = name + ".tmp-" + std::to_string(::getpid());
  Fd fd(::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return Errno().error("openat(\"" + tmp + "\", O_CREAT|O_EXCL)");
  auto st = fill(fd.get(), content, mode, tmp);
  fd.reset();
  if (st && ::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0)
    st = Errno().error("renameat(\"" + tmp + "\", \"" + name + "\")");
  if (!st) {
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return st;
  }
  (void)::fsync(dirfd);  // as above: durability only
  return {};
}

Result<std::string> read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Errno().error("open(\"" + path + "\")");
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno().error("read(\"" + path + "\")");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace profile
