"""SIGKILLs of the desk at random points while 25 connections work at Telegram's real latency.

Nothing is lost either way, every topic the desk does not know is empty or carries its notice,
every dialog topic has its user card, and what arrives twice is no more than the calls that
were in flight at the kills (the Bot API has no idempotency key)."""
import random
import time
import unittest

from faults_traffic import Connection, Ledger, Traffic, wait_quiet
from harness import MESSAGE_METHODS, DeskTestCase, World, wait_until


class SigkillAtLatencyTest(DeskTestCase):
    limits = True  # tgsim's flood limits on
    CONNECTIONS = 25  # bots, each with its own backend group
    USERS_PER_CONNECTION = 2
    ROUNDS = 5  # messages per user
    ARRIVALS = 3  # users arrive in three waves, so new topics start during the run
    ANSWERS = 4  # operator answers per user
    PACE = 4.0  # seconds between a user's messages and between answers to one user
    LATENCY_MS = 400  # every Bot API answer
    KILLS = 5
    SEED = 20261206

    def setUp(self):
        super().setUp()
        self.connections = []
        for k in range(self.CONNECTIONS):
            world = World(self.sim, name=f"c{k}")
            users = [self.sim.user(f"User{k}x{j}", username=f"user_{k}_{j}") for j in range(self.USERS_PER_CONNECTION)]
            self.connections.append(Connection(f"c{k}", world, users))

    def _kill(self, desk):
        """SIGKILL, with what was in flight: tgsim's calls open just before or still open after
        the kill (a union, by call id) and the desk's own gauge read just before."""
        before = self.sim.in_flight()
        gauge = desk.metric("topicdesk_dispatcher_in_flight")
        desk.kill()
        after = self.sim.in_flight()
        calls = {**before, **after}
        messages = sum(call["messages"] for call in calls.values())
        message_calls = sum(1 for call in calls.values() if call["messages"] > 0)
        return {"tgsim_message_calls": message_calls, "tgsim_messages": messages,
                "desk_gauge": int(gauge or 0), "bound": max(messages, int(gauge or 0))}

    def test_sigkills_at_400ms_latency_lose_nothing_and_repeat_only_calls_in_flight(self):
        started = time.monotonic()
        desk = self.start_desk([c.world.connection(c.name, COALESCE=False) for c in self.connections], start=False)
        for c in self.connections:
            c.key = desk.reset_api_key(c.name)
        self.sim.fault(latency_ms=self.LATENCY_MS)
        desk.start(timeout=90)

        users = self.CONNECTIONS * self.USERS_PER_CONNECTION
        expected_calls = users * (2 + self.ROUNDS + self.ANSWERS)  # topic, card, copies, answers
        rng = random.Random(self.SEED)
        points = [0] + sorted(rng.sample(range(30, int(expected_calls * 0.8)), self.KILLS - 1))
        traffic = Traffic(self.sim, self.connections, self.ROUNDS, self.ANSWERS, self.PACE, self.ARRIVALS).start()
        kills = []
        try:
            for k, point in enumerate(points):
                # At a seeded point of progress, while the desk has calls out; the first kill
                # lands while topics are being created (the first wave of users).
                wanted = {"createForumTopic"} if k == 0 else MESSAGE_METHODS
                wait_until(lambda: self.sim.message_calls() >= point and any(
                    call["method"] in wanted for call in self.sim.in_flight().values()), 120,
                    f"{point} message-creating calls at tgsim and one of {sorted(wanted)[:3]}… in flight")
                kill = self._kill(desk)
                kill["at_calls"] = self.sim.message_calls()
                restart = time.monotonic()
                desk.start(timeout=90)
                kill["restart_s"] = round(time.monotonic() - restart, 2)
                kills.append(kill)
                print(f"[sigkill] kill {len(kills)} at {point} calls: {kill}", flush=True)
            traffic.join(180)
        finally:
            traffic.cancel()
        quiet, waited, depth = wait_quiet(self.sim, desk, 120)
        ledger = Ledger(self.sim, desk, traffic).count()
        bound = sum(k["bound"] for k in kills)
        elapsed = time.monotonic() - started
        ledger.report("sigkill")
        print(f"[sigkill] {self.CONNECTIONS} connections, {users} users, latency {self.LATENCY_MS} ms, "
              f"{len(kills)} kills; quiet: {quiet} after {waited:.1f}s (outbox depth {depth}); "
              f"duplicates {ledger.duplicates} vs bound {bound} (calls in flight at the kills); "
              f"429s {self.sim.stats()['too_many_requests']}; run {elapsed:.0f}s", flush=True)

        self.assertTrue(desk.process.alive(), "the desk died")
        self.assertTrue(quiet, f"the desk still had work after 120 s (outbox depth {depth})")
        self.assertEqual(ledger.missing_dialogs, [], "users without a dialog topic")
        self.assertEqual(ledger.lost_user_messages, [], "user messages not in their dialog's topic")
        self.assertEqual(ledger.lost_operator_messages, [], "operator messages neither delivered nor noticed")
        self.assertEqual(ledger.unexplained_orphans, [], "topics the desk does not know, with messages and no notice")
        self.assertEqual(ledger.missing_cards, [], "dialog topics without their user card")
        self.assertLessEqual(ledger.duplicates, bound, "more repeats than calls in flight at the kills")


if __name__ == "__main__":
    unittest.main()
