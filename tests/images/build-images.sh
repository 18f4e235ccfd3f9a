#!/usr/bin/env bash
# Builds the two service images the image tests learn, without a registry:
#   OUT/python  OCI layout, tag 1: host python3 (+ the shared libraries ldd
#               names, /usr/lib/python3.11 without tests and caches) and
#               /app/server.py; Entrypoint python3, Cmd /app/server.py, Env
#               PORT=18081, WorkingDir /app, User app (uid 1000 in its passwd)
#   OUT/musl    OCI layout, tag 1: /server, a threaded HTTP server built with
#               musl-gcc -static, alone in a scratch root; Entrypoint /server,
#               Cmd 18082, Env GREETING=musl, WorkingDir /, User 1000:1000
# With --podman, each is also copied into podman's storage as
# localhost/profile-test-python:1 and localhost/profile-test-musl:1.
#   build-images.sh OUT [--podman]
# Needs umoci, skopeo (for --podman), musl-gcc (musl-tools), python3.11.
set -euo pipefail
out=$1
podman=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A root filesystem's library: the file and the name ldd gave (a symlink there
# when the two differ, as the dynamic loader looks up the name).
copy_libs() {
  local root=$1 bin=$2
  ldd "$bin" 2>/dev/null | awk '/=> \//{print $3} /^\s*\/lib/{print $1}' | while read -r lib; do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

new_image() {  # layout name -> unpacked bundle in $work/$name
  local layout=$1 name=$2
  rm -rf "$layout"
  umoci init --layout "$layout"
  umoci new --image "$layout:1"
  umoci unpack --rootless --image "$layout:1" "$work/$name"
}

finish_image() {  # layout name, then umoci config options
  local layout=$1 name=$2
  shift 2
  umoci repack --image "$layout:1" "$work/$name"
  umoci config --image "$layout:1" --tag 1 "$@"
  umoci gc --layout "$layout"
}

# 1. Python service.
py=$(readlink -f /usr/bin/python3)
new_image "$out/python" python
r=$work/python/rootfs
mkdir -p "$r/usr/bin" "$r/usr/lib" "$r/app/data" "$r/etc" "$r/tmp" "$r/lib64"
chmod 1777 "$r/tmp"
cp "$py" "$r/usr/bin/"
ln -s "$(basename "$py")" "$r/usr/bin/python3"
# Debian's /lib, /lib64, /bin are links into /usr.
ln -s usr/lib "$r/lib" 2>/dev/null || true
copy_libs "$r" "$py"
(cd /usr/lib && tar cf - --exclude=__pycache__ --exclude=test --exclude=idlelib --exclude=tkinter \
    --exclude=turtledemo --exclude=ensurepip --exclude=lib2to3 python3.11) | (cd "$r/usr/lib" && tar xf -)
for so in "$r"/usr/lib/python3.11/lib-dynload/*.so; do copy_libs "$r" "$so"; done
cp "$here/server.py" "$r/app/server.py"
echo "hello" >"$r/app/data/greeting.txt"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/app:/bin/sh\n' >"$r/etc/passwd"
printf 'root:x:0:\napp:x:1000:\n' >"$r/etc/group"
finish_image "$out/python" python --config.entrypoint /usr/bin/python3 --config.cmd /app/server.py \
  --config.env PORT=18081 --config.env PATH=/usr/bin:/bin --config.workingdir /app --config.user app

# 2. musl-static C service.
new_image "$out/musl" musl
musl-gcc -static -O2 -pthread -o "$work/musl/rootfs/server" "$here/server.c"
finish_image "$out/musl" musl --config.entrypoint /server --config.cmd 18082 --config.env GREETING=musl \
  --config.workingdir / --config.user 1000:1000

if [ "$podman" = --podman ]; then
  skopeo copy --quiet "oci:$out/python:1" containers-storage:localhost/profile-test-python:1
  skopeo copy --quiet "oci:$out/musl:1" containers-storage:localhost/profile-test-musl:1
fi
echo "built $out/python:1 and $out/musl:1"
