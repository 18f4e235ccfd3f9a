#include "enforce/seccomp_filter.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/bad_input.h"
#include "common/fd.h"
#include "common/syscalls.h"

namespace profile {
namespace {

using nlohmann::json;

// A refused profile is bad input (exit status 2); kind Failure marks what went
// wrong on our side (libseccomp, memfd).
struct CtxDeleter {
  void operator()(void* c) const { seccomp_release(c); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

// Go architecture names used by moby's includes/excludes "arches".
std::string go_arch(const std::string& arch) {
  if (arch == "x86_64") return "amd64";
  if (arch == "x86") return "386";
  if (arch == "aarch64") return "arm64";
  return arch;
}

// "6.1.0-13-amd64" -> {6, 1}; false unless it starts with a number (sscanf's
// %u overflowed silently on "99999999999").
bool major_minor(const std::string& v, unsigned& major, unsigned& minor) {
  const char* end = v.data() + v.size();
  auto r = std::from_chars(v.data(), end, major);
  if (r.ec != std::errc()) return false;
  minor = 0;
  if (r.ptr != end && *r.ptr == '.' && std::from_chars(r.ptr + 1, end, minor).ec != std::errc()) minor = 0;
  return true;
}

bool kernel_at_least(const std::string& release, const std::string& min) {
  unsigned a = 0, b = 0, x = 0, y = 0;
  if (!major_minor(release, a, b) || !major_minor(min, x, y)) return false;
  return a != x ? a > x : b >= y;
}

// The kernel hands the action's 16 data bits back as -errno, and only values up
// to its MAX_ERRNO (4095) read as errors: a larger errnoRet (65536 is 0 in 16
// bits) would make a denied call return success. libseccomp 2.5 takes 1..4094
// (0 and 4095 fail seccomp_rule_add, and seccomp_init as the default action).
constexpr uint64_t kMaxErrno = 4094;

uint32_t parse_action(const std::string& name, const json& errno_ret, const std::string& where,
                      const char* errno_key = "errnoRet") {
  int err = EPERM;
  if (!errno_ret.is_null()) {
    bool in_range = errno_ret.is_number_unsigned() ? errno_ret.get<uint64_t>() - 1 < kMaxErrno
                    : errno_ret.is_number_integer()
                        ? errno_ret.get<int64_t>() >= 1 && errno_ret.get<int64_t>() <= static_cast<int64_t>(kMaxErrno)
                        : false;
    if (!in_range)
      throw BadInput{where + ": \"" + errno_key + "\" must be an errno number from 1 to 4094, not " +
                     (errno_ret.is_structured() ? std::string("an ") + errno_ret.type_name() : errno_ret.dump())};
    err = errno_ret.get<int>();
  }
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(static_cast<uint16_t>(err));
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(static_cast<uint16_t>(err));
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_NOTIFY")
    throw BadInput{where + ": SCMP_ACT_NOTIFY needs a seccomp agent, which profile does not run"};
  throw BadInput{where + ": unknown action \"" + name + "\""};
}

scmp_compare parse_op(const std::string& op, const std::string& where) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  throw BadInput{where + ": unknown operator \"" + op + "\""};
}

uint64_t as_u64(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) return static_cast<uint64_t>(it->get<int64_t>());
  throw BadInput{where + ": \"" + key + "\" must be a number"};
}

std::vector<std::string> strings_of(const json& j, const char* key, const std::string& where) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) throw BadInput{where + ": \"" + key + "\" must be an array of strings"};
  for (const auto& s : *it) {
    if (!s.is_string()) throw BadInput{where + ": \"" + key + "\" must hold strings only"};
    out.push_back(s.get<std::string>());
  }
  return out;
}

// includes: all conditions must hold; excludes: none may hold (moby semantics).
bool applies(const json& rule, const std::string& where, const std::vector<std::string>& arches,
             const SeccompCompileOptions& opts, const std::string& release) {
  auto has_arch = [&](const std::vector<std::string>& list) {
    for (const auto& a : list)
      for (const auto& ours : arches)
        if (a == ours || a == go_arch(ours)) return true;
    return false;
  };
  auto has_caps = [&](const std::vector<std::string>& list, bool all) {
    if (list.empty()) return all;
    for (const auto& c : list) {
      bool have = std::find(opts.capabilities.begin(), opts.capabilities.end(), c) != opts.capabilities.end();
      if (all && !have) return false;
      if (!all && have) return true;
    }
    return all;
  };
  if (auto inc = rule.find("includes"); inc != rule.end() && inc->is_object()) {
    auto a = strings_of(*inc, "arches", where + "/includes");
    if (!a.empty() && !has_arch(a)) return false;
    if (!has_caps(strings_of(*inc, "caps", where + "/includes"), true)) return false;
    if (auto mk = inc->find("minKernel");
        mk != inc->end() && mk->is_string() && !kernel_at_least(release, mk->get<std::string>()))
      return false;
  }
  if (auto exc = rule.find("excludes"); exc != rule.end() && exc->is_object()) {
    auto a = strings_of(*exc, "arches", where + "/excludes");
    if (!a.empty() && has_arch(a)) return false;
    if (has_caps(strings_of(*exc, "caps", where + "/excludes"), false)) return false;
    if (auto mk = exc->find("minKernel");
        mk != exc->end() && mk->is_string() && kernel_at_least(release, mk->get<std::string>()))
      return false;
  }
  return true;
}

// -1 when the name is unknown on every architecture libseccomp has.
bool known_anywhere(const std::string& name) {
  static const char* kArches[] = {"x86_64", "x86",  "x32",  "aarch64", "arm",     "ppc64le", "ppc64",   "ppc",
                                  "s390x",  "s390", "mips", "mips64",  "riscv64", "parisc",  "parisc64"};
  for (const char* a : kArches)
    if (auto t = arch_token(a); t && seccomp_syscall_resolve_name_arch(*t, name.c_str()) != __NR_SCMP_ERROR)
      return true;
  return false;
}

// Syscall numbers are scanned up to here; also the end of the ENOSYS range
// below. Linux's tables end near 470 on every architecture, and x86_64's x32
// block starts at 512 (ENOSYS for 64-bit callers anyway).
constexpr uint32_t kNrBound = 1024;
constexpr uint32_t kX32Bit = 0x40000000;

// seccomp_data: nr at offset 0, arch at 4.
sock_filter stmt(uint16_t code, uint32_t k) {
  return sock_filter{code, 0, 0, k};
}
sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return sock_filter{code, jt, jf, k};
}

// Syscalls newer than libseccomp's tables have no name, so no rule can give them
// ENOSYS (so that libc falls back) rather than the default. libseccomp takes a
// raw number only for the native architecture: on another architecture of the
// filter it reads the number as a native one and translates it by name (x86_64
// 222 became i386 259, timer_create) or fails with EFAULT. So, as runc does with
// its stub, a check per architecture runs before libseccomp's program: a number
// above the highest libseccomp names there, below kNrBound, and not named by
// number in the profile, returns ENOSYS; anything else goes on to the program.
// Only loads of nr/arch, compares and returns: the kernel's per-syscall action
// cache can still evaluate the filter.
std::vector<sock_filter> enosys_prelude(const std::vector<std::string>& arches, const std::vector<int>& by_number,
                                        const std::string& source) {
  std::vector<sock_filter> out;
  for (const auto& arch : arches) {
    auto token = arch_token(arch);
    if (!token) continue;
    uint32_t base = arch == "x32" ? kX32Bit : 0;
    // x32 shares AUDIT_ARCH_X86_64 and is told apart by the x32 bit in the number.
    uint32_t audit = arch == "x32" ? static_cast<uint32_t>(AUDIT_ARCH_X86_64) : *token;
    uint32_t lo = 0;
    for (uint32_t nr = 0; nr < kNrBound; ++nr) {
      char* name = seccomp_syscall_resolve_num_arch(*token, static_cast<int>(base + nr));
      if (name == nullptr) continue;
      lo = nr + 1;
      ::free(name);
    }
    if (lo == 0 || lo >= kNrBound) continue;
    std::vector<uint32_t> skip;
    for (int n : by_number) {
      auto u = static_cast<uint32_t>(n);
      if (u >= base + lo && u < base + kNrBound) skip.push_back(u);
    }
    // Block: ld arch; jeq audit; ld nr; jge lo; jge hi; jeq skip...; ret ENOSYS.
    // Every "no" jumps to the block's end (the next block or the program).
    size_t len = 6 + skip.size();
    if (len > 255)
      throw BadInput{source + ": the profile names more than 250 syscalls above libseccomp's table by number"};
    auto to_end = [&](size_t at) { return static_cast<uint8_t>(len - at - 1); };
    out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, 4));
    out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, audit, 0, to_end(1)));
    out.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, 0));
    out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, base + lo, 0, to_end(3)));
    out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, base + kNrBound, to_end(4), 0));
    for (size_t i = 0; i < skip.size(); ++i) out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, skip[i], to_end(5 + i), 0));
    out.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
  }
  return out;
}

}  // namespace

Result<PreparedSeccomp> compile_seccomp_json(const std::string& json_text, const std::string& source,
                                             const SeccompCompileOptions& opts) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    // Not only parse_error: a number beyond a double (1e400) is out_of_range.406.
    return Error{source + ": not valid JSON (" + std::string(e.what()) + ")", 0, ErrorKind::BadInput};
  }
  PreparedSeccomp out;
  try {
    if (!doc.is_object()) throw BadInput{source + ": expected a JSON object (a Docker-format seccomp profile)"};
    auto da = doc.find("defaultAction");
    if (da == doc.end() || !da->is_string()) throw BadInput{source + ": missing \"defaultAction\""};
    // References, not copies: copying a value recurses as deep as it nests
    // (an errnoRet of 100,000 nested arrays overflowed the stack).
    static const json kAbsent;
    const json& dflt_errno = doc.contains("defaultErrnoRet") ? doc["defaultErrnoRet"] : kAbsent;
    std::string dname = da->get<std::string>();
    uint32_t def = parse_action(dname, dflt_errno, source + "/defaultAction", "defaultErrnoRet");
    // The denial report: the profile's "no" (an errno other than ENOSYS, which
    // says "not here, fall back" and is not a denial) goes to the supervisor,
    // which answers with the same errno at once.
    uint32_t notified = 0;  // the action replaced by SCMP_ACT_NOTIFY
    if (opts.notify_denials && (def & SECCOMP_RET_ACTION_FULL) == SCMP_ACT_ERRNO(0) &&
        (def & SECCOMP_RET_DATA) != ENOSYS && (def & SECCOMP_RET_DATA) != 0) {
      notified = def;
      out.notify_errno = static_cast<int>(def & SECCOMP_RET_DATA);
    }
    auto as_loaded = [&](uint32_t action) { return notified != 0 && action == notified ? SCMP_ACT_NOTIFY : action; };
    Ctx ctx(seccomp_init(as_loaded(def)));
    if (!ctx) throw BadInput{"seccomp_init: failed (libseccomp could not create a filter)", ErrorKind::Failure};

    std::string release = opts.kernel_release;
    if (release.empty()) {
      utsname u{};
      if (::uname(&u) == 0) release = u.release;
    }
    // Architectures.
    std::string native = native_arch();
    std::vector<std::string> arches;
    for (const auto& s : strings_of(doc, "architectures", source)) {
      std::string a = arch_from_scmp_name(s);
      if (a.empty()) throw BadInput{source + "/architectures: unknown architecture \"" + s + "\""};
      arches.push_back(a);
    }
    if (auto am = doc.find("archMap"); am != doc.end() && am->is_array()) {
      for (const auto& e : *am) {
        auto arch = e.is_object() ? e.find("architecture") : e.end();
        if (arch == e.end() || !arch->is_string())
          throw BadInput{source + "/archMap: entries need \"architecture\" (a string)"};
        if (arch_from_scmp_name(arch->get<std::string>()) != native) continue;
        arches.push_back(native);
        for (const auto& s : strings_of(e, "subArchitectures", source + "/archMap")) {
          std::string a = arch_from_scmp_name(s);
          if (!a.empty()) arches.push_back(a);
        }
      }
    }
    if (arches.empty()) arches.push_back(native);
    std::sort(arches.begin(), arches.end());
    arches.erase(std::unique(arches.begin(), arches.end()), arches.end());
    auto compatible = compatible_arches(native);
    std::vector<std::string> filtered;  // the architectures the filter holds
    for (const auto& a : arches) {
      if (a == native) filtered.push_back(a);
      if (a == native || std::find(compatible.begin(), compatible.end(), a) == compatible.end()) continue;
      filtered.push_back(a);
      int rc = seccomp_arch_add(ctx.get(), *arch_token(a));
      if (rc != 0 && rc != -EEXIST)
        throw BadInput{sys_error("seccomp_arch_add(" + a + ")", -rc).message, ErrorKind::Failure};
    }
    if (std::find(arches.begin(), arches.end(), native) == arches.end()) {
      // A profile for other architectures only: the native one must not stay open.
      int rc = seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE);
      if (rc != 0) throw BadInput{sys_error("seccomp_arch_remove(native)", -rc).message, ErrorKind::Failure};
    }
    uint32_t badarch = SCMP_ACT_ERRNO(EPERM);
    if (dname.rfind("SCMP_ACT_KILL", 0) == 0)
      badarch = SCMP_ACT_KILL_PROCESS;
    else if (dname == "SCMP_ACT_LOG")
      badarch = SCMP_ACT_LOG;
    if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, as_loaded(badarch)); rc != 0)
      throw BadInput{sys_error("seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)", -rc).message, ErrorKind::Failure};
    // Binary-tree dispatch keeps long allow lists fast; older libseccomp lacks it.
    (void)seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);

    auto calls = doc.find("syscalls");
    if (calls != doc.end() && !calls->is_null() && !calls->is_array())
      throw BadInput{source + ": \"syscalls\" must be an array"};
    size_t idx = 0;
    std::vector<int> by_number;                  // syscalls the profile names by number: left to its rules
    static const json kNoRules = json::array();  // not `: json::array()`: that copied *calls
    for (const auto& rule : calls != doc.end() && calls->is_array() ? *calls : kNoRules) {
      std::string where = source + "/syscalls/" + std::to_string(idx++);
      if (!rule.is_object()) throw BadInput{where + ": expected an object"};
      if (!applies(rule, where, arches, opts, release)) continue;
      // The container runtime's part of a bundle's seccomp.json (policies/runtimes.toml):
      // calls runc or crun make after loading the filter. Our launcher loads it right
      // before execve and needs none of them; the workload gets none of them either.
      if (auto c = rule.find("comment");
          c != rule.end() && c->is_string() && c->get<std::string>().rfind("runtime part", 0) == 0)
        continue;
      auto an = rule.find("action");
      if (an == rule.end() || !an->is_string()) throw BadInput{where + ": missing \"action\""};
      uint32_t action =
          parse_action(an->get<std::string>(), rule.contains("errnoRet") ? rule["errnoRet"] : kAbsent, where);
      if (action == def) continue;  // libseccomp refuses these; runc drops them too
      std::vector<std::string> names = strings_of(rule, "names", where);
      if (rule.contains("name") && rule["name"].is_string()) names.push_back(rule["name"].get<std::string>());
      std::vector<scmp_arg_cmp> cmps;
      bool shared_index = false;
      if (auto args = rule.find("args"); args != rule.end() && !args->is_null()) {
        if (!args->is_array()) throw BadInput{where + ": \"args\" must be an array"};
        std::vector<unsigned> seen;
        for (const auto& a : *args) {
          auto op = a.is_object() ? a.find("op") : a.end();
          if (op == a.end() || !op->is_string())
            throw BadInput{where + "/args: entries need \"index\" and \"op\" (a string)"};
          // Range-checked before the cast: 2^32 + 1 must not become index 1.
          uint64_t index64 = as_u64(a, "index", where + "/args");
          if (index64 > 5) throw BadInput{where + "/args: \"index\" must be 0 to 5"};
          auto index = static_cast<unsigned>(index64);
          if (std::find(seen.begin(), seen.end(), index) != seen.end()) shared_index = true;
          seen.push_back(index);
          cmps.push_back(scmp_arg_cmp{index, parse_op(op->get<std::string>(), where + "/args"),
                                      as_u64(a, "value", where + "/args"), as_u64(a, "valueTwo", where + "/args")});
        }
      }
      for (const auto& name : names) {
        // libseccomp gives names that do not exist natively a negative pseudo
        // number, which seccomp_rule_add translates for the other architectures.
        int sys = 0;
        if (is_numeric_syscall(name)) {
          if (std::from_chars(name.data(), name.data() + name.size(), sys).ec != std::errc())
            throw BadInput{where + ": syscall number " + name + " is out of range"};
          by_number.push_back(sys);
        } else {
          sys = seccomp_syscall_resolve_name(name.c_str());
        }
        if (sys == __NR_SCMP_ERROR) {
          if (action == SCMP_ACT_ALLOW || known_anywhere(name)) {
            out.warnings.push_back(where + ": syscall \"" + name + "\" is unknown to this libseccomp on " + native +
                                   "; skipped (it stays denied)");
            continue;
          }
          throw BadInput{where + ": unknown syscall name \"" + name + "\" in a rule that denies it"};
        }
        auto add = [&](unsigned n, const scmp_arg_cmp* c) {
          int rc = seccomp_rule_add_array(ctx.get(), as_loaded(action), sys, n, c);
          // -EACCES: action equals the default; -EDOM: no such syscall on these arches.
          if (rc != 0 && rc != -EACCES && rc != -EDOM)
            throw BadInput{where + ": seccomp_rule_add(" + name + "): " + errno_name(-rc)};
          ++out.rules;
        };
        if (shared_index) {
          for (const auto& c : cmps) add(1, &c);
        } else {
          add(static_cast<unsigned>(cmps.size()), cmps.empty() ? nullptr : cmps.data());
        }
      }
    }
    for (const auto& f : strings_of(doc, "flags", source)) {
      if (f == "SECCOMP_FILTER_FLAG_LOG")
        out.flags |= SECCOMP_FILTER_FLAG_LOG;
      else if (f == "SECCOMP_FILTER_FLAG_SPEC_ALLOW")
        out.flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
      else if (f != "SECCOMP_FILTER_FLAG_TSYNC")
        out.warnings.push_back(source + "/flags: \"" + f + "\" is not supported; ignored");
    }
    // TSYNC and NEW_LISTENER together need TSYNC_ESRCH (5.7+); the workload is
    // single-threaded when it loads a notify program, so TSYNC has nothing to do.
    out.flags |= out.notify_errno != 0 ? SECCOMP_FILTER_FLAG_NEW_LISTENER : SECCOMP_FILTER_FLAG_TSYNC;

    // Export in the parent: the child only copies nothing and calls seccomp(2).
    Fd mfd(static_cast<int>(::syscall(SYS_memfd_create, "seccomp-bpf", MFD_CLOEXEC)));
    if (!mfd) throw BadInput{Errno().error("memfd_create(\"seccomp-bpf\")").message, ErrorKind::Failure};
    if (int rc = seccomp_export_bpf(ctx.get(), mfd.get()); rc != 0)
      throw BadInput{sys_error("seccomp_export_bpf", -rc).message, ErrorKind::Failure};
    off_t size = ::lseek(mfd.get(), 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0)
      throw BadInput{"seccomp_export_bpf produced " + std::to_string(size) + " bytes, not a BPF program",
                     ErrorKind::Failure};
    out.program.resize(static_cast<size_t>(size) / sizeof(sock_filter));
    if (::pread(mfd.get(), out.program.data(), static_cast<size_t>(size), 0) != size)
      throw BadInput{Errno().error("pread(seccomp-bpf memfd)").message, ErrorKind::Failure};
    // A default that allows (or already says ENOSYS) needs no ENOSYS range.
    if (def != SCMP_ACT_ALLOW && def != SCMP_ACT_LOG && def != SCMP_ACT_ERRNO(ENOSYS) &&
        (def & SECCOMP_RET_ACTION_FULL) != SCMP_ACT_TRACE(0)) {
      std::vector<sock_filter> prelude = enosys_prelude(filtered, by_number, source);
      out.program.insert(out.program.begin(), prelude.begin(), prelude.end());
    }
    if (out.program.size() > BPF_MAXINSNS)
      throw BadInput{source + ": the compiled filter has " + std::to_string(out.program.size()) +
                     " instructions, more than the kernel's limit of " + std::to_string(BPF_MAXINSNS)};
  } catch (const BadInput& b) {
    return b.error();
  } catch (const json::exception& e) {
    // Every value is type-checked above; this only keeps a missed check from
    // escaping the Result API (enforce compiles on another thread).
    return Error{source + ": unexpected value (" + std::string(e.what()) + ")", 0, ErrorKind::BadInput};
  }
  return out;
}

Result<PreparedSeccomp> compile_seccomp_file(const std::string& path, const SeccompCompileOptions& opts) {
  auto text = read_file(path);
  if (!text) return text.error();
  return compile_seccomp_json(*text, path, opts);
}

namespace {

// no_new_privs, then seccomp(2) with the flags (TSYNC); prctl on kernels
// before 3.17, which lack seccomp(2) (the flags need it, the filter does not).
// With NEW_LISTENER, seccomp(2) returns the listener's fd into *listener, and
// there is no fallback: prctl would load the filter without a listener, and
// every denied call would then fail with ENOSYS instead of the profile's errno.
int load_filter(sock_fprog& prog, unsigned flags, int* listener) noexcept {
  if ((flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0 && listener == nullptr) return EINVAL;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if ((flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0) {
    if (rc < 0) return errno;
    *listener = static_cast<int>(rc);
    return 0;
  }
  if (rc == 0) return 0;
  int err = errno;
  if (err == ENOSYS || err == EINVAL) {
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0) return 0;
    err = errno;
  }
  return err;
}

}  // namespace

int apply_seccomp_in_child(const PreparedSeccomp& prepared) noexcept {
  if (prepared.program.empty() || (prepared.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0) return EINVAL;
  sock_fprog prog{static_cast<unsigned short>(prepared.program.size()),
                  const_cast<sock_filter*>(prepared.program.data())};
  return load_filter(prog, prepared.flags, nullptr);
}

bool seccomp_user_notif_available() {
  if (const char* v = std::getenv(kNoUserNotifVariable); v != nullptr && *v != '\0') return false;
  auto text = read_file("/proc/sys/kernel/seccomp/actions_avail");
  if (!text) return false;
  std::string words = " " + *text;
  for (char& c : words)
    if (c == '\n' || c == '\t') c = ' ';
  return words.find(" user_notif ") != std::string::npos;
}

struct SeccompSlot {
  uint32_t ready;  // written last, with release order
  uint32_t flags;
  uint32_t len;
  int32_t listener_plus_one;  // by the workload, after seccomp(2); 0 = none
  sock_filter program[BPF_MAXINSNS];
};

Result<SharedSeccomp> SharedSeccomp::create() {
  void* m = ::mmap(nullptr, sizeof(SeccompSlot), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return Errno().error("mmap(MAP_SHARED, " + std::to_string(sizeof(SeccompSlot)) + ")");
  SharedSeccomp out;
  out.slot_ = static_cast<SeccompSlot*>(m);
  return out;
}

SharedSeccomp& SharedSeccomp::operator=(SharedSeccomp&& o) noexcept {
  if (this != &o) {
    if (slot_ != nullptr) ::munmap(slot_, sizeof(SeccompSlot));
    slot_ = o.slot_;
    o.slot_ = nullptr;
  }
  return *this;
}

SharedSeccomp::~SharedSeccomp() {
  if (slot_ != nullptr) ::munmap(slot_, sizeof(SeccompSlot));
}

Status SharedSeccomp::publish(const PreparedSeccomp& prepared) {
  if (slot_ == nullptr) return make_error("the shared seccomp slot was not created");
  if (prepared.program.empty() || prepared.program.size() > BPF_MAXINSNS)
    return make_error("a seccomp program of " + std::to_string(prepared.program.size()) + " instructions");
  std::copy(prepared.program.begin(), prepared.program.end(), slot_->program);
  slot_->len = static_cast<uint32_t>(prepared.program.size());
  slot_->flags = prepared.flags;
  slot_->listener_plus_one = 0;
  __atomic_store_n(&slot_->ready, 1u, __ATOMIC_RELEASE);
  return {};
}

bool seccomp_slot_ready(const SeccompSlot* slot) noexcept {
  return slot != nullptr && __atomic_load_n(&slot->ready, __ATOMIC_ACQUIRE) == 1 && slot->len != 0 &&
         slot->len <= BPF_MAXINSNS;
}

int apply_shared_seccomp_in_child(const SeccompSlot* slot) noexcept {
  if (!seccomp_slot_ready(slot)) return EINVAL;
  sock_fprog prog{static_cast<unsigned short>(slot->len), const_cast<sock_filter*>(slot->program)};
  int listener = -1;
  int err = load_filter(prog, slot->flags, &listener);
  // A plain store into shared memory: no syscall after the filter, which might
  // deny it. The supervisor reads it once execve has unshared the fd table.
  if (err == 0 && listener >= 0)
    __atomic_store_n(&const_cast<SeccompSlot*>(slot)->listener_plus_one, listener + 1, __ATOMIC_RELEASE);
  return err;
}

bool seccomp_slot_notify(const SeccompSlot* slot) noexcept {
  return seccomp_slot_ready(slot) && (slot->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0;
}

int seccomp_slot_listener(const SeccompSlot* slot) noexcept {
  if (slot == nullptr) return -1;
  return __atomic_load_n(&slot->listener_plus_one, __ATOMIC_ACQUIRE) - 1;
}

}  // namespace profile
