// The recorded argument values (policies/args.toml) in the words of the kernel's
// headers: AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, TIOCGWINSZ, CLONE_NEWNS|CLONE_NEWUSER,
// PROT_EXEC, F_GETFL, PR_SET_NAME, ADDR_NO_RANDOMIZE... The tables are built from
// the libc and kernel uapi constants, so they say what the kernel means on this
// architecture. Pure logic: no system calls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace profile {

// The symbolic form of argument `index` of `syscall` holding `value`, "" when the
// argument has no symbolic meaning here (an id, a nice value) or the syscall is
// not one profile decodes. `mask` is what the value was masked with before it was
// recorded (policies/args.toml): a 0 under a partial mask of flags reads "no
// PROT_EXEC", not PROT_NONE. `family` is socket's first argument, which decides
// how its protocol reads (-1: unknown). Values without a name are kept as numbers
// inside the text ("AF_99", "CLONE_NEWNS|0x4"); an ioctl request without a name
// is spelled as _IOC(dir, 'type', nr, size).
std::string arg_value_name(const std::string& syscall, unsigned index, uint64_t value, uint64_t mask = ~uint64_t{0},
                           int64_t family = -1);

// "TIOCGWINSZ (0x5413)" when the value has a name, the decimal number alone
// otherwise ("65534"; "-1" for an id of all ones, "leave unchanged").
std::string arg_value_text(const std::string& syscall, unsigned index, uint64_t value, uint64_t mask = ~uint64_t{0},
                           int64_t family = -1);

// One recorded tuple, each value as arg_value_text says it; and the same (one value per index of `indices`, masks as
// recorded) in words joined with ", ": "AF_INET6 (10), SOCK_STREAM (1), IPPROTO_TCP (6)".
std::vector<std::string> arg_tuple_values(const std::string& syscall, const std::vector<unsigned>& indices,
                                          const std::vector<uint64_t>& masks, const std::vector<uint64_t>& tuple);
std::string arg_tuple_text(const std::string& syscall, const std::vector<unsigned>& indices,
                           const std::vector<uint64_t>& masks, const std::vector<uint64_t>& tuple);

}  // namespace profile
