#!/usr/bin/env python3
"""End-to-end relay benchmark: end users -> tgsim -> topicdesk -> the users' forum topics.

Starts real tgsim and topicdesk processes (tests/e2e/harness.py), creates one bot, its forum
backend group, an operator and N end users, then sender processes write M numbered texts per
user through tgsim's control API (keep-alive HTTP) while an observer reads the group through
`GET /sim/chats/<group>/messages?after=<id>`, whose `sim_date_ms` says when each copy was
created. Reports relayed messages/s, latency from the user's send (the control API's answer)
to the copy in the topic, topicdesk's CPU time, peak memory, bytes written to disk
(/proc/PID/io write_bytes) and the connections it opened to the Bot API per 1,000 calls (its
/metrics), each per relayed message where it says so, and checks that every message
arrived exactly once, in order, in its user's topic. With --limits on it also reports the
group's messages per 60 s window and tgsim's 429 answers. --store postgres (or both) runs the
desk on a throwaway PostgreSQL server (scripts/pg-test-server) instead of (or after) SQLite,
and counts the server's CPU beside the desk's. bench/README.md records results.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402  (the e2e harness: process start-up, control API helpers)

TEXT_PATTERN = re.compile(r"^b(\d+):(\d+)$")  # "b<user index>:<sequence number>"
GROUP_WINDOW_S = 60
GROUP_CEILING = 20  # Telegram's messages per minute per group (shared/telegram-facts.md)


def pace(next_batch, interval):
    """Offered load at a rate: waits until the next batch is due (interval 0: at once); returns
    when the one after it is."""
    if not interval:
        return next_batch
    next_batch += interval
    ahead = next_batch - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)  # pacing of the offered load
    return next_batch


def now_ms():
    return time.time() * 1000.0


class KeepAlive:
    """One keep-alive HTTP/1.1 connection to tgsim speaking JSON."""

    def __init__(self, base):
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        self.connection.request(method, path, data, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        raw = response.read()
        if response.status != 200:
            raise RuntimeError(f"tgsim {method} {path} -> {response.status} {raw[:200]!r}")
        return json.loads(raw)


class Pipeline:
    """HTTP/1.1 pipelining on one connection: writes a batch of requests at once, then reads
    the answers (tgsim answers in order). Much cheaper per message than http.client."""

    def __init__(self, base):
        host, port = base.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host = f"{host}:{port}"
        self.buffer = b""

    def post_all(self, path, bodies):
        requests = []
        for body in bodies:
            data = json.dumps(body).encode()
            requests.append(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                            f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        self.sock.sendall(b"".join(requests))
        for _ in bodies:
            self.read_answer()

    def read_answer(self):
        while b"\r\n\r\n" not in self.buffer:
            self.receive()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status = head.split(b" ", 2)[1]
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        while len(self.buffer) < length:
            self.receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if status != b"200":
            raise RuntimeError(f"tgsim answered {status!r}: {body[:200]!r}")

    def receive(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise RuntimeError("tgsim closed the connection")
        self.buffer += chunk


def send_pipelined(base, bot_id, users, first_index, seqs, depth, rate, results):
    """A sender that pipelines `depth` requests at a time; `rate` (0: none) paces the batches."""
    api = Pipeline(base)
    sent = {first_index + i: [] for i in range(len(users))}
    pending = []
    interval = depth / rate if rate else 0.0
    next_batch = time.monotonic()
    for seq in seqs:
        for i, user_id in enumerate(users):
            pending.append((first_index + i, {"from": user_id, "chat_id": bot_id, "text": f"b{first_index + i}:{seq}"}))
            if len(pending) == depth:
                next_batch = pace(next_batch, interval)
                flush_pipeline(api, pending, sent)
    flush_pipeline(api, pending, sent)
    results.put(sent)


def flush_pipeline(api, pending, sent):
    api.post_all("/sim/messages", [body for _, body in pending])
    answered = now_ms()
    for index, _ in pending:
        sent[index].append(answered)
    pending.clear()


def send_all(base, bot_id, users, first_index, seqs, rate, start_at, results):
    """One sender process: round by round, each of its users sends its next text.

    `rate` (messages/s for this process, 0 = as fast as possible) paces sends on a fixed
    schedule so latency is measured below saturation. Puts {index: [send ms per seq]}.
    """
    api = KeepAlive(base)
    sent = {first_index + i: [] for i in range(len(users))}
    interval = 1.0 / rate if rate else 0.0
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)  # all senders start together; not a synchronisation of results
    next_send = time.monotonic()
    for seq in seqs:
        for i, user_id in enumerate(users):
            if interval:
                next_send += interval
                ahead = next_send - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            api.call("POST", "/sim/messages", {"from": user_id, "chat_id": bot_id,
                                               "text": f"b{first_index + i}:{seq}"})
            sent[first_index + i].append(now_ms())
    results.put(sent)


class Observer(threading.Thread):
    """Reads new group messages as they appear; keeps (id, thread, text, sim_date_ms)."""

    def __init__(self, base, group_id, operator, poll_interval=0.005):
        super().__init__(daemon=True)
        self.api = KeepAlive(base)
        self.path = f"/sim/chats/{group_id}/messages?as={operator}&after="
        self.poll_interval = poll_interval
        self.seen = []
        self.last_id = 0
        self.topics_created = 0
        self.id_gaps = 0  # group message ids skipped: tgsim trimmed them before we read them
        self.stop_event = threading.Event()

    def poll(self):
        batch = self.api.call("GET", self.path + str(self.last_id))["messages"]
        for m in batch:
            if self.last_id and m["message_id"] != self.last_id + 1:
                self.id_gaps += m["message_id"] - self.last_id - 1
            self.last_id = m["message_id"]
            self.seen.append((m["message_id"], m.get("message_thread_id", 0), m.get("text", ""),
                              m["sim_date_ms"], m.get("from", {}).get("id")))
            self.topics_created += "forum_topic_created" in m
        return len(batch)

    def run(self):
        while not self.stop_event.is_set():
            if not self.poll():
                time.sleep(self.poll_interval)  # idle poll interval, not synchronisation

    def stop(self):
        self.stop_event.set()
        self.join()
        self.poll()


class ProcessStats:
    """CPU seconds and memory of a process, from /proc."""

    def __init__(self, pid):
        self.pid = pid
        self.ticks = os.sysconf("SC_CLK_TCK")

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.ticks  # utime + stime

    def write_bytes(self):
        """Bytes the process caused to be written to storage (dirtied file pages), /proc/PID/io."""
        with open(f"/proc/{self.pid}/io") as f:
            for line in f:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
        return 0

    def memory_kb(self, key):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def parse_args():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tgsim", default=os.path.join(root, "build", "tgsim"))
    p.add_argument("--topicdesk", default=os.path.join(root, "build", "topicdesk"))
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--messages", type=int, default=20, help="messages per user")
    p.add_argument("--senders", type=int, default=3, help="sender processes")
    p.add_argument("--rate", type=float, default=0, help="offered messages/s in total (0: as fast as possible)")
    p.add_argument("--limits", choices=["on", "off"], default="off")
    p.add_argument("--log-level", default="info", help="topicdesk's [logging] level")
    p.add_argument("--pin", action="store_true",
                   help="topicdesk alone on CPU 0; tgsim, senders and observer on CPU 1 (taskset)")
    p.add_argument("--warmup", action="store_true",
                   help="send and relay every user's first message (new dialog) before timing the rest")
    p.add_argument("--pipeline", type=int, default=0,
                   help="pipeline this many requests per sender connection (a cheaper load generator)")
    p.add_argument("--flood-guard", action="store_true",
                   help="keep the flood guard on, with caps no run reaches (its cost is measured)")
    p.add_argument("--timeout", type=float, default=600, help="seconds to wait for the last copy")
    p.add_argument("--workdir", default=None)
    p.add_argument("--json", dest="json_out", default=None, help="also write the results here")
    p.add_argument("--store", choices=["sqlite", "postgres", "both"], default="sqlite",
                   help="the desk's store; both: SQLite, then PostgreSQL, in one run, and a comparison")
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless every message arrived exactly once, in order, in its topic")
    return p.parse_args()


def desk_toml(args):
    """Limits off turns off the desk's own flood control too; it mirrors Telegram's figures."""
    lines = ["", "[telegram.limits]", f"enabled = {'true' if args.limits == 'on' else 'false'}",
             "", "[logging]", f'level = "{args.log_level}"', ""]
    return "\n".join(lines)


def setup_world(sim, users):
    world = harness.World(sim, name="bench")
    api = KeepAlive(sim.base)
    user_ids = [api.call("POST", "/sim/users", {"first_name": f"User{i}", "username": f"bench_user_{i}"})["id"]
                for i in range(users)]
    return world, user_ids


def run_senders(args, sim, world, user_ids, seqs):
    """Starts the sender processes; returns {user index: [send ms per seq in seqs]} when all are done."""
    results = multiprocessing.Queue()
    share = (len(user_ids) + args.senders - 1) // args.senders
    start_at = time.time() + 0.3
    processes = []
    for first in range(0, len(user_ids), share):
        chunk = user_ids[first:first + share]
        rate = args.rate * len(chunk) / len(user_ids)
        if args.pipeline:
            proc = multiprocessing.Process(target=send_pipelined, args=(sim.base, world.bot_id, chunk, first,
                                                                        seqs, args.pipeline, rate, results))
        else:
            proc = multiprocessing.Process(target=send_all, args=(sim.base, world.bot_id, chunk, first,
                                                                  seqs, rate, start_at, results))
        proc.start()
        processes.append(proc)
    sent = {}
    for _ in processes:
        sent.update(results.get())
    for proc in processes:
        proc.join()
    return sent


def check_delivery(copies_by_user, users, messages):
    """Exactly once, in order, one topic per user, distinct topics: returns a list of problems."""
    problems = []
    threads = {}
    for index in range(users):
        copies = copies_by_user.get(index, [])
        seqs = [seq for seq, _, _ in copies]
        if seqs != list(range(messages)):
            missing = sorted(set(range(messages)) - set(seqs))
            duplicates = len(seqs) - len(set(seqs))
            problems.append(f"user {index}: missing {missing[:5]}{'…' if len(missing) > 5 else ''} "
                            f"({len(missing)}), duplicates {duplicates}, "
                            f"in order {seqs == sorted(seqs)}")
        topic_ids = {thread for _, thread, _ in copies}
        if len(topic_ids) > 1:
            problems.append(f"user {index}: copies in {len(topic_ids)} topics")
        for thread in topic_ids:
            if threads.setdefault(thread, index) != index:
                problems.append(f"topic {thread} holds users {threads[thread]} and {index}")
    return problems


def group_windows(times_ms):
    """The most group messages in any 60 s window, and messages per whole minute from the first."""
    times = sorted(times_ms)
    most, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= GROUP_WINDOW_S * 1000:
            start += 1
        most = max(most, end - start + 1)
    per_minute = {}
    for t in times:
        minute = int((t - times[0]) // (GROUP_WINDOW_S * 1000))
        per_minute[minute] = per_minute.get(minute, 0) + 1
    return most, [per_minute.get(m, 0) for m in range(max(per_minute, default=-1) + 1)]


PG_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "pg-test-server")


class PostgresServer:
    """A throwaway server (scripts/pg-test-server) with a database for the desk; its processes
    on CPU 0 beside the desk under --pin (the store's work on the desk's core, as SQLite's is)."""

    def __init__(self, workdir, pin):
        self.dir = os.path.join(workdir, "pg-server")
        admin = subprocess.run([PG_SERVER, "start", self.dir], check=True, capture_output=True,
                               text=True).stdout.strip()
        self.postmaster = None
        for line in open(os.path.join(self.server_home(admin), "data", "postmaster.pid")):
            self.postmaster = int(line)
            break
        if pin:
            subprocess.run(["taskset", "-a", "-p", "-c", "0", str(self.postmaster)], check=True,
                           stdout=subprocess.DEVNULL)
        subprocess.run(["psql", "-XAtq", admin, "-c", "CREATE DATABASE relay_bench"], check=True,
                       capture_output=True)
        self.uri = admin.replace("/postgres?", "/relay_bench?", 1)

    @staticmethod
    def server_home(uri):
        return re.search(r"host=([^&]+)", uri).group(1)

    def cpu_seconds(self):
        """CPU time of the postmaster and its children (the desk's backend among them)."""
        return self.sum_over_processes(
            lambda pid, fields: (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))

    def write_bytes(self):
        """Bytes the postmaster and its living children wrote to storage (/proc/PID/io)."""
        return self.sum_over_processes(lambda pid, fields: ProcessStats(pid).write_bytes())

    def sum_over_processes(self, value):
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry) == self.postmaster or int(fields[1]) == self.postmaster:
                try:
                    total += value(int(entry), fields)
                except OSError:
                    continue
        return total

    def stop(self):
        subprocess.run([PG_SERVER, "stop", self.dir], check=False, capture_output=True)


def main():
    args = parse_args()
    harness.TGSIM, harness.TOPICDESK = args.tgsim, args.topicdesk
    workdir = args.workdir or tempfile.mkdtemp(prefix="relay-bench-")
    os.makedirs(workdir, exist_ok=True)
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    reports = []
    for store in stores:
        report = run_once(args, os.path.join(workdir, store) if len(stores) > 1 else workdir, store)
        print_report(report)
        reports.append(report)
    if len(reports) > 1:
        print_comparison(reports)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(reports if len(reports) > 1 else reports[0], f, indent=2)
    if args.check and any(r["problems"] for r in reports):
        sys.exit(1)


def run_once(args, workdir, store):
    os.makedirs(workdir, exist_ok=True)
    total = args.users * args.messages
    pg = PostgresServer(workdir, args.pin) if store == "postgres" else None
    if args.pin:
        os.sched_setaffinity(0, {1})  # tgsim and the sender processes inherit CPU 1
    sim = harness.Sim(workdir, limits=args.limits == "on")
    desk = None
    try:
        world, user_ids = setup_world(sim, args.users)
        # The desk's CPU is measured, not its pacing: a thousand new dialogs and users writing
        # as fast as they can, with no flood guard holding them (--flood-guard: on, with caps
        # nothing reaches, so that its bookkeeping is measured).
        cap = "10000" if args.flood_guard else "OFF"
        connection = world.connection("bench", NEW_TOPICS_PER_MINUTE=cap, USER_MESSAGES_PER_MINUTE=cap)
        desk = harness.Desk(workdir, sim, [connection], desk_toml(args), start=False,
                            env={"TOPICDESK_BENCH_PG": pg.uri} if pg else None)
        if pg:
            with open(desk.config_path) as f:
                config = re.sub(r'(?m)^sqlite = .*$', 'postgres = "env:TOPICDESK_BENCH_PG"', f.read())
            with open(desk.config_path, "w") as f:
                f.write(config)
        desk.start()
        if args.pin:  # every thread of topicdesk on CPU 0
            subprocess.run(["taskset", "-a", "-p", "-c", "0", str(desk.process.proc.pid)], check=True,
                           stdout=subprocess.DEVNULL)
        desk_stats, sim_stats = ProcessStats(desk.process.proc.pid), ProcessStats(sim.process.proc.pid)
        observer = Observer(sim.base, world.group_id, world.operator)
        observer.start()

        def relayed():
            return sum(1 for _, _, text, _, _ in observer.seen if TEXT_PATTERN.match(text))

        def wait_relayed(count):
            deadline = time.monotonic() + args.timeout
            while relayed() < count and time.monotonic() < deadline and desk.process.alive():
                time.sleep(0.01)  # polling interval of a deadline wait
        first_timed_seq = 1 if args.warmup else 0
        warm = {}
        if args.warmup:  # every user's first message: 1,000 dialogs and topics exist before timing
            warm = run_senders(args, sim, world, user_ids, range(1))
            wait_relayed(args.users)
        desk_cpu0, sim_cpu0 = desk_stats.cpu_seconds(), sim_stats.cpu_seconds()
        pg_cpu0 = pg.cpu_seconds() if pg else 0.0
        written0, pg_written0, api0 = desk_stats.write_bytes(), pg.write_bytes() if pg else 0, api_counts(desk)
        sent = run_senders(args, sim, world, user_ids, range(first_timed_seq, args.messages))
        send_done = now_ms()
        wait_relayed(total)
        sent = {index: warm.get(index, []) + times for index, times in sent.items()}
        desk_cpu1, sim_cpu1 = desk_stats.cpu_seconds(), sim_stats.cpu_seconds()
        pg_cpu = (pg.cpu_seconds() - pg_cpu0) if pg else 0.0
        written = desk_stats.write_bytes() - written0
        pg_written = (pg.write_bytes() - pg_written0) if pg else 0
        api1 = api_counts(desk)
        observer.stop()
        stored = user_message_times(sim.base, world.bot_id, user_ids)
        report = analyse(args, world, observer, sent, first_timed_seq, stored, send_done, desk_cpu1 - desk_cpu0,
                         sim_cpu1 - sim_cpu0, desk_stats, sim.stats())
    finally:
        if desk:
            desk.stop()
        sim.stop()
        if pg:
            pg.stop()
        if args.pin:
            os.sched_setaffinity(0, {0, 1})
    report["store"] = store
    report["postgres_cpu_s"] = pg_cpu
    relayed = max(1, report["relayed"])
    report["topicdesk_cpu_us_per_message"] = report["topicdesk_cpu_s"] * 1e6 / relayed
    report["topicdesk_write_bytes"] = written
    report["topicdesk_write_bytes_per_message"] = written / relayed
    report["postgres_write_bytes_per_message"] = pg_written / relayed
    calls, opened = api1[0] - api0[0], api1[1] - api0[1]
    report["bot_api_calls"], report["bot_api_connections_opened"] = calls, opened
    report["connections_opened_per_1000_calls"] = opened * 1000 / max(1, calls)
    report["workdir"] = workdir
    with open(os.path.join(workdir, "group_messages.json"), "w") as f:
        json.dump(observer.seen, f)
    return report


def api_counts(desk):
    """(Bot API calls, connections opened to the Bot API) so far, from the desk's /metrics."""
    return (desk.metric("topicdesk_bot_api_calls_total") or 0,
            desk.metric("topicdesk_bot_api_connections_opened_total") or 0)


def user_message_times(base, bot_id, user_ids):
    """{(user index, seq): sim_date_ms} of the users' own messages in their private chats."""
    api = KeepAlive(base)
    stored = {}
    for index, user_id in enumerate(user_ids):
        for m in api.call("GET", f"/sim/chats/{bot_id}/messages?as={user_id}")["messages"]:
            match = TEXT_PATTERN.match(m.get("text", ""))
            if match and m.get("from", {}).get("id") == user_id:
                stored[(index, int(match.group(2)))] = m["sim_date_ms"]
    return stored


def latency_summary(values):
    values.sort()
    return {"p50": percentile(values, 0.50), "p99": percentile(values, 0.99),
            "max": values[-1] if values else float("nan"), "count": len(values)}


def analyse(args, world, observer, sent, first_timed_seq, stored, send_done, desk_cpu, sim_cpu, desk_stats, sim_stats):
    """Latency: from the user's message stored in tgsim to its copy stored in the topic (one
    clock, µs resolution); `client_latency_ms` starts at the control API's answer instead."""
    copies_by_user, latencies, first_latencies, client_latencies = {}, [], [], []
    for message_id, thread, text, created_ms, _ in observer.seen:
        match = TEXT_PATTERN.match(text)
        if not match:
            continue
        index, seq = int(match.group(1)), int(match.group(2))
        copies_by_user.setdefault(index, []).append((seq, thread, message_id))
        if (index, seq) in stored:
            (first_latencies if seq == 0 else latencies).append(created_ms - stored[(index, seq)])
        sends = sent.get(index, [])
        if seq < len(sends):
            client_latencies.append(created_ms - sends[seq])
    # Throughput and CPU cover the timed messages (all, or all but the warm-up round).
    timed = [m for m in observer.seen
             if TEXT_PATTERN.match(m[2]) and int(TEXT_PATTERN.match(m[2]).group(2)) >= first_timed_seq]
    first_send = min(s[first_timed_seq] for s in sent.values() if len(s) > first_timed_seq)
    last_copy = max((m[3] for m in timed), default=first_send)
    timed_sent = sum(max(0, len(s) - first_timed_seq) for s in sent.values())
    wall_s = max(1e-3, (last_copy - first_send) / 1000)
    bot_group_times = [m[3] for m in observer.seen if m[4] == world.bot_id]
    most_in_window, per_minute = group_windows(bot_group_times)
    problems = check_delivery(copies_by_user, args.users, args.messages)
    if observer.id_gaps:
        problems.append(f"observer missed {observer.id_gaps} group messages trimmed by tgsim")
    return {
        "users": args.users, "messages_per_user": args.messages, "limits": args.limits,
        "flood_guard": args.flood_guard,
        "offered_rate": args.rate or "max", "senders": args.senders, "pinned": args.pin,
        "warmup": bool(first_timed_seq), "sent": timed_sent, "relayed": len(timed),
        "send_s": (send_done - first_send) / 1000, "wall_s": wall_s,
        "sent_per_s": timed_sent / max(1e-3, (send_done - first_send) / 1000),
        "relayed_per_s": len(timed) / wall_s,
        "latency_ms": latency_summary(latencies),
        "first_message_latency_ms": latency_summary(first_latencies),
        "client_latency_ms": latency_summary(client_latencies),
        "topicdesk_cpu_s": desk_cpu, "topicdesk_core_utilisation": desk_cpu / wall_s,
        "relayed_per_topicdesk_cpu_s": len(timed) / max(1e-3, desk_cpu),
        "tgsim_cpu_s": sim_cpu,
        "topicdesk_peak_rss_kb": desk_stats.memory_kb("VmHWM"),
        "topicdesk_rss_kb": desk_stats.memory_kb("VmRSS"),
        "group_messages_by_bot": len(bot_group_times), "topics_created": observer.topics_created,
        "group_most_in_60s": most_in_window, "group_per_minute": per_minute,
        "tgsim_requests": sim_stats.get("requests"), "tgsim_429": sim_stats.get("too_many_requests"),
        "problems": problems,
    }


def print_report(r):
    lat, first = r["latency_ms"], r["first_message_latency_ms"]
    print(f"store {r['store']}: ", end="")
    print(f"users {r['users']} x {r['messages_per_user']} messages, limits {r['limits']}, "
          f"offered {r['offered_rate']} msg/s from {r['senders']} sender processes"
          + (", topicdesk alone on CPU 0" if r["pinned"] else "")
          + (", timing after a warm-up round (dialogs exist)" if r["warmup"] else ""))
    print(f"sent {r['sent']} in {r['send_s']:.2f} s ({r['sent_per_s']:.0f}/s); relayed {r['relayed']} "
          f"in {r['wall_s']:.2f} s from first send to last copy: {r['relayed_per_s']:.1f} messages/s")
    print(f"latency send->copy (ms), later messages: p50 {lat['p50']:.2f}  p99 {lat['p99']:.2f}  "
          f"max {lat['max']:.1f}")
    print(f"latency send->copy (ms), first message (new topic): p50 {first['p50']:.1f}  "
          f"p99 {first['p99']:.1f}  max {first['max']:.1f}")
    client = r["client_latency_ms"]
    print(f"latency control API answer->copy (ms), all messages: p50 {client['p50']:.1f}  "
          f"p99 {client['p99']:.1f}  max {client['max']:.1f}")
    print(f"topicdesk CPU {r['topicdesk_cpu_s']:.2f} s ({r['topicdesk_core_utilisation'] * 100:.0f}% of a core), "
          f"{r['relayed_per_topicdesk_cpu_s']:.0f} relayed per CPU-second; tgsim CPU {r['tgsim_cpu_s']:.2f} s")
    if r["store"] == "postgres":
        print(f"PostgreSQL server CPU {r['postgres_cpu_s']:.2f} s; desk + server "
              f"{r['relayed'] / max(1e-3, r['topicdesk_cpu_s'] + r['postgres_cpu_s']):.0f} relayed per CPU-second")
    print(f"per relayed message: {r['topicdesk_cpu_us_per_message']:.0f} µs of desk CPU, "
          f"{r['topicdesk_write_bytes_per_message'] / 1024:.1f} KB written by the desk"
          + (f" and {r['postgres_write_bytes_per_message'] / 1024:.1f} KB by the PostgreSQL server"
             if r["store"] == "postgres" else "")
          + f"; Bot API: {r['bot_api_connections_opened']:.0f} connections opened for {r['bot_api_calls']:.0f} "
          f"calls ({r['connections_opened_per_1000_calls']:.1f} per 1,000)")
    print(f"topicdesk peak RSS {r['topicdesk_peak_rss_kb'] / 1024:.1f} MB (now {r['topicdesk_rss_kb'] / 1024:.1f} MB)")
    print(f"group: {r['group_messages_by_bot']} messages by the bot ({r['topics_created']} topics created), at most {r['group_most_in_60s']} in any 60 s, "
          f"per minute {r['group_per_minute']}; tgsim requests {r['tgsim_requests']}, 429s {r['tgsim_429']}")
    print("delivery: every message exactly once, in order, in its own topic" if not r["problems"]
          else "delivery PROBLEMS:\n  " + "\n  ".join(r["problems"][:20]))
    print(f"logs and data: {r['workdir']}")


def print_comparison(reports):
    print()
    print(f"{'store':<10} {'relayed/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'desk CPU-s':>11} "
          f"{'server CPU-s':>13} {'delivery':>9}")
    for r in reports:
        lat = r["latency_ms"]
        print(f"{r['store']:<10} {r['relayed_per_s']:>10.0f} {lat['p50']:>8.2f} {lat['p99']:>8.2f} {lat['max']:>8.1f} "
              f"{r['topicdesk_cpu_s']:>11.2f} {r['postgres_cpu_s']:>13.2f} {'ok' if not r['problems'] else 'PROBLEMS':>9}")


if __name__ == "__main__":
    main()
