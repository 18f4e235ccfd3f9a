#!/usr/bin/env bash
# Learning overhead of the eBPF tracer against its peers, measured in
# one invocation: rounds interleave the variants, and each variant's figure is
# the median over rounds of its time divided by native's time in the same round.
#
#   W1  syscall storm: bench_learn_storm (getppid + openat/read/close) N times
#   W2  file-heavy: tar of a generated tree of 10,000 files into a file
#
# `profile learn` runs with --no-generate: this measures learning, not building
# the profiles afterwards. Each variant's fixed cost (loading BPF, starting the
# container, writing the recording) is measured as a third workload W0 (`true`),
# so the table also shows the overhead on the workload itself.
#
# Variants: native; strace -f -o /dev/null; profile learn --tracer ptrace;
# profile learn --tracer ebpf; bpftrace counting syscalls per number for the
# cgroup the workload runs in (Debian's bpftrace); and "floor": an empty BPF
# program on the raw sys_exit tracepoint (bench_tracepoint_floor), what merely
# observing every syscall costs: any tracer built on that tracepoint, as the
# eBPF tracer is (it has no program on sys_enter), pays at least this
# (FLOOR_TRACEPOINTS="sys_enter sys_exit" measures both, as bpftrace-like
# tracers that count at entry and read results at exit need). Lost events:
# the eBPF runs' recording.json lost_events, summed.
#
# Usage: bench/ebpf_overhead.sh [ROUNDS] [BUILD_DIR]   (root; 7 rounds by default)
set -euo pipefail

ROUNDS=${1:-7}
BUILD=${2:-build}
PROFILE_BIN=${PROFILE_BIN:-$BUILD/cli/profile}
STORM=${STORM:-$BUILD/bench/bench_learn_storm}
FLOOR=${FLOOR:-$BUILD/bench/bench_tracepoint_floor}
read -r -a FLOOR_TPS <<<"${FLOOR_TRACEPOINTS:-sys_exit}"
STORM_N=${STORM_N:-100000}
PY=/usr/bin/python3

for f in "$PROFILE_BIN" "$STORM" "$FLOOR"; do
  [ -x "$f" ] || { echo "ebpf_overhead: $f is missing: build the profile, bench_learn_storm and bench_tracepoint_floor targets first" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "ebpf_overhead: needs root (BPF, cgroups)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/profile-ebpf-bench.XXXXXX)
BT_PID=
cleanup() {
  [ -n "$BT_PID" ] && kill "$BT_PID" 2>/dev/null || true
  [ -n "${CG:-}" ] && rmdir "$CG" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# W2's tree: 10,000 small files in 100 directories.
TREE=$WORK/tree
mkdir -p "$TREE"
$PY - "$TREE" <<'PYEOF'
import os, sys
root = sys.argv[1]
for d in range(100):
    p = os.path.join(root, "d%03d" % d)
    os.mkdir(p)
    for f in range(100):
        with open(os.path.join(p, "f%03d.txt" % f), "w") as fh:
            fh.write(("%d-%d " % (d, f)) * 40)
PYEOF

# A cgroup v2 for bpftrace's filter, below our own.
CG2=/sys/fs/cgroup/unified
[ -f $CG2/cgroup.procs ] || CG2=/sys/fs/cgroup
OWN=$(sed -n 's/^0:://p' /proc/self/cgroup)
CG=$CG2${OWN%/}/profile-ebpf-bench-$$
mkdir "$CG"

# Every variant runs the workload as `bash -c CMD`, so all pay the same shell start.
W1="$STORM $STORM_N /etc/hostname"
W2="tar -cf $WORK/out.tar -C $TREE ."

now() { date +%s%N; }

# wait_for WORD FILE: until a tracer started in the background says it is attached (15 s at most)
wait_for() {
  for _ in $(seq 1 300); do
    grep -q "$1" "$2" 2>/dev/null && return
    sleep 0.05
  done
}

# run VARIANT CMD -> prints the elapsed nanoseconds of the run
run() {
  local variant=$1 cmd=$2 t0 t1
  case $variant in
    native)
      t0=$(now); bash -c "$cmd"; t1=$(now) ;;
    strace)
      t0=$(now); strace -f -o /dev/null bash -c "$cmd"; t1=$(now) ;;
    ptrace|ebpf)
      rm -rf "$WORK/rec-$variant"
      t0=$(now)
      "$PROFILE_BIN" learn --quiet --no-generate --tracer "$variant" -o "$WORK/rec-$variant" -- bash -c "$cmd" >/dev/null
      t1=$(now)
      if [ "$variant" = ebpf ]; then
        $PY -c 'import json,sys; print(sum(r.get("lost_events",0) for r in json.load(open(sys.argv[1]))["runs"]))' \
          "$WORK/rec-ebpf/recording.json" >>"$WORK/lost"
      fi ;;
    floor)
      "$FLOOR" "${FLOOR_TPS[@]}" >"$WORK/floor.out" 2>&1 &
      BT_PID=$!
      wait_for attached "$WORK/floor.out"
      t0=$(now)
      bash -c "$cmd"
      t1=$(now)
      kill -INT "$BT_PID"; wait "$BT_PID" || true; BT_PID= ;;
    bpftrace)
      local cgid
      cgid=$(stat -c %i "$CG")
      bpftrace -e "tracepoint:raw_syscalls:sys_enter /cgroup == $cgid/ { @[args->id] = count(); }" \
        >"$WORK/bpftrace.out" 2>&1 &
      BT_PID=$!
      wait_for Attaching "$WORK/bpftrace.out"
      t0=$(now)
      bash -c "echo \$\$ > $CG/cgroup.procs; $cmd"
      t1=$(now)
      kill -INT "$BT_PID"; wait "$BT_PID" || true; BT_PID= ;;
  esac
  echo $((t1 - t0))
}

# BENCH_VARIANTS="native ebpf bpftrace floor" skips the slow peers for a quick look.
read -r -a VARIANTS <<<"${BENCH_VARIANTS:-native strace ptrace ebpf bpftrace floor}"
: >"$WORK/lost"
: >"$WORK/times"
for wl in w0 w1 w2; do
  case $wl in w0) cmd=true ;; w1) cmd=$W1 ;; w2) cmd=$W2 ;; esac
  run native "$cmd" >/dev/null  # warm the page cache and binaries
  for r in $(seq 1 "$ROUNDS"); do
    for v in "${VARIANTS[@]}"; do
      if ns=$(run "$v" "$cmd" 2>"$WORK/err"); then
        echo "$wl $r $v $ns" >>"$WORK/times"
      else
        echo "$wl $r $v fail" >>"$WORK/times"
        echo "ebpf_overhead: $v on $wl failed: $(tail -1 "$WORK/err")" >&2
      fi
    done
  done
done

$PY - "$WORK/times" "$WORK/lost" "$ROUNDS" <<'PYEOF'
import sys, statistics, collections
times = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    wl, r, v, ns = line.split()
    times[(wl, int(r))][v] = None if ns == "fail" else int(ns)
lost = [int(x) for x in open(sys.argv[2]).read().split()]
names = {"w0": "W0 true (fixed cost)", "w1": "W1 syscall storm", "w2": "W2 tar 10,000 files"}
variants = ["native", "strace", "ptrace", "ebpf", "bpftrace", "floor"]
print("rounds: %s; figure = median over rounds of (variant time / native time in the same round)" % sys.argv[3])
print("%-22s %s" % ("workload", "  ".join("%12s" % v for v in variants)))
def med(wl, v):
    xs = [t[v] for (w, r), t in times.items() if w == wl and t.get(v)]
    return statistics.median(xs) if xs else None
for wl in ("w0", "w1", "w2"):
    rounds = [t for (w, r), t in sorted(times.items()) if w == wl]
    cells = []
    for v in variants:
        if wl == "w0" or v == "native":
            m = med(wl, v)
            cells.append("%10.0fms" % (m / 1e6) if m else "%12s" % "n/a")
            continue
        ratios = [t[v] / t["native"] for t in rounds if t.get(v) and t.get("native")]
        cells.append("%11.3fx" % statistics.median(ratios) if ratios else "%12s" % "n/a")
    print("%-22s %s" % (names[wl], "  ".join(cells)))
print("without the fixed cost (each variant's W0 median subtracted from its times, native's added back):")
for wl in ("w1", "w2"):
    rounds = [t for (w, r), t in sorted(times.items()) if w == wl]
    cells = []
    for v in variants:
        f, fn = med("w0", v), med("w0", "native")
        if v == "native" or f is None:
            cells.append("%12s" % "")
            continue
        ratios = [(t[v] - f + fn) / t["native"] for t in rounds if t.get(v) and t.get("native")]
        cells.append("%11.3fx" % statistics.median(ratios) if ratios else "%12s" % "n/a")
    print("%-22s %s" % (names[wl], "  ".join(cells)))
print("eBPF lost events over all runs: %d (%d runs)" % (sum(lost), len(lost)))
PYEOF
