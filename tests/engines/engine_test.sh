#!/usr/bin/env bash
# A real container engine runs a workload under the profile `profile learn`
# made from it, and denies what the workload never did.
#
#   engine_test.sh PROFILE_BINARY MEASURE_SCRIPT ENGINE NNP
#   ENGINE: runc | crun | podman-runc | podman-crun | docker | containerd; NNP: on | off
#
# 1. learn a busybox pipeline (echo | wc, ls, cat | head) with `profile learn`;
# 2. run it in ENGINE (scripts/measure-runtime.sh --bundle: a locally built
#    image, daemons on private sockets and data roots, stopped by pid) under
#    the bundle as learn wrote it (--runtime all) and as generated for this
#    engine only (--runtime ENGINE --runtime-nnp NNP): the output is the
#    learned one, and chmod (fchmodat) and unshare(CLONE_NEWUSER), never made
#    while learning, fail with EPERM;
# 3. the same bundle generated with --runtime none does not start (the
#    runtime's own calls are what makes it start), except where the runtime
#    makes no call the workload lacks (crun with NNP on: close, execve);
# 4. nothing is left behind: no process, mount or file below the test's directory.
# Machine quirks (crun and hybrid cgroups, podman's ulimits without
# CAP_SYS_RESOURCE) are handled by the script, not by the profile.
set -u
profile=$1
measure=$2
engine=$3
nnp=$4
fail=0
err() { echo "FAIL ($engine, NNP $nnp): $*"; fail=1; }

[ "$(id -u)" -eq 0 ] || { echo "engine_test: needs root"; [ "${PROFILE_STRICT:-0}" = 1 ] && exit 1; exit 77; }
case "$engine" in
  runc|crun) bins=("$engine") ;;
  podman-*) bins=(podman conmon "${engine#podman-}") ;;
  docker) bins=(dockerd /usr/bin/docker containerd runc) ;;
  containerd) bins=(containerd ctr runc) ;;
  *) echo "engine_test: unknown engine $engine"; exit 2 ;;
esac
# A missing engine is a skip (ctest: 77) on a user's machine, a failure where
# PROFILE_STRICT=1 (scripts/test.sh, CI).
for b in "${bins[@]}" busybox scmp_sys_resolver; do
  command -v "$b" >/dev/null && continue
  echo "engine_test: $b is missing (scripts/install-deps.sh installs it)"
  [ "${PROFILE_STRICT:-0}" = 1 ] && exit 1
  exit 77
done

dir=$(mktemp -d /tmp/pe.XXXXXX)
trap 'rm -rf "$dir"' EXIT
work='echo hello world | /bin/busybox wc -w; /bin/busybox ls / >/dev/null; /bin/busybox cat /etc/passwd | /bin/busybox head -1'
attack='/bin/busybox chmod 600 /etc/passwd; echo chmod=$?; /bin/busybox unshare -U true; echo unshare=$?'

# The image's /etc/passwd is the one to read: learn with the same content.
mkdir -p "$dir/learn"
"$profile" -q learn -o "$dir/b" -- /bin/busybox sh -c "$work" >"$dir/learn/out" 2>&1 || {
  cat "$dir/learn/out"; err "profile learn failed"; exit 1; }

case "$engine" in
  podman-runc) sel=runc ;;
  podman-crun) sel=crun ;;
  *) sel=$engine ;;
esac
cp -a "$dir/b" "$dir/own"
"$profile" -q generate --runtime "$sel" --runtime-nnp "$nnp" "$dir/own" || err "generate --runtime $sel failed"
cp -a "$dir/b" "$dir/none"
"$profile" -q generate --runtime none "$dir/none" || err "generate --runtime none failed"

mkdir -p "$dir/m"
run() { # bundle -> output in $dir/out, status in $rc
  rc=0
  MEASURE_TMPDIR=$dir/m "$measure" --bundle "$1" --nnp "$nnp" "$engine" -- /bin/busybox sh -c "$work; $attack" \
    >"$dir/out" 2>&1 || rc=$?
}
for b in b own; do
  run "$dir/$b"
  what="bundle '$b' (--runtime $([ $b = b ] && echo all || echo "$sel --runtime-nnp $nnp"))"
  [ $rc -eq 0 ] || err "$what: the container failed (exit $rc)"
  grep -qx 2 "$dir/out" || err "$what: echo | wc -w did not print 2"
  grep -q '^root:x:0:0:' "$dir/out" || err "$what: cat | head did not print the passwd line"
  grep -qx 'chmod=1' "$dir/out" || err "$what: chmod was not denied"
  grep -q 'chmod: /etc/passwd: Operation not permitted' "$dir/out" || err "$what: chmod did not fail with EPERM"
  grep -qx 'unshare=1' "$dir/out" || err "$what: unshare -U was not denied"
  grep -q 'unshare(0x10000000): Operation not permitted' "$dir/out" || err "$what: unshare did not fail with EPERM"
  [ $fail -eq 0 ] || { echo "--- $what output:"; cat "$dir/out"; }
done

# Where the runtime makes no call the workload lacks (crun with NNP on: close,
# execve), the bundle has no runtime rule.
needs_part=1
case "$engine:$nnp" in crun:on|podman-crun:on) needs_part=0 ;; esac

# show lists the runtime part apart; show --apply prints the option this test used.
"$profile" show "$dir/own" >"$dir/show" 2>&1 || err "profile show failed"
if [ $needs_part -eq 1 ]; then
  grep -q "^Container runtime part (engine formats only" "$dir/show" || err "show does not list the runtime part"
fi
case "$engine" in
  runc|crun) want="$dir/own/seccomp.oci.json '.linux.seccomp" ;;
  podman-*) want="podman run --security-opt seccomp=$dir/own/seccomp.json" ;;
  docker) want="docker run --security-opt seccomp=$dir/own/seccomp.json" ;;
  containerd) want="ctr run --seccomp --seccomp-profile $dir/own/seccomp.json" ;;
esac
"$profile" show "$dir/own" --apply "${engine%-*}" >"$dir/apply" 2>&1 || err "show --apply ${engine%-*} failed"
grep -qF -- "$want" "$dir/apply" || { err "show --apply ${engine%-*} does not print: $want"; cat "$dir/apply"; }

# The runtime part is what lets the engine start the container.
if [ $needs_part -eq 1 ]; then
  run "$dir/none"
  if [ $rc -eq 0 ] || grep -qx 2 "$dir/out"; then
    err "the workload-only profile (--runtime none) started the container: the runtime part is not needed?"
    cat "$dir/out"
  fi
fi

# Nothing left behind.
left=$(find "$dir/m" -mindepth 1 -maxdepth 1 2>/dev/null)
[ -z "$left" ] || err "left behind: $left"
for p in /proc/[0-9]*; do
  for l in cwd root; do
    t=$(readlink "$p/$l" 2>/dev/null) || continue
    case "$t" in "$dir"/*) err "process ${p#/proc/} ($(cat "$p/comm" 2>/dev/null)) still runs in $t" ;; esac
  done
done
! grep -q " $dir/" /proc/self/mounts || err "mounts left below $dir"

[ $fail -eq 0 ] && echo "ok: $engine, NNP $nnp: starts under the learned profile, chmod and unshare denied"
exit $fail
