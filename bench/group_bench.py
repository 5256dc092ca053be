#!/usr/bin/env python3
"""Group-throughput benchmark: a wave of users writes into one backend group whose budget
Telegram caps (about 20 messages a minute per bot and group); how long until the operators
have read everything, with 0, 2 or 4 helper bots (docs/helper-bots.md) and with coalescing on
or off (docs/group-lane.md).

Per configuration a fresh tgsim (limits on) and topicdesk run; N users (default 300) each write
M plain texts (default 5) at random moments of one minute. Both tgsim and the desk get the same
SCALED group budget (--scale S: group_per_minute = 20 x S, the writing minute lasts 60/S s), so
a run takes seconds where Telegram would take an hour or more: the ratio between configurations
is the result, not the absolute times. Reports the time from the first message to the last copy,
p50/p99 copy latency, group posts (every message in the group, topics and cards included), 429s
tgsim answered, and checks that no message was lost and each dialog's order was kept.
WELCOME is off and the desk's own pacing (NEW_TOPICS_PER_MINUTE, USER_MESSAGES_PER_MINUTE) is
off, so the group's budget is what is measured. bench/README.md records results.
"""
import argparse
import json
import os
import random
import re
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from relay_bench import KeepAlive, Observer, percentile  # noqa: E402

PART = re.compile(r"g(\d+):(\d+)\b")  # "g<user index>:<sequence number>", alone or in a merged copy


class GroupObserver(Observer):
    """The Observer, also noting when each topic was created (a service message of the own bot)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic_times = []

    def poll(self):
        batch = self.api.call("GET", self.path + str(self.last_id))["messages"]
        for m in batch:
            if self.last_id and m["message_id"] != self.last_id + 1:
                self.id_gaps += m["message_id"] - self.last_id - 1
            self.last_id = m["message_id"]
            self.seen.append((m["message_id"], m.get("message_thread_id", 0), m.get("text", ""),
                              m["sim_date_ms"], m.get("from", {}).get("id")))
            if "forum_topic_created" in m:
                self.topics_created += 1
                self.topic_times.append(m["sim_date_ms"])
        return len(batch)


def parse_args():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tgsim", default=os.path.join(root, "build", "tgsim"))
    p.add_argument("--topicdesk", default=os.path.join(root, "build", "topicdesk"))
    p.add_argument("--users", type=int, default=300)
    p.add_argument("--messages", type=int, default=5, help="texts per user")
    p.add_argument("--scale", type=float, default=30, help="group budget = 20 x scale a minute; minute = 60/scale s")
    p.add_argument("--helpers", default="0,2,4", help="helper bot counts to run")
    p.add_argument("--coalesce", default="off,on", help="COALESCE values to run")
    p.add_argument("--senders", type=int, default=6, help="sender threads")
    p.add_argument("--timeout", type=float, default=900, help="seconds to wait for the last copy")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", dest="json_out", default=None)
    return p.parse_args()


def send_schedule(base, bot_id, schedule, start, sent, lock):
    api = KeepAlive(base)
    for at, user, index, seq in schedule:
        ahead = start + at - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)  # offered load at its scheduled moment
        api.call("POST", "/sim/messages", {"from": user, "chat_id": bot_id, "text": f"g{index}:{seq}"})
        with lock:
            sent[(index, seq)] = time.time() * 1000.0


def run(args, helpers, coalesce):
    group_per_minute = max(1, round(20 * args.scale))
    minute = 60.0 / args.scale
    workdir = tempfile.mkdtemp(prefix=f"group-bench-h{helpers}-{coalesce}-")
    harness.TGSIM, harness.TOPICDESK = args.tgsim, args.topicdesk
    sim = harness.Sim(workdir, limits=True, extra=("--group-per-minute", str(group_per_minute)))
    desk = None
    try:
        world = harness.World(sim)
        env = {}
        for k in range(helpers):
            helper_id, token = sim.bot(f"helper{k}_bot")
            sim.member(world.group_id, helper_id, "administrator", can_manage_topics=True)
            env[f"GROUP_HELPER_{k}"] = token
        users = [sim.user(f"U{i}") for i in range(args.users)]
        extra = f"\n[telegram.limits]\ngroup_per_minute = {group_per_minute}\n"
        if helpers:
            tokens = ", ".join(f'"env:GROUP_HELPER_{k}"' for k in range(helpers))
            extra += f"\n[[group]]\nid = {world.group_id}\nhelpers = [{tokens}]\n"
        connection = world.connection(WELCOME="OFF", NEW_TOPICS_PER_MINUTE="OFF", USER_MESSAGES_PER_MINUTE="OFF",
                                      COALESCE=coalesce == "on")
        desk = harness.Desk(workdir, sim, [connection], extra, env=env)
        stats_before = sim.stats()
        observer = GroupObserver(sim.base, world.group_id, world.operator)
        observer.start()

        rng = random.Random(args.seed)
        schedule = sorted((rng.uniform(0, minute), users[i], i, seq) for i in range(args.users)
                          for seq in range(args.messages))
        # Each user's texts in their order: the k-th moment drawn for a user carries its k-th text.
        per_user = {}
        for at, user, index, _ in schedule:
            per_user.setdefault(index, []).append(at)
        schedule = []
        for index, moments in per_user.items():
            for seq, at in enumerate(sorted(moments)):
                schedule.append((at, users[index], index, seq))
        schedule.sort()
        # One user's texts stay on one sender thread, so their order is the order sent.
        slices = [[s for s in schedule if s[2] % args.senders == k] for k in range(args.senders)]
        sent, lock = {}, threading.Lock()
        start = time.monotonic() + 0.5
        start_ms = time.time() * 1000.0 + 500
        threads = [threading.Thread(target=send_schedule, args=(sim.base, world.bot_id, sl, start, sent, lock))
                   for sl in slices]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total = args.users * args.messages

        def arrived():
            found = set()
            for _, _, text, _, _ in observer.seen:
                for m in PART.finditer(text or ""):
                    found.add((int(m.group(1)), int(m.group(2))))
            return len(found) >= total
        harness.wait_until(arrived, timeout=args.timeout, what="every copy", interval=0.2)
        observer.stop()
        stats_after = sim.stats()

        first_seen, order, threads_of, duplicates = {}, {}, {}, 0
        posts, own_posts = 0, 0
        for message_id, thread, text, at_ms, poster in observer.seen:
            if at_ms < start_ms - 1000:
                continue  # before the wave (none expected)
            posts += 1
            own_posts += poster == world.bot_id
            for m in PART.finditer(text or ""):
                key = (int(m.group(1)), int(m.group(2)))
                if key in first_seen:
                    duplicates += 1
                    continue
                first_seen[key] = at_ms
                order.setdefault(key[0], []).append(key[1])
                threads_of.setdefault(key[0], set()).add(thread)
        lost = [k for k in sent if k not in first_seen]
        out_of_order = [u for u, seqs in order.items() if seqs != sorted(seqs)]
        wrong_topic = [u for u, ts in threads_of.items() if len(ts) != 1]
        latencies = sorted(first_seen[k] - sent[k] for k in sent if k in first_seen)
        last = max(first_seen.values())
        result = {
            "helpers": helpers, "coalesce": coalesce, "users": args.users, "messages": total,
            "group_per_minute": group_per_minute, "minute_s": round(minute, 2),
            "last_copy_s": round((last - start_ms) / 1000.0, 1),
            "p50_latency_s": round(percentile(latencies, 0.5) / 1000.0, 1),
            "p99_latency_s": round(percentile(latencies, 0.99) / 1000.0, 1),
            "group_posts": posts, "topics": observer.topics_created,
            # Where the time goes: the own bot alone creates topics; what else it posted took
            # budget topics could have used.
            "own_bot_posts": own_posts, "own_bot_other": own_posts - observer.topics_created,
            "last_topic_s": round((max(observer.topic_times, default=start_ms) - start_ms) / 1000.0, 1),
            "too_many_requests": stats_after["too_many_requests"] - stats_before["too_many_requests"],
            "lost": len(lost), "duplicates": duplicates, "out_of_order_dialogs": len(out_of_order),
            "split_dialogs": len(wrong_topic),
        }
        # 429s per bot: the own bot's hold its topics (each blocks the group for it a second or more).
        def refused(bot_id, stats):
            methods = stats["bots"].get(str(bot_id), {}).get("methods", {})
            return sum(m.get("too_many_requests", 0) for m in methods.values())
        result["own_bot_429s"] = refused(world.bot_id, stats_after) - refused(world.bot_id, stats_before)
        return result
    finally:
        if desk:
            desk.stop()
        sim.stop()


def main():
    args = parse_args()
    results = []
    for helpers in [int(h) for h in args.helpers.split(",") if h]:
        for coalesce in [c for c in args.coalesce.split(",") if c]:
            r = run(args, helpers, coalesce)
            results.append(r)
            print(json.dumps(r), flush=True)
    base = next((r for r in results if r["helpers"] == 0 and r["coalesce"] == "off"), None)
    print("\n| helpers | coalesce | last copy (s) | p50 (s) | p99 (s) | group posts | by own bot (topics + other) "
          "| last topic (s) | 429s | lost | order | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        speed = f"{base['last_copy_s'] / r['last_copy_s']:.1f}x" if base and r["last_copy_s"] else "-"
        order = "kept" if r["out_of_order_dialogs"] == 0 and r["split_dialogs"] == 0 else "BROKEN"
        print(f"| {r['helpers']} | {r['coalesce']} | {r['last_copy_s']} | {r['p50_latency_s']} | {r['p99_latency_s']} "
              f"| {r['group_posts']} | {r['topics']} + {r['own_bot_other']} | {r['last_topic_s']} "
              f"| {r['too_many_requests']} | {r['lost']} | {order} | {speed} |")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=2)
    bad = [r for r in results if r["lost"] or r["duplicates"] or r["out_of_order_dialogs"] or r["split_dialogs"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
