#!/usr/bin/env python3
"""The example service's tests: start it, exercise it over loopback, stop it.
`test_app.py read` reads every file of its data directory, `test_app.py write`
posts notes, no argument does both. Exit 0 when every check passed."""
import os
import subprocess
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def fetch(url, data=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def main():
    suite = sys.argv[1] if len(sys.argv) > 1 else "all"
    if suite not in ("read", "write", "all"):
        print(f"test_app.py: unknown suite {suite!r} (read, write or all)", file=sys.stderr)
        return 2
    service = subprocess.Popen([sys.executable, os.path.join(HERE, "app.py")], stdout=subprocess.PIPE)
    failures = []

    def check(what, ok):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    try:
        base = "http://127.0.0.1:%d" % int(service.stdout.readline())
        check("GET /health", fetch(base + "/health") == (200, b"ok\n"))
        if suite in ("read", "all"):
            for name in sorted(os.listdir(DATA)):
                with open(os.path.join(DATA, name), "rb") as f:
                    check("GET /" + name, fetch(base + "/" + name) == (200, f.read()))
            check("GET /missing is 404", fetch(base + "/missing")[0] == 404)
        if suite in ("write", "all"):
            check("POST /notes", fetch(base + "/notes", b"a note from the tests")[0] == 204)
    finally:
        service.terminate()
        service.wait(timeout=10)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
