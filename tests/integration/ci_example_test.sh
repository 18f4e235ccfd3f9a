#!/usr/bin/env bash
# examples/ci end to end, through the script its GitHub Actions and GitLab CI files
# call: with nothing committed the gate bootstraps (passes, and the learned bundle
# is the one to commit); after the commit, a harmless change of the service (one
# more file in its data directory) passes; a dangerous one (it now reads
# /etc/shadow and runs a shell) fails with exit 1, a SARIF error result on the
# committed profile's file, a JUnit failure and a markdown summary that say so.
# usage: ci_example_test.sh PROFILE_BINARY SOURCE_DIR
set -euo pipefail
profile=$1
src=$2

skip() {
  if [ "${PROFILE_STRICT:-}" = 1 ]; then
    echo "FAIL: required feature missing (PROFILE_STRICT=1): $1"
    exit 1
  fi
  echo "SKIP: $1"
  exit 77
}
fail() {
  echo "FAIL: $*"
  exit 1
}
[ "$(id -u)" -eq 0 ] || skip "the learning container needs root"

# Not below /tmp, as the other integration tests: nothing of the checkout may
# depend on the caller's /tmp.
work=$(mktemp -d /var/tmp/ci-example-XXXXXX)
trap 'rm -rf "$work"' EXIT
repo=$work/checkout
mkdir -p "$repo/examples"
cp -r "$src/examples/ci" "$repo/examples/ci"
rm -rf "$repo/examples/ci/profile" "$repo/examples/ci/service/var" "$repo/examples/ci/service/__pycache__"
cd "$repo"
export PROFILE=$profile
unset GITHUB_STEP_SUMMARY
gate() {  # OUT RUNS: the gate's exit status, its output in OUT.txt
  local s=0
  examples/ci/learn-and-gate.sh --committed examples/ci/profile --out "$1" --runs "$2" >"$1.txt" 2>&1 || s=$?
  echo "$s"
}

# 1. Bootstrap: no committed profile yet.
s=$(gate out-boot 1)
[ "$s" -eq 0 ] || { cat out-boot.txt; fail "bootstrap: exit $s"; }
grep -q "No profile is committed at \`examples/ci/profile\`" out-boot/profile.md || fail "bootstrap: $(cat out-boot/profile.md)"
[ -f out-boot/bundle/profile.toml ] && [ -f out-boot/bundle/seccomp.json ] || fail "bootstrap: no merged bundle"
grep -q '"exit_status":0' out-boot/runs/1-read.json || fail "bootstrap: --report of learn: $(cat out-boot/runs/1-read.json)"
grep -q '^all passed$' out-boot/runs/1-read.log || fail "bootstrap: the tests' output is not in their log"
cp -r out-boot/bundle examples/ci/profile  # the commit

# The reports, checked as CI systems read them: SARIF 2.1.0 JSON, JUnit XML.
check_reports() {  # OUT EXPECT(pass|fail)
  python3 - "$1" "$2" <<'PY'
import json, sys, xml.etree.ElementTree as ET
out, expect = sys.argv[1], sys.argv[2]
s = json.load(open(f"{out}/profile.sarif"))
assert s["version"] == "2.1.0", s["version"]
run, = s["runs"]
ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
errors = [r for r in run["results"] if r["level"] == "error"]
for r in run["results"]:
    assert r["ruleId"] in ids, r
    loc = r["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%", loc
    assert loc["artifactLocation"]["uri"].startswith("examples/ci/profile/"), loc
    assert loc["region"]["startLine"] >= 1, loc
junit = ET.parse(f"{out}/profile-junit.xml").getroot()
assert junit.tag == "testsuites", junit.tag
failures = junit.findall(".//failure")
assert int(junit.get("failures")) == len(failures), junit.attrib
md = open(f"{out}/profile.md").read()
if expect == "pass":
    assert not errors, [r["message"]["text"] for r in errors]
    assert not failures, [f.text for f in failures]
    assert "**failing**" not in md, md
else:
    rules = {r["ruleId"] for r in errors}
    assert "profile/sensitive_path" in rules and "profile/executable" in rules, rules
    shadow = [r for r in errors if "/etc/shadow" in r["message"]["text"]]
    assert shadow, [r["message"]["text"] for r in errors]
    uri = shadow[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "examples/ci/profile/landlock.json", uri
    assert any("/etc/shadow" in (f.text or "") for f in failures), [f.text for f in failures]
    assert "**failing**" in md and "/etc/shadow" in md, md
print(f"{out}: SARIF 2.1.0 with {len(run['results'])} results ({len(errors)} errors), "
      f"JUnit with {len(failures)} failures, markdown of {len(md)} bytes")
PY
}

# 2. A harmless change: one more file in the service's data directory.
printf 'Another page.\n' >examples/ci/service/data/extra.txt
s=$(gate out-ok 2)
[ "$s" -eq 0 ] || { cat out-ok.txt out-ok/profile.md; fail "a harmless change failed the gate: exit $s"; }
check_reports out-ok pass || fail "harmless change: reports"

# 3. A dangerous change: the service reads the password hashes and runs a shell.
python3 - examples/ci/service/app.py <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
old = '            self.reply(200, b"ok\\n")\n'
assert old in s
s = s.replace(old, '            open("/etc/shadow", "rb").read()\n'
                   '            import subprocess; subprocess.run(["/bin/sh", "-c", "true"], check=True)\n' + old)
open(p, "w").write(s)
PY
s=$(gate out-bad 1)
[ "$s" -eq 1 ] || { cat out-bad.txt; fail "a dangerous change did not fail the gate: exit $s"; }
grep -q "the gate failed" out-bad.txt || fail "no failure message: $(cat out-bad.txt)"
check_reports out-bad fail || fail "dangerous change: reports"
echo "PASS: bootstrap, harmless change passed, dangerous change failed with SARIF, JUnit and markdown"
