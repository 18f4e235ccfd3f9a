#!/usr/bin/env bash
# The whole test suite, from a fresh clone, as CI runs it (.ci/run): installs the
# Debian packages, builds with warnings as errors, runs every test (privileged
# ones included), then the checks reviewers make: the unit, launcher and tracer
# tests under ASan+UBSan (scripts/sanitize.sh), clang-format and clang-tidy as
# errors (scripts/lint.sh --tidy), and a minute of every fuzz target
# (scripts/fuzz.sh 60). Each stage prints the wall time it took. On 2 cores,
# measured or estimated from CPU time (December 2026): build ~10 min from cold
# ccache, ctest 3-5, sanitize ~12 (ASan build of the tested targets ~10, tests ~2),
# clang-tidy ~8 (84 files, ~16 CPU-minutes), fuzz ~8 (build, then 5 x 60 s):
# about 45 minutes, inside CI's 90.
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
  ./scripts/sanitize.sh || failed+=(sanitize)
  stage sanitize
  ./scripts/lint.sh --tidy "$BUILD_DIR" || failed+=(lint)
  stage lint
  ./scripts/fuzz.sh 60 || failed+=(fuzz)
  stage fuzz
  if [ ${#failed[@]} -gt 0 ]; then
    echo "test.sh: failed: ${failed[*]}"
    exit 1
  fi
fi
