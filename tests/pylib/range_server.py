"""An object server for frost's remote tests: HTTP/1.1 on 127.0.0.1 with ranged
GETs, validators and conditions, an S3 mode that verifies every request's Signature Version 4
with botocore's own signer, a fault plan, and a log of every request.

    srv = RangeServer(root)              # serves files under root; .start() / .stop()
                                         # (tls=(cert, key): HTTPS)
    srv.url("m.frost")                   # http://127.0.0.1:PORT/m.frost
    srv.faults.append(Fault("status", code=503, times=2))
    srv.log                              # [{"path", "range", "status", "bytes", ...}]
    srv.s3 = {"AKID": ("secret", None)}  # paths /BUCKET/KEY, signed requests only

What it implements of RFC 9110: one byte range per request (bytes=a-b, a-, -n) answered 206
with Content-Range, 416 past the end; a strong ETag and Last-Modified on every answer; If-Match
and If-Unmodified-Since answered 412 when they fail; keep-alive. Faults, each for `times`
requests whose path contains `match`, after the first `skip` of them: "status" (answer `code`), "drop" (send `after` bytes of
the body, then close the connection), "delay" (wait `seconds` before answering), "ignore_range"
(answer 200 with the whole file), "replace" (before answering, replace the file's content with
`data`: the object changes between two requests).

(bench/loopback_server.py is the benchmark's: faster per request, with latency and bandwidth.)
"""

import datetime
import email.utils
import hashlib
import os
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Fault:
    def __init__(self, kind, times=1, match="", skip=0, **kw):
        self.kind, self.times, self.match, self.skip, self.kw = kind, times, match, skip, kw

    def __repr__(self):
        return "Fault(%s, times=%d, %r)" % (self.kind, self.times, self.kw)


def parse_range(value, size):
    """(first, last) of a single "bytes=" range, None when absent, "bad" when unsatisfiable."""
    if not value:
        return None
    if not value.startswith("bytes=") or "," in value:
        return None  # a multi-range or another unit: answered with the whole object
    a, _, b = value[6:].partition("-")
    try:
        if a == "":
            n = int(b)
            if n <= 0:
                return "bad"
            return (max(0, size - n), size - 1) if size else "bad"
        first = int(a)
        last = int(b) if b else size - 1
    except ValueError:
        return None
    if first >= size or last < first:
        return "bad"
    return first, min(last, size - 1)


class S3Verifier:
    """Checks a request's Authorization as S3 would: botocore's S3SigV4Auth recomputes the
    signature over the headers the request says it signed, for the same date and credentials."""

    def __init__(self, credentials, region):
        self.credentials = credentials  # access key -> (secret, session token or None)
        self.region = region

    def check(self, handler):
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return "AccessDenied", "no SigV4 Authorization header"
        fields = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        akid, date, region, service, term = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        if akid not in self.credentials:
            return "InvalidAccessKeyId", "unknown access key"
        secret, token = self.credentials[akid]
        for need in ["host", "x-amz-date", "x-amz-content-sha256"] + (
                ["x-amz-security-token"] if token else []):
            if need not in signed:
                return "AccessDenied", "%s is not signed" % need
        if token and handler.headers.get("x-amz-security-token") != token:
            return "InvalidToken", "wrong session token"
        if region != self.region or service != "s3" or term != "aws4_request":
            return "AuthorizationHeaderMalformed", "scope %s/%s" % (region, service)
        stamp = handler.headers.get("x-amz-date", "")
        if stamp[:8] != date:
            return "AccessDenied", "date differs from the scope"
        when = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")
        if abs((datetime.datetime.utcnow() - when).total_seconds()) > 900:
            return "RequestTimeTooSkewed", "x-amz-date too far from now"
        if handler.headers.get("x-amz-content-sha256") != hashlib.sha256(b"").hexdigest():
            return "XAmzContentSHA256Mismatch", "payload hash"
        headers = {h: handler.headers.get(h, "") for h in signed}
        req = AWSRequest(method=handler.command, url="http://%s%s" % (headers["host"],
                                                                        handler.path),
                         headers=headers)
        req.context["timestamp"] = stamp
        signer = S3SigV4Auth(Credentials(akid, secret, token), "s3", self.region)
        canonical = signer.canonical_request(req)
        want = signer.signature(signer.string_to_sign(req, canonical), req)
        if want != fields["Signature"]:
            return "SignatureDoesNotMatch", "signature"
        return None, None


class RangeServer:
    def __init__(self, root, s3_credentials=None, region="us-east-1", tls=None):
        self.root = root
        self.log = []
        self.faults = []
        self.s3 = S3Verifier(s3_credentials, region) if s3_credentials else None
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.in_flight = 0
        self.etags = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                # headers and body leave in two writes: without this, Nagle holds the body
                # back until the client's delayed ACK (40 ms) for every answer
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                server.handle(self)

            def do_HEAD(self):
                server.handle(self)

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # frost opens up to 64 connections at once
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that stops reading (a refused answer, a test) is no news

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.scheme = "http"
        if tls:  # (certificate, key) files: HTTPS
            import ssl
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self.httpd.server_address[1]
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def url(self, name):
        return "%s://127.0.0.1:%d/%s" % (self.scheme, self.port, urllib.parse.quote(name))

    def reset(self):
        """Forgets the log and the faults, once every answer under way has ended (an answer a
        client gave up on may still be writing, and would log itself late)."""
        with self.lock:
            self.idle.wait_for(lambda: self.in_flight == 0, timeout=10)
            self.log.clear()
            self.faults.clear()

    def requests(self, match=""):
        with self.lock:
            self.idle.wait_for(lambda: self.in_flight == 0, timeout=10)
            return [r for r in self.log if match in r["path"]]

    def _fault(self, path, kind):
        with self.lock:
            for f in self.faults:
                if f.kind == kind and f.times > 0 and f.match in path:
                    if f.skip > 0:
                        f.skip -= 1
                        continue
                    f.times -= 1
                    return f
        return None

    def _etag(self, path, st):
        key = (path, st.st_mtime_ns, st.st_size, st.st_ino)
        with self.lock:
            if key not in self.etags:
                with open(path, "rb") as f:
                    self.etags[key] = '"%s"' % hashlib.sha1(f.read()).hexdigest()[:20]
            return self.etags[key]

    def _answer(self, h, status, body=b"", headers=(), drop_after=None):
        h.send_response(status)
        for k, v in headers:
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command == "HEAD":
            return 0
        if drop_after is not None:
            h.wfile.write(body[:drop_after])
            h.wfile.flush()
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return min(drop_after, len(body))
        h.wfile.write(body)
        return len(body)

    def handle(self, h):
        raw_path = h.path
        entry = {"path": raw_path, "range": h.headers.get("Range"), "status": None, "bytes": 0,
                 "if_match": h.headers.get("If-Match"), "time": time.time(),
                 "headers": dict(h.headers.items())}
        with self.lock:
            self.in_flight += 1
        try:
            self._handle(h, raw_path, entry)
        finally:
            with self.lock:
                self.log.append(entry)
                self.in_flight -= 1
                self.idle.notify_all()

    def _error(self, h, entry, status, code, message):
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                "<Message>%s</Message></Error>" % (code, message)).encode()
        entry["status"] = status
        entry["error"] = code
        self._answer(h, status, body, [("Content-Type", "application/xml")])

    def _handle(self, h, raw_path, entry):
        f = self._fault(raw_path, "delay")
        if f:
            time.sleep(f.kw["seconds"])
        f = self._fault(raw_path, "status")
        if f:
            return self._error(h, entry, f.kw["code"], "Injected", "fault %d" % f.kw["code"])
        if self.s3:
            code, why = self.s3.check(h)
            if code:
                return self._error(h, entry, 403, code, why)
        rel = urllib.parse.unquote(urllib.parse.urlsplit(raw_path).path).lstrip("/")
        path = os.path.join(self.root, rel)
        f = self._fault(raw_path, "replace")
        if f:
            with open(path + ".new", "wb") as out:
                out.write(f.kw["data"])
            os.replace(path + ".new", path)
        if ".." in rel.split("/") or not os.path.isfile(path):
            return self._error(h, entry, 404, "NoSuchKey", "no such key")
        st = os.stat(path)
        etag = self._etag(path, st)
        last_modified = email.utils.formatdate(st.st_mtime, usegmt=True)
        size = st.st_size
        headers = [("ETag", etag), ("Last-Modified", last_modified), ("Accept-Ranges", "bytes")]
        cond = h.headers.get("If-Match")
        if cond and cond != "*" and etag not in [c.strip() for c in cond.split(",")]:
            return self._error(h, entry, 412, "PreconditionFailed", "If-Match")
        cond = h.headers.get("If-Unmodified-Since")
        if cond:
            since = email.utils.parsedate_to_datetime(cond).timestamp()
            if int(st.st_mtime) > since:
                return self._error(h, entry, 412, "PreconditionFailed", "If-Unmodified-Since")
        rng = parse_range(h.headers.get("Range"), size)
        if self._fault(raw_path, "ignore_range"):
            rng = None
        if rng == "bad":
            entry["status"] = 416
            return self._answer(h, 416, b"", headers + [("Content-Range", "bytes */%d" % size)])
        with open(path, "rb") as fh:
            if rng is None:
                status, body = 200, fh.read()
            else:
                fh.seek(rng[0])
                status, body = 206, fh.read(rng[1] - rng[0] + 1)
                headers.append(("Content-Range", "bytes %d-%d/%d" % (rng[0], rng[1], size)))
        f = self._fault(raw_path, "drop")
        entry["status"] = status
        entry["bytes"] = self._answer(h, status, body, headers,
                                      drop_after=f.kw["after"] if f else None)
