"""A restart does not burst into Telegram's flood limits.

Telegram takes 20 messages a minute into one group from one bot and answers more with 429s
(and holds the group). The desk keeps to that budget, and it keeps what it sent across a
restart (its flood journal, saved every second and at shutdown): a desk stopped right after
filling a group's budget, and started again with more work queued, waits for the window to
open instead of sending at once. tgsim's limits are on; the figure is the count of 429s tgsim
answered after the restart."""
import time
import unittest

from harness import DeskTestCase, World, wait_until

GROUP_BUDGET = 20  # messages a minute into one group (Telegram's, and tgsim's with limits on)
# A desk that forgot its sends starts every waiting job at once (up to 8 calls into a group)
# and each comes back 429; one that remembers sends nothing before the window opens.
MAX_429_AFTER_RESTART = 2


class FloodRestartTest(DeskTestCase):
    limits = True  # tgsim answers 429 beyond Telegram's limits
    # Before the stop: 7 users write twice (a topic, a card and two copies each): 28 messages,
    # 20 sent and 8 waiting in the outbox, ready the moment the desk starts again.
    FIRST_USERS = 7
    # While the desk is stopped, 3 new users write: 9 more, so that everything fits the next
    # minute's budget (the test waits for one window, not two).
    LATER_USERS = 3
    WAITING = 5  # jobs in the outbox at the stop (its depth) at least

    def group_sends(self):
        return self.sim.message_calls()

    def too_many(self):
        return self.sim.stats()["too_many_requests"]

    def copied(self, world, user, text):
        topic = world.topic_of(user)
        return topic is not None and any(
            m.get("text") == text and m.get("from", {}).get("id") == world.bot_id
            for m in world.group_messages(topic["message_thread_id"]))

    def test_a_restart_after_filling_a_groups_budget_causes_no_burst_of_429s(self):
        world = World(self.sim)
        desk = self.start_desk([world.connection(COALESCE=False)])  # one copy per message: queued texts are not merged (docs/group-lane.md)
        started = time.monotonic()
        first = [self.sim.user(f"First{i}", username=f"first_{i}") for i in range(self.FIRST_USERS)]
        for user in first:
            self.sim.send(user, world.bot_id, text=f"hello from {user}")
            self.sim.send(user, world.bot_id, text=f"still there? {user}")
        # The budget is used up: the desk has sent 20 messages into the group and holds the rest.
        wait_until(lambda: (self.group_sends(), desk.metric("topicdesk_outbox_depth")) if self.group_sends() >= GROUP_BUDGET
                   and desk.metric("topicdesk_outbox_depth") >= self.WAITING else None,
                   30, "the group's budget to be used and the rest to wait in the outbox")
        before = self.too_many()
        sent_before = self.group_sends()
        waiting = desk.metric("topicdesk_outbox_depth")

        self.assertEqual(desk.stop(), 0, "the desk did not stop cleanly on SIGTERM")
        later = [self.sim.user(f"Later{i}", username=f"later_{i}") for i in range(self.LATER_USERS)]
        for user in later:
            self.sim.send(user, world.bot_id, text=f"hello from {user}")
        restarted_at = time.monotonic()
        desk.start()

        # Everything arrives once the window opens (a minute after the first sends).
        expected = [(u, f"hello from {u}") for u in first + later] + [(u, f"still there? {u}") for u in first]
        wait_until(lambda: all(self.copied(world, u, text) for u, text in expected), 120,
                   "every message in its topic after the restart", interval=0.5)
        delivered_in = time.monotonic() - restarted_at
        after = self.too_many() - before
        print(f"[flood restart] sent before the stop: {sent_before} messages into the group "
              f"(429s then: {before}), {waiting:.0f} jobs waiting; after the restart: {self.group_sends() - sent_before} more, "
              f"{after} answered 429; everything delivered {delivered_in:.0f}s after the restart; "
              f"run {time.monotonic() - started:.0f}s", flush=True)

        self.assertEqual(before, 0, "the desk collected 429s before the restart")
        self.assertLessEqual(after, MAX_429_AFTER_RESTART,
                             "the restarted desk burst into the group's flood limit")


if __name__ == "__main__":
    unittest.main()
