#!/usr/bin/env bash
# profile learn --image / --rootfs and profile enforce --image on locally built
# service images (build-images.sh): a Python HTTP service and a musl-static
# threaded C server.
#
#   image_test.sh PROFILE_BINARY CASE
#   CASE: python-ptrace | python-ebpf | musl-ptrace | musl-ebpf | tracers-agree |
#         cache-and-rootfs | bad-input | podman-seccomp | runc-seccomp
#
# python-*/musl-*: learn the image with that tracer (the service answers on
#   loopback while learned and ends on GET /quit), check the recording (image,
#   digest, rootfs; paths are the image's, none below the unpacked root on the
#   host), enforce the bundle with --image (the service answers again), and
#   for Python: a call it never made (chmod) is denied with EPERM. musl: the
#   profile names clone, writev and ioctl (what a glibc host profile of the
#   same program does not need). python-ptrace prints the syscall count of the
#   image-learned profile against a host-learned one of the same service.
# tracers-agree: ptrace and eBPF give the same image paths for the files the
#   service opened.
# cache-and-rootfs: a second learn reuses the unpacked image; --rootfs on the
#   cache entry (an OCI runtime bundle) and on a bare root filesystem.
# bad-input: unknown image, missing rootfs, a command the rootfs lacks, umoci
#   failing: one sentence, non-zero exit, nothing run.
# podman-seccomp: podman runs the image under the learned seccomp.json (NNP
#   off) and an unlearned call is denied.
set -u
profile=$1
case_=$2
here=$(cd "$(dirname "$0")" && pwd)
fail=0
err() { echo "FAIL ($case_): $*"; fail=1; }
skip() { echo "SKIP ($case_): $*"; [ "${PROFILE_STRICT:-0}" = 1 ] && exit 1; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root"
for b in skopeo umoci musl-gcc curl python3 sha256sum; do
  command -v "$b" >/dev/null || skip "$b is missing (scripts/install-deps.sh installs it)"
done

d=$(mktemp -d /tmp/pimg.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$d"
}
trap cleanup EXIT
cache=$d/cache
"$here/build-images.sh" "$d/img" >"$d/build.log" 2>&1 || { cat "$d/build.log"; echo "FAIL: build-images.sh"; exit 1; }
py_ref=oci:$d/img/python:1
musl_ref=oci:$d/img/musl:1
# Ports per case, so that cases running at once do not meet (the images' own
# ports, set in their config, are used by the python-* and musl-* cases).
py_port=18081
musl_port=18082

# Waits until http://127.0.0.1:PORT/ answers, prints the answer.
get() {
  local port=$1 path=${2:-/}
  for _ in $(seq 150); do
    if out=$(curl -s --max-time 2 "http://127.0.0.1:$port$path" 2>/dev/null) && [ -n "$out" ]; then
      echo "$out"
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# run_service LOG PORT PROFILE-ARGS...: runs profile in the background, checks
# that the service answers, ends it with /quit, returns profile's exit status.
run_service() {
  local log=$1 port=$2
  shift 2
  "$profile" "$@" >"$log" 2>&1 </dev/null &
  local pid=$!
  pids+=("$pid")
  local answer
  answer=$(get "$port" /) || { echo "no answer on port $port"; cat "$log"; kill "$pid"; wait "$pid"; return 99; }
  echo "answer: $answer"
  get "$port" /quit >/dev/null
  wait "$pid"
}

digest_of() { skopeo inspect --config --raw "$1" | sha256sum | cut -c1-64; }

check_recording() {  # BUNDLE REF
  python3 - "$1/recording.json" "$2" "sha256:$(digest_of "$2")" <<'PY' || return 1
import json, sys
rec = json.load(open(sys.argv[1]))
run = rec["runs"][-1]
bad = []
if run.get("image") != sys.argv[2]: bad.append("image is %r" % run.get("image"))
if run.get("image_digest") != sys.argv[3]: bad.append("image_digest %r != %s" % (run.get("image_digest"), sys.argv[3]))
root = run.get("rootfs", "")
if not root.endswith("/rootfs"): bad.append("rootfs is %r" % root)
paths = list(rec["files"]) + list(rec["executables"])
host = [p for p in paths if root and p.startswith(root)]
if host: bad.append("host-prefixed paths: %s" % host[:5])
print("recorded %d files, %d syscalls; image %s %s" % (len(rec["files"]), len(rec["syscalls"]["x86_64"]), run["image"], run["image_digest"]))
if bad:
    print("\n".join(bad)); sys.exit(1)
PY
}

case "$case_" in
python-ptrace | python-ebpf | musl-ptrace | musl-ebpf)
  tracer=${case_#*-}
  img=${case_%-*}
  if [ "$img" = python ]; then ref=$py_ref port=$py_port; else ref=$musl_ref port=$musl_port; fi
  run_service "$d/learn.log" "$port" -q learn -o "$d/b" --tracer "$tracer" --image-cache "$cache" --image "$ref"
  rc=$?
  [ $rc -eq 0 ] || { cat "$d/learn.log"; err "learn --image $ref exited $rc"; exit 1; }
  check_recording "$d/b" "$ref" || err "the recording does not describe the image run"
  if [ "$img" = python ]; then
    for f in /app/server.py /app/data/greeting.txt /etc/hosts /usr/lib/python3.11/os.py; do
      grep -q "\"$f\"" "$d/b/recording.json" || err "$f is not recorded as an image path"
    done
    grep -q '"/usr/bin/python3.11"' "$d/b/recording.json" || err "the image's python3.11 is not an executable of the run"
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['runs'][0]; sys.exit(0 if (r['uid'],r['cwd'])==(1000,'/app') else 1)" \
      "$d/b/recording.json" || err "the image config's user (app, 1000) and working directory (/app) were not used"
  else
    for s in clone writev ioctl; do
      grep -q "\"$s\"" "$d/b/recording.json" || err "the musl profile lacks $s"
    done
    echo "musl profile syscalls: $(python3 -c "import json,sys; print(' '.join(sorted(json.load(open(sys.argv[1]))['syscalls']['x86_64'])))" "$d/b/recording.json")"
    if [ "$tracer" = ptrace ]; then
      # The same server built against the host's glibc and learned on the host.
      gcc -O2 -pthread -o "$d/server-glibc" "$here/server.c" || err "gcc of server.c failed"
      run_service "$d/glibc.log" 18084 -q learn -o "$d/glibc" --tracer ptrace -- "$d/server-glibc" 18084 ||
        { cat "$d/glibc.log"; err "host learn of the glibc build failed"; }
      python3 - "$d/b/recording.json" "$d/glibc/recording.json" <<'PY'
import json, sys
musl = set(json.load(open(sys.argv[1]))["syscalls"]["x86_64"])
glibc = set(json.load(open(sys.argv[2]))["syscalls"]["x86_64"])
print("SYSCALLS threaded C server: musl image-learned %d, glibc host-learned %d" % (len(musl), len(glibc)))
print("  only in the musl image profile (a host profile would deny them): %s" % " ".join(sorted(musl - glibc)))
print("  only in the glibc host profile: %s" % " ".join(sorted(glibc - musl)))
PY
    fi
  fi
  # Enforced in the same image: the service answers.
  run_service "$d/enforce.log" "$port" enforce "$d/b" --image-cache "$cache" --image "$ref"
  rc=$?
  [ $rc -eq 0 ] || { cat "$d/enforce.log"; err "enforce --image exited $rc"; }
  if [ "$img" = python ]; then
    # A call the service never made: chmod (fchmodat) is denied by seccomp.
    out=$("$profile" enforce "$d/b" --image-cache "$cache" --image "$ref" --entrypoint /usr/bin/python3 -- \
      -c 'import os
try:
    os.chmod("/app/server.py", 0o600); print("chmod allowed")
except PermissionError as e: print("chmod denied", e.errno)' 2>"$d/deny.err")
    echo "denial run: $out"
    [ "$out" = "chmod denied 1" ] || { cat "$d/deny.err"; err "chmod was not denied with EPERM"; }
    grep -q "denied.*fchmodat\|denied.*chmod" "$d/deny.err" || { cat "$d/deny.err"; err "enforce did not report the denied chmod"; }
  fi
  if [ "$case_" = python-ptrace ]; then
    # The same service learned on the host (host python3, its /usr/lib/python3.11).
    mkdir -p "$d/app/data"
    cp "$here/server.py" "$d/app/server.py"
    sed -i "s#/app/data/greeting.txt#$d/app/data/greeting.txt#" "$d/app/server.py"
    echo hello >"$d/app/data/greeting.txt"
    PORT=$port run_service "$d/host.log" "$port" -q learn -o "$d/host" --tracer ptrace -- python3 "$d/app/server.py" ||
      { cat "$d/host.log"; err "host learn failed"; }
    python3 - "$d/b/recording.json" "$d/host/recording.json" <<'PY'
import json, sys
img = set(json.load(open(sys.argv[1]))["syscalls"]["x86_64"])
host = set(json.load(open(sys.argv[2]))["syscalls"]["x86_64"])
print("SYSCALLS python service: image-learned %d, host-learned %d" % (len(img), len(host)))
print("  only in the image-learned profile: %s" % " ".join(sorted(img - host)))
print("  only in the host-learned profile: %s" % " ".join(sorted(host - img)))
PY
  fi
  ;;
tracers-agree)
  command -v bpftool >/dev/null || true
  run_service "$d/p.log" "$py_port" -q learn -o "$d/p" --tracer ptrace --image-cache "$cache" --image "$py_ref" ||
    { cat "$d/p.log"; err "ptrace learn failed"; }
  run_service "$d/e.log" "$py_port" -q learn -o "$d/e" --tracer ebpf --image-cache "$cache" --image "$py_ref" ||
    { cat "$d/e.log"; err "ebpf learn failed (is the eBPF tracer available?)"; }
  python3 - "$d/p/recording.json" "$d/e/recording.json" <<'PY' || err "the tracers disagree on image paths"
import json, sys
def opened(path):
    rec = json.load(open(path))
    root = rec["runs"][0]["rootfs"]
    files = rec["files"]
    assert not [p for p in files if p.startswith(root)], "host-prefixed paths in " + path
    # Files the service read successfully, below the image's own directories.
    return {p for p, r in files.items() if p.startswith(("/app/", "/usr/lib/python3.11/", "/etc/"))
            and r["access"].get("read", {}).get("ok")}
p, e = opened(sys.argv[1]), opened(sys.argv[2])
print("ptrace %d, ebpf %d image paths read; common %d" % (len(p), len(e), len(p & e)))
if p != e:
    print("only ptrace:", sorted(p - e)[:10]); print("only ebpf:", sorted(e - p)[:10]); sys.exit(1)
PY
  ;;
cache-and-rootfs)
  run_service "$d/1.log" "$musl_port" learn -o "$d/b1" --tracer ptrace --image-cache "$cache" --image "$musl_ref" ||
    { cat "$d/1.log"; err "first learn failed"; }
  grep -q "unpacking image" "$d/1.log" || err "the first learn did not unpack the image"
  run_service "$d/2.log" "$musl_port" learn -o "$d/b2" --tracer ptrace --image-cache "$cache" --image "$musl_ref" ||
    { cat "$d/2.log"; err "second learn failed"; }
  grep -q "unpacking image" "$d/2.log" && err "the second learn unpacked the image again instead of using the cache"
  # A relative --image-cache is the working directory's (the root is pivoted into by its absolute path).
  (cd "$d" && run_service "$d/2r.log" "$musl_port" learn -o "$d/b2r" --tracer ptrace --image-cache cache \
    --image "$musl_ref") || { cat "$d/2r.log"; err "learn with a relative --image-cache failed"; }
  grep -q "unpacking image" "$d/2r.log" && err "a relative --image-cache did not find the cached image"
  # The bundle names image paths: run on the host's root it is refused.
  out=$("$profile" enforce "$d/b1" 2>&1 </dev/null)
  rc=$?
  echo "enforce without --image: exit $rc: $out"
  [ $rc -eq 2 ] && echo "$out" | grep -q "was learned in image $musl_ref" ||
    err "enforce of an image-learned bundle without --image was not refused"
  entry=$cache/$(digest_of "$musl_ref")
  [ -d "$entry/rootfs" ] || err "no cache entry $entry/rootfs"
  # --rootfs on the cache entry (an OCI runtime bundle: the image config applies).
  run_service "$d/3.log" "$musl_port" -q learn -o "$d/b3" --tracer ptrace --rootfs "$entry" ||
    { cat "$d/3.log"; err "learn --rootfs BUNDLE failed"; }
  grep -q '"rootfs": "'"$entry/rootfs"'"' "$d/b3/recording.json" || err "--rootfs run does not name its root"
  # A bare root filesystem: no config, the command after --; it is not modified.
  before=$(cd "$entry/rootfs" && find . -printf '%p %s %T@\n' | sort | sha256sum)
  run_service "$d/4.log" 18083 -q learn -o "$d/b4" --tracer ptrace --rootfs "$entry/rootfs" -- /server 18083 ||
    { cat "$d/4.log"; err "learn --rootfs DIR -- /server failed"; }
  after=$(cd "$entry/rootfs" && find . -printf '%p %s %T@\n' | sort | sha256sum)
  [ "$before" = "$after" ] || err "the root filesystem on disk changed"
  run_service "$d/5.log" 18083 enforce "$d/b4" --rootfs "$entry/rootfs" -- /server 18083 ||
    { cat "$d/5.log"; err "enforce --rootfs failed"; }
  ;;
runc-seccomp)
  # runc runs the image (its unpacked OCI bundle, read-only) with the learned
  # seccomp.oci.json as linux.seccomp, NNP off: the interpreter starts, and a
  # chmod it never made is EPERM (seccomp), where the control without the
  # profile gets EROFS (the read-only root).
  command -v runc >/dev/null || skip "runc is missing"
  run_service "$d/l.log" "$py_port" -q learn -o "$d/b" --tracer ptrace --image-cache "$cache" --image "$py_ref" ||
    { cat "$d/l.log"; err "learn failed"; exit 1; }
  entry=$cache/$(digest_of "$py_ref")
  probe='import os
print("started")
try:
    os.chmod("/app/server.py", 0o644); print("chmod allowed")
except OSError as e: print("chmod denied", e.errno)'
  runc_with() {  # SECCOMP_JSON|none -> the container's output
    mkdir -p "$d/rb"
    python3 - "$entry/config.json" "$1" "$probe" "$entry/rootfs" >"$d/rb/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["root"] = {"path": sys.argv[4], "readonly": True}
c["process"]["terminal"] = False
c["process"]["noNewPrivileges"] = False
c["process"]["args"] = ["/usr/bin/python3", "-c", sys.argv[3]]
c["hostname"] = "pimg"
if sys.argv[2] != "none":
    c["linux"]["seccomp"] = json.load(open(sys.argv[2]))
json.dump(c, sys.stdout)
PY
    runc --root "$d/runc-state" run --bundle "$d/rb" "pimg$$" </dev/null 2>&1
  }
  out=$(runc_with "$d/b/seccomp.oci.json")
  echo "runc with the learned profile: $out"
  [ "$(echo "$out" | tr '\n' ' ')" = "started chmod denied 1 " ] || err "runc with the learned profile: not started, or chmod not EPERM"
  out=$(runc_with none)
  echo "runc without a profile: $out"
  echo "$out" | grep -q "chmod denied 30" || err "control: chmod on the read-only root should be EROFS (30)"
  ;;
bad-input)
  expect_fail() {  # WHAT PATTERN ARGS...
    local what=$1 pattern=$2
    shift 2
    out=$("$profile" "$@" 2>&1 </dev/null)
    rc=$?
    echo "$what: exit $rc: $out"
    [ $rc -ne 0 ] || err "$what: exit 0"
    [ "$(echo "$out" | grep -c 'profile: error')" -eq 1 ] || err "$what: not one error line"
    echo "$out" | grep -q "$pattern" || err "$what: the message does not say '$pattern'"
    echo "$out" | grep -qi "terminate\|what()\|Aborted\|core dumped" && err "$what: crashed"
  }
  expect_fail "unknown image" "was not found" learn -o "$d/x" --image-cache "$cache" --image localhost/no-such-image:1
  expect_fail "unknown oci layout" "was not found" learn -o "$d/x" --image-cache "$cache" --image "oci:$d/nothing:1"
  expect_fail "missing rootfs" "does not exist" learn -o "$d/x" --rootfs "$d/no-such-dir" -- /bin/true
  mkdir -p "$d/empty-root"
  expect_fail "rootfs without the command" "not found" learn -o "$d/x" --rootfs "$d/empty-root" -- /bin/true
  expect_fail "rootfs without a command at all" "names no command" learn -o "$d/x" --rootfs "$d/empty-root"
  "$profile" -q learn -o "$d/hostb" -- /bin/true >/dev/null 2>&1 </dev/null || err "learn -- /bin/true failed"
  expect_fail "enforce with an unknown image" "was not found" enforce "$d/hostb" --image-cache "$cache" --image localhost/nope:2
  expect_fail "enforce with a missing rootfs" "does not exist" enforce "$d/hostb" --rootfs "$d/no-such-dir"
  # umoci failing (a stand-in that fails as a broken unpack would).
  mkdir -p "$d/fakebin"
  printf '#!/bin/sh\necho "time=\\"x\\" level=fatal msg=\\"unpack rootfs: layer is corrupt\\"" >&2\nexit 1\n' >"$d/fakebin/umoci"
  chmod +x "$d/fakebin/umoci"
  PATH=$d/fakebin:$PATH expect_fail "umoci failure" "umoci unpack.*failed: unpack rootfs: layer is corrupt" \
    learn -o "$d/x" --image-cache "$d/cache2" --image "$musl_ref"
  [ -z "$(ls -A "$d/cache2" 2>/dev/null)" ] || err "a failed unpack left files in the cache: $(ls -A "$d/cache2")"
  ;;
podman-seccomp)
  command -v podman >/dev/null || skip "podman is missing"
  run_service "$d/l.log" "$py_port" -q learn -o "$d/b" --tracer ptrace --image-cache "$cache" --image "$py_ref" ||
    { cat "$d/l.log"; err "learn failed"; exit 1; }
  name=localhost/profile-image-test-$$:1
  skopeo copy --quiet "$py_ref" "containers-storage:$name" || { err "skopeo copy into podman's storage"; exit 1; }
  # runc: crun refuses the hybrid cgroups of some hosts (KERNEL.md); the ulimits: root without CAP_SYS_RESOURCE.
  lim=(--runtime runc --ulimit nofile=1024:20000 --ulimit nproc=4096:4096)
  podman run --rm --network host "${lim[@]}" --security-opt seccomp="$d/b/seccomp.json" \
    --security-opt no-new-privileges=false --name "pimg$$" "$name" >"$d/podman.log" 2>&1 &
  pids+=($!)
  a=$(get "$py_port" /) || { cat "$d/podman.log"; err "the service did not answer under podman"; }
  echo "podman answer: $a"
  get "$py_port" /quit >/dev/null
  wait "${pids[-1]}" || { cat "$d/podman.log"; err "podman run exited non-zero"; }
  out=$(podman run --rm "${lim[@]}" --security-opt seccomp="$d/b/seccomp.json" --security-opt no-new-privileges=false \
    --entrypoint /usr/bin/python3 "$name" -c 'import os
try:
    os.chmod("/app/server.py", 0o600); print("chmod allowed")
except PermissionError as e: print("chmod denied", e.errno)' 2>&1)
  echo "podman denial run: $out"
  [ "$out" = "chmod denied 1" ] || err "chmod was not denied under podman with the learned profile"
  podman rmi -f "$name" >/dev/null 2>&1
  ;;
*)
  echo "image_test: unknown case $case_"
  exit 2
  ;;
esac
[ $fail -eq 0 ] && echo "PASS ($case_)"
exit $fail
