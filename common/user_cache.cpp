#include "common/user_cache.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "common/atomic_file.h"
#include "common/fd.h"

namespace profile::user_cache {
namespace {

// Only what the effective user owns and nobody else may write.
bool trusted(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && st.st_uid == ::geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

// mkdir -p with 0700 for what it creates.
bool make_dirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    std::string part = dir.substr(0, i);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return false;
  }
  return true;
}

Fd open_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd && !trusted(fd.get())) return Fd();
  return fd;
}

}  // namespace

std::string dir(const std::string& kind) {
  if (const char* d = std::getenv("PROFILE_CACHE_DIR"); d != nullptr && *d != '\0') {
    return std::string(d) == "none" ? "" : std::string(d) + "/" + kind;
  }
  if (::geteuid() == 0) return "/var/cache/profile/" + kind;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && x[0] == '/') {
    return std::string(x) + "/profile/" + kind;
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && h[0] == '/')
    return std::string(h) + "/.cache/profile/" + kind;
  return "";
}

std::string build_id() {
  std::string id;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) -> int {
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          // The loader gives addresses as integers; there is no pointer to derive this one from.
          const char* p =
              reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);  // NOLINT(performance-no-int-to-ptr)
          const char* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            const auto* nh = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const char* name = p + sizeof(ElfW(Nhdr));
            const char* desc = name + ((nh->n_namesz + 3) & ~3u);
            if (desc + nh->n_descsz > end) break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
              static_cast<std::string*>(out)->assign(desc, nh->n_descsz);
              return 1;
            }
            p = desc + ((nh->n_descsz + 3) & ~3u);
          }
        }
        return 1;  // only the first object: the executable itself
      },
      &id);
  return id;
}

void put_u32(std::string& out, uint32_t v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void put_bytes(std::string& out, const std::string& s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

std::string entry_name(const std::string& inputs, const char* ext) {
  char name[40];
  std::snprintf(name, sizeof name, "%016zx.%s", std::hash<std::string>{}(inputs), ext);
  return name;
}

std::optional<std::string> read(const std::string& dir, const std::string& name) {
  Fd dfd = open_dir(dir);
  if (!dfd) return std::nullopt;
  Fd f(::openat(dfd.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!f || !trusted(f.get())) return std::nullopt;
  std::string data;
  char buf[16384];
  ssize_t n;
  while ((n = ::read(f.get(), buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  if (n != 0) return std::nullopt;
  return data;
}

Status write(const std::string& dir, const std::string& name, const std::string& content) {
  Fd dfd = open_dir(dir);
  if (!dfd && make_dirs(dir)) dfd = open_dir(dir);
  if (!dfd) return make_error("cache directory " + dir + " is missing, not ours, or writable by others");
  // Relative to the directory just checked, so that nothing swapped in under
  // its path meanwhile receives the entry.
  return write_file_atomic_at(dfd.get(), name, content, 0600);
}

}  // namespace profile::user_cache
