# A small HTTP service for the image tests: answers GET / with "hello from
# python", GET /quit with "bye" and then exits 0 (so that a learning run ends
# by itself). The port comes from $PORT (the image config sets it).
import http.server
import os
import socket
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"bye\n" if self.path == "/quit" else b"hello from python\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.path == "/quit":
            self.server.quit = True

    def log_message(self, fmt, *args):
        sys.stderr.write("server.py: " + (fmt % args) + "\n")


class Server(http.server.HTTPServer):
    quit = False


def main():
    port = int(os.environ.get("PORT", "8080"))
    # The name lookup a real service makes at start (it reads /etc/hosts).
    socket.getaddrinfo("localhost", port)
    with open("/app/data/greeting.txt") as f:
        f.read()
    srv = Server(("127.0.0.1", port), Handler)
    print("listening on", port, flush=True)
    while not srv.quit:
        srv.handle_request()
    return 0


if __name__ == "__main__":
    sys.exit(main())
