#!/usr/bin/env bash
# Fails when a subcommand has no man page, when an option shown by
# `profile CMD --help` is missing from man/profile-CMD.1, or a page has roff errors.
set -u
profile=$1
man_dir=$2
status=0
cmds=$("$profile" --help | awk 'tolower($0) ~ /^subcommands:/{s=1;next} s&&/^  [a-z]/{print $1}')
[ -n "$cmds" ] || { echo "no subcommands found in 'profile --help'"; exit 1; }
for cmd in $cmds; do
  page="$man_dir/profile-$cmd.1"
  if [ ! -f "$page" ]; then
    echo "missing man page for 'profile $cmd': $page"; status=1; continue
  fi
  text=$(sed 's/\\-/-/g' "$page")
  for opt in $("$profile" "$cmd" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
    case "$opt" in --help) continue ;; esac
    grep -qF -- "$opt" <<<"$text" || { echo "profile $cmd: option $opt is not documented in $page"; status=1; }
  done
done
for page in "$man_dir"/*.[15]; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || { echo "$page: $warnings"; status=1; }
done
[ $status -eq 0 ] && echo "docs match --help for: $(echo $cmds)"
exit $status
