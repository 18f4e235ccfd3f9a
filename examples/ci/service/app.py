#!/usr/bin/env python3
"""The example service of examples/ci: serves the files of its data directory and
appends posted notes to var/notes.log, on 127.0.0.1 only. It prints the port it
listens on (an ephemeral one) as its first line, for its tests."""
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
VAR = os.path.join(HERE, "var")


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            self.reply(200, b"ok\n")
            return
        name = self.path.lstrip("/")
        if not name or "/" in name or name.startswith("."):
            self.reply(404)
            return
        try:
            with open(os.path.join(DATA, name), "rb") as f:
                self.reply(200, f.read())
        except OSError:
            self.reply(404)

    def do_POST(self):
        if self.path != "/notes":
            self.reply(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        os.makedirs(VAR, exist_ok=True)
        with open(os.path.join(VAR, "notes.log"), "ab") as f:
            f.write(body.rstrip(b"\n") + b"\n")
        self.reply(204)

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
