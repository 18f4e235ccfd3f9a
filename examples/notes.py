#!/usr/bin/env python3
"""A tiny notes service: the example workload of the Quick start.

It stores notes in an SQLite database under its data directory, serves them
over HTTP on loopback, fetches them back as a client would, and prints them.
One run touches files (sqlite, its journal, a log), threads, a TCP listener and
a TCP client: what a real service does, small enough to read.

  notes.py DATA_DIR [NOTE...]          normal run (listens on 127.0.0.1:$NOTES_PORT, default 18080)
  notes.py DATA_DIR --attack WHAT      misbehave (what an exploit would try):
                                       shadow | write-outside | mount-shell | port
"""
import http.server
import json
import os
import sqlite3
import sys
import threading
import urllib.request


def attack(what, data_dir):
    try:
        if what == "shadow":
            with open("/etc/shadow") as f:
                f.read(1)
        elif what == "write-outside":
            with open("/var/tmp/notes-was-here", "w") as f:
                f.write("x")
        elif what == "mount-shell":
            rc = os.system("mount -t tmpfs none /mnt 2>/dev/null")
            if rc != 0:
                raise PermissionError("mount failed with status %d" % rc)
        elif what == "port":
            urllib.request.urlopen("http://127.0.0.1:9/", timeout=2).read()
        else:
            print("unknown attack", what, file=sys.stderr)
            return 2
    except OSError as e:
        print("attack %s denied: %s" % (what, e))
        return 1
    print("attack %s SUCCEEDED" % what)
    return 0


class Handler(http.server.BaseHTTPRequestHandler):
    db_path = None

    def do_GET(self):
        with sqlite3.connect(self.db_path) as db:
            rows = [r[0] for r in db.execute("SELECT body FROM notes ORDER BY id")]
        body = json.dumps(rows).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        with open(os.path.join(os.path.dirname(self.db_path), "access.log"), "a") as log:
            log.write(fmt % args + "\n")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    data_dir = sys.argv[1]
    os.makedirs(data_dir, exist_ok=True)
    if len(sys.argv) >= 4 and sys.argv[2] == "--attack":
        return attack(sys.argv[3], data_dir)
    notes = sys.argv[2:] or ["hello"]
    db_path = os.path.join(data_dir, "notes.db")
    with sqlite3.connect(db_path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.executemany("INSERT INTO notes (body) VALUES (?)", [(n,) for n in notes])
    Handler.db_path = db_path
    port = int(os.environ.get("NOTES_PORT", "18080"))
    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = "http://127.0.0.1:%d/" % server.server_address[1]
    with urllib.request.urlopen(url, timeout=10) as resp:
        print("notes:", ", ".join(json.loads(resp.read())))
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
