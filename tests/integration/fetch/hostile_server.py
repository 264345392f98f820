#!/usr/bin/python3
# A hostile origin for aciswarm's fetch tests (issue 13).
#   hostile_server.py --root DIR [--tls CERT KEY]
# Binds 127.0.0.1:0 and prints "listening https|http 127.0.0.1:PORT". Paths:
#   /endless.aci  gzip magic, then bytes for ever (no Content-Length)
#   /garbage.aci  an HTML page with status 200
#   /huge.aci     Content-Length of 1 TiB, then bytes for ever
#   anything else: the file under DIR, or 404
# Prints "request PATH" for every request and "sent N bytes for PATH" when a
# response ends (the client hung up or the body was complete). Every response
# is bounded: at most 64 GiB or 120 s.
import http.server
import os
import ssl
import sys
import time

ROOT = "."
LIMIT_BYTES = 64 << 30
LIMIT_SECONDS = 120


def log(text):
    print(text, file=sys.stderr, flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def stream(self, first):
        sent = 0
        chunk = b"\0" * 65536
        deadline = time.monotonic() + LIMIT_SECONDS
        try:
            self.wfile.write(first)
            sent += len(first)
            while sent < LIMIT_BYTES and time.monotonic() < deadline:
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass
        return sent

    def do_GET(self):
        log(f"request {self.path}")
        sent = 0
        if self.path == "/endless.aci":
            self.send_response(200)
            self.end_headers()
            sent = self.stream(b"\x1f\x8b\x08\x00" + b"\0" * 60)
        elif self.path == "/huge.aci":
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 40))
            self.end_headers()
            sent = self.stream(b"\x1f\x8b\x08\x00")
        elif self.path == "/garbage.aci":
            body = b"<html><body>" + b"not an image " * 200 + b"</body></html>\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            sent = len(body)
        else:
            path = os.path.join(ROOT, self.path.lstrip("/").split("?")[0])
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    body = f.read()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                    sent = len(body)
                except OSError:
                    pass
            else:
                self.send_error(404)
        log(f"sent {sent} bytes for {self.path}")


def main():
    global ROOT
    args = sys.argv[1:]
    tls = None
    while args:
        if args[0] == "--root":
            ROOT = args[1]
            args = args[2:]
        elif args[0] == "--tls":
            tls = (args[1], args[2])
            args = args[3:]
        else:
            sys.exit(f"unknown argument {args[0]}")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    log(f"listening {'https' if tls else 'http'} 127.0.0.1:{server.server_address[1]}")
    server.timeout = 1
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        server.handle_request()


if __name__ == "__main__":
    main()
