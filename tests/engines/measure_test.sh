#!/usr/bin/env bash
# The re-measuring path a user with another runtime version takes:
# scripts/measure-runtime.sh ENGINE prints a [[runtime]] entry, `profile
# generate --runtimes FILE` uses it, and the engine starts the container under
# the result (engine_test.sh shows that the workload-only profile does not).
#
#   measure_test.sh PROFILE_BINARY MEASURE_SCRIPT ENGINE NNP
set -u
profile=$1
measure=$2
engine=$3
nnp=$4
fail=0
err() { echo "FAIL (measure $engine, NNP $nnp): $*"; fail=1; }
[ "$(id -u)" -eq 0 ] || { echo "measure_test: needs root"; [ "${PROFILE_STRICT:-0}" = 1 ] && exit 1; exit 77; }
for b in "${engine#podman-}" busybox scmp_sys_resolver; do
  command -v "$b" >/dev/null && continue
  echo "measure_test: $b is missing (scripts/install-deps.sh installs it)"
  [ "${PROFILE_STRICT:-0}" = 1 ] && exit 1
  exit 77
done
dir=$(mktemp -d /tmp/pm.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/m"

MEASURE_TMPDIR=$dir/m "$measure" --quiet 2 --nnp "$nnp" "$engine" >"$dir/entry.toml" 2>"$dir/err" || {
  cat "$dir/err"; err "measure-runtime.sh failed"; exit 1; }
cat "$dir/entry.toml"
# The calls every run makes (the Go runtime's futex/rt_sigreturn come and go).
case "$engine:$nnp" in
  runc:off) core="capget capset close execve getdents64 openat prctl setgid setgroups setuid write" ;;
  runc:on) core="close execve getdents64 openat write" ;;
  crun:off) core="capset close execve prctl setresgid setresuid write" ;;
  crun:on) core="close execve" ;;
  *) core="execve" ;;
esac
for n in $core; do grep -q "\"$n\"" "$dir/entry.toml" || err "the measurement lacks $n"; done
grep -q "^nnp = $([ "$nnp" = on ] && echo true || echo false)$" "$dir/entry.toml" || err "nnp is not recorded"
grep -q '^measured = ".*measure-runtime.sh' "$dir/entry.toml" || err "measured does not say how"

# The entry as the runtime data of a bundle: the engine starts the container.
"$profile" -q learn -o "$dir/b" -- /bin/busybox sh -c 'echo measured-ok' >/dev/null 2>&1 || err "learn failed"
"$profile" -q generate --runtimes "$dir/entry.toml" --runtime all "$dir/b" 2>"$dir/err" || {
  cat "$dir/err"; err "generate --runtimes failed"; }
out=$(MEASURE_TMPDIR=$dir/m "$measure" --bundle "$dir/b" --nnp "$nnp" "$engine" -- /bin/busybox sh -c 'echo measured-ok' 2>&1)
grep -qx measured-ok <<<"$out" || { err "the engine did not start the container under --runtimes FILE"; echo "$out"; }
[ -z "$(ls -A "$dir/m")" ] || err "left behind: $(ls -A "$dir/m")"
[ $fail -eq 0 ] && echo "ok: measure-runtime.sh $engine (NNP $nnp) gives data the engine starts the container with"
exit $fail
