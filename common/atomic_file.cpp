#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/fd.h"

namespace profile {

Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode) {
  std::string dir = ".";
  if (auto slash = path.rfind('/'); slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
  std::string tmp = path + ".tmp-XXXXXX";
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) return sys_error("mkostemp(\"" + tmp + "\")");
  auto fail = [&](const std::string& call) {
    int err = errno;
    ::unlink(tmp.c_str());
    return sys_error(call, err);
  };
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write(\"" + tmp + "\")");
    }
    off += static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), mode) != 0) return fail("fchmod(\"" + tmp + "\")");
  if (::fsync(fd.get()) != 0) return fail("fsync(\"" + tmp + "\")");
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename(\"" + tmp + "\", \"" + path + "\")");
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  // The rename is done; an fsync failure on the directory only weakens durability
  // across a power loss, so it is not reported as a failed write.
  if (dfd) (void)::fsync(dfd.get());
  return {};
}

Result<std::string> read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error("open(\"" + path + "\")");
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("read(\"" + path + "\")");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace profile
