#!/usr/bin/env bash
# Minimality of generated seccomp profiles: for five real workloads, learn with
# `profile learn` and count the syscalls each generated seccomp.json allows,
# against the syscalls Docker's default profile allows unconditionally
# (ALLOW rules without args, includes or excludes), measured in the same run.
#
# usage: bench/generate_minimality.sh [PROFILE_BINARY] [SHARED_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PROFILE=$(readlink -f "${1:-$here/../build/cli/profile}")  # absolute: the learners run from other directories
SHARED=${2:-$here/../../shared}
PY=/usr/bin/python3
work=$(mktemp -d /tmp/profile-minimality-XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

count_allowed() {  # FILE workload|runtime: names allowed by the workload's ALLOW rules, or added by the runtime rule
  $PY -c 'import json,sys
d=json.load(open(sys.argv[1]))
rt=lambda s: s.get("comment","").startswith("runtime part")
w={n for s in d["syscalls"] if s["action"]=="SCMP_ACT_ALLOW" and not rt(s) for n in s["names"]}
r={n for s in d["syscalls"] if s["action"]=="SCMP_ACT_ALLOW" and rt(s) for n in s["names"]} - w
print(len(w) if sys.argv[2] == "workload" else len(r))' "$1" "$2"
}
docker=$($PY -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(len({n for s in d["syscalls"] if s["action"]=="SCMP_ACT_ALLOW" and not s.get("args")
           and not s.get("includes") and not s.get("excludes") for n in s["names"]}))' \
  "$SHARED/reference/docker-default-seccomp.json")

free_port() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

learn() {  # NAME CMD...
  local name=$1
  shift
  "$PROFILE" -q learn -o "$work/$name" -- "$@" >/dev/null 2>"$work/$name.err" || {
    echo "learn $name failed: $(tail -1 "$work/$name.err")" >&2
    return 1
  }
}

mkdir -p "$work/data" && echo hello >"$work/data/index.html"

# 1. python3 http.server answering one request on loopback (client outside the learned process).
port=$(free_port)
( cd "$work/data" && learn http_server python3 -c "import http.server as h
s=h.HTTPServer(('127.0.0.1',$port),h.SimpleHTTPRequestHandler)
s.handle_request()" ) &
learn_pid=$!
for _ in $(seq 50); do
  $PY -c "import urllib.request;urllib.request.urlopen('http://127.0.0.1:$port/index.html',timeout=2).read()" \
    2>/dev/null && break
  sleep 0.2
done
wait "$learn_pid"

# 2. sqlite3 query.
learn sqlite3 sqlite3 "$work/x.db" "create table t(a); insert into t values (1),(2); select sum(a) from t;"
# 3. coreutils pipeline.
learn coreutils sh -c 'seq 1 10000 | sort -rn | head -100 | tr 0-9 a-j | wc -l'
# 4. tar creating an archive.
learn tar tar -cf "$work/out.tar" -C /usr/share/doc coreutils tar
# 5. python3 HTTP client fetching from a loopback server.
port=$(free_port)
( cd "$work/data" && exec $PY -m http.server "$port" --bind 127.0.0.1 ) >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 50); do $PY -c "import socket;socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break; sleep 0.1; done
learn http_client python3 -c "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:$port/index.html').read())"

# allowed: the workload's part; +runtime: the container runtime's calls the engine
# formats add on top (--runtime all, policies/runtimes.toml), which enforce skips.
printf '%-12s %8s %9s %10s %8s\n' workload allowed +runtime docker ratio
counts=()
for w in http_server sqlite3 coreutils tar http_client; do
  n=$(count_allowed "$work/$w/seccomp.json" workload)
  rt=$(count_allowed "$work/$w/seccomp.json" runtime)
  counts+=("$n")
  printf '%-12s %8d %9d %10d %8.3f\n' "$w" "$n" "$rt" "$docker" "$(awk -v a="$n" -v b="$docker" 'BEGIN{print a/b}')"
done
median=$(printf '%s\n' "${counts[@]}" | sort -n | sed -n 3p)
printf 'median allowed %d of Docker default %d unconditional: ratio %.3f (target <= 0.25)\n' \
  "$median" "$docker" "$(awk -v a="$median" -v b="$docker" 'BEGIN{print a/b}')"
