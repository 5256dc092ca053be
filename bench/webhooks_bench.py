#!/usr/bin/env python3
"""Webhook delivery benchmark: can topicdesk deliver 1,000 events/s?

Starts real tgsim and topicdesk processes (tests/e2e/harness.py) with one connection whose
WEBHOOKS sends every event kind to a local receiver (python, ThreadingHTTPServer, keep-alive,
checks every signature). Events are written straight into the desk's SQLite `events` table
(as the engine's append_event does, for DIALOGS dialogs with users) at a steady --rate for
--seconds, then a --burst of events at once to measure how fast a backlog drains. Reports
delivered events/s, the lag from an event's insertion to its arrival (p50/p99/max), the desk's
CPU time, and checks that every event arrived exactly once and in order per dialog.

    python3 bench/webhooks_bench.py --rate 1000 --seconds 10 --burst 10000
"""
import argparse
import hashlib
import hmac
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402

SECRET = "bench-secret-0123456789abcdef"


class Receiver:
    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals = {}   # event id -> arrival time (s)
        self.duplicates = 0
        self.bad_signatures = 0
        self.last_per_dialog = {}
        self.out_of_order = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
                event = json.loads(raw)
                with receiver.lock:
                    if not hmac.compare_digest(expected, self.headers.get("X-Topicdesk-Signature", "")):
                        receiver.bad_signatures += 1
                    if event["id"] in receiver.arrivals:
                        receiver.duplicates += 1
                    receiver.arrivals[event["id"]] = time.time()
                    dialog = (event.get("dialog") or {}).get("id", 0)
                    if receiver.last_per_dialog.get(dialog, 0) > event["id"]:
                        receiver.out_of_order += 1
                    receiver.last_per_dialog[dialog] = event["id"]
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.request_queue_size = 1024  # the default backlog of 5 drops SYNs under load
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self):
        with self.lock:
            return len(self.arrivals)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare_dialogs(db, connection_id, count):
    now = int(time.time() * 1000)
    ids = []
    for i in range(count):
        user = 10_000 + i
        db.execute("INSERT OR IGNORE INTO users(connection_id, user_id, first_name, username, updated_at) "
                   "VALUES (?, ?, ?, ?, ?)", (connection_id, user, f"User{i}", f"user{i}", now))
        cur = db.execute("INSERT INTO dialogs(connection_id, user_id, group_id, status, created_at) "
                         "VALUES (?, ?, -1, 'user_answered', ?)", (connection_id, user, now))
        ids.append(cur.lastrowid)
    db.commit()
    return ids


def insert_events(db, connection_id, dialogs, count, start_index, inserted_at):
    rows = []
    for k in range(count):
        i = start_index + k
        payload = json.dumps({"message_id": i, "content": "text", "text": f"bench message {i}"})
        rows.append((connection_id, dialogs[i % len(dialogs)], "message_received", payload, int(time.time() * 1000)))
    db.executemany("INSERT INTO events(connection_id, dialog_id, event_type, payload, created_at) "
                   "VALUES (?, ?, ?, ?, ?)", rows)
    db.commit()
    last = db.execute("SELECT MAX(id) FROM events").fetchone()[0]
    now = time.time()
    for event_id in range(last - count + 1, last + 1):
        inserted_at[event_id] = now


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else 0.0


def report(name, receiver, inserted_at, ids, started, finished):
    lags = [(receiver.arrivals[i] - inserted_at[i]) * 1000 for i in ids if i in receiver.arrivals]
    missing = sum(1 for i in ids if i not in receiver.arrivals)
    print(f"{name}: {len(ids)} events in {finished - started:.2f} s = {len(ids) / (finished - started):.0f} events/s "
          f"delivered; lag ms p50 {percentile(lags, 0.5):.0f} p99 {percentile(lags, 0.99):.0f} max {max(lags):.0f}; "
          f"missing {missing}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=1000, help="events per second in the steady phase")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--burst", type=int, default=10000, help="events inserted at once afterwards (0: none)")
    parser.add_argument("--dialogs", type=int, default=200)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="webhooks-bench-")
    sim = harness.Sim(workdir)
    receiver = Receiver()
    try:
        bot_id, token = sim.bot("bench_bot")
        operator = sim.user("Olga")
        group = sim.forum("bench support", operator)
        sim.member(group, bot_id, "administrator", can_manage_topics=True)
        url = f"http://127.0.0.1:{receiver.port}/hook"
        webhooks = {url: ["dialog_created", "dialog_reopened", "dialog_closed", "message_received", "message_sent"]}
        desk = harness.Desk(workdir, sim, [{"name": "bench", "token": token, "group_id": group,
                                            "parameters": {"WEBHOOKS": json.dumps(webhooks), "WEBHOOKS_SECRET": SECRET}}])
        db = sqlite3.connect(os.path.join(workdir, "desk.db"), timeout=30)
        connection_id = db.execute("SELECT id FROM connections WHERE name = 'bench'").fetchone()[0]
        dialogs = prepare_dialogs(db, connection_id, args.dialogs)
        inserted_at = {}
        cpu_before = cpu_seconds(desk.process.proc.pid)

        # Steady phase: 1/20 s slices of rate/20 events each.
        total = args.rate * args.seconds
        slices = args.seconds * 20
        per_slice = args.rate // 20
        started = time.time()
        for s in range(slices):
            insert_events(db, connection_id, dialogs, per_slice, s * per_slice, inserted_at)
            time.sleep(max(0.0, started + (s + 1) / 20 - time.time()))  # pacing the load generator
        steady_ids = sorted(inserted_at)
        harness.wait_until(lambda: all(i in receiver.arrivals for i in steady_ids), timeout=120,
                           what="the steady phase to be delivered", interval=0.05)
        finished = max(receiver.arrivals[i] for i in steady_ids)
        report(f"steady {args.rate}/s for {args.seconds} s", receiver, inserted_at, steady_ids, started, finished)
        cpu_steady = cpu_seconds(desk.process.proc.pid) - cpu_before

        if args.burst:
            burst_start = time.time()
            insert_events(db, connection_id, dialogs, args.burst, total, inserted_at)
            burst_ids = sorted(set(inserted_at) - set(steady_ids))
            harness.wait_until(lambda: all(i in receiver.arrivals for i in burst_ids), timeout=300,
                               what="the burst to be delivered", interval=0.05)
            report(f"burst of {args.burst}", receiver, inserted_at, burst_ids, burst_start,
                   max(receiver.arrivals[i] for i in burst_ids))
        print(f"desk CPU: {cpu_steady:.2f} s during the steady phase ({cpu_steady / args.seconds * 100:.0f}% of a core); "
              f"duplicates {receiver.duplicates}, out of order per dialog {receiver.out_of_order}, "
              f"bad signatures {receiver.bad_signatures}")
        desk.stop()
    finally:
        receiver.server.shutdown()
        sim.stop()


if __name__ == "__main__":
    main()
