#!/usr/bin/env python3
"""Broadcast benchmark: the rate of a broadcast to N users under Telegram's limits, and how long
operator replies wait while it runs (bench/README.md, docs/broadcasts.md).

Real tgsim and topicdesk processes (tests/e2e/harness.py). Setup: N users write once to the bot
with tgsim's and the desk's limits off (N dialogs, topics, cards), then the desk is stopped,
tgsim's limits are switched on through POST /sim/limits, and the desk starts again with its
own flood control on (Telegram's figures: 30 messages/s per bot, 20 a minute per group).
Measured: an operator posts a promotion in General and sends `/send all`, confirms, and while
the broadcast runs, operators answer in `--live-dialogs` topics (one answer every
`--live-interval` seconds in each); every answer's wait is the time from the operator's message
to its copy in the user's chat, both on tgsim's clock. The broadcast's rate is taken from the
copies' tgsim timestamps: overall (first to last copy) and the slowest 10-second window in the
sustained part. At the end every user's chat is read: exactly one copy each (zero duplicates),
and the CSV report kept by the desk is compared with tgsim, user by user.
"""
import argparse
import csv
import io
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402
from relay_bench import KeepAlive  # noqa: E402

PROMO = "Big news: the spring catalogue is out"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tgsim", default="build/tgsim")
    p.add_argument("--topicdesk", default="build/topicdesk")
    p.add_argument("--users", type=int, default=10000)
    p.add_argument("--live-dialogs", type=int, default=10)
    p.add_argument("--live-interval", type=float, default=10.0,
                   help="seconds between two answers in one live dialog")
    p.add_argument("--timeout", type=float, default=1800)
    p.add_argument("--workdir", default=None)
    p.add_argument("--json", dest="json_out", default=None)
    p.add_argument("--check", action="store_true", help="exit 1 unless every user got exactly one copy")
    return p.parse_args()


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_topics(sim, world, count, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(sim.topics(world.group_id)) >= count:
            return
        time.sleep(1)  # polling tgsim for a setup phase of minutes
    raise RuntimeError(f"fewer than {count} topics after {timeout} s")


def general_messages(sim, world, after=0):
    """General's messages after message `after`. Only those are read and rendered: reading the
    whole group (every topic of a 10,000-user world) every poll kept tgsim's thread busy, and the
    broadcast's calls waited for it."""
    path = f"/sim/chats/{world.group_id}/messages?as={world.operator}&thread=1&after={after}"
    return sim.call("GET", path)["messages"]


def bot_text_after(sim, world, after_id, fragment, timeout=60):
    return harness.wait_until(lambda: next((m for m in general_messages(sim, world, after_id)
                                            if m["message_id"] > after_id and fragment in (m.get("text") or "")
                                            and m.get("from", {}).get("id") == world.bot_id), None),
                              timeout, f"{fragment!r} in General")


class LiveOperators(threading.Thread):
    """Operators answering in a few topics while the broadcast runs; records each answer's wait."""

    def __init__(self, sim, world, users, interval):
        super().__init__(daemon=True)
        self.sim, self.world, self.users, self.interval = sim, world, users, interval
        self.threads = {u: world.topic_of(u)["message_thread_id"] for u in users}
        self.stop_event = threading.Event()
        self.sent = []  # (user, text, sim ms of the operator's message)

    def run(self):
        api = KeepAlive(self.sim.base)
        n = 0
        step = self.interval / len(self.users)
        while not self.stop_event.is_set():
            user = self.users[n % len(self.users)]
            text = f"live answer {n}"
            answer = api.call("POST", "/sim/messages", {"from": self.world.operator, "chat_id": self.world.group_id,
                                                        "message_thread_id": self.threads[user], "text": text})
            self.sent.append((user, text, answer["message_id"]))
            n += 1
            self.stop_event.wait(step)  # the pace of the operators' answers, not a synchronisation

    def waits(self):
        """Seconds from each operator message to its copy at the user (tgsim's clock)."""
        group = {m["message_id"]: m for m in self.world.group_messages()}
        out, missing = [], 0
        for user, text, message_id in self.sent:
            copy = next((m for m in self.world.user_messages(user) if m.get("text") == text), None)
            if copy is None or message_id not in group:
                missing += 1
                continue
            out.append((copy["sim_date_ms"] - group[message_id]["sim_date_ms"]) / 1000.0)
        return out, missing


def main():
    args = parse_args()
    harness.TGSIM, harness.TOPICDESK = args.tgsim, args.topicdesk
    workdir = args.workdir or tempfile.mkdtemp(prefix="broadcast-bench-")
    os.makedirs(workdir, exist_ok=True)
    sim = harness.Sim(workdir, limits=False)
    desk = None
    try:
        world = harness.World(sim, name="bench")
        api = KeepAlive(sim.base)
        t0 = time.time()
        users = [api.call("POST", "/sim/users", {"first_name": f"User{i}", "last_name": "Bench"})["id"]
                 for i in range(args.users)]
        connection = [world.connection("bench", NEW_TOPICS_PER_MINUTE="OFF", USER_MESSAGES_PER_MINUTE="OFF",
                                       WELCOME="OFF")]
        desk = harness.Desk(workdir, sim, connection, "\n[telegram.limits]\nenabled = false\n")
        for user in users:
            api.call("POST", "/sim/messages", {"from": user, "chat_id": world.bot_id, "text": "hi"})
        wait_topics(sim, world, len(users), args.timeout)
        seeded = time.time() - t0
        desk.stop()
        sim.call("POST", "/sim/limits", {"enabled": True, "group_per_minute": 20})
        desk = harness.Desk(workdir, sim, connection, "\n[logging]\nlevel = \"info\"\n", port=desk.port)

        promo = sim.send(world.operator, world.group_id, text=PROMO)
        ask = sim.send(world.operator, world.group_id, text="/send all", reply_to_message_id=promo)
        confirmation = bot_text_after(sim, world, ask, "recipient")
        broadcast_id = int(confirmation["text"].split("#", 1)[1].split(" ", 1)[0])
        live = LiveOperators(sim, world, users[:args.live_dialogs], args.live_interval)
        confirm = sim.send(world.operator, world.group_id, text=f"/send confirm #{broadcast_id}")
        confirmed_at = time.time()
        cpu_before = cpu_seconds(desk.process.proc.pid)
        live.start()
        harness.wait_until(lambda: next((m for m in general_messages(sim, world, confirm)
                                         if f"Broadcast #{broadcast_id} — done" in (m.get("text") or "")), None),
                           args.timeout, "the broadcast to end", interval=2)
        elapsed = time.time() - confirmed_at
        desk_cpu = cpu_seconds(desk.process.proc.pid) - cpu_before
        live.stop_event.set()
        live.join()
        waits, live_missing = live.waits()

        copies, duplicates, missing = {}, 0, 0
        for user in users:
            mine = [m for m in world.user_messages(user) if m.get("text") == PROMO]
            duplicates += max(0, len(mine) - 1)
            missing += 0 if mine else 1
            if mine:
                copies[user] = mine[0]
        times = sorted(m["sim_date_ms"] for m in copies.values())
        overall = (len(times) - 1) / ((times[-1] - times[0]) / 1000.0) if len(times) > 1 else 0
        # The slowest 10 s window between the first and the last 10 s.
        windows = []
        start = times[0] + 10_000
        while start + 10_000 <= times[-1] - 10_000:
            windows.append(sum(1 for t in times if start <= t < start + 10_000) / 10.0)
            start += 10_000
        per_second = {}
        for t in times:
            second = int((t - times[0]) // 1000)
            per_second[second] = per_second.get(second, 0) + 1
        seconds = [per_second.get(i, 0) for i in range(max(per_second, default=-1) + 1)]
        def kept_report():  # made by the engine once the sender reports the end
            with sqlite3.connect(desk.db_path) as db:
                return db.execute("SELECT report FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()[0]
        report = harness.wait_until(kept_report, 60, "the report kept with the broadcast")
        rows = {int(r["user_id"]): r for r in csv.DictReader(io.StringIO(report))}
        report_mismatches = sum(1 for u in users if (rows.get(u, {}).get("message_ids") or "")
                                != (str(copies[u]["message_id"]) if u in copies else ""))
        stats = sim.stats()["bots"][str(world.bot_id)]["methods"]
        result = {
            "users": args.users, "seed_seconds": round(seeded, 1), "broadcast_seconds": round(elapsed, 1),
            "rate_overall": round(overall, 2), "rate_slowest_10s": round(min(windows), 2) if windows else None,
            "desk_cpu_seconds": round(desk_cpu, 1),
            "duplicates": duplicates, "missing": missing, "report_mismatches": report_mismatches,
            "live_answers": len(waits), "live_missing": live_missing,
            "live_wait_p50": percentile(waits, 0.5), "live_wait_p99": percentile(waits, 0.99),
            "live_wait_max": max(waits) if waits else None,
            "copies_per_second_first_30": seconds[:30],
            "copy_requests": stats.get("copyMessage", {}).get("requests"),
            "copy_429": stats.get("copyMessage", {}).get("too_many_requests"),
        }
        print(json.dumps(result, indent=2))
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(result, f, indent=2)
        if args.check and (duplicates or missing or report_mismatches):
            sys.exit(1)
    finally:
        if desk:
            desk.stop()
        sim.stop()


if __name__ == "__main__":
    main()
