#!/usr/bin/python3
"""A registry that speaks only the distribution token flow, for the registry
client's bearer tests (the real registry would need a signing token server).

Registry (first port): every /v2/ request without "Authorization: Bearer <t>"
gets 401 + WWW-Authenticate: Bearer realm=<this server>/token,service=fake,
scope=repository:<name>:pull. /token wants basic USER:PASSWORD and answers
{"token": t, "expires_in": 300}. With the token: /v2/ 200, the manifest of
team/app:v1 (one layer, BLOB), and blob GETs redirect (307) to the storage
port. Storage (second port): serves BLOB, and TAMPERED for the digest of
EXPECTED. Each request is logged to stderr ("token-request", "storage
authorization=yes|no"). Prints "listening http 127.0.0.1:A" and
"storage 127.0.0.1:B" once both listen. Usage: oci_token_registry.py USER PASSWORD
"""
import base64, hashlib, http.server, json, secrets, sys, threading

USER, PASSWORD = sys.argv[1], sys.argv[2]
BLOB = b"a blob behind a token\n"
EXPECTED, TAMPERED = b"what the digest promises\n", b"what storage serves instead\n"
TOKEN = secrets.token_hex(16)


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


CONFIG = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
MANIFEST = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
               "digest": digest(CONFIG), "size": len(CONFIG)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": digest(BLOB), "size": len(BLOB)}]}).encode()
STORAGE = {digest(BLOB): BLOB, digest(EXPECTED): TAMPERED}


def log(line):
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class Registry(Quiet):
    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        if self.path.startswith("/token"):
            log("token-request")
            want = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if auth != want:
                return self.answer(401)
            return self.answer(200, json.dumps({"token": TOKEN, "expires_in": 300}).encode())
        if auth != "Bearer " + TOKEN:
            name = self.path[4:].split("/manifests/")[0].split("/blobs/")[0]
            host = self.headers.get("Host")
            challenge = (f'Bearer realm="http://{host}/token",service="fake",'
                         f'scope="repository:{name}:pull"')
            return self.answer(401, b'{"errors":[]}', [("WWW-Authenticate", challenge)])
        if self.path == "/v2/":
            return self.answer(200, b"{}")
        if self.path in ("/v2/team/app/manifests/v1", "/v2/team/app/manifests/" + digest(MANIFEST)):
            return self.answer(200, MANIFEST, [
                ("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
                ("Docker-Content-Digest", digest(MANIFEST))])
        if self.path.startswith("/v2/team/app/blobs/"):
            blob = self.path.rsplit("/", 1)[1]
            if blob in STORAGE:
                return self.answer(307, b"", [("Location", f"http://127.0.0.1:{STORAGE_PORT}/{blob}")])
        return self.answer(404)

    do_HEAD = do_GET


class Storage(Quiet):
    def do_GET(self):
        log("storage authorization=" + ("yes" if "Authorization" in self.headers else "no"))
        body = STORAGE.get(self.path[1:])
        return self.answer(200, body) if body is not None else self.answer(404)

    do_HEAD = do_GET


registry = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
storage = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Storage)
STORAGE_PORT = storage.server_address[1]
threading.Thread(target=storage.serve_forever, daemon=True).start()
log(f"storage 127.0.0.1:{STORAGE_PORT}")
log(f"listening http 127.0.0.1:{registry.server_address[1]}")
registry.serve_forever()
