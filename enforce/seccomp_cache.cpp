#include "enforce/seccomp_cache.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "common/atomic_file.h"
#include "common/fd.h"
#include "common/log.h"
#include "common/syscalls.h"

namespace profile {
namespace {

constexpr char kMagic[] = "profile-seccomp-cache 1\n";

// The GNU build-id of the running executable: a different build of profile
// may compile the same JSON differently. Empty when the linker made none (the
// cache is then off).
std::string build_id() {
  std::string id;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) -> int {
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
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

void put_u32(std::string& out, uint32_t v);
void put_bytes(std::string& out, const std::string& s);

// Everything the compile depends on: this build of profile, libseccomp, the
// machine, the file's path (it is in the warnings) and text, and each
// capability (length-prefixed, so no two lists read the same).
std::string compile_inputs(const std::string& build, const std::string& path, const std::string& json_text,
                           const SeccompCompileOptions& opts) {
  std::string release = opts.kernel_release;
  if (release.empty()) {
    utsname u{};
    if (::uname(&u) == 0) release = u.release;
  }
  const scmp_version* v = seccomp_version();
  std::string in;
  put_bytes(in, build);
  put_bytes(in,
            "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro));
  put_bytes(in, native_arch());
  put_bytes(in, release);
  put_u32(in, static_cast<uint32_t>(opts.capabilities.size()));
  for (const auto& c : opts.capabilities) put_bytes(in, c);
  put_bytes(in, path);
  put_bytes(in, json_text);
  return in;
}

void put_u32(std::string& out, uint32_t v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void put_bytes(std::string& out, const std::string& s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

std::string encode(const std::string& inputs, const PreparedSeccomp& p) {
  std::string out = kMagic;
  put_bytes(out, inputs);
  put_u32(out, p.flags);
  put_u32(out, static_cast<uint32_t>(p.rules));
  put_u32(out, static_cast<uint32_t>(p.program.size()));
  out.append(reinterpret_cast<const char*>(p.program.data()), p.program.size() * sizeof(sock_filter));
  put_u32(out, static_cast<uint32_t>(p.warnings.size()));
  for (const auto& w : p.warnings) put_bytes(out, w);
  return out;
}

class Reader {
 public:
  explicit Reader(const std::string& s) : s_(s) {}
  bool u32(uint32_t& v) {
    if (s_.size() - pos_ < sizeof v) return false;
    std::memcpy(&v, s_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return true;
  }
  bool bytes(size_t n, std::string& out) {
    if (s_.size() - pos_ < n) return false;
    out.assign(s_, pos_, n);
    pos_ += n;
    return true;
  }
  bool skip(const char* literal) {
    size_t n = std::strlen(literal);
    if (s_.compare(pos_, n, literal) != 0) return false;
    pos_ += n;
    return true;
  }
  [[nodiscard]] bool at_end() const { return pos_ == s_.size(); }

 private:
  const std::string& s_;
  size_t pos_ = 0;
};

// True and *out filled when `data` is a whole entry for exactly `inputs`.
bool decode(const std::string& data, const std::string& inputs, PreparedSeccomp& out) {
  Reader r(data);
  uint32_t len = 0, flags = 0, rules = 0, insns = 0, nwarn = 0;
  std::string stored, prog;
  if (!r.skip(kMagic) || !r.u32(len) || !r.bytes(len, stored) || stored != inputs) return false;
  if (!r.u32(flags) || !r.u32(rules) || !r.u32(insns) || insns == 0 || insns > BPF_MAXINSNS) return false;
  if (!r.bytes(size_t{insns} * sizeof(sock_filter), prog) || !r.u32(nwarn) || nwarn > 10000) return false;
  PreparedSeccomp p;
  p.program.resize(insns);
  std::memcpy(p.program.data(), prog.data(), prog.size());
  p.flags = flags;
  p.rules = rules;
  for (uint32_t i = 0; i < nwarn; ++i) {
    std::string w;
    if (!r.u32(len) || !r.bytes(len, w)) return false;
    p.warnings.push_back(std::move(w));
  }
  if (!r.at_end()) return false;
  out = std::move(p);
  return true;
}

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

std::string seccomp_cache_dir() {
  if (const char* d = std::getenv("PROFILE_CACHE_DIR"); d != nullptr && *d != '\0') {
    return std::string(d) == "none" ? "" : std::string(d);
  }
  if (::geteuid() == 0) return "/var/cache/profile/seccomp";
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && x[0] == '/') {
    return std::string(x) + "/profile/seccomp";
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && h[0] == '/')
    return std::string(h) + "/.cache/profile/seccomp";
  return "";
}

Result<PreparedSeccomp> compile_seccomp_file_cached(const std::string& path, const SeccompCompileOptions& opts,
                                                    SeccompCacheStats* stats) {
  SeccompCacheStats local;
  SeccompCacheStats& st = stats != nullptr ? *stats : local;
  st = {};
  auto text = read_file(path);
  if (!text) return text.error();
  std::string dir = seccomp_cache_dir();
  if (dir.empty()) return compile_seccomp_json(*text, path, opts);

  std::string build = build_id();
  if (build.empty()) return compile_seccomp_json(*text, path, opts);
  std::string inputs = compile_inputs(build, path, *text, opts);
  char name[32];
  std::snprintf(name, sizeof name, "%016zx.bpf", std::hash<std::string>{}(inputs));
  Fd dfd = open_dir(dir);
  if (dfd) {
    Fd f(::openat(dfd.get(), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (f && trusted(f.get())) {
      std::string data;
      char buf[16384];
      ssize_t n;
      while ((n = ::read(f.get(), buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
      PreparedSeccomp cached;
      if (n == 0 && decode(data, inputs, cached)) {
        st.hit = true;
        return cached;
      }
    }
  }

  auto compiled = compile_seccomp_json(*text, path, opts);
  if (!compiled) return compiled;
  if (!dfd && make_dirs(dir)) dfd = open_dir(dir);
  if (dfd) {
    // Relative to the directory just checked, so that nothing swapped in
    // under its path meanwhile receives the entry.
    if (auto w = write_file_atomic_at(dfd.get(), name, encode(inputs, *compiled), 0600); w) {
      st.stored = true;
    } else {
      log::debug("seccomp cache: " + w.error().message);
    }
  }
  return compiled;
}

}  // namespace profile
