"""The flood guard: a wave of new users, and one user's burst, never take the whole group.

500 new users write twice within seconds. NEW_TOPICS_PER_MINUTE holds the topics beyond the cap
in the outbox, in order: no more topics than the cap appear in the first minute, every user ends
with exactly one topic holding both messages in the order they were written, and General is
told once. One chatty user writes more than USER_MESSAGES_PER_MINUTE: they are told once, the
topic says so once, and every message arrives, in order.

tgsim's limits are on, with the group's budget raised (--group-per-minute) so that the wave fits
in a test's minutes; the desk is told the same budget, so the pace measured is the guard's."""
import collections
import time

from harness import DeskTestCase, World, wait_until

GROUP_PER_MINUTE = 3000
USERS = 500
TOPICS_PER_MINUTE = 400  # NEW_TOPICS_PER_MINUTE: 400 topics at once, the last 100 a minute later
CHATTY_MESSAGES = 8
CHATTY_PER_MINUTE = 5  # USER_MESSAGES_PER_MINUTE: the last 3 messages wait a minute


class FloodGuardTest(DeskTestCase):
    limits = True
    sim_args = ("--group-per-minute", str(GROUP_PER_MINUTE))

    def test_a_wave_of_new_users_gets_topics_at_the_capped_pace_and_nothing_is_lost(self):
        world = World(self.sim)
        self.start_desk([world.connection(NEW_TOPICS_PER_MINUTE=str(TOPICS_PER_MINUTE),
                                          USER_MESSAGES_PER_MINUTE=str(CHATTY_PER_MINUTE), WELCOME="OFF",
                                          COALESCE=False)],
                        extra_toml=f"[telegram.limits]\ngroup_per_minute = {GROUP_PER_MINUTE}\n")
        users = [self.sim.user(f"Wave{i}") for i in range(USERS)]
        chatty = users[0]
        started_ms = time.time() * 1000
        for user in users:
            self.sim.send(user, world.bot_id, text=f"first from {user}")
        for user in users:
            self.sim.send(user, world.bot_id, text=f"second from {user}")
        for i in range(CHATTY_MESSAGES):
            self.sim.send(chatty, world.bot_id, text=f"chatty {i}")
        sent_in = time.time() * 1000 - started_ms

        expected = {user: [f"first from {user}", f"second from {user}"] for user in users}
        expected[chatty] += [f"chatty {i}" for i in range(CHATTY_MESSAGES)]

        def copies_by_user():
            """Texts the bot posted in each user's topic, in order; topics per user."""
            topics = collections.defaultdict(list)
            for topic in self.sim.topics(world.group_id):
                user = int(topic["name"].rsplit("#", 1)[1])
                topics[user].append(topic["message_thread_id"])
            texts = collections.defaultdict(list)
            thread_user = {thread: user for user, threads in topics.items() for thread in threads}
            for m in world.group_messages():
                user = thread_user.get(m.get("message_thread_id"))
                if user is not None and m.get("from", {}).get("id") == world.bot_id and m.get("text", "").startswith(
                        ("first from", "second from", "chatty")):
                    texts[user].append(m["text"])
            return topics, texts

        def all_arrived():
            topics, texts = copies_by_user()
            return (topics, texts) if all(texts.get(u) == want for u, want in expected.items()) else None

        topics, texts = wait_until(all_arrived, 300, "every message of the wave in its topic", interval=2)
        self.assertEqual(sorted(topics), sorted(users))
        self.assertTrue(all(len(threads) == 1 for threads in topics.values()), "a user got more than one topic")

        created = sorted(m["sim_date_ms"] for m in world.group_messages() if "forum_topic_created" in m)
        self.assertEqual(len(created), USERS)
        in_first_minute = sum(1 for at in created if at < started_ms + 60_000)
        print(f"[flood guard] {USERS} users wrote {2 * USERS + CHATTY_MESSAGES} messages in {sent_in / 1000:.1f}s; "
              f"{in_first_minute} topics in the first minute, the last "
              f"{(created[-1] - started_ms) / 1000:.0f}s after the first message", flush=True)
        self.assertLessEqual(in_first_minute, TOPICS_PER_MINUTE, "more topics in a minute than NEW_TOPICS_PER_MINUTE")
        self.assertGreaterEqual(created[-1] - started_ms, 60_000, "the topics beyond the cap were not held")

        general = [m.get("text", "") for m in world.group_messages(1) if m.get("from", {}).get("id") == world.bot_id]
        self.assertEqual(sum("NEW_TOPICS_PER_MINUTE" in t for t in general), 1, general[-5:])

        chatty_thread = topics[chatty][0]
        in_topic = [m.get("text", "") for m in world.group_messages(chatty_thread)]
        self.assertEqual(sum("USER_MESSAGES_PER_MINUTE" in t for t in in_topic), 1)
        told = [m for m in world.user_messages(chatty)
                if m.get("from", {}).get("id") == world.bot_id and "faster than we can read" in m.get("text", "")]
        self.assertEqual(len(told), 1, "the chatty user was not told exactly once")
        # Their messages beyond the cap came a minute after the first ones (held, not dropped).
        chatty_copies = [m for m in world.group_messages(chatty_thread) if m.get("text", "").startswith("chatty")]
        first_copy = next(m for m in world.group_messages(chatty_thread) if m.get("text", "").startswith("first"))
        self.assertGreaterEqual(chatty_copies[-1]["sim_date_ms"] - first_copy["sim_date_ms"], 55_000)
