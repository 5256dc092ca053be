"""End-to-end harness: real tgsim and topicdesk processes on loopback.

Tests act as end users and operators through tgsim's control API (/sim/...) and check what
each side sees. Every wait is a condition polled until a deadline, never a fixed sleep.
"""
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

TGSIM = os.environ.get("TGSIM_BIN", "build/tgsim")
TOPICDESK = os.environ.get("TOPICDESK_BIN", "build/topicdesk")
DEFAULT_TIMEOUT = float(os.environ.get("E2E_TIMEOUT", "20"))
# Bot API methods that create messages (what tgsim's flood limits count).
MESSAGE_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendVoice", "sendAudio", "sendSticker",
                   "sendAnimation", "sendVideoNote", "sendLocation", "sendVenue", "sendContact", "sendPoll",
                   "sendDice", "sendMediaGroup", "copyMessage", "copyMessages", "forwardMessage",
                   "forwardMessages", "createForumTopic"}


def wait_until(predicate, timeout=DEFAULT_TIMEOUT, what="condition", interval=0.02):
    """Polls predicate() until it returns a truthy value; fails the test after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)  # polling interval of a deadline wait, not synchronisation
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


def http_json(method, url, body=None, headers=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw)
        except ValueError:
            return err.code, raw.decode(errors="replace")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A child process whose output goes to a log file in the test's work dir."""

    def __init__(self, args, log_path, env=None):
        self.args, self.log_path = args, log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})})

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class Sim:
    """tgsim: start, read its port, and speak its control API."""

    def __init__(self, workdir, limits=False, extra=()):
        self.process = Process([TGSIM, "--listen", "127.0.0.1:0", "--limits", "on" if limits else "off", *extra],
                               os.path.join(workdir, "tgsim.log"))
        match = wait_until(lambda: re.search(r"tgsim listening on 127\.0\.0\.1:(\d+)", self.process.output()),
                           what="tgsim to listen")
        self.base = f"http://127.0.0.1:{match.group(1)}"

    def call(self, method, path, body=None):
        status, answer = http_json(method, self.base + path, body)
        if status != 200:
            raise AssertionError(f"tgsim {method} {path} -> {status} {answer}")
        return answer

    def bot_api(self, token, method, params=None):
        return http_json("POST", f"{self.base}/bot{token}/{method}", params or {})[1]

    def user(self, first_name, **fields):
        return self.call("POST", "/sim/users", {"first_name": first_name, **fields})["id"]

    def bot(self, username):
        answer = self.call("POST", "/sim/bots", {"username": username, "first_name": username})
        return answer["id"], answer["token"]

    def forum(self, title, owner_id):
        return self.call("POST", "/sim/groups", {"title": title, "is_forum": True, "owner_id": owner_id})["id"]

    def member(self, group_id, user_id, status="member", **rights):
        body = {"user_id": user_id, "status": status}
        if rights:
            body["rights"] = rights
        self.call("POST", f"/sim/groups/{group_id}/members", body)

    def send(self, sender, chat_id, **fields):
        return self.call("POST", "/sim/messages", {"from": sender, "chat_id": chat_id, **fields})["message_id"]

    def edit(self, sender, chat_id, message_id, **fields):
        self.call("POST", "/sim/messages/edit", {"from": sender, "chat_id": chat_id, "message_id": message_id, **fields})

    def react(self, sender, chat_id, message_id, emoji):
        self.call("POST", "/sim/reactions", {"from": sender, "chat_id": chat_id, "message_id": message_id, "emoji": emoji})

    def block(self, user_id, bot_id):
        self.call("POST", "/sim/block", {"user_id": user_id, "bot_id": bot_id})

    def delete_topic(self, chat_id, thread_id):
        self.call("POST", "/sim/topics/delete", {"chat_id": chat_id, "message_thread_id": thread_id})

    def messages(self, chat_id, as_user, thread=None):
        path = f"/sim/chats/{chat_id}/messages?as={as_user}" + (f"&thread={thread}" if thread else "")
        return self.call("GET", path)["messages"]

    def topics(self, group_id):
        return self.call("GET", f"/sim/groups/{group_id}/topics")["topics"]

    def fault(self, **spec):
        self.call("POST", "/sim/faults", spec)

    def in_flight(self):
        """Bot API calls tgsim received and has not answered yet: {id: call} (getUpdates included)."""
        return {call["id"]: call for call in self.stats()["in_flight"]}

    def message_calls(self):
        """Answered Bot API calls of the methods that create messages, over all bots (429s included)."""
        return sum(counters["requests"] for bot in self.stats()["bots"].values()
                   for method, counters in bot["methods"].items() if method in MESSAGE_METHODS)

    def stats(self):
        return self.call("GET", "/sim/stats")

    def stop(self):
        self.process.stop()


class Desk:
    """topicdesk run --config, restartable on the same data directory."""

    def __init__(self, workdir, sim, connections, extra_toml="", port=None, config_text=None, env=None,
                 db_path=None, start=True, name="topicdesk"):
        """Writes a config for `connections` (or takes `config_text` as is) and starts the desk
        (with `env` added to its environment). `db_path` puts the database elsewhere than the
        work dir; `start=False` leaves it to the caller (e.g. to make API keys first); `name`
        names the config and log files, so a second desk can share the work dir."""
        self.workdir, self.sim, self.env, self.name = workdir, sim, env, name
        self.db_path = db_path or os.path.join(workdir, "desk.db")
        self.port = port or free_port()
        self.config_path = os.path.join(workdir, f"{name}.toml")
        with open(self.config_path, "w") as f:
            f.write(config_text if config_text is not None else self._config(connections, extra_toml))
        self.process = None
        if start:
            self.start()

    def _config(self, connections, extra_toml):
        lines = [
            "[server]", f'listen = "127.0.0.1:{self.port}"', "",
            "[storage]", f'sqlite = "{self.db_path}"', "",
            "[telegram]", f'api_base = "{self.sim.base}"', "",
        ]
        for conn in connections:
            lines += ["[[connection]]", f'name = "{conn["name"]}"', f'token = "{conn["token"]}"',
                      f'group_id = {conn["group_id"]}']
            if conn.get("mode"):
                lines.append(f'mode = "{conn["mode"]}"')
            params = conn.get("parameters", {})
            if params:
                lines.append("[connection.parameters]")
                for key, value in params.items():
                    lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
            lines.append("")
        return "\n".join(lines) + extra_toml

    def start(self, timeout=DEFAULT_TIMEOUT):
        self.process = Process([TOPICDESK, "run", "--config", self.config_path],
                               os.path.join(self.workdir, f"{self.name}.log"), self.env)
        wait_until(self.healthy, timeout, what="topicdesk /healthz")

    def healthy(self):
        if not self.process.alive():
            raise AssertionError("topicdesk exited:\n" + self.process.output()[-4000:])
        # The server answers while the connections connect ("starting"): wait for them.
        status, body, _ = self.health(timeout=1)
        return status == 200 and not body.startswith("starting")

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as resp:
            return resp.read().decode()

    def metric(self, name):
        """The sum of a metric's samples (all label sets); None when the desk does not show it."""
        values = [float(line.rsplit(" ", 1)[1]) for line in self.metrics().splitlines()
                  if line.startswith(name) and line[len(name):len(name) + 1] in (" ", "{")]
        return sum(values) if values else None

    def health(self, timeout=5):
        """(status, body, seconds) of GET /healthz; status None when it did not answer in time."""
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=timeout) as resp:
                return resp.status, resp.read().decode(errors="replace"), time.monotonic() - started
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace"), time.monotonic() - started
        except OSError as err:
            return None, str(err), time.monotonic() - started

    def reset_api_key(self, connection):
        """A new Topics API key for `connection` (`topicdesk apikey reset`)."""
        done = subprocess.run([TOPICDESK, "apikey", "reset", "--config", self.config_path, "--connection", connection],
                              capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise AssertionError(f"apikey reset failed: {done.stderr}")
        return done.stdout.strip()

    def topic_action(self, key, body):
        """POST /api/v1/topic_action with the key; the answer's `result`, or an AssertionError."""
        status, answer = http_json("POST", f"http://127.0.0.1:{self.port}/api/v1/topic_action", body,
                                   {"X-API-KEY": key})
        if status != 200 or not isinstance(answer, dict) or not answer.get("ok"):
            raise AssertionError(f"topic_action {body} -> {status} {answer}")
        return answer["result"]

    def dialogs(self, key):
        """Every dialog of the key's connection (list_dialogs, all pages)."""
        dialogs, after = [], 0
        while True:
            result = self.topic_action(key, {"action": "list_dialogs", "limit": 100, "after": after})
            dialogs += result["dialogs"]
            if not result["dialogs"] or not result.get("next_after"):
                return dialogs
            after = result["next_after"]

    def kill(self):
        self.process.stop(signal.SIGKILL)

    def stop(self):
        return self.process.stop() if self.process else None


class World:
    """A bot, its forum backend group with the bot as admin, one operator, and helpers."""

    def __init__(self, sim, name="shop", group=None):
        self.sim = sim
        self.bot_id, self.token = sim.bot(f"{name}_bot")
        self.operator = getattr(group, "operator", None) or sim.user("Olga", last_name="Operator",
                                                                      username=f"olga_{name}")
        self.group_id = group.group_id if group else sim.forum(f"{name} support", self.operator)
        sim.member(self.group_id, self.bot_id, "administrator", can_manage_topics=True,
                   can_delete_messages=True, can_pin_messages=True)

    def connection(self, name="shop", mode=None, **parameters):
        """A [[connection]] of this bot and group; `mode` "proxy", "mtproto"… (None: a bot)."""
        return {"name": name, "token": self.token, "group_id": self.group_id, "mode": mode,
                "parameters": parameters}

    def topic_of(self, user_id):
        """The topic whose name carries #<user_id>."""
        for topic in self.sim.topics(self.group_id):
            if f"#{user_id}" in topic["name"]:
                return topic
        return None

    def wait_topic(self, user_id, timeout=DEFAULT_TIMEOUT):
        return wait_until(lambda: self.topic_of(user_id), timeout, f"a topic for user {user_id}")

    def group_messages(self, thread=None):
        return self.sim.messages(self.group_id, self.operator, thread)

    def user_messages(self, user_id):
        return self.sim.messages(self.bot_id, user_id)

    # The operator's side of General.

    def general_messages(self):
        return [m for m in self.group_messages() if not m.get("is_topic_message")]

    def say(self, text, reply_to=None, thread=None, **fields):
        """The operator writes in General (or in a topic's thread); returns the message id."""
        fields = {"text": text, **fields}
        if reply_to:
            fields["reply_to_message_id"] = reply_to
        if thread:
            fields["message_thread_id"] = thread
        return self.sim.send(self.operator, self.group_id, **fields)

    def answer_after(self, message_id, fragment, timeout=DEFAULT_TIMEOUT):
        """The desk's message in General after `message_id` that contains `fragment`."""
        def found():
            return next((m for m in self.general_messages()
                         if m["message_id"] > message_id and m.get("from", {}).get("id") == self.bot_id
                         and fragment in (m.get("text") or m.get("caption") or "")), None)
        return wait_until(found, timeout, f"an answer in General with {fragment!r}")

    def bot_texts_in_topic(self, user_id):
        """The texts the bot posted in the user's topic, oldest first."""
        topic = self.topic_of(user_id)
        return [m.get("text") for m in self.group_messages(topic["message_thread_id"])
                if m.get("from", {}).get("id") == self.bot_id]

    def bot_texts_at_user(self, user_id):
        """The texts the bot sent the user, oldest first."""
        return [m.get("text") for m in self.user_messages(user_id) if m.get("from", {}).get("id") == self.bot_id]

    @contextlib.contextmanager
    def user_keeps_writing(self, user_id, prefix, most):
        """The user writes numbered lines ("<prefix> 0", "<prefix> 1", …) to the bot, at most `most`,
        while the block runs (entered once five are out); yields the list of texts sent so far."""
        stop, sent = threading.Event(), []

        def keep_writing():
            while not stop.is_set() and len(sent) < most:
                text = f"{prefix} {len(sent)}"
                self.sim.send(user_id, self.bot_id, text=text)
                sent.append(text)
        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            wait_until(lambda: len(sent) >= 5, what="the user writing")
            yield sent
        finally:
            stop.set()
            writer.join()

    def desk_polling(self):
        """The desk's long poll is parked again: every update it handled is confirmed to Telegram."""
        return any(call.get("method") == "getUpdates" for call in self.sim.in_flight().values())

    def wait_in_topic(self, user_id, predicate, what="a message in the topic", timeout=DEFAULT_TIMEOUT):
        def found():
            topic = self.topic_of(user_id)
            if not topic:
                return None
            return next((m for m in self.group_messages(topic["message_thread_id"]) if predicate(m)), None)
        return wait_until(found, timeout, what)

    def wait_at_user(self, user_id, predicate, what="a message at the user", timeout=DEFAULT_TIMEOUT):
        return wait_until(lambda: next((m for m in self.user_messages(user_id)
                                        if m.get("from", {}).get("id") == self.bot_id and predicate(m)), None),
                          timeout, what)


def text_is(expected):
    return lambda m: (m.get("text") or m.get("caption")) == expected


def text_has(fragment):
    return lambda m: fragment in (m.get("text") or m.get("caption") or "")


class DeskTestCase(unittest.TestCase):
    """Starts a fresh simulator per test; subclasses start desks with start_desk()."""
    limits = False
    sim_args = ()  # more tgsim options, e.g. ("--group-per-minute", "600")

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix=f"e2e-{self._testMethodName}-")
        self.sim = Sim(self.workdir, limits=self.limits, extra=self.sim_args)
        self.desks = []

    def tearDown(self):
        failed = any(err for _, err in (self._outcome.result.errors + self._outcome.result.failures)
                     if _ is self) if hasattr(self._outcome, "result") else False
        for desk in self.desks:
            desk.stop()
        self.sim.stop()
        if failed:
            for name in ("topicdesk.log", "tgsim.log"):
                path = os.path.join(self.workdir, name)
                if os.path.exists(path):
                    with open(path, errors="replace") as f:
                        print(f"----- {name} (last 60 lines) -----")
                        print("".join(f.readlines()[-60:]))

    def start_desk(self, connections, extra_toml="", **options):
        desk = Desk(self.workdir, self.sim, connections, extra_toml, **options)
        self.desks.append(desk)
        return desk


# Sleeps 2 ms at a time on one CPU and prints when a sleep ended more than 20 ms late: the
# machine did not run it (another VM's turn, the host's CPU quota), whatever the desk did.
STALL_WATCHER = """
import os, sys, time
os.sched_setaffinity(0, {int(sys.argv[1])})
while True:
    before = time.monotonic()
    time.sleep(0.002)  # the watcher's polling tick: it measures lateness, it waits for nothing
    late = time.monotonic() - before - 0.002
    if late > 0.02:
        print(f"{before:.4f} {before + 0.002 + late:.4f}", flush=True)
"""


class MachineStalls:
    """Watches, on every CPU, for moments the machine ran nothing (shared CI machines and VMs
    stop all their processes for ~100 ms now and then). A latency bound is about the desk: the
    part of a probe that the machine spent stalled is the machine's, measured here, not guessed.
    Times are time.monotonic() (CLOCK_MONOTONIC, the same in every process)."""

    def __init__(self):
        cpus = sorted(os.sched_getaffinity(0))
        self.watchers = [subprocess.Popen([sys.executable, "-c", STALL_WATCHER, str(cpu)], stdout=subprocess.PIPE,
                                          text=True) for cpu in cpus]
        self.stalls = []

    def stop(self):
        """Ends the watchers (once; later calls return the same); the stalls they saw, merged:
        [(start, end)]."""
        if self.watchers is None:
            return self.stalls
        seen = []
        for w in self.watchers:
            w.kill()
            out, _ = w.communicate()
            seen += [tuple(float(x) for x in line.split()) for line in out.splitlines() if line.strip()]
        merged = []
        for start, end in sorted(seen):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self.stalls = merged
        self.watchers = None
        return merged

    def overlap(self, start, end):
        """Seconds of [start, end] during which the machine was stalled."""
        return sum(max(0.0, min(end, b) - max(start, a)) for a, b in self.stalls)
