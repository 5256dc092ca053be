#!/usr/bin/env python3
"""The AI consultant's cost to the relay: 200 users keep writing while the AI server is slow or
never answers, compared with the AI off.

Starts real tgsim and topicdesk processes (tests/e2e/harness.py, limits off) and the fake
OpenAI-compatible server (tests/e2e/fake_openai.py) in this process. Each round: a fresh desk with
AI = OFF, or AI = auto (AI_DELAY 0: every message asks the AI) / draft against a server that
answers after --slow seconds or never answers (timeout_seconds 2: the calls keep failing). Every
user first writes one message (the topic and card are made), then --messages more, paced at --rate
messages/s overall. Latency is the user's message stored in tgsim -> its copy stored in the topic,
both on tgsim's clock (sim_date_ms). Prints p50/p99/max per round and the added delay at p50/p99
against the AI-off round; checks every message was relayed exactly once. bench/README.md records
results.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import harness  # noqa: E402
from fake_openai import FakeOpenAI  # noqa: E402

TEXT = re.compile(r"^b(\d+):(\d+)$")


class Client:
    def __init__(self, base):
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        self.connection.request(method, path, data, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        raw = response.read()
        if response.status != 200:
            raise RuntimeError(f"tgsim {method} {path} -> {response.status} {raw[:200]!r}")
        return json.loads(raw)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def group_copies(sim, group_id, operator):
    """{(user index, seq): sim_date_ms} of the copies in the group."""
    api, out, after = Client(sim.base), {}, 0
    while True:
        batch = api.call("GET", f"/sim/chats/{group_id}/messages?as={operator}&after={after}")["messages"]
        if not batch:
            return out
        for m in batch:
            after = max(after, m["message_id"])
            match = TEXT.match(m.get("text") or "")
            if match:
                key = (int(match.group(1)), int(match.group(2)))
                if key in out:
                    raise AssertionError(f"message {key} copied twice")
                out[key] = m["sim_date_ms"]


def run_round(args, label, ai, behaviour):
    workdir = tempfile.mkdtemp(prefix=f"ai-bench-{label}-")
    sim = harness.Sim(workdir, limits=False)
    fake = None
    desk = None
    try:
        world = harness.World(sim)
        users = [sim.user(f"U{i}") for i in range(args.users)]
        # The flood guard off: 200 topics at once, and every user's pace, are the point here.
        params = {"NEW_TOPICS_PER_MINUTE": "OFF", "USER_MESSAGES_PER_MINUTE": "OFF", "WELCOME": "OFF"}
        toml = "\n[telegram.limits]\nenabled = false\n"
        if ai != "OFF":
            fake = FakeOpenAI(harness.free_port(), behaviour, delay=args.slow).start()
            knowledge = os.path.join(workdir, "kb")
            os.makedirs(knowledge)
            with open(os.path.join(knowledge, "faq.md"), "w") as f:
                # Every user's messages ("b<i>:<seq>") find this passage: each one is a call to the server.
                f.write("# Messages\n" + " ".join(f"b{i}" for i in range(args.users)) + "\n")
            params.update({"AI": ai, "AI_DELAY": "0", "AI_KNOWLEDGE": knowledge})
            toml += (f'\n[ai]\nbase_url = "{fake.url()}"\nmodel = "bench"\ntimeout_seconds = {args.timeout}\n'
                     f"max_in_flight = 8\ndaily_tokens = 0\n")
        desk = harness.Desk(workdir, sim, [world.connection(**params)], toml)
        # Warm-up: every user's first message makes the topic and the card.
        api = Client(sim.base)
        for i, user in enumerate(users):
            api.call("POST", "/sim/messages", {"from": user, "chat_id": world.bot_id, "text": f"b{i}:0"})
        harness.wait_until(lambda: len(group_copies(sim, world.group_id, world.operator)) >= args.users,
                           timeout=300, what="every user's topic")
        # Timed: users keep writing, paced.
        sent_at = {}
        interval = 1.0 / args.rate
        started = time.monotonic()
        sequence = [(i, seq) for seq in range(1, args.messages + 1) for i in range(args.users)]
        for n, (i, seq) in enumerate(sequence):
            due = started + n * interval
            ahead = due - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)  # pacing of the offered load
            api.call("POST", "/sim/messages", {"from": users[i], "chat_id": world.bot_id, "text": f"b{i}:{seq}"})
        expected = args.users * (args.messages + 1)
        harness.wait_until(lambda: len(group_copies(sim, world.group_id, world.operator)) >= expected,
                           timeout=600, what="every message relayed")
        copies = group_copies(sim, world.group_id, world.operator)
        for i, user in enumerate(users):
            for m in api.call("GET", f"/sim/chats/{world.bot_id}/messages?as={user}")["messages"]:
                match = TEXT.match(m.get("text") or "")
                if match and int(match.group(2)) > 0:
                    sent_at[(i, int(match.group(2)))] = m["sim_date_ms"]
        latencies = [copies[k] - sent_at[k] for k in sent_at]
        if len(latencies) != args.users * args.messages:
            raise AssertionError(f"{label}: {len(latencies)} timed messages, expected {args.users * args.messages}")
        calls = (desk.metric("topicdesk_ai_calls_total") or 0) if ai != "OFF" else 0
        asked = fake.count() if fake else 0
        return {"label": label, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                "max": max(latencies), "mean": statistics.mean(latencies), "n": len(latencies),
                "ai_results": calls, "server_requests": asked}
    finally:
        if desk:
            desk.stop()
        if fake:
            fake.stop()
        sim.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5, help="timed messages per user after the first")
    parser.add_argument("--rate", type=float, default=100.0, help="messages/s offered, all users together")
    parser.add_argument("--slow", type=float, default=5.0, help="seconds the slow server takes")
    parser.add_argument("--timeout", type=int, default=2, help="[ai] timeout_seconds")
    parser.add_argument("--rounds", default="off,auto-hang,auto-slow,draft-slow")
    args = parser.parse_args()
    kinds = {"off": ("OFF", "answer"), "auto-hang": ("auto", "hang"), "auto-slow": ("auto", "slow"),
             "draft-slow": ("draft", "slow"), "auto-500": ("auto", "500")}
    results = []
    for label in args.rounds.split(","):
        ai, behaviour = kinds[label]
        r = run_round(args, label, ai, behaviour)
        results.append(r)
        print(f"{label:>11}: {r['n']} messages relayed, latency p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
              f"max {r['max']:.1f} ms; AI results {r['ai_results']:.0f}, server requests {r['server_requests']}",
              flush=True)
    base = next((r for r in results if r["label"] == "off"), None)
    if base:
        for r in results:
            if r is base:
                continue
            print(f"{r['label']:>11}: added p50 {r['p50'] - base['p50']:+.1f} ms, p99 {r['p99'] - base['p99']:+.1f} ms")


if __name__ == "__main__":
    main()
