#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking `profile` needs.
# Idempotent: packages already present are skipped quickly by apt-get.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config g++ clang llvm clang-format ccache
  clang-tidy-16  # scripts/lint.sh --tidy: clang-tidy 14 misparses C++20 in GCC 12's headers
  libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes for clang (scripts/fuzz.sh)
  # libraries named in DESIGN.md
  libseccomp-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libgtest-dev libgmock-dev
  libbpf-dev bpftool libelf-dev zlib1g-dev libcap-dev
  libselinux1-dev libsepol-dev
  # real workloads and peers used by tests and benchmarks
  strace python3 python3-jsonschema python3-yaml sqlite3 tar coreutils findutils crun bubblewrap bpftrace
  busybox-static  # a static shell for the tiny crun rootfs of tests/profilegen
  # real services of tests/integration/services_test.cpp and bench/services.sh. `nginx` is bookworm's
  # smallest nginx with the static core modules they use (nginx-light adds the echo module on top of it);
  # redis-server brings redis-cli (redis-tools); util-linux gives setpriv.
  nginx redis-server util-linux
  # container engines of tests/engines and scripts/measure-runtime.sh (scmp_sys_resolver: seccomp)
  runc podman conmon containernetworking-plugins catatonit docker.io containerd seccomp file
  # learn/enforce --image: skopeo reads images from every local storage, umoci unpacks them; the image tests
  # (tests/images) build a musl-static service with musl-gcc, and curl asks the services
  skopeo umoci buildah musl-tools curl
  # SELinux offline toolchain
  selinux-policy-default selinux-policy-dev checkpolicy semodule-utils secilc setools policycoreutils
  # packaging (tests/package): dpkg-shlibdeps computes the .deb's Depends, man -w finds the installed pages, and
  # the zsh and fish completions are checked by the shells themselves
  dpkg-dev man-db zsh fish
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# Debian starts a daemon when its package is installed, unless policy-rc.d forbids it (as in containers and
# these VMs). The tests and benchmarks never use the default ports or configuration files, but a stock nginx
# on :80 or redis on :6379 that this install started would be one more service on the machine: stop those
# just installed, by the pid files their packages write (a daemon that was there before is left alone).
for pkg_pidfile in nginx:/run/nginx.pid redis-server:/run/redis/redis-server.pid; do
  pkg=${pkg_pidfile%%:*}
  pidfile=${pkg_pidfile#*:}
  if [[ " ${missing[*]} " == *" $pkg "* && -s "$pidfile" ]]; then
    echo "install-deps: stopping the $pkg that its installation started" >&2
    $SUDO kill "$(cat "$pidfile")" 2>/dev/null || true
  fi
done
