"""Traffic and accounting for the fault tests (test_faults_*.py).

`Traffic` plays users who keep writing to their bots and operators who keep answering in the
topics they see, on threads, while a test breaks the desk. `Ledger` then reads what each side
got (through tgsim's control API, and the desk's Topics API for which topic belongs to which
dialog) and counts what was lost, what arrived twice, which topics the desk does not know and
whether they are explained, and which dialog topics lack their user card.
"""
import threading
import time

from harness import World

CARD_PREFIX = "📇"  # core::user_card: the card that heads a dialog's topic


class Connection:
    """A World (bot + backend group + operator), its users and its Topics API key."""

    def __init__(self, name, world, users, key=None):
        self.name, self.world, self.users, self.key = name, world, users, key


def start_connections(case, connections, users_per_connection, **desk_options):
    """A DeskTestCase's desk with `connections` connections (bots, each with its own backend
    group) and `users_per_connection` people who will write to each: ([Connection with its
    Topics API key], desk).

    Telegram takes 20 messages a minute into one group and the desk keeps to that; a test
    whose point is not flood control spreads its users so that their messages, topics, cards
    and title changes fit that budget, as a real desk's load is spread over its groups."""
    result = []
    for k in range(connections):
        name = f"shop{k}"
        world = World(case.sim, name=name)
        people = [case.sim.user(f"User{k}x{i}", username=f"user_{k}_{i}") for i in range(users_per_connection)]
        result.append(Connection(name, world, people))
    desk = case.start_desk([c.world.connection(c.name) for c in result], start=False, **desk_options)
    for c in result:
        c.key = desk.reset_api_key(c.name)
    desk.start()
    return result, desk


def outbox_figures(desk):
    """What the desk's outbox holds, from its metrics: depth, queues waiting for a flood slot,
    outcomes waiting for a commit (None each when the desk does not answer)."""
    try:
        return {name: desk.metric(f"topicdesk_{name}") for name in
                ("outbox_depth", "dispatcher_flood_deferred", "dispatcher_uncommitted")}
    except OSError:
        return {}


def user_text(user, n):
    return f"u{user} m{n}"


def operator_text(user, n):
    return f"op {user} a{n}"


class Traffic:
    """Users write `rounds` messages each, one round every `pace` seconds; operators answer each
    user `answers` times, at most one answer per user every `pace` seconds, in a topic that
    carries the user's id (rotating over several such topics when there are duplicates).
    With `arrivals` > 1 users come in waves: user number i writes first in round i % arrivals,
    so new dialogs (topics, cards) keep starting while the run goes on.

    `pace` is the load's rate, not synchronisation: nothing waits on it for a result."""

    def __init__(self, sim, connections, rounds, answers, pace, arrivals=1):
        self.sim, self.connections = sim, connections
        self.rounds, self.answers, self.pace, self.arrivals = rounds, answers, pace, arrivals
        self.stop = threading.Event()
        self.sent_by_users = []  # (connection, user, text)
        self.sent_by_operators = []  # (connection, user, text, thread, message_id)
        self.errors = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._guard, args=(self._users,), daemon=True),
                        threading.Thread(target=self._guard, args=(self._operators,), daemon=True)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self, timeout):
        """Waits for both sides to finish (raises if they did not within `timeout` or failed)."""
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        if any(t.is_alive() for t in self.threads):
            self.stop.set()
            raise AssertionError(f"traffic did not finish in {timeout}s: "
                                 f"{len(self.sent_by_users)} user and {len(self.sent_by_operators)} operator messages sent")
        if self.errors:
            raise self.errors[0]

    def done(self):
        return not any(t.is_alive() for t in self.threads)

    def cancel(self):
        self.stop.set()
        for t in self.threads:
            t.join(10)

    def _guard(self, body):
        try:
            body()
        except BaseException as error:  # reported by join()
            self.errors.append(error)

    def _users(self):
        first_round = {}
        for c in self.connections:
            for user in c.users:
                first_round[user] = len(first_round) % self.arrivals
        last = self.rounds + self.arrivals - 1
        for r in range(last):
            if self.stop.is_set():
                return
            for c in self.connections:
                for user in c.users:
                    n = r - first_round[user]
                    if not 0 <= n < self.rounds:
                        continue
                    text = user_text(user, n)
                    self.sim.send(user, c.world.bot_id, text=text)
                    with self.lock:
                        self.sent_by_users.append((c, user, text))
            if r + 1 < last:
                self.stop.wait(self.pace)

    def _operators(self):
        answered = {}
        next_at = {}
        total = sum(len(c.users) for c in self.connections) * self.answers
        while len(self.sent_by_operators) < total and not self.stop.is_set():
            for c in self.connections:
                topics = None
                for user in c.users:
                    n = answered.get(user, 0)
                    if n >= self.answers or time.monotonic() < next_at.get(user, 0):
                        continue
                    if topics is None:
                        topics = self.sim.topics(c.world.group_id)
                    mine = sorted(t["message_thread_id"] for t in topics if f"#{user}" in t["name"])
                    if not mine:
                        continue
                    thread = mine[n % len(mine)]
                    text = operator_text(user, n)
                    message_id = self.sim.send(c.world.operator, c.world.group_id, message_thread_id=thread, text=text)
                    with self.lock:
                        self.sent_by_operators.append((c, user, text, thread, message_id))
                    answered[user] = n + 1
                    next_at[user] = time.monotonic() + self.pace
            self.stop.wait(0.2)  # the operators' reading rate, not synchronisation


def text_of(message):
    return message.get("text") or message.get("caption") or ""


class Ledger:
    """What each side got, counted against what was sent."""

    def __init__(self, sim, desk, traffic):
        self.sim, self.desk, self.traffic = sim, desk, traffic
        self.lost_user_messages = []  # texts not in their dialog's topic
        self.lost_operator_messages = []  # neither delivered nor answered with a notice
        self.duplicate_copies = 0  # extra copies of user messages in the group
        self.duplicate_deliveries = 0  # extra deliveries of operator messages to users
        self.duplicate_cards = 0
        self.duplicate_topics = 0  # topics beyond one per user
        self.orphan_topics = []  # (connection, thread) the desk does not know
        self.unexplained_orphans = []  # of those, with messages but no notice of the desk
        self.missing_cards = []  # (connection, user, thread)
        self.missing_dialogs = []  # users who wrote but have no dialog topic

    @property
    def duplicates(self):
        return self.duplicate_copies + self.duplicate_deliveries + self.duplicate_cards + self.duplicate_topics

    def count(self):
        sent_by_users = {}
        for c, user, text in self.traffic.sent_by_users:
            sent_by_users.setdefault(c.name, {}).setdefault(user, []).append(text)
        sent_by_operators = {}
        for c, user, text, thread, message_id in self.traffic.sent_by_operators:
            sent_by_operators.setdefault(c.name, []).append((user, text, thread, message_id))
        for c in self.traffic.connections:
            self._count_connection(c, sent_by_users.get(c.name, {}), sent_by_operators.get(c.name, []))
        return self

    def _count_connection(self, c, sent_by_users, sent_by_operators):
        w = c.world
        dialog_thread = {}
        for entry in self.desk.dialogs(c.key):
            user_id, thread = entry["user"].get("user_id"), entry["dialog"].get("thread_id")
            if user_id and thread:
                dialog_thread[user_id] = thread
        group = [m for m in w.group_messages() if "forum_topic_created" not in m]
        by_thread = {}
        for m in group:
            by_thread.setdefault(m.get("message_thread_id"), []).append(m)
        from_bot = lambda m: m.get("from", {}).get("id") == w.bot_id  # noqa: E731
        user_texts = {text for texts in sent_by_users.values() for text in texts}

        # Users' messages: in the dialog's topic, and nowhere twice.
        for user, texts in sent_by_users.items():
            thread = dialog_thread.get(user)
            if thread is None:
                self.missing_dialogs.append((c.name, user))
            in_topic = [text_of(m) for m in by_thread.get(thread, []) if from_bot(m)]
            anywhere = [text_of(m) for m in group if from_bot(m)]
            for text in texts:
                if text not in in_topic:
                    self.lost_user_messages.append((c.name, text))
                self.duplicate_copies += max(0, anywhere.count(text) - 1)

        # Topics: one per user; cards in dialog topics; topics the desk does not know.
        topics = self.sim.topics(w.group_id)
        for user in sent_by_users:
            self.duplicate_topics += max(0, sum(1 for t in topics if f"#{user}" in t["name"]) - 1)
        for user, thread in dialog_thread.items():
            cards = [m for m in by_thread.get(thread, []) if from_bot(m) and text_of(m).startswith(CARD_PREFIX)]
            if not cards:
                self.missing_cards.append((c.name, user, thread))
            self.duplicate_cards += max(0, len(cards) - 1)
        known = set(dialog_thread.values())
        for topic in topics:
            thread = topic["message_thread_id"]
            if thread in known:
                continue
            self.orphan_topics.append((c.name, thread, topic["name"]))
            messages = by_thread.get(thread, [])
            if messages and not any(from_bot(m) and text_of(m) not in user_texts for m in messages):
                self.unexplained_orphans.append((c.name, thread, topic["name"], [text_of(m) for m in messages]))

        # Operators' messages: delivered to the user (in a dialog topic), or, in a topic the
        # desk does not know, delivered or answered by a notice of the desk after it.
        delivered = {}
        for user in {u for u, *_ in sent_by_operators}:
            for m in w.user_messages(user):
                if m.get("from", {}).get("id") == w.bot_id:
                    delivered.setdefault(user, []).append(text_of(m))
        for user, text, thread, message_id in sent_by_operators:
            times = delivered.get(user, []).count(text)
            self.duplicate_deliveries += max(0, times - 1)
            if times:
                continue
            noticed = thread not in known and any(
                from_bot(m) and m["message_id"] > message_id and text_of(m) not in user_texts
                and not text_of(m).startswith(CARD_PREFIX) for m in by_thread.get(thread, []))
            if not noticed:
                self.lost_operator_messages.append((c.name, text, thread))

    def report(self, title):
        t = self.traffic
        lines = [
            f"[{title}] sent: {len(t.sent_by_users)} by users, {len(t.sent_by_operators)} by operators",
            f"[{title}] lost: {len(self.lost_user_messages)} user messages, "
            f"{len(self.lost_operator_messages)} operator messages; dialogs missing: {len(self.missing_dialogs)}",
            f"[{title}] duplicates: {self.duplicates} (copies {self.duplicate_copies}, deliveries "
            f"{self.duplicate_deliveries}, cards {self.duplicate_cards}, topics {self.duplicate_topics})",
            f"[{title}] topics the desk does not know: {len(self.orphan_topics)}, unexplained "
            f"{len(self.unexplained_orphans)}; dialog topics without a card: {len(self.missing_cards)}",
        ]
        for name, items in (("lost user", self.lost_user_messages), ("lost operator", self.lost_operator_messages),
                            ("unexplained orphan", self.unexplained_orphans), ("missing card", self.missing_cards),
                            ("missing dialog", self.missing_dialogs)):
            if items:
                lines.append(f"[{title}]   {name}: {items[:8]}{' …' if len(items) > 8 else ''}")
        print("\n".join(lines), flush=True)


def wait_quiet(sim, desk, timeout, still=3.0):
    """Waits until the desk has nothing left to send: its outbox is empty, tgsim has no
    message-creating call in flight, and no such call was answered for `still` seconds.
    Returns (quiet, seconds waited, last outbox depth seen): at the deadline quiet is False,
    so that a test can still count and print what arrived before it fails."""
    started = time.monotonic()
    deadline = started + timeout
    last_count, last_change, depth = None, time.monotonic(), None
    while time.monotonic() < deadline:
        count = sim.message_calls()
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        busy = any(call["messages"] > 0 for call in sim.in_flight().values())
        try:
            depth = desk.metric("topicdesk_outbox_depth") if desk.process.alive() else None
        except OSError:
            depth = None  # the desk does not answer: not known to be quiet
        if not busy and depth == 0 and time.monotonic() - last_change >= still:
            return True, time.monotonic() - started, depth
        time.sleep(0.1)  # polling interval of a deadline wait
    return False, time.monotonic() - started, depth


def wait_recovered(desk, timeout=30):
    """Seconds until /healthz answers 200 again; None when the desk is gone or it did not in time."""
    started = time.monotonic()
    while desk.process.alive() and time.monotonic() - started < timeout:
        if desk.health()[0] == 200:
            return time.monotonic() - started
        time.sleep(0.05)  # polling interval of a deadline wait
    return None


def settle(sim, desk, traffic, timeout=60):
    """After a fault: (quiet, seconds waited, outbox depth, Ledger) once the desk has nothing left
    to send; the ledger is None when the desk is gone."""
    if not desk.process.alive():
        return False, 0, None, None
    quiet, waited, depth = wait_quiet(sim, desk, timeout)
    return quiet, waited, depth, Ledger(sim, desk, traffic).count()


def health_summary(health):
    """({status: count}, [bodies of 503 "degraded…" answers]) of (status, body, seconds) probes."""
    statuses = {}
    for status, _, _ in health:
        statuses[status] = statuses.get(status, 0) + 1
    degraded = [body for status, body, _ in health if status == 503 and body.startswith("degraded")]
    return statuses, degraded

