#!/usr/bin/env bash
# The start latency `profile oci-hook` adds to a container under podman.
#
#   bench/oci_hook_latency.sh [BUILD_DIR]          (default: ./build)
#   ROUNDS=11 bench/oci_hook_latency.sh build
#
# Two variants of `podman run --rm IMG /bin/true` (a static busybox image,
# podman with private storage, vfs, cgroupfs, runc), interleaved in a rotating
# order, ROUNDS (default 7) each:
#   plain   no hook
#   hook    --hooks-dir with profile-learn.json and --annotation io.profile.learn=DIR:
#           the prestart hook starts the detached eBPF recorder and waits until
#           it is attached (the bundle is written after the container is gone,
#           off the measured path)
# Prints the median and p95 of each, the added median and the ratio of medians.
# Needs root, podman, runc and busybox (static).
set -euo pipefail

BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
PROFILE=$BUILD/cli/profile
ROUNDS=${ROUNDS:-7}
[ "$(id -u)" -eq 0 ] || { echo "oci_hook_latency: needs root" >&2; exit 2; }
for b in podman runc busybox python3; do command -v "$b" >/dev/null || { echo "oci_hook_latency: $b missing" >&2; exit 2; }; done

tmp=$(mktemp -d /tmp/pohb.XXXXXX)
cleanup() {
  set +e
  # The recorders are detached: their bundles are written after the runs.
  for o in "$tmp"/out*; do
    for _ in $(seq 100); do grep -q "wrote the bundle\|cannot" "$o/hook.log" 2>/dev/null && break; sleep 0.1; done
  done
  for _ in $(seq 100); do
    busy=""
    for p in /proc/[0-9]*; do
      [ "${p#/proc/}" = $$ ] && continue
      c=$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
      case "$c" in *"$tmp"*) busy+=" ${p#/proc/}" ;; esac
    done
    [ -n "$busy" ] || break
    sleep 0.1
  done
  [ -n "${busy:-}" ] && kill -KILL $busy 2>/dev/null
  grep -o " $tmp[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/rootfs"/{bin,proc,dev,sys,tmp,etc}
cp "$(command -v busybox)" "$tmp/rootfs/bin/busybox"
ln -s busybox "$tmp/rootfs/bin/true"
tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
P=(podman --root "$tmp/storage" --runroot "$tmp/prun" --storage-driver vfs --cgroup-manager cgroupfs
   --events-backend file --runtime runc --tmpdir "$tmp/ptmp")
"${P[@]}" import "$tmp/rootfs.tar" localhost/pohb:latest >/dev/null
"$PROFILE" -q oci-hook --install "$tmp/hooks"
ropts=(--rm --network none)
eff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
(( (16#$eff >> 24) & 1 )) || ropts+=(--ulimit nofile=1024:20000 --ulimit nproc=4096:4096)

now() { date +%s%N; }
run_plain() { "${P[@]}" run "${ropts[@]}" localhost/pohb:latest /bin/true; }
run_hook() {
  "${P[@]}" --hooks-dir "$tmp/hooks" run "${ropts[@]}" --annotation "io.profile.learn=$tmp/out$1" \
    localhost/pohb:latest /bin/true
}
run_plain >/dev/null; run_hook warm >/dev/null  # page cache, podman's first-run setup
plain=() hook=()
for ((i = 0; i < ROUNDS; i++)); do
  if (( i % 2 == 0 )); then order="plain hook"; else order="hook plain"; fi
  for v in $order; do
    t0=$(now)
    if [ "$v" = plain ]; then run_plain >/dev/null; else run_hook "$i" >/dev/null; fi
    t1=$(now)
    ms=$(( (t1 - t0) / 1000000 ))
    if [ "$v" = plain ]; then plain+=("$ms"); else hook+=("$ms"); fi
  done
done
python3 - "${plain[*]}" "${hook[*]}" "$ROUNDS" <<'PY'
import statistics, sys
plain = [int(x) for x in sys.argv[1].split()]
hook = [int(x) for x in sys.argv[2].split()]
def p95(v):
    v = sorted(v); return v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
mp, mh = statistics.median(plain), statistics.median(hook)
print(f"podman run --rm IMG /bin/true, {sys.argv[3]} interleaved rounds (ms)")
print(f"  {'variant':<8} {'median':>8} {'p95':>8}  runs")
print(f"  {'plain':<8} {mp:>8.0f} {p95(plain):>8}  {plain}")
print(f"  {'hook':<8} {mh:>8.0f} {p95(hook):>8}  {hook}")
print(f"  added by the hook: {mh - mp:.0f} ms (median), ratio hook/plain {mh / mp:.2f}")
PY
