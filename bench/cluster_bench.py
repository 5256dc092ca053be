#!/usr/bin/env python3
"""Desk instances on one PostgreSQL database: total relay throughput of 1, 2 and 3 instances
with 300 connections, and the memory a connection costs one instance.

Throughput: a throwaway PostgreSQL server (scripts/pg-test-server), tgsim without limits, N
bots each with its forum group (the connections) and U users per bot. Every run (one per
instance count) gets a fresh database and a fresh tgsim; the instances are started as the e2e
cluster tests start them (tests/e2e/cluster_support.py: the same configuration but the listen
port). Each user's first message is relayed before timing (dialogs, topics and cards exist);
then sender processes write the remaining M-1 numbered texts per user, pipelined through
tgsim's control API, at --rate or as fast as they can. The relayed copies are counted from
tgsim's call log (GET /sim/calls: the successful message-creating calls into the groups, with
tgsim's answer time); throughput = copies / (last copy - first timed send). Afterwards every
group is read: each text exactly once, in order, in its own user's topic. CPU seconds of the
instances and of the PostgreSQL server, and which instance relayed how much (by tgsim client
port, as the e2e tests name senders), are printed.

Memory: one instance on a fresh database with 1, 100 and 300 connections (a desk needs at least
one): its VmRSS from /proc once every connection is ready, and after relaying the warm-up round
(one message per user), and the cost per connection between the smallest and the largest.

While the desk runs one instance per database, runs of more than one instance are skipped
unless its /healthz lists the connections an instance owns (`owned`). bench/README.md says how
to run it.
"""
import argparse
import json
import math
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
sys.path.insert(0, HERE)
import cluster_support  # noqa: E402  (instances on one database, tgsim client ports)
import harness  # noqa: E402  (process start-up, the control API)
import relay_bench  # noqa: E402  (pipelined senders, /proc figures, the PostgreSQL server)
from pg_support import psql, with_database  # noqa: E402

TEXT_PATTERN = re.compile(r"^b(\d+):(\d+)$")  # "b<user index>:<sequence number>"


def parse_args():
    root = os.path.join(HERE, "..")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tgsim", default=os.path.join(root, "build", "tgsim"))
    p.add_argument("--topicdesk", default=os.path.join(root, "build", "topicdesk"))
    p.add_argument("--instances", default="1,2,3", help="instance counts to measure, comma-separated")
    p.add_argument("--connections", type=int, default=300, help="connections (bots) for the throughput runs")
    p.add_argument("--users-per-connection", type=int, default=3)
    p.add_argument("--messages", type=int, default=11, help="messages per user (the first is the warm-up)")
    p.add_argument("--senders", type=int, default=2, help="sender processes")
    p.add_argument("--pipeline", type=int, default=8, help="requests each sender pipelines at once")
    p.add_argument("--rate", type=float, default=0, help="offered messages/s in total (0: as fast as possible)")
    p.add_argument("--memory", default="1,100,300", help="connection counts for the memory runs ('' skips them)")
    p.add_argument("--log-level", default="warn", help="the instances' [logging] level")
    p.add_argument("--cluster-toml", default=cluster_support.CLUSTER_TOML,
                   help="TOML added to every instance's configuration (e.g. a [cluster] section)")
    p.add_argument("--timeout", type=float, default=600, help="seconds to wait for the last copy")
    p.add_argument("--workdir", default=None)
    p.add_argument("--json", dest="json_out", default=None, help="also write the results here")
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless every message arrived exactly once, in order, in its topic")
    return p.parse_args()


class CallCounter:
    """Reads tgsim's call log on from a cursor: the successful copies of the users' messages into
    the groups (copyMessage(s), or a send of a numbered text; cards and notices aside), with
    tgsim's answer times and the client port of each."""

    def __init__(self, sim):
        self.sim, self.after = sim, 0
        self.copies = []  # (answered_ms, bot_id, peer_port)
        self.calls = 0

    def skip_to_now(self):
        while True:
            page = self.sim.call("GET", f"/sim/calls?after={self.after}&limit=10000")["calls"]
            if page:
                self.after = page[-1]["id"]
            if len(page) < 10000:
                return

    def poll(self):
        while True:
            page = self.sim.call("GET", f"/sim/calls?after={self.after}&limit=10000")["calls"]
            for call in page:
                self.calls += 1
                if call["status"] != 200 or call.get("chat_id", 0) >= 0:
                    continue
                if call["method"] in ("copyMessage", "copyMessages") or TEXT_PATTERN.match(call.get("text", "")):
                    self.copies += [(call["answered_ms"], call["bot_id"], call["peer_port"])] * call["messages"]
            if page:
                self.after = page[-1]["id"]
            if len(page) < 10000:
                return len(self.copies)


class World:
    """N bots with their groups and operators, U users per bot (users[k] write to bots[k])."""

    def __init__(self, sim, connections, users_per_connection):
        api = relay_bench.KeepAlive(sim.base)
        self.worlds = [harness.World(sim, name=f"b{k}") for k in range(connections)]
        self.users = []  # (user index, user id, world)
        for k, world in enumerate(self.worlds):
            for j in range(users_per_connection):
                user_id = api.call("POST", "/sim/users", {"first_name": f"U{k}x{j}", "username": f"u_{k}_{j}"})["id"]
                self.users.append((len(self.users), user_id, world))

    def connections(self):
        return [w.connection(f"b{k}", NEW_TOPICS_PER_MINUTE="OFF", USER_MESSAGES_PER_MINUTE="OFF")
                for k, w in enumerate(self.worlds)]


def send_pipelined(base, users, seqs, depth, rate, results):
    """A sender: round by round its users (index, user id, bot id) write "b<index>:<seq>",
    `depth` pipelined requests at a time; `rate` (0: none) paces the batches. Puts the first
    send's time (Unix ms)."""
    api = relay_bench.Pipeline(base)
    interval = depth / rate if rate else 0.0
    first, pending = None, []
    next_batch = time.monotonic()
    for seq in seqs:
        for index, user_id, bot_id in users:
            pending.append({"from": user_id, "chat_id": bot_id, "text": f"b{index}:{seq}"})
            if len(pending) == depth:
                next_batch = relay_bench.pace(next_batch, interval)
                first = first or time.time() * 1000
                api.post_all("/sim/messages", pending)
                pending = []
    if pending:
        first = first or time.time() * 1000
        api.post_all("/sim/messages", pending)
    results.put(first)


def run_senders(args, sim, world, seqs):
    """Every user writes `seqs`; returns the first send's time (Unix ms) once all are done."""
    results = multiprocessing.Queue()
    users = [(index, user_id, w.bot_id) for index, user_id, w in world.users]
    share = math.ceil(len(users) / args.senders)
    processes = [multiprocessing.Process(target=send_pipelined, args=(sim.base, users[i:i + share], seqs,
                                                                      args.pipeline, args.rate, results))
                 for i in range(0, len(users), share)]
    for proc in processes:
        proc.start()
    firsts = [results.get() for _ in processes]
    for proc in processes:
        proc.join()
    return min(f for f in firsts if f)


def wait_copies(counter, count, timeout, instances):
    deadline = time.monotonic() + timeout
    while counter.poll() < count and time.monotonic() < deadline:
        if not all(i.process.alive() for i in instances):
            raise RuntimeError("an instance exited: " + ", ".join(i.log_tail() for i in instances))
        time.sleep(0.05)  # polling interval of a deadline wait
    return len(counter.copies) >= count


def check_delivery(sim, world, messages):
    """Exactly once, in order, one topic per user: a list of problems."""
    problems = []
    by_index = {index: (user_id, w) for index, user_id, w in world.users}
    for w in world.worlds:
        seqs, threads = {}, {}
        for m in sim.messages(w.group_id, w.operator):
            match = TEXT_PATTERN.match(m.get("text") or "")
            if match and m.get("from", {}).get("id") == w.bot_id:
                index = int(match.group(1))
                seqs.setdefault(index, []).append(int(match.group(2)))
                threads.setdefault(index, set()).add(m.get("message_thread_id"))
        for index, (_, uw) in by_index.items():
            if uw is not w:
                continue
            got = seqs.get(index, [])
            if got != list(range(messages)):
                missing = sorted(set(range(messages)) - set(got))
                problems.append(f"user {index}: missing {missing[:5]} ({len(missing)}), "
                                f"duplicates {len(got) - len(set(got))}, in order {got == sorted(got)}")
            if len(threads.get(index, ())) > 1:
                problems.append(f"user {index}: copies in {len(threads[index])} topics")
    return problems


class Run:
    """One tgsim, one fresh database, `count` instances with the world's connections."""

    def __init__(self, args, workdir, pg, name, count, world_size, users_per_connection):
        self.args, self.workdir = args, workdir
        os.makedirs(workdir, exist_ok=True)
        self.sim = harness.Sim(workdir, limits=False)
        self.world = World(self.sim, world_size, users_per_connection)
        psql(pg.admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(pg.admin, f"CREATE DATABASE {name}")
        self.pg_uri = with_database(pg.admin, name)
        extra = (f"\n[telegram.limits]\nenabled = false\n\n[logging]\nlevel = \"{args.log_level}\"\n"
                 + (f"\n{args.cluster_toml}\n" if args.cluster_toml else ""))
        self.instances = [cluster_support.Instance(workdir, self.sim, self.world.connections(), k, self.pg_uri, extra)
                          for k in range(count)]
        for instance in self.instances:
            instance.log_tail = lambda i=instance: f"{i.name}: {i.process.output()[-1500:]}"
        done = subprocess.run([args.topicdesk, "migrate", "--config", self.instances[0].config_path],
                              capture_output=True, text=True, env={**os.environ, **self.instances[0].env})
        if done.returncode != 0:
            raise RuntimeError(f"migrate failed: {done.stdout}{done.stderr}")

    def start(self, timeout=300):
        self.instances[0].launch()
        harness.wait_until(self.instances[0].answering, timeout, "desk0 /healthz")
        if len(self.instances) > 1:
            if self.instances[0].owned() is None:
                return False  # one instance per database: the daemon cannot run several yet
            # Started together, the instances spread the connections at once (moving them one by
            # one takes a renew period each); the probe gives its leases back as it stops.
            self.instances[0].stop()
            for instance in self.instances:
                instance.launch()
        if len(self.instances) == 1:
            harness.wait_until(self.instances[0].healthy, timeout, "every connection ready", interval=0.2)
        else:
            total = len(self.world.worlds)
            share = math.ceil(total / len(self.instances))

            def spread():
                owned = [i.owned() or [] for i in self.instances]
                names = [n for o in owned for n in o]
                return len(names) == total == len(set(names)) and all(len(o) <= share for o in owned)
            harness.wait_until(spread, timeout, "the connections spread over the instances", interval=0.5)
        return True

    def stop(self):
        for instance in self.instances:
            if instance.process:
                instance.stop()
        self.sim.stop()


def throughput(args, pg, workdir, count):
    name = f"cluster_bench_{count}"
    run = Run(args, os.path.join(workdir, f"{count}-instances"), pg, name, count, args.connections,
              args.users_per_connection)
    try:
        if not run.start():
            return {"instances": count, "skipped": "the desk's /healthz has no `owned` list (one instance per database)"}
        users = len(run.world.users)
        counter = CallCounter(run.sim)
        counter.skip_to_now()
        watch = cluster_support.Watch(run.instances, int(run.sim.base.rsplit(":", 1)[1]), interval=0.2)
        run_senders(args, run.sim, run.world, range(1))  # warm-up: dialogs, topics, cards
        if not wait_copies(counter, users, args.timeout, run.instances):
            raise RuntimeError(f"warm-up: {len(counter.copies)} of {users} first messages relayed")
        warm = len(counter.copies)
        stats = [relay_bench.ProcessStats(i.pid) for i in run.instances]
        cpu0, pg_cpu0 = sum(s.cpu_seconds() for s in stats), pg.cpu_seconds()
        timed = users * (args.messages - 1)
        first_send = run_senders(args, run.sim, run.world, range(1, args.messages))
        complete = wait_copies(counter, warm + timed, args.timeout, run.instances)
        cpu, pg_cpu = sum(s.cpu_seconds() for s in stats) - cpu0, pg.cpu_seconds() - pg_cpu0
        watch.stop()
        timed_copies = counter.copies[warm:]
        last = max((c[0] for c in timed_copies), default=first_send)
        wall = max(1e-3, (last - first_send) / 1000)
        per_instance = {}
        for _, _, port in timed_copies:
            owner = watch.instance_of_port(port)
            key = f"desk{owner}" if owner is not None else "unknown"
            per_instance[key] = per_instance.get(key, 0) + 1
        problems = check_delivery(run.sim, run.world, args.messages)
        if not complete:
            problems.insert(0, f"only {len(timed_copies)} of {timed} timed copies within {args.timeout} s")
        return {"instances": count, "connections": args.connections, "users": users,
                "messages_per_user": args.messages, "timed_messages": timed, "relayed": len(timed_copies),
                "wall_s": wall, "relayed_per_s": len(timed_copies) / wall, "desk_cpu_s": cpu,
                "postgres_cpu_s": pg_cpu, "relayed_per_cpu_s": len(timed_copies) / max(1e-3, cpu + pg_cpu),
                "rss_kb": [s.memory_kb("VmRSS") for s in stats], "relayed_by": per_instance,
                "problems": problems, "workdir": run.workdir}
    finally:
        run.stop()


def memory(args, pg, workdir, connections):
    run = Run(args, os.path.join(workdir, f"memory-{connections}"), pg, f"cluster_bench_mem_{connections}", 1,
              connections, 1)
    try:
        run.start()
        desk = run.instances[0]
        stats = relay_bench.ProcessStats(desk.pid)
        ready_kb = stats.memory_kb("VmRSS")
        counter = CallCounter(run.sim)
        counter.skip_to_now()
        run_senders(args, run.sim, run.world, range(1))
        wait_copies(counter, connections, args.timeout, run.instances)
        return {"connections": connections, "rss_ready_kb": ready_kb, "rss_after_one_dialog_each_kb":
                stats.memory_kb("VmRSS"), "peak_kb": stats.memory_kb("VmHWM")}
    finally:
        run.stop()


class Postgres(relay_bench.PostgresServer):
    def __init__(self, workdir):
        super().__init__(workdir, pin=False)
        self.admin = with_database(self.uri, "postgres")


def main():
    args = parse_args()
    harness.TGSIM, harness.TOPICDESK = args.tgsim, args.topicdesk
    workdir = args.workdir or tempfile.mkdtemp(prefix="cluster-bench-")
    os.makedirs(workdir, exist_ok=True)
    pg = Postgres(workdir)
    results = {"throughput": [], "memory": []}
    try:
        for count in [int(c) for c in args.instances.split(",") if c]:
            r = throughput(args, pg, workdir, count)
            results["throughput"].append(r)
            print_throughput(r)
        for connections in [int(c) for c in args.memory.split(",") if c]:
            r = memory(args, pg, workdir, connections)
            results["memory"].append(r)
            print(f"memory, one instance, {connections} connections: RSS {r['rss_ready_kb'] / 1024:.1f} MB when "
                  f"ready, {r['rss_after_one_dialog_each_kb'] / 1024:.1f} MB after one dialog per connection "
                  f"(peak {r['peak_kb'] / 1024:.1f} MB)", flush=True)
    finally:
        pg.stop()
    mem = results["memory"]
    if len(mem) >= 2:
        low, high = mem[0], mem[-1]
        per = (high["rss_ready_kb"] - low["rss_ready_kb"]) / max(1, high["connections"] - low["connections"])
        print(f"memory per connection (ready, {low['connections']} -> {high['connections']}): {per:.0f} kB")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=2)
    print(f"logs and data: {workdir}")
    if args.check and any(r.get("problems") for r in results["throughput"]):
        sys.exit(1)


def print_throughput(r):
    if r.get("skipped"):
        print(f"{r['instances']} instances: skipped ({r['skipped']})", flush=True)
        return
    print(f"{r['instances']} instance(s), {r['connections']} connections, {r['users']} users x "
          f"{r['messages_per_user'] - 1} timed messages: relayed {r['relayed']} of {r['timed_messages']} in "
          f"{r['wall_s']:.2f} s = {r['relayed_per_s']:.0f}/s; desk CPU {r['desk_cpu_s']:.1f} s, PostgreSQL CPU "
          f"{r['postgres_cpu_s']:.1f} s ({r['relayed_per_cpu_s']:.0f} relayed per CPU-second); RSS "
          f"{[round(kb / 1024, 1) for kb in r['rss_kb']]} MB; relayed by {r['relayed_by']}", flush=True)
    print("delivery: every message exactly once, in order, in its own topic" if not r["problems"]
          else "delivery PROBLEMS:\n  " + "\n  ".join(r["problems"][:20]), flush=True)


if __name__ == "__main__":
    main()
