"""Several desk instances on one PostgreSQL database behind a load balancer (HAProxy), for the
cluster tests (test_cluster_*.py) and bench/cluster_bench.py.

Every instance runs `topicdesk run` with the same configuration but for its [server] listen port
(the desk has no command-line or environment override of it, so each gets its own file that
differs only in that line), on one fresh database of the test server (TOPICDESK_TEST_PG,
cmake/pg_test_server.cmake). One HAProxy process (`haproxy -f <cfg> -db`, run as the test's
user) listens on a free port and spreads HTTP (the Bot API proxy, the Topics API) round-robin
over the instances, checking each one's /healthz; a killed instance is skipped at once (the
connection is refused and retried elsewhere), a paused one once its health check times out.

What an instance owns is read from its /healthz (JSON): a list of connection names at key
`owned` once the daemon runs several instances (absent today: `owned()` is then None), and from
the database's lease rows (`connection_leases`) once those exist. `Watch` samples both, and each
instance's TCP client ports to tgsim, so a test can say who owned what when, and which instance
made a Bot API call tgsim logged (GET /sim/calls names the client's port).

Every wait is a condition polled until a deadline (harness.wait_until).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import harness
from harness import DEFAULT_TIMEOUT, Desk, DeskTestCase, Process, free_port, http_json, wait_until
from pg_support import ADMIN_URI, fresh_database, psql

HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")  # sbin: not in every PATH
NODE = shutil.which("node")
BOT_JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "proxy_bot", "bot.js")
# The lease time the instances run with, and TOML added to every instance's configuration (e.g.
# "[cluster]\nlease_seconds = 4" once the desk has such a setting). The default is the desk's.
LEASE_SECONDS = float(os.environ.get("E2E_LEASE_SECONDS", "10"))
CLUSTER_TOML = os.environ.get("E2E_CLUSTER_TOML", "")
RENEW_SECONDS = LEASE_SECONDS / 4  # the owner renews every ttl/4 (the shared plan)
PG_ENV = "TOPICDESK_PG"


def now_ms():
    """Unix ms, the clock tgsim's call log and message dates use."""
    return time.time() * 1000.0


class Instance(Desk):
    """One `topicdesk run` of the cluster: the shared configuration with its own listen port,
    storage on PostgreSQL (env:TOPICDESK_PG). Restartable, pausable."""

    def __init__(self, workdir, sim, connections, index, pg_uri, extra_toml=""):
        self.index, self.pg_uri, self.paused = index, pg_uri, False
        super().__init__(workdir, sim, connections, extra_toml, env={PG_ENV: pg_uri}, start=False,
                         name=f"desk{index}")

    def _config(self, connections, extra_toml):
        config = super()._config(connections, extra_toml)
        return re.sub(r'(?m)^sqlite = .*$', f'postgres = "env:{PG_ENV}"', config)

    @property
    def pid(self):
        return self.process.proc.pid

    def launch(self):
        """Starts the process without waiting (start several at once, then wait_answering)."""
        self.paused = False
        self.process = Process([harness.TOPICDESK, "run", "--config", self.config_path],
                               os.path.join(self.workdir, f"{self.name}.log"), self.env)

    def answering(self):
        """/healthz answers 200 (its connections may still be connecting, or owned elsewhere)."""
        if not self.process.alive():
            raise AssertionError(f"{self.name} exited:\n" + self.process.output()[-4000:])
        return self.health(timeout=1)[0] == 200

    def start(self, timeout=DEFAULT_TIMEOUT):
        self.launch()
        wait_until(self.answering, timeout, what=f"{self.name} /healthz")

    def health_json(self, timeout=1.0):
        """/healthz?format=json as a dict; None when it does not answer in time or is not JSON."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz?format=json", timeout=timeout) as r:
                body = r.read()
        except urllib.error.HTTPError as err:
            body = err.read()
        except OSError:
            return None
        try:
            answer = json.loads(body)
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    def owned(self, timeout=1.0):
        """The connection names this instance owns (/healthz `owned`); None when it does not say
        (not answering, or a desk without several-instance support)."""
        answer = self.health_json(timeout)
        owned = answer.get("owned") if answer else None
        return sorted(owned) if isinstance(owned, list) else None

    def connection_states(self, timeout=1.0):
        """{connection: state} from /healthz (`connections`: "connecting", "ready", …); {} when it
        does not answer."""
        answer = self.health_json(timeout)
        states = answer.get("connections") if answer else None
        return states if isinstance(states, dict) else {}

    def runs_what_it_owns(self):
        """Every connection this instance owns is ready here (None: it does not say what it owns)."""
        answer = self.health_json()
        if not answer or not isinstance(answer.get("owned"), list):
            return None
        states = answer.get("connections") or {}
        return all(states.get(name) == "ready" for name in answer["owned"])

    def reset_api_key(self, connection):
        done = subprocess.run([harness.TOPICDESK, "apikey", "reset", "--config", self.config_path,
                               "--connection", connection], capture_output=True, text=True, timeout=60,
                              env={**os.environ, **self.env})
        if done.returncode != 0:
            raise AssertionError(f"apikey reset failed: {done.stderr}")
        return done.stdout.strip()

    def kill(self):
        if self.paused:
            self.resume()
        super().kill()

    def pause(self):
        os.kill(self.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self):
        os.kill(self.pid, signal.SIGCONT)
        self.paused = False

    def stop(self):
        if self.process and self.paused and self.process.alive():
            self.resume()
        return super().stop()


class Balancer:
    """HAProxy in front of the instances' HTTP: round-robin, /healthz checks, redispatch."""

    def __init__(self, workdir, backend_ports, port=None, check_interval_ms=200):
        self.workdir = workdir
        self.port = port or free_port()
        self.stats_port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.config_path = os.path.join(workdir, "haproxy.cfg")
        servers = "\n".join(f"    server desk{k} 127.0.0.1:{p} check" for k, p in enumerate(backend_ports))
        # connect 200 ms (also the pause before a retry): a killed instance refuses at once and the
        # request goes to another (retries 3 + redispatch); a paused one accepts but never answers:
        # its check times out (timeout check) and it is taken out after `fall 2` checks. Server
        # answers may take up to 10 s (the programs' long polls through the proxy wait 2 s).
        with open(self.config_path, "w") as f:
            f.write(f"""global
    maxconn 4096

defaults
    mode http
    timeout connect 200ms
    timeout client 30s
    timeout server 10s
    timeout check 500ms
    timeout http-request 10s
    retries 3
    option redispatch 1

frontend desks
    bind 127.0.0.1:{self.port}
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter {check_interval_ms}ms fastinter {check_interval_ms}ms downinter {check_interval_ms}ms fall 2 rise 1
{servers}

frontend stats
    bind 127.0.0.1:{self.stats_port}
    stats enable
    stats uri /stats
""")
        self.process = Process([HAPROXY, "-f", self.config_path, "-db"], os.path.join(workdir, "haproxy.log"))
        wait_until(lambda: self.servers() is not None or not self.process.alive(), what="haproxy to listen")
        if not self.process.alive():
            raise AssertionError("haproxy exited:\n" + self.process.output()[-3000:])

    def servers(self):
        """{server name: status ("UP", "DOWN", "no check"…)} from HAProxy's statistics; None when
        it does not answer."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/stats;csv", timeout=2) as r:
                lines = r.read().decode().splitlines()
        except OSError:
            return None
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
        return {row["svname"]: row["status"] for row in rows
                if row.get("pxname") == "instances" and row["svname"] not in ("FRONTEND", "BACKEND")}

    def wait_up(self, names, timeout=DEFAULT_TIMEOUT):
        wait_until(lambda: all((self.servers() or {}).get(n, "").startswith("UP") for n in names), timeout,
                   f"haproxy to see {names} up")

    # The Topics API through the balancer (any instance forwards to the owner).
    def topic_action(self, key, body):
        status, answer = http_json("POST", f"{self.base}/api/v1/topic_action", body, {"X-API-KEY": key})
        if status != 200 or not isinstance(answer, dict) or not answer.get("ok"):
            raise AssertionError(f"topic_action through haproxy {body} -> {status} {answer}")
        return answer["result"]

    dialogs = Desk.dialogs

    def stop(self):
        self.process.stop()


def tgsim_client_ports(pid, tgsim_port):
    """The local ports of the TCP connections process `pid` has open to tgsim's port."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return set()
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[9] in inodes and int(fields[2].rsplit(":", 1)[1], 16) == tgsim_port:
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            continue
    return ports


class Watch:
    """Samples until stopped: each instance's /healthz `owned` list (every `interval` s), the
    local ports of its connections to tgsim (every 20 ms), and (with a database URI) the lease
    rows (every 200 ms).

    owned_samples: [(sent_ms, index, owned list or None)]; lease_samples: [(sent_ms, {connection:
    (owner, generation)})]; port_owner: {client port: {instance index}}."""

    def __init__(self, instances, tgsim_port, pg_uri=None, interval=0.05):
        self.instances, self.tgsim_port, self.pg_uri, self.interval = instances, tgsim_port, pg_uri, interval
        self.owned_samples, self.lease_samples, self.port_owner = [], [], {}
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self._instance, args=(i,), daemon=True) for i in instances]
        self.threads += [threading.Thread(target=self._ports, args=(i,), daemon=True) for i in instances]
        if pg_uri:
            self.threads.append(threading.Thread(target=self._leases, daemon=True))
        for t in self.threads:
            t.start()

    def _instance(self, instance):
        while not self.stop_event.is_set():
            if instance.process and instance.process.alive() and not instance.paused:
                sent = now_ms()
                owned = instance.owned(timeout=0.5)
                with self.lock:
                    self.owned_samples.append((sent, instance.index, owned))
            self.stop_event.wait(self.interval)  # the sampling rate, not synchronisation

    def _ports(self, instance):
        # Every 20 ms: the desk keeps its connections to Telegram alive, but a burst beyond its
        # pool's idle connections uses some for one call (with tgsim's latency, 50 ms or more).
        while not self.stop_event.is_set():
            if instance.process and instance.process.alive():
                for port in tgsim_client_ports(instance.pid, self.tgsim_port):
                    with self.lock:
                        self.port_owner.setdefault(port, set()).add(instance.index)
            self.stop_event.wait(0.02)  # the sampling rate, not synchronisation

    def _leases(self):
        while not self.stop_event.is_set():
            sent = now_ms()
            try:
                rows = psql(self.pg_uri, "SELECT connection, owner, generation FROM connection_leases")
            except AssertionError:  # no such table (yet): the desk has no leases
                rows = None
            if rows is not None:
                leases = {}
                for line in rows.splitlines():
                    connection, owner, generation = line.split("|")
                    leases[connection] = (owner, int(generation))
                with self.lock:
                    self.lease_samples.append((sent, leases))
            self.stop_event.wait(0.2)  # the sampling rate, not synchronisation

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(5)

    def owners(self):
        """{connection: [instance indexes]} from each instance's newest sample."""
        newest = {}
        with self.lock:
            for _, index, owned in self.owned_samples:
                newest[index] = owned
        result = {}
        for index, owned in newest.items():
            for name in owned or []:
                result.setdefault(name, []).append(index)
        return result

    def first_owned_after(self, connection, since_ms, among):
        """When an instance of `among` first said it owns `connection` after since_ms (sample
        time, ms), and which; (None, None) if none did."""
        with self.lock:
            for sent, index, owned in self.owned_samples:
                if sent >= since_ms and index in among and owned and connection in owned:
                    return sent, index
        return None, None

    def instance_of_port(self, port):
        """The one instance that had this client port open to tgsim; None if none or several."""
        with self.lock:
            seen = self.port_owner.get(port, set())
        return next(iter(seen)) if len(seen) == 1 else None


def calls(sim, after=0, bot_id=None):
    """Every answered Bot API call tgsim logged after call id `after` (GET /sim/calls, paged)."""
    result = []
    while True:
        query = f"after={after}&limit=10000" + (f"&bot_id={bot_id}" if bot_id else "")
        page = sim.call("GET", f"/sim/calls?{query}")["calls"]
        result += page
        if len(page) < 10000:
            return result
        after = page[-1]["id"]


def in_flight_at(sim, instance, act):
    """Runs act() (a SIGKILL or SIGSTOP of `instance`) and returns what may be repeated because
    of it: the messages of tgsim's calls open just before or still open after (a union by call id;
    every instance's, so an upper bound), and the instance's own gauge of calls sent and not yet
    committed, read just before (it also holds calls tgsim has answered). The bound is their sum:
    the two lists overlap, but their union has no ids to count it by."""
    before = sim.in_flight()
    try:
        gauge = instance.metric("topicdesk_dispatcher_in_flight") or 0
    except OSError:
        gauge = 0
    at = now_ms()
    act()
    after = sim.in_flight()
    union = {**before, **after}
    messages = sum(call["messages"] for call in union.values())
    return {"at_ms": at, "tgsim_messages": messages, "desk_gauge": int(gauge), "bound": messages + int(gauge)}


class Program:
    """The grammY bot (tests/e2e/proxy_bot/bot.js) of a proxy-mode connection, its API root the
    balancer; it logs every update it gets."""

    def __init__(self, workdir, name, token, api_root):
        self.process = Process([NODE, BOT_JS, token, api_root, "--log-updates"],
                               os.path.join(workdir, f"program-{name}.log"))
        wait_until(lambda: "polling" in self.process.output() or not self.process.alive(), what=f"program {name}")
        if not self.process.alive():
            raise AssertionError(f"program {name} exited:\n{self.process.output()}")

    def updates(self):
        """The updates it got, in the order it got them: [{update_id, from, text}]."""
        return [json.loads(line[len("update "):]) for line in self.process.output().splitlines()
                if line.startswith("update {")]

    def stop(self):
        self.process.stop()


def first_occurrences(texts, wanted):
    """The texts of `wanted` in the order they first appear in `texts` (repeats dropped)."""
    seen, order = set(), []
    for text in texts:
        if text in wanted and text not in seen:
            seen.add(text)
            order.append(text)
    return order


def order_problems(front, traffic):
    """Per user: their messages in their dialog's topic, and the operators' answers at them, in
    the order sent (first occurrences; what is missing is the ledger's to report)."""
    problems = []
    sent_by_users, sent_by_operators = {}, {}
    for c, user, text in traffic.sent_by_users:
        sent_by_users.setdefault((c.name, user), []).append(text)
    for c, user, text, _, _ in traffic.sent_by_operators:
        sent_by_operators.setdefault((c.name, user), []).append(text)
    for c in traffic.connections:
        w = c.world
        threads = {entry["user"].get("user_id"): entry["dialog"].get("thread_id") for entry in front.dialogs(c.key)}
        group = w.group_messages()
        for user in c.users:
            texts = sent_by_users.get((c.name, user), [])
            topic = [m.get("text") for m in group if m.get("message_thread_id") == threads.get(user)
                     and m.get("from", {}).get("id") == w.bot_id]
            arrived = first_occurrences(topic, set(texts))
            if arrived != [t for t in texts if t in arrived]:
                problems.append((c.name, user, "topic order", arrived))
            answers = sent_by_operators.get((c.name, user), [])
            if answers:
                at_user = [m.get("text") for m in w.user_messages(user) if m.get("from", {}).get("id") == w.bot_id]
                got = first_occurrences(at_user, set(answers))
                if got != [t for t in answers if t in got]:
                    problems.append((c.name, user, "answer order", got))
    return problems


def program_problems(program, sent_texts):
    """What a proxy program saw wrong: update ids not strictly growing, a user message missing or
    seen twice."""
    updates = program.updates()
    problems = []
    ids = [u["update_id"] for u in updates]
    if any(b <= a for a, b in zip(ids, ids[1:])):
        problems.append(f"update ids not in Telegram's order: {ids[:40]}")
    texts = [u["text"] for u in updates if u.get("text")]
    for text in sent_texts:
        if texts.count(text) != 1:
            problems.append(f"{text!r} seen {texts.count(text)} times")
    return problems


class ClusterTestCase(DeskTestCase):
    """A fresh database and tgsim per test; start_cluster() writes the configurations, makes the
    Topics API keys, starts the instances and HAProxy in front of them."""

    def setUp(self):
        if not ADMIN_URI:
            self.skipTest("TOPICDESK_TEST_PG is not set (no PostgreSQL test server)")
        if not HAPROXY:
            self.skipTest("haproxy is not installed (apt-get install haproxy; ./scripts/test installs it)")
        super().setUp()
        self.pg_uri = fresh_database(self, f"e2e_{os.getpid()}_{self._testMethodName}")
        self.instances, self.programs, self.balancer, self.watch = [], [], None, None

    def tearDown(self):
        if self.watch:
            self.watch.stop()
        for program in self.programs:
            program.stop()
        if self.balancer:
            self.balancer.stop()
        failed = any(err for test, err in (self._outcome.result.errors + self._outcome.result.failures)
                     if test is self) if hasattr(self._outcome, "result") else False
        super().tearDown()  # stops the instances (self.desks) and tgsim
        if failed:
            for name in [f"desk{i.index}.log" for i in self.instances] + ["haproxy.log"] + \
                        [f"program-{n}.log" for n in getattr(self, "program_names", [])]:
                path = os.path.join(self.workdir, name)
                if os.path.exists(path):
                    with open(path, errors="replace") as f:
                        print(f"----- {name} (last 40 lines) -----")
                        print("".join(f.readlines()[-40:]))

    def make_instances(self, connections, count, extra_toml=""):
        toml = extra_toml + ("\n" + CLUSTER_TOML + "\n" if CLUSTER_TOML else "")
        for k in range(count):
            instance = Instance(self.workdir, self.sim, connections, k, self.pg_uri, toml)
            self.instances.append(instance)
            self.desks.append(instance)
        return self.instances

    def start_instances(self, instances, timeout=60):
        for instance in instances:
            instance.launch()
        for instance in instances:
            wait_until(instance.answering, timeout, what=f"{instance.name} /healthz")

    def start_balancer(self):
        self.balancer = Balancer(self.workdir, [i.port for i in self.instances])
        return self.balancer

    def start_watch(self):
        self.watch = Watch(self.instances, int(self.sim.base.rsplit(":", 1)[1]), self.pg_uri)
        return self.watch

    def start_program(self, name, token):
        program = Program(self.workdir, name, token, self.balancer.base)
        self.programs.append(program)
        self.program_names = getattr(self, "program_names", []) + [name]
        return program
