"""Nothing is lost: kills at random points, 429s, 5xx and dropped connections."""
import random
import threading
import unittest

from harness import DeskTestCase, World, wait_until


class DurabilityTest(DeskTestCase):
    USERS = 4
    MESSAGES = 12

    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.users = [self.sim.user(f"User{i}", username=f"user_{i}") for i in range(self.USERS)]

    def _write_from_users(self):
        """Each user writes MESSAGES numbered lines, interleaved with the other users."""
        for n in range(self.MESSAGES):
            for i, user in enumerate(self.users):
                self.sim.send(user, self.world.bot_id, text=f"u{i} m{n}")

    def _answer_every_topic(self, answers):
        """Operators answer in each topic once it exists."""
        w = self.world
        threads = {}
        for i, user in enumerate(self.users):
            threads[i] = w.wait_topic(user, timeout=60)["message_thread_id"]
        for n in range(answers):
            for i in range(self.USERS):
                self.sim.send(w.operator, w.group_id, message_thread_id=threads[i], text=f"op{i} a{n}")

    def _kill_when_group_has(self, desk, count):
        """Kills the desk once the backend group holds `count` messages: random points of progress."""
        wait_until(lambda: len(self.world.group_messages()) >= count, 90, f"{count} messages in the group")
        desk.kill()
        desk.start()

    def _assert_all_delivered_in_order(self, seen, expected, kills):
        """Nothing lost, order kept. A call in flight at a SIGKILL may be repeated after the
        restart (the Bot API has no idempotency key): at most one repeat per kill, and only
        right after the original."""
        collapsed = [text for k, text in enumerate(seen) if k == 0 or seen[k - 1] != text]
        self.assertEqual(collapsed, expected)
        self.assertLessEqual(len(seen) - len(expected), kills, f"too many repeats: {seen}")

    def _assert_everything_delivered_in_order(self, answers, kills):
        w = self.world
        for i, user in enumerate(self.users):
            expected = [f"u{i} m{n}" for n in range(self.MESSAGES)]

            def copies():
                topic = w.topic_of(user)
                if not topic:
                    return None
                seen = [m.get("text") for m in w.group_messages(topic["message_thread_id"])
                        if m.get("from", {}).get("id") == w.bot_id and (m.get("text") or "").startswith(f"u{i} m")]
                return seen if expected[-1] in seen else None
            self._assert_all_delivered_in_order(wait_until(copies, 90, f"all messages of user {i} in the topic"),
                                                expected, kills)

            expected_answers = [f"op{i} a{n}" for n in range(answers)]

            def delivered():
                seen = [m.get("text") for m in w.user_messages(user)
                        if m.get("from", {}).get("id") == w.bot_id and (m.get("text") or "").startswith(f"op{i} ")]
                return seen if expected_answers[-1] in seen else None
            self._assert_all_delivered_in_order(wait_until(delivered, 90, f"all answers to user {i}"),
                                                expected_answers, kills)

    def test_sigkill_at_random_points_loses_nothing_and_keeps_order(self):
        desk = self.start_desk([self.world.connection(COALESCE=False)])  # one copy per message (docs/group-lane.md)
        writer = threading.Thread(target=self._write_from_users)
        writer.start()
        rng = random.Random(7)
        total = self.USERS * self.MESSAGES
        for point in sorted(rng.sample(range(2, total), 4)):
            self._kill_when_group_has(desk, point)
        writer.join()
        answerer = threading.Thread(target=self._answer_every_topic, args=(5,))
        answerer.start()
        for point in sorted(rng.sample(range(total + 2, total + 5 * self.USERS), 2)):
            self._kill_when_group_has(desk, point)
        answerer.join()
        self._assert_everything_delivered_in_order(5, kills=6)
        self.assertEqual(len(self.sim.topics(self.world.group_id)), self.USERS)


class FaultsTest(DeskTestCase):
    limits = True
    USERS = 3
    MESSAGES = 4

    def test_429s_5xx_and_dropped_connections_lose_nothing(self):
        world = World(self.sim)
        self.start_desk([world.connection(COALESCE=False)])  # one copy per message: queued texts are not merged (docs/group-lane.md)
        users = [self.sim.user(f"User{i}") for i in range(self.USERS)]
        self.sim.fault(method="copyMessage", error_code=429, description="Too Many Requests: retry after 1",
                       retry_after=1, count=3)
        self.sim.fault(method="createForumTopic", error_code=500, description="Internal Server Error", count=2)
        self.sim.fault(drop_connections=3)
        for n in range(self.MESSAGES):
            for i, user in enumerate(users):
                self.sim.send(user, world.bot_id, text=f"u{i} m{n}")
        for i, user in enumerate(users):
            expected = [f"u{i} m{n}" for n in range(self.MESSAGES)]

            def copies():
                topic = world.topic_of(user)
                if not topic:
                    return None
                seen = [m.get("text") for m in world.group_messages(topic["message_thread_id"])
                        if (m.get("text") or "").startswith(f"u{i} m")]
                return seen if expected[-1] in seen else None
            self.assertEqual(wait_until(copies, 90, f"user {i}'s messages"), expected)
        stats = self.sim.stats()
        self.assertGreaterEqual(stats["too_many_requests"], 3)  # the 429s really happened and were obeyed
        self.assertEqual(len(self.sim.topics(world.group_id)), self.USERS)


if __name__ == "__main__":
    unittest.main()
