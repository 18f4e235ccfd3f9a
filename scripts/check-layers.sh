#!/bin/sh
# Checks that the libraries read top-down (README.md, "Layout"): each library
# links, and each folder includes, only the layers listed for it, and nothing
# depends on cli/. Two views of the same rule:
#  - links: `cmake --graphviz` of a scratch configure (the targets' direct
#    target_link_libraries edges);
#  - includes: every #include "folder/..." of the sources, which also catches a
#    header-only dependency that no link edge shows.
# Also: profilegen/ outside profilegen/selinux/ runs no process.
# Usage: scripts/check-layers.sh [SOURCE_DIR]   (exit 0 clean, 1 violations, 2 setup error)
set -eu
src=$(cd "${1:-$(dirname "$0")/..}" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/profile-layers-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
bad=0

# The layer table: library -> the project libraries it may link directly.
allowed_links() {
  case "$1" in
    profile_common) echo "" ;;
    profile_tracer) echo "profile_common profile_ebpf" ;;
    profile_ebpf) echo "profile_common" ;;
    profile_enforce) echo "profile_common" ;;
    profile_selinux) echo "profile_common" ;;
    profile_profilegen) echo "profile_common profile_selinux" ;;
    profile_session) echo "profile_common profile_tracer profile_ebpf profile_enforce profile_profilegen profile_selinux" ;;
    profile_ocihook) echo "profile_common profile_tracer profile_ebpf profile_enforce profile_profilegen profile_selinux profile_session" ;;
    profile) echo "*" ;;  # the binary (cli/) sits on top
    *) echo "?" ;;
  esac
}

# Folder -> the folders its sources may include from (a folder includes itself).
allowed_includes() {
  case "$1" in
    common) echo "common" ;;
    tracer) echo "common tracer" ;;
    enforce) echo "common enforce" ;;
    profilegen/selinux) echo "common profilegen/selinux" ;;
    profilegen) echo "common profilegen" ;;
    session) echo "common tracer enforce profilegen session" ;;
    ocihook) echo "common tracer enforce profilegen profilegen/selinux session ocihook" ;;
    cli) echo "common tracer enforce profilegen session ocihook cli" ;;
  esac
}

# --- links -----------------------------------------------------------------
if ! cmake -S "$src" -B "$scratch/build" -DBUILD_TESTING=OFF --graphviz="$scratch/graph.dot" \
     >"$scratch/cmake.log" 2>&1; then
  echo "check-layers: cmake could not configure $src:" >&2
  tail -n 20 "$scratch/cmake.log" >&2
  exit 2
fi
# Edge lines end in a comment "// FROM -> TO".
edges=$(sed -n 's@.*// \([^ ]*\) -> \([^ ]*\)$@\1 \2@p' "$scratch/graph.dot" | sort -u)
if [ -z "$edges" ]; then
  echo "check-layers: no edges in cmake's graphviz output (format changed?)" >&2
  exit 2
fi
libs=$(echo "$edges" | tr ' ' '\n' | grep -E '^profile(_[a-z]+)?$' | sort -u)
for lib in $libs; do
  allow=$(allowed_links "$lib")
  if [ "$allow" = "?" ]; then
    echo "check-layers: library $lib is not in the layer table (scripts/check-layers.sh, README.md)"
    bad=1
    continue
  fi
  for dep in $(echo "$edges" | awk -v l="$lib" '$1 == l { print $2 }' | grep -E '^profile(_[a-z]+)?$' || true); do
    [ "$allow" = "*" ] && continue
    case " $allow " in
      *" $dep "*) ;;
      *) echo "check-layers: $lib links $dep; it may link only: ${allow:-nothing of this project}"; bad=1 ;;
    esac
  done
done

# --- includes --------------------------------------------------------------
cd "$src"
for f in $(find common tracer enforce profilegen session ocihook cli -name '*.h' -o -name '*.cpp' -o -name '*.c' | sort); do
  case "$f" in
    profilegen/selinux/*) folder=profilegen/selinux ;;
    *) folder=${f%%/*} ;;
  esac
  allow=$(allowed_includes "$folder")
  for inc in $(sed -n 's@^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*@\1@p' "$f"); do
    case "$inc" in */*) ;; *) continue ;; esac  # same-folder or generated (learn.skel.h)
    case "$inc" in profilegen/selinux/*) top=profilegen/selinux ;; *) top=${inc%%/*} ;; esac
    case "$top" in common | tracer | enforce | profilegen | profilegen/selinux | session | ocihook | cli | tests) ;; *) continue ;; esac
    ok=0
    for a in $allow; do
      [ "$top" = "$a" ] && ok=1
      # profilegen/ may use its own selinux/ library.
      [ "$a" = profilegen ] && [ "$top" = profilegen/selinux ] && ok=1
    done
    if [ $ok = 0 ]; then
      echo "check-layers: $f includes $inc; $folder/ may include only: $allow"
      bad=1
    fi
  done
done

# --- profilegen runs nothing -----------------------------------------------
runs=$(grep -nE '\b(fork|vfork|execv[pe]*|execl[pe]*|posix_spawnp?|popen|system)\(' \
         profilegen/*.cpp profilegen/*.h || true)
if [ -n "$runs" ]; then
  echo "check-layers: profilegen/ runs processes (only profilegen/selinux/ runs the SELinux toolchain):"
  echo "$runs"
  bad=1
fi

if [ $bad = 0 ]; then
  echo "check-layers: $(echo "$libs" | wc -w) libraries, links and includes follow the layer table"
fi
exit $bad
