#include "enforce/seccomp_cache.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "common/atomic_file.h"
#include "common/fd.h"
#include "common/log.h"
#include "common/syscalls.h"
#include "common/user_cache.h"

namespace profile {
namespace {

constexpr char kMagic[] = "profile-seccomp-cache 2\n";

using user_cache::put_bytes;
using user_cache::put_u32;

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
  put_u32(in, opts.notify_denials ? 1 : 0);  // a different program (SCMP_ACT_NOTIFY) and flags
  put_u32(in, static_cast<uint32_t>(opts.capabilities.size()));
  for (const auto& c : opts.capabilities) put_bytes(in, c);
  put_bytes(in, path);
  put_bytes(in, json_text);
  return in;
}

std::string encode(const std::string& inputs, const PreparedSeccomp& p) {
  std::string out = kMagic;
  put_bytes(out, inputs);
  put_u32(out, p.flags);
  put_u32(out, static_cast<uint32_t>(p.rules));
  put_u32(out, static_cast<uint32_t>(p.notify_errno));
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
  uint32_t len = 0, flags = 0, rules = 0, notify_errno = 0, insns = 0, nwarn = 0;
  std::string stored, prog;
  if (!r.skip(kMagic) || !r.u32(len) || !r.bytes(len, stored) || stored != inputs) return false;
  if (!r.u32(flags) || !r.u32(rules) || !r.u32(notify_errno) || notify_errno > 4095 || !r.u32(insns) || insns == 0 ||
      insns > BPF_MAXINSNS)
    return false;
  if (!r.bytes(size_t{insns} * sizeof(sock_filter), prog) || !r.u32(nwarn) || nwarn > 10000) return false;
  PreparedSeccomp p;
  p.program.resize(insns);
  std::memcpy(p.program.data(), prog.data(), prog.size());
  p.flags = flags;
  p.rules = rules;
  p.notify_errno = static_cast<int>(notify_errno);
  for (uint32_t i = 0; i < nwarn; ++i) {
    std::string w;
    if (!r.u32(len) || !r.bytes(len, w)) return false;
    p.warnings.push_back(std::move(w));
  }
  if (!r.at_end()) return false;
  out = std::move(p);
  return true;
}

}  // namespace

std::string seccomp_cache_dir() {
  return user_cache::dir("seccomp");
}

Result<PreparedSeccomp> compile_seccomp_file_cached(const std::string& path, const SeccompCompileOptions& opts,
                                                    SeccompCacheStats* stats) {
  auto text = read_file(path);
  if (!text) return text.error();
  return compile_seccomp_text_cached(path, *text, opts, stats);
}

Result<PreparedSeccomp> compile_seccomp_text_cached(const std::string& path, const std::string& file_text,
                                                    const SeccompCompileOptions& opts, SeccompCacheStats* stats) {
  SeccompCacheStats local;
  SeccompCacheStats& st = stats != nullptr ? *stats : local;
  st = {};
  const std::string* text = &file_text;
  std::string dir = seccomp_cache_dir();
  if (dir.empty()) return compile_seccomp_json(*text, path, opts);

  std::string build = user_cache::build_id();
  if (build.empty()) return compile_seccomp_json(*text, path, opts);
  std::string inputs = compile_inputs(build, path, *text, opts);
  std::string name = user_cache::entry_name(inputs, "bpf");
  if (auto data = user_cache::read(dir, name)) {
    PreparedSeccomp cached;
    if (decode(*data, inputs, cached)) {
      st.hit = true;
      return cached;
    }
  }

  auto compiled = compile_seccomp_json(*text, path, opts);
  if (!compiled) return compiled;
  if (auto w = user_cache::write(dir, name, encode(inputs, *compiled)); w) {
    st.stored = true;
  } else {
    log::debug("seccomp cache: " + w.error().message);
  }
  return compiled;
}

}  // namespace profile
