#!/usr/bin/env bash
# Per-syscall cost of seccomp filters: no filter, Docker's default profile and
# the generated profile, all compiled with libseccomp exactly as `profile
# enforce` loads them, measured in the same run (target: the generated
# profile costs no more than Docker's default in every case).
#
#   bench/seccomp_cost.sh [BUILD_DIR] [SHARED_DIR]   (defaults: ./build, ../shared)
#   ROUNDS=31 ITERS=20000 CPU=1 bench/seccomp_cost.sh build-seccost
#   KEEP=1 bench/seccomp_cost.sh     keep the learned bundles (path printed last)
#
# Learns three real workloads with `profile learn` (sqlite3 queries, a python3
# HTTP client fetching from a loopback server, a coreutils pipeline), then runs
# bench_seccomp_cost on each bundle's seccomp.json and recording.json against
# Docker's default. Per workload it times (ns per call, medians of interleaved
# rounds, pinned to one CPU):
#   getppid                    executed: as the kernel runs it (its action cache
#                              skips the filter for calls allowed whatever the
#                              arguments) and evaluated (filter run in full)
#   highest common syscall     the highest-numbered syscall both profiles allow
#                              unconditionally, with invalid arguments
#   arg-checked syscall        the workload's most frequent syscall the generated
#                              profile filters by argument (mmap prot, fcntl cmd,
#                              ioctl request...), executed in a failing form
#   replay mix                 the recorded syscalls, with their counts and
#                              argument values, the filter evaluated, no syscall
#                              body run; and an estimate of its filter cost as the
#                              kernel runs it (only uncached calls pay)
#   denied                     a call the generated profile denies (EPERM)
# and prints Docker/none, generated/none and generated/Docker with PASS/MISS;
# then the generated profile with `profile enforce`'s denial report on (denials
# notified to a monitor thread that answers EPERM) against off (--no-denials):
# allowed calls on/off (PASS within 5%) and the cost of a denied call.
# See bench/seccomp_cost.cpp for the method. Needs the `profile` and
# `bench_seccomp_cost` targets built in BUILD_DIR; python3 and sqlite3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-build}" && pwd)
SHARED=${2:-$here/../../shared}
PROFILE=$BUILD/cli/profile
BENCH=$BUILD/bench/bench_seccomp_cost
DOCKER=$SHARED/reference/docker-default-seccomp.json
PY=/usr/bin/python3

for f in "$PROFILE" "$BENCH"; do
  [ -x "$f" ] || { echo "seccomp_cost: $f is missing; build the profile and bench_seccomp_cost targets" >&2; exit 2; }
done
[ -r "$DOCKER" ] || { echo "seccomp_cost: $DOCKER is missing (pass SHARED_DIR)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "seccomp_cost: sqlite3 is not installed (scripts/install-deps.sh)" >&2; exit 2; }

work=$(mktemp -d /tmp/profile-seccomp-cost-XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  if [ -n "${KEEP:-}" ]; then echo "bundles kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

learn() {  # NAME CMD...
  local name=$1
  shift
  "$PROFILE" -q learn -o "$work/$name" -- "$@" >/dev/null 2>"$work/$name.err" || {
    echo "seccomp_cost: learn $name failed: $(tail -1 "$work/$name.err")" >&2
    exit 1
  }
}

learn sqlite3 sqlite3 "$work/x.db" \
  "create table t(a); insert into t values (1),(2); select sum(a) from t; create index i on t(a);"

mkdir -p "$work/data" && echo hello >"$work/data/index.html"
port=$($PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
(cd "$work/data" && exec $PY -m http.server "$port" --bind 127.0.0.1) >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  $PY -c "import socket;socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break
  sleep 0.1
done
learn http_client python3 -c \
  "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:$port/index.html').read())"

learn coreutils sh -c 'seq 1 10000 | sort -rn | head -100 | tr 0-9 a-j | wc -l'

args=(--rounds "${ROUNDS:-31}" --iters "${ITERS:-20000}")
[ -n "${CPU:-}" ] && args+=(--cpu "$CPU")
cd "$work"
"$BENCH" "${args[@]}" "$DOCKER" sqlite3 http_client coreutils
