#!/usr/bin/env python3
"""A topicdesk webhook receiver: verifies every request's signature and appends each event to
a JSONL archive, one line per event, so every conversation can be read back in order.

    python3 receiver.py --port 9100 --secret "$WEBHOOKS_SECRET" --archive conversations.jsonl

Configure the desk with
    WEBHOOKS = '{"http://127.0.0.1:9100/topicdesk": ["dialog_created", "dialog_reopened",
                 "dialog_closed", "message_received", "message_sent"]}'
    WEBHOOKS_SECRET = "the same secret"

Python 3 standard library only. A request with a bad signature, or signed more than five
minutes ago (a replay), gets 401 and is not archived;
a delivery seen before (the desk retries until it gets a 2xx) is answered 200 and not written
twice. Read one conversation with:  grep '"dialog": 12,' conversations.jsonl
"""
import argparse
import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


# The desk signs "<X-Topicdesk-Timestamp>.<raw body>"; requests older (or newer) than the replay
# window are refused even when signed, so a recorded request cannot be played again later.
REPLAY_WINDOW_SECONDS = 300


def verify(secret: bytes, body: bytes, timestamp: str, signature: str, now: float = None) -> bool:
    if not timestamp or not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature or "")


def archive_line(event: dict) -> dict:
    """What the archive keeps of one event."""
    dialog = event.get("dialog") or {}
    user = event.get("user") or {}
    message = event.get("message") or {}
    return {
        "event": event["id"],
        "type": event["type"],
        "date": event["date"],
        "connection": event["connection"]["name"],
        "dialog": dialog.get("id"),
        "user": {"id": user.get("id"), "name": " ".join(filter(None, [user.get("first_name"), user.get("last_name")])),
                 "username": user.get("username"), "linked_account": user.get("linked_account")},
        "from": "user" if event["type"] == "message_received" else "operator" if event["type"] == "message_sent" else None,
        "text": message.get("text"),
        "content": message.get("content"),
    }


class Archive:
    def __init__(self, path):
        self.path, self.lock, self.seen = path, threading.Lock(), set()
        if os.path.exists(path):  # after a restart: do not write an event twice
            with open(path) as f:
                self.seen = {json.loads(line)["event"] for line in f if line.strip()}

    def append(self, event: dict) -> bool:
        with self.lock:
            if event["id"] in self.seen:
                return False
            with open(self.path, "a") as f:
                f.write(json.dumps(archive_line(event), ensure_ascii=False) + "\n")
            self.seen.add(event["id"])
            return True


def make_handler(secret: bytes, archive: Archive):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def reply(self, status, text):
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if not verify(secret, body, self.headers.get("X-Topicdesk-Timestamp"),
                          self.headers.get("X-Topicdesk-Signature")):
                return self.reply(401, "bad signature")
            try:
                event = json.loads(body)
            except ValueError:
                return self.reply(400, "not JSON")
            if event.get("type") != "command":  # command hooks are not conversation
                archive.append(event)
            self.reply(200, "")

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--secret", default=os.environ.get("WEBHOOKS_SECRET", ""), help="WEBHOOKS_SECRET of the connection")
    parser.add_argument("--archive", default="conversations.jsonl")
    args = parser.parse_args()
    if not args.secret:
        parser.error("--secret (or WEBHOOKS_SECRET) is required: unsigned requests are never trusted")
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.secret.encode(), Archive(args.archive)))
    print(f"webhook receiver listening on {args.host}:{server.server_address[1]}, archive {args.archive}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
