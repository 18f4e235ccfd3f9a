#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the Debian packages, builds
# with warnings as errors, runs every test (privileged ones included).
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
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@"
