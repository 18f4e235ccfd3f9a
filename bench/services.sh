#!/usr/bin/env bash
# Real services under the profile learned from them, in figures: for nginx (root master, `user
# www-data;`), redis-server, a python3 + sqlite3 service started through `setpriv --reuid`, python3 -m
# http.server and sqlite3, learn one run with `profile learn`, then print
#   - the syscalls the generated seccomp.json allows, as native x86_64 names (libseccomp's table), against
#     Docker's default profile counted the same way: every name of an ALLOW rule that applies on x86_64 to a
#     container with Docker's default capabilities, argument conditions or not;
#   - the capabilities kept (profile.toml) and why (landlock.json-style evidence from `profile show --json`);
#   - the directories generalised from per-file rules (landlock.json "generalised": kind and evidence);
#   - false denials on a *different* run (files never read while learning, a restart on the data written,
#     other requests): the requests that failed under `profile enforce`, and the accesses that
#     `profile enforce --complain` reports outside the profile on the same run.
# It prints, it asserts nothing (tests/integration/services_test.cpp asserts).
#
# usage: bench/services.sh [PROFILE_BINARY]
# Docker's default profile is read from $PROFILE_REFERENCE/docker-default-seccomp.json (scripts/test.sh sets
# PROFILE_REFERENCE when ../shared/reference exists); without it the Docker column says why it is empty.
# Needs root (nginx's master, setpriv) and the packages of scripts/install-deps.sh. Servers listen on
# 127.0.0.1 with free high ports and are stopped by pid.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PROFILE=$(readlink -f "${1:-$here/../build/cli/profile}")
PY=/usr/bin/python3
work=$(mktemp -d /tmp/profile-services-XXXXXX)
chmod 755 "$work"  # nginx's workers and setpriv's user traverse it
other=$(mktemp -d /tmp/profile-services-other-XXXXXX)
bg_pid=""
cleanup() {
  if [ -n "$bg_pid" ]; then kill -KILL "$bg_pid" 2>/dev/null || true; fi
  rm -rf "$work" "$other"
}
trap cleanup EXIT

free_port() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# serve STOPSIG OUT -- CMD...: start CMD in the background (stdout in OUT, stderr in OUT.err); `stop` ends it
# with STOPSIG.
serve() {
  stop_sig=$1 out=$2
  shift 3
  "$@" >"$out" 2>"$out.err" &
  bg_pid=$!
}
stop() {
  kill "-$stop_sig" "$bg_pid" 2>/dev/null || true
  wait "$bg_pid" 2>/dev/null || true
  bg_pid=""
}

# http PORT PATH WANT...: GET each PATH on 127.0.0.1:PORT (waiting for the server to listen) and print how
# many responses were not WANT (the body without its newline, "HTTP 404" for an expected error, ~TEXT for a
# body containing TEXT); the misses go to stderr.
http() {
  $PY - "$@" <<'EOF'
import socket, sys, time, urllib.error, urllib.request
port, pairs = sys.argv[1], sys.argv[2:]
for _ in range(150):
    try:
        socket.create_connection(("127.0.0.1", int(port)), 1).close()
        break
    except OSError:
        time.sleep(0.1)
misses = 0
for path, want in zip(pairs[::2], pairs[1::2]):
    try:
        body = urllib.request.urlopen("http://127.0.0.1:%s%s" % (port, path), timeout=5).read().decode()
    except urllib.error.HTTPError as e:
        body = "HTTP %d" % e.code
    except Exception as e:
        body = "no answer: %s" % e
    if not (want[1:] in body if want.startswith("~") else body.strip() == want):
        misses += 1
        print("    miss: GET %s: %r" % (path, body[:100]), file=sys.stderr)
print(misses)
EOF
}

# redis PORT CMD WANT ...: one redis-cli command per pair ("CMD ARGS" split on spaces), as http.
redis() {
  local port=$1 misses=0 got
  shift
  for _ in $(seq 150); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null)" = PONG ]; then break; fi
    if [ -n "$bg_pid" ] && ! kill -0 "$bg_pid" 2>/dev/null; then break; fi  # it ended
    sleep 0.1
  done
  while [ $# -ge 2 ]; do
    # shellcheck disable=SC2086  # the command's words
    got=$(redis-cli -h 127.0.0.1 -p "$port" $1 2>&1 | tr '\n' ' ' || true)
    if [ "$got" != "$2 " ]; then
      misses=$((misses + 1))
      echo "    miss: $1: $got" >&2
    fi
    shift 2
  done
  echo "$misses"
}

# Accesses `enforce --complain --json` reported outside the profile (every list of outside_profile). The JSON
# follows what the workload itself printed on stdout: it is the last object that starts a line.
complaints() {
  $PY -c 'import json,sys
text = open(sys.argv[1]).read()
d = None
for at in [i for i in range(len(text)) if text[i] == "{" and (i == 0 or text[i - 1] == "\n")]:
    try:
        d = json.loads(text[at:]); break
    except ValueError:
        pass
if not isinstance(d, dict):
    print("?"); sys.exit()
out = d.get("outside_profile", {})
print(sum(len(v) for v in out.values() if isinstance(v, list)))' "$1"
}

# The docroot the HTTP services serve, with more files than one run fetches.
docroot() {
  mkdir -p "$1/docs" "$1/img"
  echo index >"$1/index.html"
  echo b >"$1/b.html"
  echo doc-a >"$1/docs/a.txt"
  echo doc-c >"$1/docs/c.txt"
  echo logo >"$1/img/logo.txt"
  chmod -R a+rX "$1"
}

# run_service NAME STOPSIG LEARN_CWD BUNDLE CLIENT_LEARN CLIENT_OTHER -- CMD...: learn CMD from LEARN_CWD into
# BUNDLE while CLIENT_LEARN runs, then the different run twice, enforced and under --complain, with CLIENT_OTHER
# (a shell function printing its misses); results in $work/NAME.{misses,complaints}.
run_service() {
  local name=$1 sig=$2 cwd=$3 bundle=$4 learn_client=$5 other_client=$6
  shift 7
  (cd "$cwd" && serve "$sig" "$work/$name.learn.out" -- "$PROFILE" -q learn -o "$bundle" -- "$@" && "$learn_client" >/dev/null && stop)
  if [ ! -f "$bundle/profile.toml" ]; then
    echo "$name: learn wrote no bundle: $(tail -2 "$work/$name.learn.out.err")" >&2
    echo "-" >"$work/$name.misses"
    echo "-" >"$work/$name.complaints"
    return
  fi
  echo "$bundle" >"$work/$name.bundle"
  serve "$sig" "$work/$name.enforce.out" -- "$PROFILE" enforce "$bundle" --timeout 120
  echo "  $name, enforced different run:" >&2
  "$other_client" >"$work/$name.misses"
  stop
  serve "$sig" "$work/$name.complain.out" -- "$PROFILE" enforce "$bundle" --complain --json --timeout 120
  "$other_client" >/dev/null 2>&1
  stop
  complaints "$work/$name.complain.out" >"$work/$name.complaints"
}

echo "learning and enforcing five services (about a minute)..." >&2

# 1. python3 -m http.server (root) on a docroot.
port=$(free_port)
docroot "$work/http/www"
http_learn() { http "$port" /index.html index /docs/ ~a.txt /docs/a.txt doc-a; }
http_other() {
  echo new >"$work/http/www/docs/new.txt"
  http "$port" /b.html b /docs/c.txt doc-c /docs/new.txt new /img/ ~logo.txt /img/logo.txt logo /nope "HTTP 404"
}
run_service http_server INT "$work/http" "$work/http/bundle" http_learn http_other -- \
  $PY -m http.server "$port" --bind 127.0.0.1 --directory "$work/http/www"

# 2. sqlite3 from its data directory, the default bundle ./sqlite3.profile there.
mkdir -p "$work/sqlite/data"
(cd "$work/sqlite/data" && "$PROFILE" -q learn -- sqlite3 app.db \
  "create table t(a); insert into t values (1),(2); select sum(a) from t;" >/dev/null)
printf 'a\n7\n8\n' >"$work/sqlite/data/rows.csv"
sqlite_other=("$work/sqlite/data/app.db"
  "create table if not exists notes(b); insert into notes values ('x'); insert into t values (40); select count(*) > 0 from notes;"
  ".import --csv $work/sqlite/data/rows.csv rows" "select count(*) > 0 from rows;")
sb="$work/sqlite/data/sqlite3.profile"
echo "$sb" >"$work/sqlite.bundle"
echo "  sqlite3, enforced different run:" >&2
got=$("$PROFILE" enforce "$sb" -- sqlite3 "${sqlite_other[@]}" 2>"$work/sqlite.enforce.out" | tr '\n' ' ') || true
if [ "$got" = "1 1 " ]; then echo 0; else echo "    miss: $got $(tail -1 "$work/sqlite.enforce.out")" >&2 && echo 1; fi \
  >"$work/sqlite.misses"
"$PROFILE" enforce "$sb" --complain --json -- sqlite3 "${sqlite_other[@]}" >"$work/sqlite.complain.out" 2>/dev/null || true
complaints "$work/sqlite.complain.out" >"$work/sqlite.complaints"

# 3. a python3 + sqlite3 key-value service as nobody, through setpriv.
port=$(free_port)
mkdir -p "$work/kv/data/files"
cat >"$work/kv/kv.py" <<'EOF'
import http.server, os, sqlite3, sys, urllib.parse
data, port = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlsplit(self.path); q = dict(urllib.parse.parse_qsl(u.query)); code, body = 200, b""
        try:
            with sqlite3.connect(os.path.join(data, "kv.db")) as c:
                c.execute("create table if not exists kv(k primary key, v)")
                if u.path == "/put": c.execute("insert or replace into kv values (?, ?)", (q["k"], q["v"])); body = b"stored"
                elif u.path == "/get": body = str(c.execute("select v from kv where k = ?", (q["k"],)).fetchone()[0]).encode()
                else: body = open(os.path.join(data, "files", os.path.basename(u.path)), "rb").read()
        except Exception as e:
            code, body = 500, str(e).encode()
        self.send_response(code); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
try:
    http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
except KeyboardInterrupt:
    pass
EOF
echo one >"$work/kv/data/files/one.txt"
echo two >"$work/kv/data/files/two.txt"
chown -R nobody:nogroup "$work/kv/data"
kv_learn() { http "$port" "/put?k=a&v=1" stored "/get?k=a" 1 /files/one.txt one; }
kv_other() { http "$port" "/get?k=a" 1 "/put?k=b&v=2" stored "/get?k=b" 2 /files/two.txt two; }
run_service setpriv INT "$work/kv" "$work/kv/bundle" kv_learn kv_other -- \
  setpriv --reuid=nobody --regid=nogroup --clear-groups $PY "$work/kv/kv.py" "$work/kv/data" "$port"

# 4. redis-server on its own configuration, learned from its data directory (./redis-server.profile there).
port=$(free_port)
mkdir -p "$work/redis/data"
printf 'bind 127.0.0.1\nport %s\ndaemonize no\ndir %s\ndbfilename dump.rdb\nlogfile ""\nsave ""\nappendonly no\n' \
  "$port" "$work/redis/data" >"$work/redis/redis.conf"
redis_learn() { redis "$port" "SET greeting hello" OK "SET n 1" OK SAVE OK; }
redis_other() { redis "$port" "GET greeting" hello "INCR n" 2 "HSET h f v" 1 SAVE OK "DECR n" 1; }
run_service redis TERM "$work/redis/data" "$work/redis/data/redis-server.profile" redis_learn redis_other -- \
  redis-server "$work/redis/redis.conf"

# 5. nginx: root master, workers as www-data, every path below its prefix, learned from it (./nginx.profile).
port=$(free_port)
n="$work/nginx"
docroot "$n/www"
mkdir -p "$n/conf" "$n/logs" "$n/cache"
cat >"$n/conf/nginx.conf" <<EOF
user www-data;
daemon off;
master_process on;
worker_processes 2;
pid $n/nginx.pid;
error_log $n/logs/error.log info;
events { worker_connections 64; }
http {
  access_log $n/logs/access.log;
  client_body_temp_path $n/cache/body;
  proxy_temp_path $n/cache/proxy;
  fastcgi_temp_path $n/cache/fastcgi;
  uwsgi_temp_path $n/cache/uwsgi;
  scgi_temp_path $n/cache/scgi;
  server { listen 127.0.0.1:$port; root $n/www; }
}
EOF
nginx_learn() { http "$port" /index.html index /docs/a.txt doc-a /nope "HTTP 404"; }
nginx_other() {
  echo new >"$n/www/docs/new.txt"
  http "$port" /b.html b /docs/c.txt doc-c /docs/new.txt new /img/logo.txt logo / index
}
run_service nginx TERM "$n" "$n/nginx.profile" nginx_learn nginx_other -- \
  nginx -p "$n/" -e "$n/logs/error.log" -c "$n/conf/nginx.conf"

# The table.
PROFILE_BIN=$PROFILE $PY - "$work" "${PROFILE_REFERENCE:-}" <<'EOF'
import ctypes, json, os, subprocess, sys, tomllib
work, reference = sys.argv[1], sys.argv[2]
seccomp = ctypes.CDLL("libseccomp.so.2")
X86_64 = 0xC000003E  # AUDIT_ARCH_X86_64
def native(name):  # a name of libseccomp's x86_64 table (its pseudo-syscalls are negative)
    return seccomp.seccomp_syscall_resolve_name_arch(X86_64, name.encode()) >= 0
def on_x86_64(rule, caps):
    inc, exc = rule.get("includes") or {}, rule.get("excludes") or {}
    arches = {"amd64", "x86_64", "SCMP_ARCH_X86_64"}
    if inc.get("arches") and not arches & set(inc["arches"]): return False
    if exc.get("arches") and arches & set(exc["arches"]): return False
    if inc.get("caps") and not set(inc["caps"]) <= caps: return False
    if exc.get("caps") and set(exc["caps"]) & caps: return False
    return True
def is_runtime(rule):  # the container runtime's part (policies/runtimes.toml), not the workload's
    return str(rule.get("comment", "")).startswith("runtime part")
def allowed(path, caps=frozenset(), part="all"):
    d = json.load(open(path))
    return {n for r in d["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" and on_x86_64(r, caps)
            and (part == "all" or (part == "runtime") == is_runtime(r))
            for n in r["names"] if native(n)}
# Docker's default capability set (moby's oci/caps/defaults.go), which decides its includes/excludes "caps".
DOCKER_CAPS = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
               "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
               "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}
docker, why = None, "PROFILE_REFERENCE is not set (scripts/test.sh sets it when ../shared/reference exists)"
if reference:
    ref = os.path.join(reference, "docker-default-seccomp.json")
    if os.path.exists(ref):
        docker = len(allowed(ref, DOCKER_CAPS))
    else:
        why = ref + " does not exist"

def capability_reasons(bundle):  # {CAP: why} from whatever `profile show --json` says about capabilities
    out = subprocess.run([os.environ["PROFILE_BIN"], "show", "--json", bundle],
                         capture_output=True, text=True).stdout
    found = {}
    def walk(node, key=""):
        if isinstance(node, dict):
            name = node.get("name") or node.get("capability")
            if isinstance(name, str) and name.upper().startswith("CAP_"):
                said = [node[k] for k in ("reason", "evidence") if node.get(k)]
                found[name.upper()] = "; ".join(", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in said)
            for k, v in node.items(): walk(v, k)
        elif isinstance(node, list):
            for v in node: walk(v, key)
    try:
        walk(json.loads(out))
    except ValueError:
        pass
    return found

rows = []
for name in ["http_server", "sqlite", "setpriv", "redis", "nginx"]:
    try:
        bundle = open(os.path.join(work, name + ".bundle")).read().strip()
    except OSError:
        rows.append((name, "-", "-", "learn failed", "", "", "")); continue
    root = os.path.join(work, {"http_server": "http", "sqlite": "sqlite", "setpriv": "kv", "redis": "redis",
                               "nginx": "nginx"}[name])
    own = allowed(os.path.join(bundle, "seccomp.json"), part="workload")
    n = len(own)
    runtime = len(allowed(os.path.join(bundle, "seccomp.json"), part="runtime") - own)
    manifest = tomllib.load(open(os.path.join(bundle, "profile.toml"), "rb"))
    caps = manifest.get("container", {}).get("capabilities", [])
    reasons = capability_reasons(bundle)
    caps_text = ", ".join("%s (%s)" % (c, reasons[c]) if reasons.get(c) else c for c in caps) or "none"
    landlock = json.load(open(os.path.join(bundle, "landlock.json")))
    gen = landlock.get("generalised")
    if gen is None:
        dirs = "none: per-file rules (no \"generalised\" in landlock.json)"
    else:
        def rel(p):
            return "W" if p == root else "W/" + os.path.relpath(p, root) if p.startswith(root + "/") else p
        dirs = "; ".join("%s %s (%s)" % (rel(g["path"]), g.get("kind", "?"), g.get("evidence", "")) for g in gen) or "none"
    misses = open(os.path.join(work, name + ".misses")).read().strip()
    complaints = open(os.path.join(work, name + ".complaints")).read().strip()
    rows.append((name, str(n), str(runtime), caps_text, dirs, misses, complaints))

print()
print("Docker default, x86_64, same count: %s" % (docker if docker is not None else "-  (skipped: %s)" % why))
print("syscalls: the workload's part of seccomp.json; +runtime: the container runtime's part (generate --runtime,")
print("engine formats only; profile enforce skips it); ratio: workload / docker")
print("%-12s %8s %8s %8s %7s  %s" % ("service", "syscalls", "+runtime", "docker", "ratio",
                                     "false denials: failed requests / --complain findings"))
for name, n, runtime, caps_text, dirs, misses, complaints in rows:
    ratio = "%.3f" % (int(n) / docker) if docker and n.isdigit() else "-"
    print("%-12s %8s %8s %8s %7s  %s / %s" % (name, n, runtime, docker if docker is not None else "-", ratio, misses,
                                              complaints))
print()
for name, n, runtime, caps_text, dirs, misses, complaints in rows:
    print("%s:\n  capabilities kept: %s\n  generalised directories (W = its workspace): %s" % (name, caps_text, dirs))
EOF
