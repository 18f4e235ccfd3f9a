#!/usr/bin/env bash
# The Quick start's main job on the bundled example (examples/notes.py: SQLite,
# an HTTP server and client on loopback, threads, a log file):
#   1. learn it in the learning container, 2. show what it did and what the
#   bundle allows, 3. run it again confined, with other input, 4. try what an
#   exploit would do inside it and watch each attempt being denied.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
P=${BUILD_DIR:-build}/cli/profile
OUT=${OUT:-out}
PY=/usr/bin/python3
rm -rf "$OUT/notes" "$OUT/notes-data"
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. learn: $P learn -o $OUT/notes --net loopback -- $PY examples/notes.py $OUT/notes-data first second"
"$P" learn -o "$OUT/notes" --net loopback -- "$PY" examples/notes.py "$OUT/notes-data" first second

step "2. show: what it did (dangerous syscalls marked !)"
"$P" show "$OUT/notes" | sed -n '1,40p'
echo "   ... (full listing: $P show $OUT/notes)"
ls -1 "$OUT/notes"

if "$P" enforce --help >/dev/null 2>&1; then
  step "3. enforce: a second run with different input, confined by the bundle"
  "$P" enforce "$OUT/notes" -- "$PY" examples/notes.py "$OUT/notes-data" third

  step "4. attacks injected into the same workload (each must be denied)"
  for a in shadow write-outside mount-shell port; do
    if "$P" enforce "$OUT/notes" -- "$PY" examples/notes.py "$OUT/notes-data" --attack "$a"; then
      echo "!! attack $a was NOT denied" >&2
      exit 1
    fi
  done
fi
step "done: the bundle is in $OUT/notes/"
