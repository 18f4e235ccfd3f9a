#!/usr/bin/env bash
# The .deb as a user gets it: cpack builds it from the build directory, `dpkg-deb -x` unpacks it into a scratch
# root (no dpkg database, nothing on the system changes), and what it installs is run from there: the binary,
# `man -w` on every page, the bash completion, and the hardening of the shipped binary.
#   deb_package.sh BUILD_DIR SOURCE_DIR VERSION HARDENING(ON|OFF)
set -u
build=$1
src=$2
version=$3
hardening=$4
status=0
fail() { echo "$*"; status=1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/profile-deb.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
# Everything cpack stages and writes goes below the scratch directory, so that concurrent tests and a later
# `cpack` in the build directory do not see each other's files.
if ! (cd "$build" && cpack -G DEB -B "$scratch/out" >"$scratch/cpack.log" 2>&1); then
  cat "$scratch/cpack.log"
  echo "cpack -G DEB failed"
  exit 1
fi
debs=("$scratch"/out/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "expected one .deb in $scratch/out, got: ${debs[*]}"; exit 1; }
deb=${debs[0]}

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = profile ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: '$(field Version)', expected $version"
[ "$(field Section)" = admin ] || fail "Section: '$(field Section)', expected admin"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ "$(field Description | wc -l)" -ge 3 ] || fail "Description has no long description: $(field Description)"
# Depends comes from the libraries the binary needs, as dpkg-shlibdeps reads them (libsepol is linked in).
depends=$(field Depends)
dep_names=$(sed 's/, */\n/g' <<<"$depends" | awk '{print $1}')
for lib in libc6 libstdc++6 libseccomp2 libselinux1 libbpf1 libcap2 libtomlplusplus3; do
  grep -qxF "$lib" <<<"$dep_names" || fail "Depends lacks $lib: $depends"
done
grep -q libsepol <<<"$depends" && fail "Depends names libsepol, which is linked statically: $depends"

root=$scratch/root
dpkg-deb -x "$deb" "$root" || { echo "dpkg-deb -x failed"; exit 1; }

out=$("$root/usr/bin/profile" --version 2>&1)
[ "$out" = "profile $version" ] || fail "profile --version printed '$out', expected 'profile $version'"
[ "$("$root/usr/bin/profile" learn --help | head -1)" != "" ] || fail "profile learn --help printed nothing"

# Every page of man/ is installed in its section, and man finds it there.
for page in "$src"/man/*.[1-9]; do
  name=$(basename "$page")
  section=${name##*.}
  want=$root/usr/share/man/man$section/$name.gz
  [ -f "$want" ] || { fail "man page not installed: $want"; continue; }
  zcat "$want" | cmp -s - "$page" || fail "$want is not man/$name"
done
found=$(env -u MANPATH man -M "$root/usr/share/man" -w profile-learn 2>&1)
[ "$found" = "$root/usr/share/man/man1/profile-learn.1.gz" ] || fail "man -w profile-learn: $found"
found=$(env -u MANPATH man -M "$root/usr/share/man" -w 5 profile-bundle 2>&1)
[ "$found" = "$root/usr/share/man/man5/profile-bundle.5.gz" ] || fail "man -w 5 profile-bundle: $found"

# The completions, where each shell looks for them.
for f in usr/share/bash-completion/completions/profile usr/share/zsh/vendor-completions/_profile \
  usr/share/fish/vendor_completions.d/profile.fish; do
  [ -s "$root/$f" ] || fail "completion not installed: /$f"
done
complete_bash() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _profile; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$root/usr/share/bash-completion/completions/profile" "$@"
}
offers=$(complete_bash profile '')
for w in learn enforce; do grep -qx "$w" <<<"$offers" || fail "bash: 'profile <TAB>' does not offer $w: $offers"; done
offers=$(complete_bash profile learn --)
for w in --output --tracer --net --append --no-container; do
  grep -qx -- "$w" <<<"$offers" || fail "bash: 'profile learn --<TAB>' does not offer $w: $offers"
done
offers=$(complete_bash profile learn --tracer '')
[ "$(echo $offers)" = "auto ebpf ptrace" ] || fail "bash: 'profile learn --tracer <TAB>' offers '$(echo $offers)'"

# Hardening of the shipped (stripped) binary: PIE, full RELRO (BIND_NOW), stack protector, FORTIFY.
if [ "$hardening" = ON ]; then
  dyn=$(readelf -dW "$root/usr/bin/profile")
  grep -qE 'FLAGS_1.*\bPIE\b' <<<"$dyn" || fail "not a PIE: $(grep FLAGS <<<"$dyn")"
  grep -qE 'BIND_NOW|FLAGS.*\bNOW\b' <<<"$dyn" || fail "no BIND_NOW: $(grep FLAGS <<<"$dyn")"
  readelf -lW "$root/usr/bin/profile" | grep -q GNU_RELRO || fail "no GNU_RELRO segment"
  syms=$(readelf --dyn-syms -W "$root/usr/bin/profile")
  grep -q '__stack_chk_fail' <<<"$syms" || fail "no stack protector (__stack_chk_fail not imported)"
  grep -qE '__[a-z_]+_chk@' <<<"$syms" || fail "no FORTIFY (no __*_chk function imported)"
fi

[ $status -eq 0 ] && echo "$(basename "$deb"): Depends: $depends; installs and runs from a scratch root"
exit $status
