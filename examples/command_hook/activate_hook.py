#!/usr/bin/env python3
"""An n8n-style command hook: `/activate t1 m6` typed in a topic switches the customer to
tariff t1 for 6 months and answers in the topic.

    python3 activate_hook.py --port 9200 --secret "$WEBHOOKS_SECRET" [--state activations.json]

Configure the desk with
    WEBHOOKS = '{"http://127.0.0.1:9200/activate": ["/activate"]}'
    WEBHOOKS_SECRET = "the same secret"

The desk POSTs a `command` event (command, args, operator, dialog, user with linked_account
and fields); the JSON answer {"text", "parse_mode", "buttons"} is posted into the topic.
Activations are kept in the state file (JSON), by linked account or else by user id.
Python 3 standard library only.
"""
import argparse
import hashlib
import hmac
import html
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TARIFFS = {"t1": "Basic", "t2": "Pro", "t3": "Business"}
USAGE = "Usage: /activate t<tariff> m<months>, e.g. /activate t1 m6 (tariffs: t1 Basic, t2 Pro, t3 Business)"


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


def parse_args(args: str):
    """'t1 m6' -> ('t1', 6); None when the arguments are not a tariff and a month count."""
    match = re.fullmatch(r"\s*(t\d+)\s+m(\d{1,3})\s*", args or "", re.IGNORECASE)
    if not match or match.group(1).lower() not in TARIFFS or not 1 <= int(match.group(2)) <= 120:
        return None
    return match.group(1).lower(), int(match.group(2))


class Activations:
    def __init__(self, path):
        self.path, self.lock = path, threading.Lock()
        self.data = json.load(open(path)) if path and os.path.exists(path) else {}

    def activate(self, account, tariff, months, operator):
        with self.lock:
            self.data[account] = {"tariff": tariff, "months": months, "by": operator}
            if self.path:
                with open(self.path + ".tmp", "w") as f:
                    json.dump(self.data, f, indent=1)
                os.replace(self.path + ".tmp", self.path)


def answer_for(event: dict, activations: Activations) -> dict:
    parsed = parse_args(event["command"]["args"])
    if not parsed:
        return {"text": USAGE}
    tariff, months = parsed
    user = event.get("user") or {}
    account = user.get("linked_account") or f"user {user.get('id')}"
    operator = (event.get("operator") or {}).get("username") or (event.get("operator") or {}).get("id")
    activations.activate(account, tariff, months, operator)
    text = (f"✅ Tariff <b>{TARIFFS[tariff]}</b> ({tariff}) activated for <b>{months} month"
            f"{'s' if months != 1 else ''}</b> on {html.escape(account)}.")
    answer = {"text": text, "parse_mode": "HTML"}
    if user.get("linked_account"):
        answer["buttons"] = [[{"text": "Open account", "url": f"https://crm.example/accounts/{user['linked_account']}"}]]
    return answer


def make_handler(secret: bytes, activations: Activations):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def reply(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if not verify(secret, body, self.headers.get("X-Topicdesk-Timestamp"),
                          self.headers.get("X-Topicdesk-Signature")):
                return self.reply(401, {"error": "bad signature"})
            event = json.loads(body)
            if event.get("type") != "command" or event["command"]["name"] != "activate":
                return self.reply(200, {})  # nothing to say
            self.reply(200, answer_for(event, activations))

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--secret", default=os.environ.get("WEBHOOKS_SECRET", ""))
    parser.add_argument("--state", default="", help="JSON file keeping the activations")
    args = parser.parse_args()
    if not args.secret:
        parser.error("--secret (or WEBHOOKS_SECRET) is required")
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.secret.encode(), Activations(args.state)))
    print(f"activate hook listening on {args.host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
