#!/usr/bin/env python3
"""A tariff activation hook: a paid invoice turns the customer's tariff on, with no operator action.

    python3 tariff_hook.py --port 9300 --secret "$WEBHOOKS_SECRET" [--state tariffs.json]

Configure the connection with
    WEBHOOKS = '{"http://127.0.0.1:9300/tariffs": ["payment_received", "/activate"]}'
    WEBHOOKS_SECRET = "the same secret"
    PAYMENT_HOOK = "/activate {payload} {table:plans:{title}:days}"

The tariffs are the shared table `plans` (plans.csv beside this script, imported in General with
`/table import plans`): an operator sends `/invoice plan pro` in the customer's topic and the
invoice takes the row's price and title. When the customer pays, the desk records the payment once
and runs `/activate td:inv:<id> 30` for this hook, the days read from the same row: the event's
`data.payment` says what was bought (the invoice title names the tariff) and for how much. The hook
switches the tariff on for those days (kept in the state file, by linked account or else by user
id) and answers in the topic. An operator may also type `/activate Pro` by hand (a goodwill
activation, no payment: the days of TARIFFS). Each payment activates once: a second delivery of the
same charge id is ignored here too. Python 3 standard library only.
"""
import argparse
import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Tariffs by invoice title (case-insensitive): days of service when the command does not say
# (an operator's own /activate NAME); a paid one gets the days of the plans table's row.
TARIFFS = {"basic": 30, "pro": 30, "business": 365}
REPLAY_WINDOW_SECONDS = 300


def verify(secret: bytes, body: bytes, timestamp: str, signature: str) -> bool:
    """The desk signs "<X-Topicdesk-Timestamp>.<raw body>" with HMAC-SHA256."""
    if not timestamp or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature or "")


class Tariffs:
    """Who has which tariff until when, and the charges already used (one activation each)."""

    def __init__(self, path):
        self.path, self.lock = path, threading.Lock()
        self.data = {"customers": {}, "charges": []}
        if path and os.path.exists(path):
            with open(path) as f:
                self.data = json.load(f)

    def activate(self, customer, tariff, charge=None, days=None):
        with self.lock:
            if charge and charge in self.data["charges"]:
                return None  # this payment activated already
            days = days or TARIFFS[tariff]
            current = self.data["customers"].get(customer, {})
            start = max(time.time(), current.get("until", 0)) if current.get("tariff") == tariff else time.time()
            self.data["customers"][customer] = {"tariff": tariff, "until": int(start + days * 86400)}
            if charge:
                self.data["charges"].append(charge)
            if self.path:
                with open(self.path + ".tmp", "w") as f:
                    json.dump(self.data, f, indent=1)
                os.replace(self.path + ".tmp", self.path)
            return self.data["customers"][customer]


def answer_for(event: dict, tariffs: Tariffs) -> dict:
    user = event.get("user") or {}
    customer = user.get("linked_account") or f"user {user.get('id')}"
    payment = (event.get("data") or {}).get("payment")
    days = None
    if payment:  # PAYMENT_HOOK: the desk ran /activate PAYLOAD DAYS for a recorded payment
        name, charge = payment["title"].strip().lower(), payment["telegram_charge_id"]
        words = event["command"]["args"].split()
        if len(words) > 1 and words[1].isdigit():  # the plans table's days (a miss is a [marker])
            days = int(words[1])
    else:  # an operator typed /activate NAME
        name, charge = event["command"]["args"].strip().lower(), None
    if name not in TARIFFS:
        return {"text": f"⚠️ No tariff named {name!r}; known: {', '.join(sorted(TARIFFS))}."}
    state = tariffs.activate(customer, name, charge, days)
    if state is None:
        return {}  # nothing new to say
    until = time.strftime("%Y-%m-%d", time.gmtime(state["until"]))
    paid = f" (paid {payment['amount_decimal']} {payment['currency']})" if payment else ""
    return {"text": f"✅ Tariff {name.capitalize()} active for {customer} until {until}{paid}."}


def make_handler(secret: bytes, tariffs: Tariffs):
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
            if event.get("type") == "command" and event["command"]["name"] == "activate":
                return self.reply(200, answer_for(event, tariffs))
            self.reply(200, {})  # payment_received: a bookkeeping copy; the activation is the command's

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9300)
    parser.add_argument("--secret", default=os.environ.get("WEBHOOKS_SECRET", ""))
    parser.add_argument("--state", default="", help="JSON file keeping the tariffs")
    args = parser.parse_args()
    if not args.secret:
        parser.error("--secret (or WEBHOOKS_SECRET) is required")
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.secret.encode(), Tariffs(args.state)))
    print(f"tariff hook listening on http://{args.host}:{args.port}/tariffs", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
