#!/usr/bin/env bash
# The CI gate of examples/ci, as one script that github-actions.yml and
# gitlab-ci.yml both call (and tests/integration/ci_example_test.sh runs end to
# end): learn the service while its tests run, several runs; merge the runs into
# one bundle; check it against the profile committed in the repository; write
# the reports CI systems show.
#
# usage: learn-and-gate.sh --committed DIR --out DIR [--runs N] [--fail-on any|high|none] [--allow FILE]
#
#   OUT/runs/N-SUITE/      one learning run each (recording.json), its test log and --report JSON
#   OUT/bundle/            the merged profile: commit it to DIR when the change is intended
#   OUT/profile.sarif      SARIF 2.1.0 for code scanning (paths relative to the current directory)
#   OUT/profile.md         markdown, appended to $GITHUB_STEP_SUMMARY when that is set
#   OUT/profile-junit.xml  JUnit XML for GitLab's test report widget
#
# Exit status: 0 the gate passed (or nothing is committed at DIR yet: OUT/bundle is
# the profile to commit), 1 the gate failed, 2 bad usage or input, else the status
# of the service's tests when they failed while being learned.
# PROFILE names the profile binary (default: profile from PATH).
set -euo pipefail

PROFILE=${PROFILE:-profile}
here=$(cd "$(dirname "$0")" && pwd)
committed= out= runs=2 fail_on= allow=
usage() { sed -n '9p' "$0" | sed 's/^# //' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --committed) committed=${2-}; shift 2 || usage ;;
    --out) out=${2-}; shift 2 || usage ;;
    --runs) runs=${2-}; shift 2 || usage ;;
    --fail-on) fail_on=${2-}; shift 2 || usage ;;
    --allow) allow=${2-}; shift 2 || usage ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "learn-and-gate.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$committed" ] && [ -n "$out" ] || usage
case $runs in '' | *[!0-9]* | 0) echo "learn-and-gate.sh: --runs needs a positive number" >&2; exit 2 ;; esac

summary() {  # the job summary of GitHub Actions; plain stdout elsewhere
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$@" >>"$GITHUB_STEP_SUMMARY"; else cat "$@"; fi
}

# 1. Learn. Each run is one suite of the service's tests; the tests' output goes
#    to their log, the learning result to its --report file, never mixed.
rm -rf "$out/runs" "$out/bundle"
mkdir -p "$out/runs"
inputs=()
for i in $(seq 1 "$runs"); do
  for suite in read write; do
    run="$out/runs/$i-$suite"
    # Every run starts from the state of a fresh checkout (the service creates
    # var/), so that runs and jobs learn the same thing.
    rm -rf "$here/service/var"
    status=0
    "$PROFILE" -q learn --net loopback --no-generate -o "$run" --report "$run.json" -- \
      python3 "$here/service/test_app.py" "$suite" >"$run.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
      echo "learn-and-gate.sh: the service's tests ($suite) failed while being learned (exit $status):" >&2
      cat "$run.log" >&2
      exit "$status"
    fi
    python3 - "$run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if r["lost_events"]:
    sys.exit(f"{sys.argv[1]}: the tracer lost {r['lost_events']} events: the recording is incomplete")
print(f"learned {r['recording']} with {r['tracer']} (tests exited {r['exit_status']})")
PY
    inputs+=("$run")
  done
done

# 2. Merge the runs into the bundle to commit.
"$PROFILE" -q merge "${inputs[@]}" -o "$out/bundle"

# 3. Gate against the committed profile.
if [ ! -e "$committed/profile.toml" ]; then
  printf '## profile check\n\nNo profile is committed at `%s` yet: the learned bundle is in the job artifacts; commit it there.\n' \
    "$committed" >"$out/profile.md"
  summary "$out/profile.md"
  exit 0
fi
gate=("$PROFILE" -q check "$out/bundle" --against "$committed")
[ -z "$fail_on" ] || gate+=(--fail-on "$fail_on")
[ -z "$allow" ] || gate+=(--allow "$allow")
status=0
"${gate[@]}" --format sarif >"$out/profile.sarif" || status=$?
[ "$status" -le 1 ] || exit "$status"
for report in "junit:profile-junit.xml" "markdown:profile.md"; do
  s=0
  "${gate[@]}" --format "${report%%:*}" >"$out/${report#*:}" 2>/dev/null || s=$?
  [ "$s" -eq "$status" ] || { echo "learn-and-gate.sh: the ${report%%:*} report disagrees (exit $s)" >&2; exit 2; }
done
summary "$out/profile.md"
if [ "$status" -eq 1 ]; then
  echo "learn-and-gate.sh: the gate failed: the service now needs what $committed does not grant (see $out/profile.md)" >&2
fi
exit "$status"
