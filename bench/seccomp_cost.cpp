// Per-syscall cost of seccomp filters: no filter, Docker's default profile and
// the generated profile of each bundle, all compiled by enforce's code path
// (compile_seccomp_file, then apply_seccomp_in_child: no_new_privs + seccomp(2)).
//
// usage: bench_seccomp_cost [--rounds N] [--iters N] [--cpu N] DOCKER_JSON BUNDLE_DIR...
//
// Each BUNDLE_DIR holds a generated seccomp.json and the recording.json it came
// from. Cases, per bundle:
//   getppid      executed   the kernel's seccomp action cache (5.11+) skips the
//                           filter for calls every filter allows whatever the
//                           arguments ("c" in the insns column)
//   highest      executed   the highest-numbered syscall both profiles allow
//                           unconditionally, with invalid arguments (fails fast)
//   arg-checked  executed   the workload's most frequent syscall the generated
//                           profile checks arguments of, failing on a bad fd or
//                           address (the cache cannot skip these)
//   getppid, highest, replay  evaluated: the filter run in full; replay is the
//                           recorded syscall mix (counts and argument values from
//                           recording.json) in a fixed shuffled order
//   replay as run (estimate)  the replay's filter cost with the cache: the share
//                           of calls each filter runs for times their evaluated cost
//   denied       executed   a call the generated profile denies (EPERM)
// A fourth variant, gen+report, is the generated profile as `profile enforce`
// loads it for its denial report (SCMP_ACT_NOTIFY for denials, answered by the
// real DenialMonitor on another thread): its table compares it with the same
// profile without the report (--no-denials), allowed calls and the denied one.
// "Evaluated" children stack a stub filter under the profile (in every variant,
// "none" included) that returns ERRNO for calls issued from one instruction, this
// program's syscall trampoline: the kernel runs every stacked filter and the
// highest-precedence action wins, so the profile is evaluated in full but no
// replayed syscall body runs (exit_group, kill, execve... are harmless), and the
// stub reads the instruction pointer, which turns the action cache off. Every
// variant pays the same stub cost, so differences are the profile's own.
// Each round forks one child per variant and mode, in a rotating order, pinned
// to one CPU; the child times --iters calls per case in short batches and keeps
// the fastest. Printed: ns/call of the fastest round, ratios as the median over
// rounds of the ratio within a round (the machine's speed drifts between
// rounds), and the BPF instructions each filter executes per call (emulated,
// deterministic), which explains the ratios.
// Target: the generated profile costs no more than Docker's default.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/recording.h"
#include "common/syscalls.h"
#include "enforce/denials.h"
#include "enforce/seccomp_filter.h"

#if !defined(__x86_64__)
#error "bench_seccomp_cost's syscall trampoline is written for x86_64"
#endif

using namespace profile;

// long seccost_syscall(long nr, const long args[6]): the raw syscall, returning
// -errno. seccost_syscall_ret is the instruction after `syscall`, which is the
// instruction pointer seccomp sees for these calls and only for these.
extern "C" long seccost_syscall(long nr, const long* args);
extern "C" char seccost_syscall_ret[];
asm(R"(
  .text
  .globl seccost_syscall
  .type seccost_syscall, @function
seccost_syscall:
  mov %rdi, %rax
  mov 0(%rsi), %rdi
  mov 16(%rsi), %rdx
  mov 24(%rsi), %r10
  mov 32(%rsi), %r8
  mov 40(%rsi), %r9
  mov 8(%rsi), %rsi
  syscall
  .globl seccost_syscall_ret
seccost_syscall_ret:
  ret
  .size seccost_syscall, .-seccost_syscall
)");

namespace {

constexpr size_t kMaxCases = 9;

struct Call {
  long nr;
  long args[6];
};

enum class Mode { Executed, Evaluated };

struct Case {
  std::string name;
  Mode mode;
  std::vector<Call> calls;  // cycled
};

struct Variant {
  std::string name;
  const PreparedSeccomp* filter;  // null: no profile
  bool report = false;            // the denial report: notify filter + DenialMonitor
};

// Every CPU the bench may use: the denial report's threads run unpinned, as
// the launcher's monitor does.
cpu_set_t g_all_cpus;

// Written by a measuring child, read by the parent (MAP_SHARED).
struct Sample {
  volatile int done;
  int load_error;             // errno of loading a filter, 0 = loaded
  double ns[kMaxCases];       // per call
  long first_ret[kMaxCases];  // the first call's return value, to compare variants
};

// --- Classic BPF emulation, as the kernel's seccomp runs it --------------------

struct Emulated {
  uint32_t ret = 0;
  unsigned insns = 0;
  // Only loads of nr/arch, constant jumps, AND and constant returns: what the
  // kernel's action cache emulator (seccomp_is_const_allow) accepts.
  bool cacheable = true;
};

Emulated emulate(const std::vector<sock_filter>& prog, const seccomp_data& d) {
  Emulated e;
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(&d);
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& f = prog[pc];
    ++e.insns;
    uint32_t src = BPF_SRC(f.code) == BPF_X ? x : f.k;
    bool jmp_k = BPF_CLASS(f.code) == BPF_JMP && BPF_SRC(f.code) == BPF_K;
    if (f.code != (BPF_LD | BPF_W | BPF_ABS) && f.code != (BPF_RET | BPF_K) && !jmp_k &&
        f.code != (BPF_ALU | BPF_AND | BPF_K))
      e.cacheable = false;
    switch (BPF_CLASS(f.code)) {
      case BPF_LD:
        if (BPF_MODE(f.code) == BPF_ABS) {
          if (f.k + 4 > sizeof d) return e;  // the kernel's verifier refuses these
          std::memcpy(&a, bytes + f.k, 4);
          if (f.k >= offsetof(seccomp_data, instruction_pointer)) e.cacheable = false;
        } else if (BPF_MODE(f.code) == BPF_IMM) {
          a = f.k;
        } else if (BPF_MODE(f.code) == BPF_MEM) {
          a = mem[f.k % BPF_MEMWORDS];
        } else if (BPF_MODE(f.code) == BPF_LEN) {
          a = sizeof d;
        }
        break;
      case BPF_LDX:
        x = BPF_MODE(f.code) == BPF_MEM ? mem[f.k % BPF_MEMWORDS] : BPF_MODE(f.code) == BPF_LEN ? sizeof d : f.k;
        break;
      case BPF_ST:
        mem[f.k % BPF_MEMWORDS] = a;
        break;
      case BPF_STX:
        mem[f.k % BPF_MEMWORDS] = x;
        break;
      case BPF_ALU:
        switch (BPF_OP(f.code)) {
          case BPF_ADD:
            a += src;
            break;
          case BPF_SUB:
            a -= src;
            break;
          case BPF_MUL:
            a *= src;
            break;
          case BPF_DIV:
            a = src ? a / src : 0;
            break;
          case BPF_MOD:
            a = src ? a % src : 0;
            break;
          case BPF_OR:
            a |= src;
            break;
          case BPF_AND:
            a &= src;
            break;
          case BPF_XOR:
            a ^= src;
            break;
          case BPF_LSH:
            a = src < 32 ? a << src : 0;
            break;
          case BPF_RSH:
            a = src < 32 ? a >> src : 0;
            break;
          case BPF_NEG:
            a = -a;
            break;
        }
        break;
      case BPF_JMP:
        if (BPF_OP(f.code) == BPF_JA) {
          pc += f.k;
        } else {
          bool t = false;
          switch (BPF_OP(f.code)) {
            case BPF_JEQ:
              t = a == src;
              break;
            case BPF_JGT:
              t = a > src;
              break;
            case BPF_JGE:
              t = a >= src;
              break;
            case BPF_JSET:
              t = (a & src) != 0;
              break;
          }
          pc += t ? f.jt : f.jf;
        }
        break;
      case BPF_RET:
        e.ret = BPF_RVAL(f.code) == BPF_A ? a : f.k;
        return e;
      case BPF_MISC:
        if (BPF_MISCOP(f.code) == BPF_TAX)
          x = a;
        else
          a = x;
        break;
    }
  }
  return e;
}

seccomp_data data_for(const Call& c) {
  seccomp_data d{};
  d.nr = static_cast<int>(c.nr);
  d.arch = AUDIT_ARCH_X86_64;
  d.instruction_pointer = reinterpret_cast<uint64_t>(seccost_syscall_ret);
  for (int i = 0; i < 6; ++i) d.args[i] = static_cast<uint64_t>(c.args[i]);
  return d;
}

// What the kernel's action cache does: allowed without looking at arguments.
bool cached_allow(const PreparedSeccomp& p, long nr) {
  Emulated e = emulate(p.program, data_for(Call{nr, {}}));
  return e.cacheable && e.ret == SECCOMP_RET_ALLOW;
}

double mean_insns(const PreparedSeccomp* p, const std::vector<Call>& calls) {
  if (p == nullptr || calls.empty()) return 0;
  double sum = 0;
  for (const auto& c : calls) sum += emulate(p->program, data_for(c)).insns;
  return sum / static_cast<double>(calls.size());
}

// --- The stub filter ------------------------------------------------------------

std::vector<sock_filter> stub_program() {
  auto ip = reinterpret_cast<uint64_t>(seccost_syscall_ret);
  constexpr uint32_t kIpLo = offsetof(seccomp_data, instruction_pointer);
  return {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpLo),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(ip), 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpLo + 4),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(ip >> 32), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
}

// --- Measuring child ------------------------------------------------------------

double now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no syscall, no filter
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Per-call time of the fastest batch. A batch is the whole call list (repeated
// to at least 200 calls), so every batch does the same work; batches are short
// (under a millisecond), so most run without being preempted on a shared
// machine, and the fastest is the filter's cost rather than the neighbours'.
double time_calls(const std::vector<Call>& calls, long iters) {
  const size_t n = calls.size();
  const size_t reps = n >= 200 ? 1 : (200 + n - 1) / n;
  const long batch = static_cast<long>(reps * n);
  auto run = [&] {
    for (size_t r = 0; r < reps; ++r)
      for (const Call& c : calls) seccost_syscall(c.nr, c.args);
  };
  run();  // warm caches and branch predictors
  double best = 1e300;
  for (long done = 0; done < iters; done += batch) {
    double t0 = now_ns();
    run();
    best = std::min(best, now_ns() - t0);
  }
  return best / static_cast<double>(batch);
}

// The denial report as `profile enforce` runs it: this (main) thread loads the
// notify program with NEW_LISTENER and stores the listener's number; another
// thread, unfiltered like the supervisor, passes it over a socketpair to the
// launcher's DenialMonitor, which answers every denied call with the profile's
// errno. Both helper threads run on any CPU. Returns 0 or an errno value.
int load_with_report(const PreparedSeccomp& p) {
  if (p.notify_errno == 0) return EINVAL;
  static std::atomic<int> listener{-1};
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return errno;
  cpu_set_t pinned;
  if (sched_getaffinity(0, sizeof pinned, &pinned) != 0) return errno;
  sched_setaffinity(0, sizeof g_all_cpus, &g_all_cpus);  // inherited by the threads below
  auto monitor = DenialMonitor::start(Fd(sv[0]), DenialMonitor::Options{p.notify_errno, {}, false});
  if (!monitor) return EIO;
  (void)monitor->release();  // lives until exit_group
  std::thread([sock = sv[1]] {
    int fd;
    while ((fd = listener.load()) < 0) usleep(100);
    char byte = 'L';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    (void)sendmsg(sock, &msg, MSG_NOSIGNAL);
    close(fd);
  }).detach();
  if (sched_setaffinity(0, sizeof pinned, &pinned) != 0) return errno;
  sock_fprog prog{static_cast<unsigned short>(p.program.size()), const_cast<sock_filter*>(p.program.data())};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p.flags, &prog);
  if (fd < 0) return errno;
  listener.store(static_cast<int>(fd));
  return 0;
}

// Runs in the forked child; never returns. Everything it uses was built before
// the fork. After the profile is loaded only the trampoline's calls and
// exit_group are made (the profile may deny anything else).
[[noreturn]] void child(const Variant& v, Mode mode, const std::vector<Case>& cases, long iters,
                        const std::vector<sock_filter>& stub, Sample* out) {
  if (mode == Mode::Evaluated) {
    sock_fprog prog{static_cast<unsigned short>(stub.size()), const_cast<sock_filter*>(stub.data())};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
      out->load_error = errno;
      out->done = 1;
      _exit(1);
    }
    long none[6] = {};  // the stub must catch the trampoline, or bodies would run
    if (seccost_syscall(SYS_getpid, none) != -ENOSYS) {
      out->load_error = EPROTO;
      out->done = 1;
      _exit(1);
    }
  }
  if (v.filter != nullptr && v.report) {
    if (int err = load_with_report(*v.filter); err != 0) {
      out->load_error = err;
      out->done = 1;
      _exit(1);
    }
  } else if (v.filter != nullptr) {
    if (int err = apply_seccomp_in_child(*v.filter); err != 0) {
      out->load_error = err;
      out->done = 1;
      _exit(1);
    }
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].mode != mode) continue;
    out->first_ret[i] = seccost_syscall(cases[i].calls[0].nr, cases[i].calls[0].args);
    out->ns[i] = time_calls(cases[i].calls, iters);
  }
  out->done = 1;
  syscall(SYS_exit_group, 0);
  for (;;) {  // exit_group denied: the parent kills us once it sees done
  }
}

// Forks, measures, reaps. Returns false (with a message) when the child failed.
bool measure(const Variant& v, Mode mode, const std::vector<Case>& cases, long iters,
             const std::vector<sock_filter>& stub, Sample* out, std::string& why) {
  std::memset(static_cast<void*>(out), 0, sizeof *out);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  pid_t pid = fork();
  if (pid < 0) {
    why = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) child(v, mode, cases, iters, stub, out);
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (out->done) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    timespec tick{0, 10'000'000};  // rare wake-ups: the child shares our CPU
    sigtimedwait(&chld, nullptr, &tick);
  }
  if (out->load_error != 0) {
    why = out->load_error == EPROTO ? "the stub filter did not catch the trampoline's calls"
                                    : "loading the filter failed: " + std::string(std::strerror(out->load_error));
    return false;
  }
  if (!out->done) {
    why = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status)) +
                                    " (a profile whose action kills cannot be measured this way)"
                              : "exited with status " + std::to_string(WEXITSTATUS(status)) + " before finishing";
    return false;
  }
  return true;
}

// --- Cases ----------------------------------------------------------------------

// Syscalls that fail fast and harmlessly with these arguments, for "highest".
struct Harmless {
  const char* name;
  long args[6];
};
const Harmless kHarmless[] = {
    {"getppid", {}},
    {"getpid", {}},
    {"close", {-1}},                        // EBADF
    {"read", {-1}},                         // EBADF
    {"fdatasync", {-1}},                    // EBADF
    {"clock_gettime", {-1, 0}},             // EINVAL
    {"newfstatat", {-1, 0, 0, -1}},         // EINVAL: flags
    {"set_robust_list", {0, 1}},            // EINVAL: size
    {"prlimit64", {0, -1, 0, 0}},           // EINVAL: resource
    {"getrandom", {0, 0, -1}},              // EINVAL: flags
    {"statx", {-1, 0, -1, 0, 0}},           // EINVAL: flags
    {"rseq", {0, 0, -1, 0}},                // EINVAL: flags
    {"pidfd_open", {0, -1}},                // EINVAL: flags
    {"close_range", {-1, 0, 0}},            // EINVAL: first > last
    {"openat2", {-1, 0, 0, 0}},             // EINVAL: size
    {"faccessat2", {-1, 0, 0, -1}},         // EINVAL: flags
    {"epoll_pwait2", {-1, 0, 0, 0, 0, 0}},  // EINVAL/EBADF
    {"futex_waitv", {0, 0, -1, 0, 0}},      // EINVAL: flags
    {"cachestat", {-1, 0, 0, -1}},          // EINVAL/EBADF
    {"fchmodat2", {-1, 0, 0, -1}},          // EINVAL: flags
};

std::optional<Call> highest_common(const PreparedSeccomp& a, const PreparedSeccomp& b, std::string& name) {
  std::optional<Call> best;
  for (const auto& h : kHarmless) {
    auto nr = syscall_number("x86_64", h.name);
    if (!nr || (best && *nr <= best->nr) || !cached_allow(a, *nr) || !cached_allow(b, *nr)) continue;
    best = Call{*nr, {}};
    std::copy(std::begin(h.args), std::end(h.args), best->args);
    name = h.name;
  }
  return best;
}

// A call the generated profile denies with EPERM (its default) and that fails
// harmlessly where it is allowed (no filter, Docker's default): for the cost of
// a denied call with the report on and off.
std::optional<Case> denied_case(const PreparedSeccomp& gen) {
  static const Harmless kDeniable[] = {
      {"getpriority", {-1, 0}},      // EINVAL: which
      {"ioprio_get", {-1, 0}},       // EINVAL: which
      {"sched_getscheduler", {-1}},  // EINVAL: pid
      {"syslog", {-1, 0, 0}},        // EINVAL: type
  };
  for (const auto& h : kDeniable) {
    auto nr = syscall_number("x86_64", h.name);
    if (!nr) continue;
    Call c{*nr, {}};
    std::copy(std::begin(h.args), std::end(h.args), c.args);
    if (emulate(gen.program, data_for(c)).ret != (SECCOMP_RET_ERRNO | EPERM)) continue;
    return Case{std::string(h.name) + "(" + std::to_string(*nr) + ") denied", Mode::Executed, {c}};
  }
  return std::nullopt;
}

// The workload's most frequent syscall whose arguments the generated profile
// checks (so the kernel's action cache cannot skip its filter), with the
// recorded argument values in a form that fails before doing anything: a bad fd
// or an unaligned address. Only syscalls that have such a form are candidates.
std::optional<Case> arg_checked_case(const Recording& rec, const PreparedSeccomp& gen) {
  struct Form {
    const char* name;
    long args[6];
  };
  static const Form kForms[] = {
      {"mmap", {0, 0, 0, 0, -1, 0}},  // not MAP_ANONYMOUS, fd -1: EBADF
      {"mprotect", {1, 0, 0}},        // unaligned: EINVAL
      {"pkey_mprotect", {1, 0, 0, -1}},
      {"fcntl", {-1, 0, 0}},  // EBADF
      {"ioctl", {-1, 0, 0}},  // EBADF
  };
  auto counts = rec.syscalls.find("x86_64");
  auto args = rec.args.find("x86_64");
  if (counts == rec.syscalls.end() || args == rec.args.end()) return std::nullopt;
  std::optional<Case> best;
  uint64_t best_count = 0;
  for (const auto& f : kForms) {
    auto c = counts->second.find(f.name);
    auto a = args->second.find(f.name);
    auto nr = syscall_number("x86_64", f.name);
    if (c == counts->second.end() || a == args->second.end() || !nr || c->second <= best_count ||
        cached_allow(gen, *nr))
      continue;
    Case k{std::string(f.name) + "(" + std::to_string(*nr) + ") args executed", Mode::Executed, {}};
    for (const auto& t : a->second.tuples) {
      Call call{*nr, {}};
      std::copy(std::begin(f.args), std::end(f.args), call.args);
      for (size_t i = 0; i < t.size() && i < a->second.indices.size(); ++i)
        if (a->second.indices[i] < 6) call.args[a->second.indices[i]] = static_cast<long>(t[i]);
      k.calls.push_back(call);
    }
    if (k.calls.empty()) continue;
    best = std::move(k);
    best_count = c->second;
  }
  return best;
}

// Share of the calls for which the filter runs: not allowed by the action cache.
double share_evaluated(const PreparedSeccomp& p, const std::vector<Call>& calls) {
  size_t n = 0;
  for (const auto& c : calls) n += cached_allow(p, c.nr) ? 0 : 1;
  return calls.empty() ? 0 : static_cast<double>(n) / static_cast<double>(calls.size());
}

// The recorded mix: every native syscall as often as recorded (scaled down to
// about `limit` calls, at least one each), each recorded argument tuple in turn, in an order shuffled
// with a fixed seed so runs are comparable.
std::vector<Call> replay_calls(const Recording& rec, size_t limit, size_t& distinct) {
  std::vector<Call> calls;
  auto it = rec.syscalls.find("x86_64");
  if (it == rec.syscalls.end()) return calls;
  uint64_t total = 0;
  for (const auto& [name, count] : it->second) total += count;
  double scale = total > limit ? static_cast<double>(limit) / static_cast<double>(total) : 1.0;
  distinct = 0;
  for (const auto& [name, count] : it->second) {
    auto nr = syscall_number("x86_64", name);
    if (!nr) continue;
    ++distinct;
    std::vector<std::vector<uint64_t>> tuples;
    const ArgValues* av = nullptr;
    if (auto a = rec.args.find("x86_64"); a != rec.args.end())
      if (auto s = a->second.find(name); s != a->second.end()) av = &s->second;
    if (av != nullptr) tuples.assign(av->tuples.begin(), av->tuples.end());
    auto n = std::max<uint64_t>(1, static_cast<uint64_t>(static_cast<double>(count) * scale + 0.5));
    for (uint64_t i = 0; i < n; ++i) {
      Call c{*nr, {}};
      if (!tuples.empty()) {
        const auto& t = tuples[i % tuples.size()];
        for (size_t k = 0; k < t.size() && k < av->indices.size(); ++k)
          if (av->indices[k] < 6) c.args[av->indices[k]] = static_cast<long>(t[k]);
      }
      calls.push_back(c);
    }
  }
  uint64_t s = 0x9e3779b97f4a7c15ULL;
  for (size_t i = calls.size(); i > 1; --i) {  // Fisher-Yates with xorshift64
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    std::swap(calls[i - 1], calls[s % i]);
  }
  return calls;
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  size_t n = xs.size();
  return n == 0 ? 0 : n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

int usage() {
  std::fprintf(stderr, "usage: bench_seccomp_cost [--rounds N] [--iters N] [--cpu N] DOCKER_JSON BUNDLE_DIR...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  long rounds = 21, iters = 20000, cpu = -1;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto num = [&](long& v) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      v = std::strtol(argv[++i], &end, 10);
      return *end == '\0' && v >= 0;
    };
    if (a == "--rounds") {
      if (!num(rounds) || rounds < 1) return usage();
    } else if (a == "--iters") {
      if (!num(iters) || iters < 100) return usage();
    } else if (a == "--cpu") {
      if (!num(cpu)) return usage();
    } else if (a.rfind("--", 0) == 0) {
      return usage();
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() < 2) return usage();

  // Pin to one CPU (the last one we may use unless told): children inherit it,
  // so every variant runs on the same core and caches.
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return std::perror("sched_getaffinity"), 2;
  g_all_cpus = set;
  if (cpu < 0)
    for (int c = CPU_SETSIZE - 1; c >= 0; --c)
      if (CPU_ISSET(c, &set)) {
        cpu = c;
        break;
      }
  CPU_ZERO(&set);
  CPU_SET(static_cast<int>(cpu), &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    return std::fprintf(stderr, "sched_setaffinity(cpu %ld): %s\n", cpu, std::strerror(errno)), 2;

  auto docker = compile_seccomp_file(pos[0]);
  if (!docker) return std::fprintf(stderr, "%s\n", docker.error().message.c_str()), 2;
  auto* sample =
      static_cast<Sample*>(mmap(nullptr, sizeof(Sample), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  if (sample == MAP_FAILED) return std::perror("mmap"), 2;
  const auto stub = stub_program();
  bool all_pass = true;

  std::printf(
      "seccomp cost per call: %ld interleaved rounds, each timing %ld calls per case in batches (fastest batch\n"
      "kept), CPU %ld. ns/call: fastest round; ratios: median over rounds of the ratio within a round.\n",
      rounds, iters, cpu);
  std::printf("Docker default: %zu BPF instructions (%s)\n", docker->program.size(), pos[0].c_str());
  for (size_t b = 1; b < pos.size(); ++b) {
    const std::string& dir = pos[b];
    auto gen = compile_seccomp_file(dir + "/seccomp.json");
    if (!gen) return std::fprintf(stderr, "%s\n", gen.error().message.c_str()), 2;
    auto rec = load_recording(dir + "/recording.json");
    if (!rec) return std::fprintf(stderr, "%s\n", rec.error().message.c_str()), 2;

    std::vector<Case> cases;
    auto getppid_nr = *syscall_number("x86_64", "getppid");
    std::string hname;
    auto high = highest_common(*docker, *gen, hname);
    cases.push_back({"getppid         executed", Mode::Executed, {Call{getppid_nr, {}}}});
    if (high) cases.push_back({hname + "(" + std::to_string(high->nr) + ") executed", Mode::Executed, {*high}});
    if (auto k = arg_checked_case(*rec, *gen)) cases.push_back(std::move(*k));
    size_t denied_index = cases.size();
    if (auto k = denied_case(*gen))
      cases.push_back(std::move(*k));
    else
      denied_index = SIZE_MAX;
    cases.push_back({"getppid         evaluated", Mode::Evaluated, {Call{getppid_nr, {}}}});
    if (high) cases.push_back({hname + "(" + std::to_string(high->nr) + ") evaluated", Mode::Evaluated, {*high}});
    size_t distinct = 0;
    auto mix = replay_calls(*rec, 1000, distinct);
    if (mix.empty()) return std::fprintf(stderr, "%s/recording.json: no x86_64 syscalls to replay\n", dir.c_str()), 2;
    size_t mix_calls = mix.size();
    double share[] = {0, share_evaluated(*docker, mix), share_evaluated(*gen, mix)};
    // The parts of the mix each profile's filter runs for (not cached), timed
    // with the filter evaluated, for the "as run" estimate; not printed as rows.
    std::vector<Call> uncached[2];
    for (const auto& c : mix)
      for (int k = 0; k < 2; ++k)
        if (!cached_allow(k == 0 ? *docker : *gen, c.nr)) uncached[k].push_back(c);
    cases.push_back({"replay mix      evaluated", Mode::Evaluated, std::move(mix)});
    const size_t first_hidden = cases.size();
    static_assert(kMaxCases >= 9, "4 executed + 3 evaluated + 2 uncached parts");
    size_t uncached_case[3] = {};
    for (int k = 0; k < 2; ++k)
      if (!uncached[k].empty()) {
        uncached_case[k + 1] = cases.size();
        cases.push_back({"uncached part", Mode::Evaluated, std::move(uncached[k])});
      }

    SeccompCompileOptions with_report;
    with_report.notify_denials = true;
    auto gen_report = compile_seccomp_file(dir + "/seccomp.json", with_report);
    if (!gen_report) return std::fprintf(stderr, "%s\n", gen_report.error().message.c_str()), 2;
    if (gen_report->notify_errno == 0)
      return std::fprintf(stderr, "%s/seccomp.json: its default action is not an errno: no denial report\n",
                          dir.c_str()),
             2;
    Variant variants[] = {
        {"none", nullptr}, {"docker", &*docker}, {"generated", &*gen}, {"gen+report", &*gen_report, true}};
    constexpr size_t kV = 4;
    constexpr size_t kTable = 3;  // the first table: none, docker, generated
    std::vector<double> ns[kV][kMaxCases];
    long first[kV][kMaxCases] = {};
    for (long r = 0; r < rounds; ++r) {
      for (size_t k = 0; k < kV; ++k) {
        const Variant& v = variants[(k + static_cast<size_t>(r)) % kV];
        size_t vi = static_cast<size_t>(&v - variants);
        for (Mode mode : {Mode::Executed, Mode::Evaluated}) {
          std::string why;
          if (!measure(v, mode, cases, iters, stub, sample, why))
            return std::fprintf(stderr, "bench_seccomp_cost: %s, variant %s: %s\n", dir.c_str(), v.name.c_str(),
                                why.c_str()),
                   1;
          for (size_t i = 0; i < cases.size(); ++i)
            if (cases[i].mode == mode) {
              ns[vi][i].push_back(sample->ns[i]);
              first[vi][i] = sample->first_ret[i];
            }
        }
      }
    }

    auto best = [](const std::vector<double>& xs) { return *std::min_element(xs.begin(), xs.end()); };
    // Ratios are taken within each round (the variants ran milliseconds apart)
    // and their median reported: the machine's speed drifts between rounds.
    auto ratio = [&](size_t i, size_t num, size_t den) {
      std::vector<double> r;
      for (size_t j = 0; j < ns[num][i].size(); ++j) r.push_back(ns[num][i][j] / ns[den][i][j]);
      return median(r);
    };
    auto added = [&](size_t i, size_t k) {  // filter's own ns per call over "none"
      std::vector<double> r;
      for (size_t j = 0; j < ns[k][i].size(); ++j) r.push_back(ns[k][i][j] - ns[0][i][j]);
      return median(r);
    };
    std::printf("\nworkload %s: generated %zu BPF instructions; replay = %zu calls of %zu syscalls\n", dir.c_str(),
                gen->program.size(), mix_calls, distinct);
    if (!high) std::printf("  (no syscall of the harmless list is allowed unconditionally by both)\n");
    std::printf("  %-28s %6s %6s %6s  %6s %6s %6s  %9s  %s\n", "case (ns/call)", "none", "docker", "gen", "d/none",
                "g/none", "g/d", "insns d/g", "g<=d");
    for (size_t i = 0; i < first_hidden; ++i) {
      std::string insns;
      for (size_t k = 1; k < kTable; ++k) {
        const PreparedSeccomp* p = variants[k].filter;
        bool cached = cases[i].mode == Mode::Executed && share_evaluated(*p, cases[i].calls) == 0;
        char buf[32];
        std::snprintf(buf, sizeof buf, cached ? "c" : "%.0f", mean_insns(p, cases[i].calls));
        insns += (k > 1 ? "/" : "") + std::string(buf);
      }
      // The same work differs by a few percent from run to run on a shared
      // machine (identical cached paths differ by up to ~4%); within 5% counts
      // as "no more".
      double gd = ratio(i, 2, 1);
      // A denied call is not work both profiles do: Docker's runs its body.
      bool pass = gd <= 1.05 || i == denied_index;
      all_pass &= pass;
      std::string note;
      for (size_t k = 1; k < kTable; ++k)
        if (cases[i].mode == Mode::Executed && first[k][i] != first[0][i])
          note += " (" + variants[k].name +
                  " denies it: " + (first[k][i] < 0 ? strerrorname_np(static_cast<int>(-first[k][i])) : "?") + ")";
      std::printf("  %-28s %6.0f %6.0f %6.0f  %6.2f %6.2f %6.2f  %9s  %s%s\n", cases[i].name.c_str(), best(ns[0][i]),
                  best(ns[1][i]), best(ns[2][i]), ratio(i, 1, 0), ratio(i, 2, 0), gd, insns.c_str(),
                  i == denied_index ? "-"
                  : pass            ? "PASS"
                                    : "MISS",
                  note.c_str());
    }
    // The denial report (profile enforce's default) against the same filter
    // without it (--no-denials), same rounds: allowed calls must not notice;
    // a denied call pays the round trip to the launcher's monitor.
    std::printf("  denial report on vs off (gen+report / gen, within each round):\n");
    std::printf("  %-28s %6s %6s  %6s  %9s  %s\n", "case (ns/call)", "off", "on", "on/off", "insns", "on<=off");
    for (size_t i = 0; i < first_hidden; ++i) {
      double r = ratio(i, 3, 2);
      // Denied by the generated profile (with the report: notified and answered
      // by the monitor), e.g. getppid for a workload that never called it.
      bool denied = cases[i].mode == Mode::Executed &&
                    std::all_of(cases[i].calls.begin(), cases[i].calls.end(), [&](const Call& c) {
                      return emulate(gen->program, data_for(c)).ret == (SECCOMP_RET_ERRNO | EPERM);
                    });
      bool pass = denied || r <= 1.05;
      all_pass &= pass;
      std::string note;
      // Evaluated runs end in the stub's ERRNO, whichever filter said what.
      if (cases[i].mode == Mode::Executed && first[3][i] != first[2][i])
        note = " (answers differ: " + std::to_string(first[2][i]) + " / " + std::to_string(first[3][i]) + ")";
      else if (denied && first[3][i] < 0)
        note = std::string(" (both answer ") + strerrorname_np(static_cast<int>(-first[3][i])) + ")";
      // The same program but for the denials' return value: equal counts.
      char insns[32];
      bool cached = cases[i].mode == Mode::Executed && share_evaluated(*gen, cases[i].calls) == 0;
      std::snprintf(insns, sizeof insns, cached ? "c/c" : "%.0f/%.0f", mean_insns(&*gen, cases[i].calls),
                    mean_insns(&*gen_report, cases[i].calls));
      std::printf("  %-28s %6.0f %6.0f  %6.2f  %9s  %s%s\n", cases[i].name.c_str(), best(ns[2][i]), best(ns[3][i]), r,
                  insns,
                  denied ? "denied"
                  : pass ? "PASS"
                         : "MISS",
                  note.c_str());
    }
    // The replay ran with the action cache off. As the kernel runs the mix, a
    // profile's filter runs only for the calls it does not allow whatever the
    // arguments; those subsets were timed (evaluated) too.
    double est[kTable] = {};
    for (size_t k = 1; k < kTable; ++k)
      if (uncached_case[k] != 0) est[k] = share[k] * added(uncached_case[k], k);
    bool est_pass = est[2] <= est[1] + 1.0;
    (void)kV;
    all_pass &= est_pass;
    std::printf(
        "  %-28s the filter runs for %.0f%% / %.0f%% of the calls (docker / gen), adding\n"
        "  %-28s %.1f / %.1f ns per call of the mix (g <= d + 1 ns)  %s\n",
        "replay mix as run (est.)", 100 * share[1], 100 * share[2], "", est[1], est[2], est_pass ? "PASS" : "MISS");
  }
  std::printf("\noverall: %s\n", all_pass ? "PASS" : "MISS");
  std::printf(
      "insns: BPF instructions a filter executes per call (mean over the mix; c = the kernel's action\n"
      "cache allows the call without running the filter). PASS: generated <= Docker's default (+5%% noise).\n");
  return 0;
}
