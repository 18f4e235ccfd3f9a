#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, AddressSanitizer + UndefinedBehaviorSanitizer) in build-fuzz/ and
# runs each for SECONDS (default 60), one after the other, reporting its executions and crashes. Exits 1 when a
# target crashed (the input is kept in build-fuzz/crashes/TARGET/; fix the parser and make the input a regression
# test), 2 on a usage or build error.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 600 seccomp_json landlock_json
#
# Targets: recording_json manifest landlock_json seccomp_json policy_toml. Each starts from the corpus it grew
# before (build-fuzz/corpus/TARGET/), the seeds committed in fuzz/corpus/TARGET/ and the test data of the same
# format (tests/profilegen/golden/, tests/selinux/fixtures/, policies/, and Docker's default seccomp profile
# from PROFILE_REFERENCE when set). Environment: FUZZ_BUILD (build directory), FUZZ_JOBS (targets run at once,
# niced; default 1).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
seconds=${1:-60}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a positive number, not \"$seconds\"" >&2
  exit 2
fi
shift || true
all=(recording_json manifest landlock_json seccomp_json policy_toml)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target \"$t\" (expected one of ${all[*]})" >&2; exit 2; }
done

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ is missing (scripts/install-deps.sh installs it with libFuzzer)" >&2
  exit 2
fi
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DPROFILE_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null || exit 2
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]/#/fuzz_}" >/dev/null || exit 2

# Test data of each target's format, copied in as seeds.
seeds() {
  case $1 in
    recording_json) ls "$root"/tests/selinux/fixtures/*.json ;;
    manifest) ls "$root"/tests/profilegen/golden/manifest.toml ;;
    landlock_json) ls "$root"/tests/profilegen/golden/landlock.json ;;
    seccomp_json)
      ls "$root"/tests/profilegen/golden/seccomp.json "$root"/tests/profilegen/golden/seccomp.oci.json
      # Docker's default profile (includes, excludes, archMap), when the reference data is there.
      [ -n "${PROFILE_REFERENCE:-}" ] && ls "$PROFILE_REFERENCE"/docker-default-seccomp.json 2>/dev/null || true
      ;;
    policy_toml) ls "$root"/policies/*.toml ;;
  esac
  ls "$root"/fuzz/corpus/"$1"/* 2>/dev/null || true
}

run_one() {
  local t=$1 corpus="$build/corpus/$1" crashes="$build/crashes/$1" log="$build/fuzz-$1.log"
  mkdir -p "$corpus" "$crashes"
  seeds "$t" | while read -r f; do cp -n "$f" "$corpus/seed-$(basename "$f")"; done
  # -timeout: an input that takes 25 s is a hang, reported like a crash; -rss_limit_mb the same for memory.
  LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" nice -n 10 "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1 || true
}

# Crashing inputs of earlier runs stay in build-fuzz/crashes/; only this run's count.
stamp="$build/fuzz-run.stamp"
touch "$stamp"
jobs_max=${FUZZ_JOBS:-1}
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  run_one "$t" &
done
wait

status=0
for t in "${targets[@]}"; do
  log="$build/fuzz-$t.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found=$(find "$build/crashes/$t" -type f -newer "$stamp" | wc -l)
  if [ -z "$execs" ] || [ "$found" -gt 0 ]; then
    status=1
    echo "fuzz_$t: ${execs:-?} executions, $found crashing inputs in $build/crashes/$t/ (log: $log)"
    grep -m3 -E "^==[0-9]+==ERROR|runtime error|fuzz check failed|deadly signal|Timeout|out-of-memory" "$log" || true
  else
    echo "fuzz_$t: $execs executions in ${seconds} s, no crash ($(ls "$build/corpus/$t" | wc -l) inputs in the corpus)"
  fi
done
exit $status
