#!/usr/bin/env bash
# Cold start of `profile enforce` against peers, measured in one run.
#
#   bench/enforce_coldstart.sh [BUILD_DIR]        (default: ./build)
#   ROUNDS=50 bench/enforce_coldstart.sh build
#
# The workload is /bin/true. Variants, interleaved (every round runs each once,
# in a rotating order):
#   native          plain fork+exec
#   profile enforce full confinement: user, pid, mount, ipc, uts and net
#                   namespaces, a cgroup, capabilities dropped, no_new_privs,
#                   Landlock and seccomp from a bundle learned from /bin/true
#                   (the compiled filter from its per-user cache, as every
#                   launch but a new bundle's first; a second row compiles it
#                   with libseccomp each time)
#   bwrap           bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev
#   crun run        an OCI bundle (read-only rootfs with /bin/true and its
#                   libraries, the bundle's seccomp.oci.json as linux.seccomp)
# Prints median and p95 per variant, and ratios of medians. Targets:
# faster than crun, within 1.5x of bwrap.
# crun refuses this machine's hybrid cgroups, so (as KERNEL.md says) the whole
# measurement runs in a private mount namespace with cgroup2 on /sys/fs/cgroup
# and crun uses --cgroup-manager=disabled; profile and bwrap run there too.
# Needs root, bubblewrap and crun (scripts/install-deps.sh).
set -euo pipefail

SELF=$(readlink -f "$0")
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
PROFILE=$BUILD/cli/profile
ROUNDS=${ROUNDS:-40}
PY=/usr/bin/python3

[ -x "$PROFILE" ] || { echo "enforce_coldstart: $PROFILE is missing; build the profile target first" >&2; exit 2; }
for t in bwrap crun unshare; do
  command -v $t >/dev/null || { echo "enforce_coldstart: $t is not installed (scripts/install-deps.sh)" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "enforce_coldstart: run as root (crun and the cgroup mount need it)" >&2; exit 2; }

if [ -z "${ENFORCE_COLDSTART_INNER:-}" ]; then
  # Under the build directory, not /tmp: enforce gives the workload a private /tmp.
  mkdir -p "$BUILD/bench"
  WORK=$(mktemp -d "$BUILD/bench/enforce_coldstart.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
  cd "$WORK"
  "$PROFILE" -q learn -o "$WORK/true" -- /bin/true
  # Full confinement: a user namespace even as root, no network.
  sed -i -e 's/^user_namespace = .*/user_namespace = "always"/' -e 's/^net = .*/net = "none"/' "$WORK/true/profile.toml"
  # OCI bundle for crun: /bin/true and its libraries, read-only.
  mkdir -p "$WORK/oci/rootfs/proc" "$WORK/oci/rootfs/dev" "$WORK/oci/rootfs/bin"
  cp /bin/true "$WORK/oci/rootfs/bin/true"
  for lib in $(ldd /bin/true | grep -o '/[^ ]*'); do
    mkdir -p "$WORK/oci/rootfs$(dirname "$lib")"
    cp -L "$lib" "$WORK/oci/rootfs$lib"
  done
  (cd "$WORK/oci" && crun spec)
  "$PY" - "$WORK/oci/config.json" "$WORK/true/seccomp.oci.json" <<'PYEOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["process"]["terminal"] = False
cfg["process"]["args"] = ["/bin/true"]
cfg["root"]["readonly"] = True
sec = json.load(open(sys.argv[2]))
cfg["linux"]["seccomp"] = sec.get("linux", {}).get("seccomp", sec)
json.dump(cfg, open(sys.argv[1], "w"), indent=1)
PYEOF
  export ENFORCE_COLDSTART_INNER="$WORK"
  unshare -m --propagation private "$SELF" "$BUILD"
  exit $?
fi

WORK=$ENFORCE_COLDSTART_INNER
mount -t cgroup2 none /sys/fs/cgroup
cd "$WORK"
exec "$PY" - "$PROFILE" "$WORK" "$ROUNDS" <<'PYEOF'
import os, statistics, subprocess, sys, time

profile, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
counter = [0]

def crun():
    counter[0] += 1
    return ["crun", "--cgroup-manager=disabled", "run", "--bundle", os.path.join(work, "oci"),
            "coldstart-%d-%d" % (os.getpid(), counter[0])]

variants = {
    "native": lambda: ["/bin/true"],
    "profile enforce": lambda: [profile, "-q", "enforce", os.path.join(work, "true")],
    "  (no filter cache)": lambda: [profile, "-q", "enforce", os.path.join(work, "true")],
    "bwrap --unshare-all": lambda: ["bwrap", "--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc",
                                    "--dev", "/dev", "/bin/true"],
    "crun run": crun,
}

# The compiled-filter cache lives in the work directory (filled by the warm-up
# run); the second profile variant compiles the filter with libseccomp on
# every launch, as the first launch of a new bundle does.
cached_env = dict(os.environ, PROFILE_CACHE_DIR=os.path.join(work, "filter-cache"))
uncached_env = dict(os.environ, PROFILE_CACHE_DIR="none")

def once(argv, name=""):
    t0 = time.perf_counter()
    env = uncached_env if name == "  (no filter cache)" else cached_env
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit("enforce_coldstart: %s failed (%d): %s" % (" ".join(argv), r.returncode, r.stderr.decode()[-400:]))
    return dt

names = list(variants)
for n in names:  # warm-up: page cache, first-run costs
    once(variants[n](), n)
times = {n: [] for n in names}
for i in range(rounds):
    order = names[i % len(names):] + names[:i % len(names)]
    for n in order:
        times[n].append(once(variants[n](), n))

def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]

print("cold start of /bin/true, %d interleaved rounds (ms)" % rounds)
print("%-22s %9s %9s" % ("variant", "median", "p95"))
for n in names:
    print("%-22s %9.2f %9.2f" % (n, 1000 * statistics.median(times[n]), 1000 * p95(times[n])))
med = {n: statistics.median(times[n]) for n in names}
pe = med["profile enforce"]
print("ratios of medians:")
print("  profile enforce / native          %6.2fx" % (pe / med["native"]))
print("  profile enforce / bwrap           %6.2fx   (target <= 1.5x)" % (pe / med["bwrap --unshare-all"]))
print("  profile enforce / crun run        %6.2fx   (target < 1x)" % (pe / med["crun run"]))
print("  without the filter cache: %.2fx bwrap, %.2fx crun" %
      (med["  (no filter cache)"] / med["bwrap --unshare-all"], med["  (no filter cache)"] / med["crun run"]))
PYEOF
