#!/usr/bin/env bash
# Measures which syscalls a container runtime makes after it has loaded the
# container's seccomp filter (between seccomp load and the workload's execve).
# A profile learned from the workload alone lacks them, so the runtime fails to
# start the container under it; `profile generate --runtime` adds them from
# policies/runtimes.toml, and this script regenerates that data for the runtime
# version installed here.
#
#   scripts/measure-runtime.sh [--nnp on|off] [--quiet N] ENGINE [-- CMD ARG...]
#   scripts/measure-runtime.sh --bundle DIR [--nnp on|off] ENGINE -- CMD ARG...
#   ENGINE: runc | crun | podman-runc | podman-crun | docker | containerd
#
# Prints one [[runtime]] table (TOML) on stdout; add it to a file given to
# `profile generate --runtimes FILE`, or to policies/runtimes.toml.
# With --bundle, runs CMD once in ENGINE under the bundle's profile instead
# (seccomp.oci.json for runc and crun, seccomp.json for the others), prints its
# output and exits with its status: a bundle tried with the real engine. The
# image holds a static busybox as /bin/busybox and /bin/sh.
#
# How: the container gets a profile whose default action is SCMP_ACT_LOG, and
# the seccomp audit records are read from the kernel's audit multicast group
# (NETLINK_AUDIT, AUDIT_NLGRP_READLOG), which is not rate-limited like dmesg
# (about 10 lines per 5 s) and does not take the audit daemon's place. A record
# is the runtime's when it comes from the container's init process (same pid as
# the workload) before the workload's execve, i.e. while /proc/PID/exe is still
# the runtime's binary; the workload runs from a uniquely named path so its
# records are told apart. Then the container runs again with the measured calls
# allowed, until N runs in a row (--quiet, 3) log no new runtime call.
# Needs root (CAP_AUDIT_READ), python3, scmp_sys_resolver (Debian: seccomp),
# busybox-static, and the engine. Daemons (dockerd, containerd) are started on
# private sockets and data roots below a temporary directory and stopped by pid.
set -euo pipefail

nnp=off
quiet=3
bundle=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nnp) nnp=${2:-}; shift 2 ;;
    --bundle) bundle=${2:-}; shift 2 ;;
    --quiet) quiet=${2:-}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "measure-runtime: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
engine=${1:-}
shift || true
if [ "${1:-}" = -- ]; then shift; fi
wargs=("$@")
[ -z "$bundle" ] || [ ${#wargs[@]} -gt 0 ] || { echo "measure-runtime: --bundle needs -- CMD" >&2; exit 2; }
[ -z "$bundle" ] || [ -f "$bundle/seccomp.json" ] || { echo "measure-runtime: $bundle has no seccomp.json" >&2; exit 2; }
case "$engine" in runc|crun|podman-runc|podman-crun|docker|containerd) ;; *)
  echo "measure-runtime: ENGINE must be runc, crun, podman-runc, podman-crun, docker or containerd" >&2; exit 2 ;;
esac
case "$nnp" in on|off) ;; *) echo "measure-runtime: --nnp takes on or off" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "measure-runtime: needs root (reading seccomp audit records)" >&2; exit 2; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
for t in scmp_sys_resolver busybox; do
  command -v "$t" >/dev/null || { echo "measure-runtime: $t is missing (Debian: seccomp, busybox-static)" >&2; exit 2; }
done
BUSYBOX=$(command -v busybox)
case "$(file -b "$BUSYBOX" 2>/dev/null || echo static)" in *dynamic*)
  echo "measure-runtime: $BUSYBOX is not static (install busybox-static)" >&2; exit 2 ;; esac

tmp=$(mktemp -d "${MEASURE_TMPDIR:-/tmp}/pmr.XXXXXX")
mark=pmr$$x$RANDOM
pids_to_stop=()
id=pmr-$$-$RANDOM
cleanup() {
  set +e
  case "$engine" in
    runc|crun) "$engine" --root "$tmp/state" delete -f "$id" >/dev/null 2>&1 ;;
  esac
  for p in "${pids_to_stop[@]}"; do
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  # podman's conmon runs `podman container cleanup` after the container exits,
  # asynchronously: wait for whatever still names our directory, then end it.
  local stragglers
  for i in $(seq 100); do
    stragglers=""
    for p in /proc/[0-9]*; do # (not grep: its own command line names $tmp)
      c=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
      case "$c" in *"$tmp"*) stragglers+=" ${p#/proc/}" ;; esac
    done
    [ -n "$stragglers" ] || break
    if [ "$i" -eq 100 ]; then kill -KILL $stragglers 2>/dev/null; sleep 0.2; fi
    sleep 0.1
  done
  # vfs layers and overlay mounts of the engines' private roots
  grep -o " $tmp[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# The image: a static busybox under a unique path, plus the usual mount points.
mkdir -p "$tmp/rootfs/$mark" "$tmp/rootfs"/{bin,proc,dev,sys,tmp,etc,run}
cp "$BUSYBOX" "$tmp/rootfs/$mark/busybox"
ln -s "/$mark/busybox" "$tmp/rootfs/bin/sh"
ln -s "/$mark/busybox" "$tmp/rootfs/bin/busybox"
echo "root:x:0:0:root:/:/bin/sh" >"$tmp/rootfs/etc/passwd"
echo "root:x:0:" >"$tmp/rootfs/etc/group"
tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
[ ${#wargs[@]} -gt 0 ] || wargs=("/$mark/busybox" true)

cap_sys_resource() { # root may lack it (a VM's bounding set): podman then needs explicit ulimits
  local eff; eff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
  (( (16#$eff >> 24) & 1 ))
}
hybrid_cgroups() { [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; }

write_profile() { # $1: file; rest: syscall names to allow (log everything else)
  local f=$1; shift
  "$PY" - "$f" "$@" <<'EOF'
import json, sys
names = sorted(set(sys.argv[2:]))
rules = [{"names": names, "action": "SCMP_ACT_ALLOW"}] if names else []
json.dump({"defaultAction": "SCMP_ACT_LOG", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": rules},
          open(sys.argv[1], "w"), indent=1)
EOF
}

oci_config() { # $1: profile file; writes $tmp/bundle/config.json from `runc spec`
  rm -rf "$tmp/bundle"; mkdir -p "$tmp/bundle"
  (cd "$tmp/bundle" && runc spec 2>/dev/null || crun spec)
  "$PY" - "$tmp/bundle/config.json" "$1" "$tmp/rootfs" "$nnp" "${wargs[@]}" <<'EOF'
import json, sys
cfg_path, prof, rootfs, nnp, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
c = json.load(open(cfg_path))
c["process"]["args"] = args
c["process"]["terminal"] = False
c["process"]["noNewPrivileges"] = nnp == "on"
c["root"] = {"path": rootfs, "readonly": False}
c["linux"]["seccomp"] = json.load(open(prof))
json.dump(c, open(cfg_path, "w"), indent=1)
EOF
}

start_daemon() { # $1: socket to wait for; rest: command
  local sock=$1; shift
  "$@" >"$tmp/daemon.log" 2>&1 &
  pids_to_stop+=($!)
  for _ in $(seq 200); do [ -S "$sock" ] && return 0; sleep 0.1; done
  echo "measure-runtime: $1 did not come up:" >&2; tail -20 "$tmp/daemon.log" >&2; exit 1
}

podman_cmd() {
  local rt=${engine#podman-}
  echo podman --root "$tmp/storage" --runroot "$tmp/prun" --storage-driver vfs --cgroup-manager cgroupfs \
    --events-backend file --runtime "$rt" --tmpdir "$tmp/ptmp"
}

prepared=0
prepare_engine() {
  [ $prepared -eq 1 ] && return
  prepared=1
  case "$engine" in
    podman-*) $(podman_cmd) import "$tmp/rootfs.tar" localhost/pmr:latest >/dev/null ;;
    docker)
      mkdir -p "$tmp/d"
      echo '{}' >"$tmp/d/daemon.json"
      start_daemon "$tmp/d/sock" dockerd --data-root "$tmp/d/data" --exec-root "$tmp/d/exec" --pidfile "$tmp/d/pid" \
        -H "unix://$tmp/d/sock" --storage-driver vfs --iptables=false --ip6tables=false --bridge=none \
        --config-file "$tmp/d/daemon.json"
      /usr/bin/docker -H "unix://$tmp/d/sock" import "$tmp/rootfs.tar" pmr:latest >/dev/null ;;
    containerd)
      mkdir -p "$tmp/c"
      printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n' >"$tmp/c/config.toml"
      start_daemon "$tmp/c/sock" containerd --config "$tmp/c/config.toml" --root "$tmp/c/root" \
        --state "$tmp/c/state" --address "$tmp/c/sock" ;;
  esac
}

run_once() { # $1: profile file. The container's output goes to $tmp/run.log.
  local prof=$1 rc=0
  prepare_engine
  case "$engine" in
    runc)
      oci_config "$prof"
      runc --root "$tmp/state" run -b "$tmp/bundle" "$id" >"$tmp/run.log" 2>&1 || rc=$? ;;
    crun)
      oci_config "$prof"
      if hybrid_cgroups; then # crun 1.8 refuses hybrid cgroups: a private cgroup2 mount
        unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh \
          crun --root "$tmp/state" --cgroup-manager=disabled run -b "$tmp/bundle" "$id" >"$tmp/run.log" 2>&1 || rc=$?
      else
        crun --root "$tmp/state" run -b "$tmp/bundle" "$id" >"$tmp/run.log" 2>&1 || rc=$?
      fi ;;
    podman-*)
      local opts=(--rm --network none --security-opt "seccomp=$prof")
      [ "$nnp" = on ] && opts+=(--security-opt no-new-privileges)
      cap_sys_resource || opts+=(--ulimit nofile=1024:20000 --ulimit nproc=4096:4096)
      if [ "$engine" = podman-crun ] && hybrid_cgroups; then
        opts+=(--cgroups=disabled)
        unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh \
          $(podman_cmd) run "${opts[@]}" localhost/pmr:latest "${wargs[@]}" >"$tmp/run.log" 2>&1 || rc=$?
      else
        $(podman_cmd) run "${opts[@]}" localhost/pmr:latest "${wargs[@]}" >"$tmp/run.log" 2>&1 || rc=$?
      fi ;;
    docker)
      local opts=(--rm --network none --security-opt "seccomp=$prof")
      [ "$nnp" = on ] && opts+=(--security-opt no-new-privileges)
      /usr/bin/docker -H "unix://$tmp/d/sock" run "${opts[@]}" pmr:latest "${wargs[@]}" >"$tmp/run.log" 2>&1 || rc=$? ;;
    containerd)
      local opts=(--rm --rootfs --seccomp --seccomp-profile "$prof")
      [ "$nnp" = off ] && opts+=(--allow-new-privs)
      ctr --address "$tmp/c/sock" run "${opts[@]}" "$tmp/rootfs" "$id" "${wargs[@]}" >"$tmp/run.log" 2>&1 || rc=$? ;;
  esac
  return $rc
}

# The audit listener: one line "PID SYSCALLNR EXE" per seccomp record (type 1326).
cat >"$tmp/listen.py" <<'EOF'
import re, signal, socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)  # NETLINK_AUDIT
s.bind((0, 1))  # AUDIT_NLGRP_READLOG
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
out = open(sys.argv[1], "w", buffering=1)
open(sys.argv[2], "w").close()  # ready
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
pat = re.compile(r'pid=(\d+) .*?exe="?([^" ]*)"? .*?arch=([0-9a-f]+) syscall=(\d+)')
while True:
    d = s.recv(1 << 16)
    ln, typ = struct.unpack_from("IH", d)
    if typ != 1326:
        continue
    m = pat.search(d[16:ln].decode(errors="replace"))
    if m:
        out.write("%s %s %s %s\n" % (m.group(1), m.group(4), m.group(3), m.group(2)))
EOF

measure_round() { # $1: profile; writes the runtime's logged syscall names to $tmp/new
  rm -f "$tmp/ready"
  : >"$tmp/new"
  "$PY" "$tmp/listen.py" "$tmp/audit.log" "$tmp/ready" </dev/null >/dev/null &
  local lp=$!
  pids_to_stop+=($lp)
  for _ in $(seq 100); do [ -e "$tmp/ready" ] && break; sleep 0.05; done
  local rc=0
  run_once "$1" || rc=$?
  sleep 1 # kauditd delivers asynchronously
  kill -TERM $lp; wait $lp 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    echo "measure-runtime: the container failed under a logging profile (exit $rc):" >&2
    tail -20 "$tmp/run.log" >&2
    exit 1
  fi
  # pids that ran the workload; their records under another exe are the runtime's
  awk -v w="/$mark/busybox" '$4 == w {p[$1]=1} {r[NR]=$0} END {for (i=1;i<=NR;i++) {split(r[i],f," "); if ((f[1] in p) && f[4] != w) print f[3], f[2]}}' "$tmp/audit.log" |
    sort -u | while read -r arch nr; do
      [ "$arch" = c000003e ] || { echo "measure-runtime: record of another architecture ($arch) ignored" >&2; continue; }
      scmp_sys_resolver -a x86_64 "$nr"
    done >"$tmp/new"
  grep -c " /$mark/busybox$" "$tmp/audit.log" >"$tmp/workload_records" || true
}

if [ -n "$bundle" ]; then
  case "$engine" in runc|crun) prof=$bundle/seccomp.oci.json ;; *) prof=$bundle/seccomp.json ;; esac
  rc=0
  run_once "$(cd "$(dirname "$prof")" && pwd)/$(basename "$prof")" || rc=$?
  cat "$tmp/run.log"
  exit $rc
fi

# Some calls come and go between runs (runc is written in Go: a preemption signal
# gives rt_sigreturn, a contended lock futex), so the measurement ends only after
# QUIET consecutive runs logged nothing new.
allowed=()
rounds=0
still=0
while [ $still -lt "$quiet" ]; do
  rounds=$((rounds + 1))
  write_profile "$tmp/profile.json" "${allowed[@]}"
  measure_round "$tmp/profile.json"
  mapfile -t new <"$tmp/new"
  if [ "$(cat "$tmp/workload_records")" = 0 ]; then
    echo "measure-runtime: no record of the workload arrived: is CAP_AUDIT_READ or audit support missing?" >&2
    exit 1
  fi
  if [ ${#new[@]} -eq 0 ]; then still=$((still + 1)); continue; fi
  still=0
  allowed+=("${new[@]}")
  if [ $rounds -ge $((quiet + 8)) ]; then
    echo "measure-runtime: the runtime still logged new calls after $rounds runs: ${new[*]}" >&2
    exit 1
  fi
done
mapfile -t allowed < <(printf '%s\n' "${allowed[@]}" | sort -u)

case "$engine" in
  runc|podman-runc|docker|containerd) rt=runc ;;
  crun|podman-crun) rt=crun ;;
esac
rtver=$("$rt" --version | awk 'NR==1 {print $3}')
case "$engine" in
  runc|crun) via="$rt" ;;
  podman-*) via="podman $(podman --version | awk '{print $3}') + $rt" ;;
  docker) via="docker $(/usr/bin/docker --version | awk '{print $3}' | tr -d ,) + $rt" ;;
  containerd) via="containerd $(containerd --version | awk '{print $3}') + $rt" ;;
esac
major_minor=$(echo "$rtver" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
next=$(echo "$major_minor" | awk -F. '{print $1 "." $2 + 1}')
printf '[[runtime]]\n'
printf 'name = "%s"\n' "$rt"
printf 'engine = "%s"\n' "$engine"
printf 'versions = [">=%s", "<%s"]\n' "$major_minor" "$next"
printf 'nnp = %s\n' "$([ "$nnp" = on ] && echo true || echo false)"
printf 'measured = "%s %s via %s, Linux %s %s, %s runs of scripts/measure-runtime.sh%s %s"\n' \
  "$rt" "$rtver" "$via" "$(uname -r)" "$(uname -m)" "$rounds" "$([ "$nnp" = on ] && echo " --nnp on")" "$engine"
printf 'syscalls = [%s]\n' "$(printf '"%s", ' "${allowed[@]}" | sed 's/, $//')"
