#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the Debian packages, builds
# with warnings as errors, runs every test (privileged ones included), then the
# checks reviewers make (formatting, fuzz smoke).
# PROFILE_STRICT=1 (the default here) turns a skipped privileged test into a
# failure; set PROFILE_STRICT=0 on a machine that truly lacks a feature.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DWERROR=ON -DBUILD_TESTING=ON >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
export PROFILE_STRICT=${PROFILE_STRICT:-1}
# Reference files from outside the repository (Docker's default seccomp profile, ...), for the benchmarks
# and tests that compare against them: they reach ../shared only through this variable.
if [ -z "${PROFILE_REFERENCE:-}" ] && [ -d ../shared/reference ]; then
  PROFILE_REFERENCE=$(cd ../shared/reference && pwd)
  export PROFILE_REFERENCE
fi
(cd "$BUILD_DIR" && ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@")
# What reviewers check, after the suite (PROFILE_CHECKS=0, or a ctest filter in
# the arguments, skips them for a quick local run; CI always runs them):
# formatting, and a minute of every fuzz target. scripts/sanitize.sh (the unit,
# launcher and tracer tests under ASan+UBSan) and scripts/lint.sh --tidy are
# separate commands until they have passed on this tree.
if [ $# -eq 0 ] && [ "${PROFILE_CHECKS:-1}" = 1 ]; then
  ./scripts/lint.sh "$BUILD_DIR"
  ./scripts/fuzz.sh 60
fi
