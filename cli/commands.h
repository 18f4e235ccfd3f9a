// One register_* function per subcommand, each in its own file. A subcommand's
// callback stores the process exit status in `exit_code`; fatal user errors are
// thrown as FatalError and printed once by main().
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/result.h"

namespace profile::cli {

struct Context {
  int exit_code = 0;
};

// Documented exit codes shared by every subcommand (see man/profile.1).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;  // diff/check: something new or not allowed
inline constexpr int kExitUsage = 2;     // bad arguments or bad input files

// The one way a command gives up: a FatalError, printed once by main() and
// turned into `code`, or, without one, into the exit status of the Error's kind.
[[noreturn]] inline void fail(const Error& e, int code) {
  throw FatalError{e, code};
}
[[noreturn]] inline void fail(const Error& e) {
  throw FatalError{e};
}
[[noreturn]] inline void fail(const std::string& message, int code) {
  throw FatalError{make_error(message), code};
}

void register_learn(CLI::App& app, Context& ctx);
void register_show(CLI::App& app, Context& ctx);
void register_generate(CLI::App& app, Context& ctx);
void register_merge(CLI::App& app, Context& ctx);
void register_diff(CLI::App& app, Context& ctx);
void register_check(CLI::App& app, Context& ctx);
void register_selinux_install(CLI::App& app, Context& ctx);
void register_enforce(CLI::App& app, Context& ctx);
void register_oci_hook(CLI::App& app, Context& ctx);
void register_label(CLI::App& app, Context& ctx);

}  // namespace profile::cli
