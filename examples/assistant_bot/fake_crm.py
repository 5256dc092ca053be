#!/usr/bin/env python3
"""A stand-in for a CRM: serves GET /customers/<id> from a JSON file (python3 stdlib only).

    python3 fake_crm.py --data customers.json --listen 127.0.0.1:8090

Prints "fake_crm listening on HOST:PORT" once it accepts requests (port 0 picks a free one).
The file maps customer ids (a Telegram user id, or the account linked with /link) to records:
{"1001": {"subscriptions": [{"plan": "Pro", "until": "2027-01-31"}]}}
"""
import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(customers):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            prefix = "/customers/"
            record = customers.get(self.path[len(prefix):]) if self.path.startswith(prefix) else None
            body = json.dumps(record if record is not None else {"error": "not found"}).encode()
            self.send_response(200 if record is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            pass  # quiet: the desk's tests read this process's output for the port only

    return Handler


def main():
    parser = argparse.ArgumentParser(description="A fake CRM serving customers from a JSON file")
    parser.add_argument("--data", required=True, help="JSON file: customer id -> record")
    parser.add_argument("--listen", default="127.0.0.1:8090", help="host:port (port 0: any free port)")
    args = parser.parse_args()
    with open(args.data, encoding="utf-8") as f:
        customers = json.load(f)
    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), make_handler(customers))
    print(f"fake_crm listening on {host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
