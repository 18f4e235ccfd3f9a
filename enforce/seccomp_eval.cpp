#include "enforce/seccomp_eval.h"

#include <linux/audit.h>

#include <cstddef>
#include <cstring>

namespace profile {

Result<uint32_t> run_seccomp_bpf(const std::vector<sock_filter>& program, const seccomp_data& data) {
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  const size_t n = program.size();
  // Jumps are forward only (unsigned offsets), so the loop ends within n steps.
  for (size_t pc = 0; pc < n; ++pc) {
    const sock_filter& f = program[pc];
    const uint16_t cls = BPF_CLASS(f.code);
    auto bad = [&](const char* what) {
      return make_error("seccomp program: instruction " + std::to_string(pc) + " (code " + std::to_string(f.code) +
                        "): " + what);
    };
    switch (cls) {
      case BPF_LD:
      case BPF_LDX: {
        uint32_t v = 0;
        const uint16_t mode = BPF_MODE(f.code);
        if (mode == BPF_ABS && cls == BPF_LD && BPF_SIZE(f.code) == BPF_W) {
          if (f.k % 4 != 0 || f.k + 4 > sizeof(seccomp_data)) return bad("load outside seccomp_data");
          std::memcpy(&v, reinterpret_cast<const char*>(&data) + f.k, 4);
        } else if (mode == BPF_IMM) {
          v = f.k;
        } else if (mode == BPF_MEM) {
          if (f.k >= BPF_MEMWORDS) return bad("scratch memory index out of range");
          v = mem[f.k];
        } else if (mode == BPF_LEN) {
          v = sizeof(seccomp_data);
        } else {
          return bad("load mode seccomp does not accept");
        }
        (cls == BPF_LD ? a : x) = v;
        break;
      }
      case BPF_ST:
      case BPF_STX:
        if (f.k >= BPF_MEMWORDS) return bad("scratch memory index out of range");
        mem[f.k] = cls == BPF_ST ? a : x;
        break;
      case BPF_ALU: {
        const uint32_t s = BPF_SRC(f.code) == BPF_X ? x : f.k;
        switch (BPF_OP(f.code)) {
          case BPF_ADD:
            a += s;
            break;
          case BPF_SUB:
            a -= s;
            break;
          case BPF_MUL:
            a *= s;
            break;
          case BPF_DIV:
            if (s == 0) return bad("division by zero");
            a /= s;
            break;
          case BPF_MOD:
            if (s == 0) return bad("division by zero");
            a %= s;
            break;
          case BPF_OR:
            a |= s;
            break;
          case BPF_AND:
            a &= s;
            break;
          case BPF_XOR:
            a ^= s;
            break;
          case BPF_LSH:
            a = s >= 32 ? 0 : a << s;
            break;
          case BPF_RSH:
            a = s >= 32 ? 0 : a >> s;
            break;
          case BPF_NEG:
            a = 0 - a;
            break;
          default:
            return bad("unknown ALU operation");
        }
        break;
      }
      case BPF_JMP: {
        size_t next = 0;
        if (BPF_OP(f.code) == BPF_JA) {
          next = pc + 1 + f.k;
        } else {
          const uint32_t s = BPF_SRC(f.code) == BPF_X ? x : f.k;
          bool c = false;
          switch (BPF_OP(f.code)) {
            case BPF_JEQ:
              c = a == s;
              break;
            case BPF_JGT:
              c = a > s;
              break;
            case BPF_JGE:
              c = a >= s;
              break;
            case BPF_JSET:
              c = (a & s) != 0;
              break;
            default:
              return bad("unknown jump");
          }
          next = pc + 1 + (c ? f.jt : f.jf);
        }
        if (next >= n) return bad("jump past the end of the program");
        pc = next - 1;
        break;
      }
      case BPF_RET:
        if (BPF_RVAL(f.code) == BPF_K) return f.k;
        if (BPF_RVAL(f.code) == BPF_A) return a;
        return bad("return of X");
      case BPF_MISC:
        if (BPF_MISCOP(f.code) == BPF_TAX)
          x = a;
        else
          a = x;
        break;
      default:
        return bad("unknown instruction class");
    }
  }
  return make_error("seccomp program: falls off the end without a return");
}

std::string seccomp_ret_text(uint32_t ret) {
  const uint32_t action = ret & SECCOMP_RET_ACTION_FULL, data = ret & SECCOMP_RET_DATA;
  switch (action) {
    case SECCOMP_RET_KILL_PROCESS:
      return "KILL_PROCESS";
    case SECCOMP_RET_KILL_THREAD:
      return "KILL_THREAD";
    case SECCOMP_RET_TRAP:
      return "TRAP";
    case SECCOMP_RET_ERRNO:
      return "ERRNO(" + std::to_string(data) + ")";
    case SECCOMP_RET_USER_NOTIF:
      return "USER_NOTIF";
    case SECCOMP_RET_TRACE:
      return "TRACE";
    case SECCOMP_RET_LOG:
      return "LOG";
    case SECCOMP_RET_ALLOW:
      return "ALLOW";
    default:
      return "ret " + std::to_string(ret);
  }
}

bool seccomp_ret_allows(uint32_t ret) {
  const uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
  return action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG;
}

uint32_t audit_arch_of(const std::string& arch) {
  if (arch == "x86_64" || arch == "x32") return AUDIT_ARCH_X86_64;
  if (arch == "x86") return AUDIT_ARCH_I386;
  if (arch == "aarch64") return AUDIT_ARCH_AARCH64;
  if (arch == "arm") return AUDIT_ARCH_ARM;
  if (arch == "riscv64") return AUDIT_ARCH_RISCV64;
  if (arch == "ppc64le") return AUDIT_ARCH_PPC64LE;
  if (arch == "s390x") return AUDIT_ARCH_S390X;
  return 0;
}

}  // namespace profile
