#!/usr/bin/env bash
# The unit tests and the privileged launcher and tracer tests under
# AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan/ (or $1). CI runs it
# (scripts/test.sh), as root, without HOME or stdin.
# Warnings are not errors here: GCC 12 with ASan warns falsely inside std::regex
# (-Wmaybe-uninitialized); the main build keeps -Werror.
# Any report fails the run: ASan aborts on its first error, and UBSan is made
# to abort too (halt_on_error), so a finding is never just a line in a log.
#   scripts/sanitize.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
cmake -S . -B "$build" -DSANITIZE=address,undefined -DWERROR=OFF -DBUILD_TESTING=ON >/dev/null
# Only what runs below (profile_unit_tests: every test binary labelled `unit`; the CLI for the tests that
# run it), not the benchmarks and the integration, live and engine tests of the whole tree.
cmake --build "$build" -j"$(nproc)" --target profile_unit_tests profile enforce_launcher_test \
  ptrace_tracer_test ptrace_learn_test
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export PROFILE_STRICT=${PROFILE_STRICT:-1}
cd "$build"
ctest --output-on-failure --timeout 600 -j"$(nproc)" -L unit
# The launcher (clone, namespaces, cgroups, Landlock, seccomp) and the ptrace
# tracer, whose code runs between clone and exec and on every stop.
for t in tests/enforce/enforce_launcher_test tests/tracer/ptrace_tracer_test tests/tracer/ptrace_learn_test; do
  echo "sanitize: $t"
  "./$t" --gtest_brief=1
done
