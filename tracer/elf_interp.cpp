#include "tracer/elf_interp.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "common/fd.h"

namespace profile {

std::optional<std::string> elf_interpreter(const std::string& host_path) {
  Fd fd(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return std::nullopt;
  Elf64_Ehdr eh{};
  if (::pread(fd.get(), &eh, sizeof eh, 0) != static_cast<ssize_t>(sizeof eh)) return std::nullopt;
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) return std::nullopt;
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 256) return std::nullopt;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    off_t at = static_cast<off_t>(eh.e_phoff + i * sizeof ph);
    if (::pread(fd.get(), &ph, sizeof ph, at) != static_cast<ssize_t>(sizeof ph)) return std::nullopt;
    if (ph.p_type != PT_INTERP) continue;
    if (ph.p_filesz == 0 || ph.p_filesz > 4096) return std::nullopt;
    std::vector<char> buf(ph.p_filesz);
    if (::pread(fd.get(), buf.data(), buf.size(), static_cast<off_t>(ph.p_offset)) != static_cast<ssize_t>(buf.size()))
      return std::nullopt;
    std::string path(buf.data(), strnlen(buf.data(), buf.size()));
    if (path.empty() || path[0] != '/') return std::nullopt;
    return path;
  }
  return std::nullopt;
}

void add_elf_interpreters(Recording& rec, const std::string& root) {
  std::vector<std::string> interpreters;
  for (const auto& [path, count] : rec.executables)
    if (auto interp = elf_interpreter(root + path)) interpreters.push_back(*interp);
  for (const auto& interp : interpreters) rec.add_file(interp, Access::Exec, kOk, "file");
}

}  // namespace profile
