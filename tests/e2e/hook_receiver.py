"""A webhook receiver for the e2e tests: records every request, answers as the test says,
and can be stopped and started again on the same port (a receiver that is down)."""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def sign(secret, body, timestamp):
    """The X-Topicdesk-Signature value for `body` sent at `timestamp` (unix seconds)."""
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_ok(secret, body, headers, window=300):
    """Whether a request's X-Topicdesk-Signature signs its X-Topicdesk-Timestamp and body, and the
    timestamp is within `window` seconds of now (a receiver's replay window)."""
    timestamp = headers.get("X-Topicdesk-Timestamp") or ""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > window:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), headers.get("X-Topicdesk-Signature") or "")


class Receiver:
    def __init__(self, port, answer=None, tls=None):
        """answer(path, event) -> (status, content_type, body); default 200 with an empty body.
        tls: an ssl.SSLContext to serve HTTPS with."""
        self.port, self.tls = port, tls
        self.answer = answer or (lambda path, event: (200, "text/plain", ""))
        self.requests = []  # (path, headers dict, raw body bytes, parsed JSON)
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                event = json.loads(raw)
                with receiver.lock:
                    receiver.requests.append((self.path, dict(self.headers), raw, event))
                status, content_type, body = receiver.answer(self.path, event)
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        if self.tls:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def events(self, path=None):
        with self.lock:
            return [e for p, _, _, e in self.requests if path is None or p == path]

    def url(self, path="/hook"):
        return f"https://localhost:{self.port}{path}" if self.tls else f"http://127.0.0.1:{self.port}{path}"
