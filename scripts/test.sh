#!/usr/bin/env bash
# The whole test suite, from a fresh clone, as CI runs it (.ci/run): installs the
# Debian packages, builds with warnings as errors, runs every test (privileged
# ones included), then clang-format (scripts/lint.sh) and a minute of every fuzz
# target (scripts/fuzz.sh 60). Each stage prints the wall time it took: on 2
# cores, build ~6-10 min, ctest ~3, fuzz ~8. scripts/sanitize.sh (ASan+UBSan)
# and scripts/lint.sh --tidy (clang-tidy-16) are separate commands for now (see
# below).
# PROFILE_STRICT=1 (the default here) turns a skipped privileged test into a
# failure; set PROFILE_STRICT=0 on a machine that truly lacks a feature.
set -euo pipefail
cd "$(dirname "$0")/.."
stage_start=$SECONDS
# stage NAME: the time since the previous stage ended, under NAME.
stage() {
  local t=$((SECONDS - stage_start))
  printf 'test.sh: %s took %dm%02ds\n' "$1" $((t / 60)) $((t % 60))
  stage_start=$SECONDS
}
./scripts/install-deps.sh
stage install-deps
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DWERROR=ON -DBUILD_TESTING=ON >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
stage build
export PROFILE_STRICT=${PROFILE_STRICT:-1}
# Reference files from outside the repository (Docker's default seccomp profile, ...), for the benchmarks
# and tests that compare against them: they reach ../shared only through this variable.
if [ -z "${PROFILE_REFERENCE:-}" ] && [ -d ../shared/reference ]; then
  PROFILE_REFERENCE=$(cd ../shared/reference && pwd)
  export PROFILE_REFERENCE
fi
(cd "$BUILD_DIR" && ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@")
stage ctest
# What reviewers check, after the suite (PROFILE_CHECKS=0, or a ctest filter in
# the arguments, skips them for a quick local run; CI always runs them). Each
# runs even when one before it failed, so one CI run reports every finding.
if [ $# -eq 0 ] && [ "${PROFILE_CHECKS:-1}" = 1 ]; then
  failed=()
  # Not here yet, run them by hand: scripts/sanitize.sh (the ASan+UBSan build
  # takes ~35 min on 2 cores, and libsepol's tests abort under it) and
  # scripts/lint.sh --tidy (clean on the tree before the last merges, not
  # re-checked after them).
  ./scripts/lint.sh "$BUILD_DIR" || failed+=(lint)
  stage lint
  ./scripts/fuzz.sh 60 || failed+=(fuzz)
  stage fuzz
  if [ ${#failed[@]} -gt 0 ]; then
    echo "test.sh: failed: ${failed[*]}"
    exit 1
  fi
fi
