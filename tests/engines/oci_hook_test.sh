#!/usr/bin/env bash
# `profile oci-hook` learns a container that podman starts, and the bundle it
# writes confines the same image under podman.
#
#   oci_hook_test.sh PROFILE_BINARY
#
# 1. --install writes a hooks.d file (oci-hooks(5) 1.0.0) into a private dir;
# 2. podman --hooks-dir runs a locally built busybox image with the annotation
#    io.profile.learn=OUT: the container works, and OUT gets the bundle with
#    the paths as the image names them (no host storage path), and the
#    workload part holds none of the runtime's setup (pivot_root, mount...);
# 3. podman runs the image under OUT/seccomp.json: the workload works, chmod
#    and unshare, never made while learning, fail with EPERM;
# 4. an output directory that cannot be used: the container still runs and the
#    --log file says why; with io.profile.learn.required=true it does not start;
# 5. `profile label` puts OUT/seccomp.json into the image's label
#    io.containers.seccomp.profile: podman --seccomp-policy=image runs the
#    labelled image confined (chmod, unshare denied); the unlabelled one allows chmod.
# podman runs privately (--root/--runroot below the test's directory, vfs,
# cgroupfs) with the ulimits root needs without CAP_SYS_RESOURCE.
set -u
profile=$1
fail=0
err() { echo "FAIL: $*"; fail=1; }

[ "$(id -u)" -eq 0 ] || { echo "oci_hook_test: needs root"; [ "${PROFILE_STRICT:-0}" = 1 ] && exit 1; exit 77; }
for b in podman conmon runc busybox python3; do
  command -v "$b" >/dev/null && continue
  echo "oci_hook_test: $b is missing (scripts/install-deps.sh installs it)"
  [ "${PROFILE_STRICT:-0}" = 1 ] && exit 1
  exit 77
done
BUSYBOX=$(command -v busybox)
case "$(file -b "$BUSYBOX" 2>/dev/null || echo static)" in *dynamic*)
  echo "oci_hook_test: $BUSYBOX is not static (install busybox-static)"
  [ "${PROFILE_STRICT:-0}" = 1 ] && exit 1
  exit 77 ;;
esac

tmp=$(mktemp -d /tmp/poh.XXXXXX)
cleanup() {
  set +e
  # conmon runs `podman container cleanup` asynchronously, and recorders may
  # still be writing: wait for whatever names our directory, then end it.
  local stragglers
  for i in $(seq 150); do
    stragglers=""
    for p in /proc/[0-9]*; do
      [ "${p#/proc/}" = $$ ] && continue
      c=$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
      case "$c" in *"$tmp"*) stragglers+=" ${p#/proc/}" ;; esac
    done
    [ -n "$stragglers" ] || break
    if [ "$i" -eq 150 ]; then echo "oci_hook_test: killing stragglers:$stragglers"; kill -KILL $stragglers; sleep 0.2; fi
    sleep 0.1
  done
  grep -o " $tmp[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$tmp"
}
[ -n "${OCI_HOOK_TEST_KEEP:-}" ] || trap cleanup EXIT

mark=poh$$x$RANDOM
mkdir -p "$tmp/rootfs/$mark" "$tmp/rootfs"/{bin,proc,dev,sys,tmp,etc,run}
cp "$BUSYBOX" "$tmp/rootfs/$mark/busybox"
ln -s "/$mark/busybox" "$tmp/rootfs/bin/sh"
ln -s "/$mark/busybox" "$tmp/rootfs/bin/busybox"
echo "root:x:0:0:root:/:/bin/sh" >"$tmp/rootfs/etc/passwd"
echo "root:x:0:" >"$tmp/rootfs/etc/group"
tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .

P=(podman --root "$tmp/storage" --runroot "$tmp/prun" --storage-driver vfs --cgroup-manager cgroupfs
   --events-backend file --runtime runc --tmpdir "$tmp/ptmp")
"${P[@]}" import "$tmp/rootfs.tar" localhost/poh:latest >/dev/null || { echo "FAIL: podman import"; exit 1; }
ropts=(--rm --network none)
eff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
(( (16#$eff >> 24) & 1 )) || ropts+=(--ulimit nofile=1024:20000 --ulimit nproc=4096:4096)

work='echo hello world | /bin/busybox wc -w; /bin/busybox ls / >/dev/null; /bin/busybox cat /etc/passwd | /bin/busybox head -1'
attack='/bin/busybox chmod 600 /etc/passwd; echo chmod=$?; /bin/busybox unshare -U true; echo unshare=$?'

# 1. the hooks.d file
"$profile" -q oci-hook --install "$tmp/hooks" --log "$tmp/fallback.log" || err "oci-hook --install failed"
python3 - "$tmp/hooks/profile-learn.json" "$profile" "$tmp/fallback.log" <<'PY' || err "the hooks.d file is not what oci-hooks(5) 1.0.0 expects"
import json, os, sys
h = json.load(open(sys.argv[1]))
assert h["version"] == "1.0.0", h
assert os.path.samefile(h["hook"]["path"], sys.argv[2]), h
assert h["hook"]["args"] == ["profile", "oci-hook", "--log", sys.argv[3]], h
assert h["when"] == {"annotations": {"^io\\.profile\\.learn$": ".+"}}, h
assert h["stages"] == ["prestart"], h
PY

wait_for() { # file pattern: the recorder writes after the container is gone
  for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# 2. learn through the hook
"${P[@]}" --hooks-dir "$tmp/hooks" run "${ropts[@]}" --annotation "io.profile.learn=$tmp/out" \
  localhost/poh:latest /bin/busybox sh -c "$work" >"$tmp/learn.out" 2>&1 || { cat "$tmp/learn.out"; err "the learned container failed"; }
grep -qx 2 "$tmp/learn.out" || err "the learned container did not print 2"
wait_for "$tmp/out/hook.log" "wrote the bundle" || { cat "$tmp/out/hook.log" 2>/dev/null; err "no bundle was written into OUT"; }
[ -f "$tmp/out/seccomp.json" ] || err "OUT/seccomp.json is missing"
python3 - "$tmp/out/recording.json" "$mark" "$tmp" <<'PY' || err "the recording is not the workload's, as the image names it"
import json, sys
rec, mark, tmp = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
text = json.dumps(rec)
assert tmp not in text, "a host storage path is in the recording"
exes = rec["executables"]
names = list(exes) if isinstance(exes, dict) else [e if isinstance(e, str) else e.get("path") for e in exes]
assert f"/{mark}/busybox" in names, names
files = rec["files"]
fnames = list(files) if isinstance(files, dict) else [f["path"] for f in files]
assert "/etc/passwd" in fnames, fnames
sys_names = set()
for arch, calls in rec["syscalls"].items():
    sys_names |= set(calls) if isinstance(calls, dict) else {c if isinstance(c, str) else c["name"] for c in calls}
for bad in ["pivot_root", "mount", "umount2", "sethostname", "keyctl", "unshare", "setns", "mknodat"]:
    assert bad not in sys_names, f"the runtime's {bad} is in the workload's recording"
for need in ["execve", "read", "write", "wait4"]:
    assert need in sys_names, f"{need} missing: {sorted(sys_names)}"
PY
grep -q "recording from the workload's first execve" "$tmp/out/hook.log" || err "hook.log does not say what it recorded"

# 2b. crun, with no cgroup of its own (--cgroups=disabled; crun 1.8 refuses
# hybrid cgroups otherwise, so it runs with a private cgroup2 mount): the
# recorder scopes to the container's pid namespace instead.
if command -v crun >/dev/null; then
  PC=("${P[@]}")
  PC[${#PC[@]}-3]=crun # --runtime runc -> crun
  copts=("${ropts[@]}" --cgroups=disabled --annotation "io.profile.learn=$tmp/out-crun")
  if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
    unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "${PC[@]}" --hooks-dir "$tmp/hooks" \
      run "${copts[@]}" localhost/poh:latest /bin/busybox cat /etc/passwd >"$tmp/crun.out" 2>&1
  else
    "${PC[@]}" --hooks-dir "$tmp/hooks" run "${copts[@]}" localhost/poh:latest /bin/busybox cat /etc/passwd \
      >"$tmp/crun.out" 2>&1
  fi
  grep -q '^root:x:0:0:' "$tmp/crun.out" || { cat "$tmp/crun.out"; err "crun: the learned container failed"; }
  wait_for "$tmp/out-crun/hook.log" "wrote the bundle" || { cat "$tmp/out-crun/hook.log"; err "crun: no bundle"; }
  grep -q "eBPF, pid namespace" "$tmp/out-crun/hook.log" || err "crun: the recorder was not scoped to the pid namespace"
  python3 - "$tmp/out-crun/recording.json" "$mark" <<'PY' || err "crun: the recording is not the workload's"
import json, sys
rec, mark = json.load(open(sys.argv[1])), sys.argv[2]
assert list(rec["executables"]) == [f"/{mark}/busybox"], rec["executables"]
assert "/etc/passwd" in rec["files"], list(rec["files"])
assert "pivot_root" not in rec["syscalls"]["x86_64"] and "mount" not in rec["syscalls"]["x86_64"]
PY
else
  [ "${PROFILE_STRICT:-0}" = 1 ] && err "crun is missing (scripts/install-deps.sh installs it)"
fi

# 3. the bundle confines the same image
"${P[@]}" run "${ropts[@]}" --security-opt "seccomp=$tmp/out/seccomp.json" localhost/poh:latest \
  /bin/busybox sh -c "$work; $attack" >"$tmp/enforce.out" 2>&1 || { cat "$tmp/enforce.out"; err "the confined container failed"; }
grep -qx 2 "$tmp/enforce.out" || err "confined: echo | wc -w did not print 2"
grep -q '^root:x:0:0:' "$tmp/enforce.out" || err "confined: cat | head did not print the passwd line"
grep -qx 'chmod=1' "$tmp/enforce.out" || err "confined: chmod was not denied"
grep -q 'chmod: /etc/passwd: Operation not permitted' "$tmp/enforce.out" || err "confined: chmod did not fail with EPERM"
grep -qx 'unshare=1' "$tmp/enforce.out" || err "confined: unshare -U was not denied"

# 4. an unusable output directory: unlearned but running, or refused when required
touch "$tmp/afile"
"${P[@]}" --hooks-dir "$tmp/hooks" run "${ropts[@]}" --annotation "io.profile.learn=$tmp/afile" \
  localhost/poh:latest /bin/busybox echo still-runs >"$tmp/bad.out" 2>&1 || err "a bad output directory broke the container"
grep -qx still-runs "$tmp/bad.out" || { cat "$tmp/bad.out"; err "the container with a bad output directory did not run"; }
grep -q "cannot learn: the output directory $tmp/afile is not a directory; the container runs unlearned" \
  "$tmp/fallback.log" 2>/dev/null || { cat "$tmp/fallback.log" 2>/dev/null; err "the --log file does not say why"; }
rc=0
"${P[@]}" --hooks-dir "$tmp/hooks" run "${ropts[@]}" --annotation "io.profile.learn=$tmp/afile" \
  --annotation io.profile.learn.required=true localhost/poh:latest /bin/busybox echo must-not-run >"$tmp/req.out" 2>&1 || rc=$?
[ $rc -ne 0 ] || err "with io.profile.learn.required=true the container started anyway"
grep -qx must-not-run "$tmp/req.out" && err "the required-learning container ran its command"
grep -q "cannot learn" "$tmp/req.out" || { cat "$tmp/req.out"; err "podman's error does not carry the hook's reason"; }
# A relative output directory is refused the same way.
"${P[@]}" --hooks-dir "$tmp/hooks" run "${ropts[@]}" --annotation "io.profile.learn=relative/dir" \
  localhost/poh:latest /bin/busybox true >"$tmp/rel.out" 2>&1 || err "a relative output directory broke the container"
grep -q 'does not name an absolute directory' "$tmp/fallback.log" || err "the --log file does not refuse a relative directory"

# A directory that holds other files is not rebuilt as a bundle.
mkdir -p "$tmp/notabundle" && echo keep >"$tmp/notabundle/data"
"${P[@]}" --hooks-dir "$tmp/hooks" run "${ropts[@]}" --annotation "io.profile.learn=$tmp/notabundle" \
  localhost/poh:latest /bin/busybox true >/dev/null 2>&1 || err "a non-bundle output directory broke the container"
grep -q "the output directory $tmp/notabundle holds files and is not a profile bundle" "$tmp/notabundle/hook.log" \
  "$tmp/fallback.log" 2>/dev/null || err "a non-bundle output directory was not refused"
[ "$(ls "$tmp/notabundle")" = data ] || err "the non-bundle output directory was changed: $(ls "$tmp/notabundle")"
# --output-root: nothing outside it, not even through a symbolic link below it.
"$profile" -q oci-hook --install "$tmp/hooks2" --log "$tmp/fallback2.log" --output-root "$tmp/allowed" ||
  err "oci-hook --install --output-root failed"
mkdir -p "$tmp/allowed" "$tmp/outside" && ln -s "$tmp/outside" "$tmp/allowed/link"
for o in "$tmp/elsewhere" "$tmp/allowed/link/x" "$tmp/allowed/../elsewhere"; do
  "${P[@]}" --hooks-dir "$tmp/hooks2" run "${ropts[@]}" --annotation "io.profile.learn=$o" \
    localhost/poh:latest /bin/busybox true >/dev/null 2>&1 || err "--output-root: $o broke the container"
done
[ ! -e "$tmp/elsewhere" ] && [ ! -e "$tmp/outside/x" ] || err "--output-root: a directory was made outside it"
[ "$(grep -c 'cannot learn' "$tmp/fallback2.log" 2>/dev/null)" = 3 ] || { cat "$tmp/fallback2.log"; err "--output-root: not every escape was refused in the log"; }

# 5. the profile travels with the image
PO=(--root="$tmp/storage" --runroot="$tmp/prun" --storage-driver=vfs --cgroup-manager=cgroupfs
    --events-backend=file --runtime=runc --tmpdir="$tmp/ptmp")
"$profile" -q label "$tmp/out" localhost/poh:latest --tag localhost/poh:confined "${PO[@]/#/--podman-opt=}" \
  >"$tmp/label.out" 2>&1 || { cat "$tmp/label.out"; err "profile label failed"; }
"${P[@]}" image inspect --format '{{index .Labels "io.containers.seccomp.profile"}}' localhost/poh:confined \
  >"$tmp/label.json" 2>&1 || err "podman image inspect of the labelled image failed"
python3 - "$tmp/label.json" "$tmp/out/seccomp.json" <<'PY' || err "the label is not OUT/seccomp.json"
import json, sys
assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))
PY
"${P[@]}" run "${ropts[@]}" --seccomp-policy=image localhost/poh:confined /bin/busybox sh -c "$work; $attack" \
  >"$tmp/policy.out" 2>&1 || { cat "$tmp/policy.out"; err "--seccomp-policy=image: the labelled image failed"; }
grep -qx 2 "$tmp/policy.out" || err "--seccomp-policy=image: the labelled image did not print 2"
grep -qx 'chmod=1' "$tmp/policy.out" || err "--seccomp-policy=image: chmod was not denied in the labelled image"
grep -qx 'unshare=1' "$tmp/policy.out" || err "--seccomp-policy=image: unshare was not denied in the labelled image"
# The control: the same image without the label is not confined that way
# (podman 4.3 refuses --seccomp-policy=image for it; its default lets chmod be).
"${P[@]}" run "${ropts[@]}" --seccomp-policy=image localhost/poh:latest /bin/busybox true >/dev/null 2>&1 &&
  err "podman applied --seccomp-policy=image to the unlabelled image"
"${P[@]}" run "${ropts[@]}" localhost/poh:latest /bin/busybox sh -c "$attack" >"$tmp/control.out" 2>&1
grep -qx 'chmod=0' "$tmp/control.out" || { cat "$tmp/control.out"; err "the unlabelled image denies chmod: the test proves nothing"; }
"$profile" -q label "$tmp/afile" localhost/poh:latest >/dev/null 2>&1
[ $? -eq 2 ] || err "profile label of a directory that is not a bundle did not exit 2"

[ $fail -eq 0 ] && echo "oci_hook_test: ok"
exit $fail
