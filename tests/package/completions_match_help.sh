#!/usr/bin/env bash
# Fails when a subcommand or an option that `profile [CMD] --help` lists is not offered by a shell completion:
# bash and fish are asked for real (the completion function / `complete -C` with the words typed so far), zsh's
# file is syntax-checked and searched for the option's spec in the subcommand's branch.
#   completions_match_help.sh PROFILE_BINARY COMPLETIONS_DIR   (profile.bash, _profile, profile.fish)
set -u
profile=$1
dir=$2
status=0
fail() { echo "$*"; status=1; }

# Options as --help lists them: every name on an option line of the Options section (not the examples).
options_of() {
  awk '/^[A-Za-z][A-Za-z ]*:$/ { s = (tolower($0) == "options:"); next }
       s && /^  -/ { print $1 }' | tr ',' '\n' | grep -E -- '^--?[a-zA-Z]'
}
cmds=$("$profile" --help | awk 'tolower($0) ~ /^subcommands:/{s=1;next} s&&/^  [a-z]/{print $1}')
[ -n "$cmds" ] || { echo "no subcommands found in 'profile --help'"; exit 1; }
for f in profile.bash _profile profile.fish; do [ -s "$dir/$f" ] || fail "missing completion file $dir/$f"; done
[ $status -eq 0 ] || exit 1

# bash: what _profile offers for the words typed so far, one per line.
bash_offers() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _profile; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$dir/profile.bash" "$@"
}
# fish: the candidates of `complete -C` for a command line, one per line (without descriptions).
fish_offers() {
  env -u HOME XDG_CONFIG_HOME=/nonexistent fish --no-config -c 'source $argv[1]; complete -C $argv[2]' \
    "$dir/profile.fish" "$1" | cut -f1
}
zsh -n "$dir/_profile" || fail "_profile: zsh syntax error"
fish --no-execute "$dir/profile.fish" || fail "profile.fish: fish syntax error"

top_bash=$(bash_offers profile '')
top_fish=$(fish_offers 'profile ')
for cmd in $cmds; do
  grep -qx -- "$cmd" <<<"$top_bash" || fail "bash: 'profile <TAB>' does not offer $cmd"
  grep -qx -- "$cmd" <<<"$top_fish" || fail "fish: 'profile <TAB>' does not offer $cmd"
  grep -qE "^ +'$cmd:" "$dir/_profile" || fail "zsh: $cmd is not among the commands"
  bash_opts=$(bash_offers profile "$cmd" -)
  fish_opts=$(fish_offers "profile $cmd -")
  # zsh: the branch of this subcommand, from its case label to the end of its _arguments call.
  zsh_branch=$(awk -v c="        $cmd)" '$0 == c { p = 1 } p { print } p && /&& ret=0 ;;$/ { exit }' "$dir/_profile")
  [ -n "$zsh_branch" ] || fail "zsh: no branch for $cmd"
  for opt in $("$profile" "$cmd" --help | options_of | sort -u); do
    grep -qx -- "$opt" <<<"$bash_opts" || fail "bash: 'profile $cmd -<TAB>' does not offer $opt"
    grep -qx -- "$opt" <<<"$fish_opts" || fail "fish: 'profile $cmd -<TAB>' does not offer $opt"
    grep -qE -- "[)*]$opt\\[" <<<"$zsh_branch" || fail "zsh: profile $cmd has no spec for $opt"
  done
done
for opt in $("$profile" --help | options_of | sort -u); do
  grep -qx -- "$opt" <<<"$(bash_offers profile -)" || fail "bash: 'profile -<TAB>' does not offer $opt"
done
[ $status -eq 0 ] && echo "completions offer every subcommand and option of: $(echo $cmds)"
exit $status
