// The `profile` binary: parsing and dispatch only; the work lives in the libraries.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "common/log.h"
#include "common/result.h"

namespace {

int run(int argc, char** argv) {
  using namespace profile;
  CLI::App app{
      "profile: learn what a workload does, generate the smallest seccomp, Landlock and SELinux\n"
      "profiles that still let it run, and run it confined by them.\n\n"
      "Typical use:\n"
      "  profile learn -o myapp -- ./myapp --serve     record a run, write the bundle myapp/\n"
      "  profile show myapp                            what it did, dangerous syscalls marked\n"
      "  profile enforce myapp                         run it again, confined\n",
      "profile"};
  app.set_version_flag("--version", std::string("profile ") + PROFILE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  bool verbose = false;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbose, "Print debugging detail on stderr");
  app.add_flag("-q,--quiet", quiet, "Print errors only (no progress or notices)");
  app.parse_complete_callback([&] {
    if (quiet)
      log::set_level(log::Level::Error);
    else if (verbose)
      log::set_level(log::Level::Debug);
  });

  cli::Context ctx;
  cli::register_learn(app, ctx);
  cli::register_show(app, ctx);
  cli::register_generate(app, ctx);
  cli::register_merge(app, ctx);
  cli::register_diff(app, ctx);
  cli::register_check(app, ctx);
  cli::register_selinux_install(app, ctx);
  cli::register_enforce(app, ctx);
  cli::register_oci_hook(app, ctx);
  cli::register_label(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "profile: %s\nRun 'profile --help' or 'profile COMMAND --help' for usage.\n", e.what());
    return cli::kExitUsage;
  } catch (const FatalError& f) {
    // The one failure path: the code is the thrower's, or follows the Error's kind.
    log::error(f.error.message);
    return f.exit_code >= 0 ? f.exit_code : exit_code_for(f.error);
  } catch (const std::exception& e) {
    // A bug, not a user error: still one line, never a stack trace.
    log::error(std::string("internal error: ") + e.what());
    return 70;  // EX_SOFTWARE
  }
  return ctx.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // run() turns every error into one line and an exit code; this only catches
  // what escapes that (CLI11's setup throwing), so that nothing ends in terminate().
  try {
    return run(argc, argv);
  } catch (...) {
    std::fputs("profile: internal error while starting\n", stderr);
    return 70;  // EX_SOFTWARE
  }
}
