"""Coalescing: a user's plain texts queued for their topic while the group's budget holds them
arrive as ONE message (docs/group-lane.md).

The group is held by a 429 tgsim answers once (a fault), so the test does not wait out a minute
of Telegram's 20 messages: the desk blocks the group for retry_after seconds and the user's next
texts queue behind the one that got the 429.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import DeskTestCase, World, text_has, wait_until  # noqa: E402

RETRY_AFTER = 4  # seconds the group stays held: long enough for the next texts to queue


class CoalescingTest(DeskTestCase):
    limits = True

    def world(self, **parameters):
        w = World(self.sim)
        self.desk = self.start_desk([w.connection(USER_MESSAGES_PER_MINUTE="OFF", **parameters)])
        return w

    def open_dialog(self, w, name):
        user = self.sim.user(name)
        self.sim.send(user, w.bot_id, text=f"hello from {name}")
        w.wait_in_topic(user, text_has(f"hello from {name}"), "the first copy")
        return user

    def hold_group(self, method="copyMessage"):
        """The next `method` call into the group gets a 429: the desk holds the group RETRY_AFTER s."""
        before = self.calls_with_status(429)
        self.sim.fault(method=method, error_code=429, description=f"Too Many Requests: retry after {RETRY_AFTER}",
                       retry_after=RETRY_AFTER, count=1)
        return before

    def calls_with_status(self, status):
        return sum(1 for c in self.sim.call("GET", "/sim/calls")["calls"] if c["status"] == status)

    def wait_held(self, before):
        wait_until(lambda: self.calls_with_status(429) > before, what="the desk to get the 429")

    def topic_texts(self, w, user):
        thread = w.wait_topic(user)["message_thread_id"]
        return [m for m in w.group_messages(thread) if (m.get("text") or m.get("caption") or m.get("photo"))]

    def test_queued_texts_arrive_as_one_message_with_replies_quotes_and_edits(self):
        w = self.world()
        user = self.open_dialog(w, "Ann")
        held = self.hold_group()
        first = self.sim.send(user, w.bot_id, text="one")
        self.wait_held(held)
        second = self.sim.send(user, w.bot_id, text="two is *bold*")
        third = self.sim.send(user, w.bot_id, text="three")

        merged = w.wait_in_topic(user, lambda m: "three" in (m.get("text") or ""), "the merged copy",
                                 timeout=RETRY_AFTER + 20)
        lines = merged["text"].split("\n")
        self.assertEqual(len(lines), 3, merged["text"])
        self.assertTrue(lines[0].endswith("] one") and lines[0].startswith("["), lines)
        self.assertTrue(lines[1].endswith("] two is *bold*"), lines)
        self.assertTrue(lines[2].endswith("] three"), lines)
        texts = [m.get("text") for m in self.topic_texts(w, user)]
        self.assertNotIn("one", texts, "'one' arrives inside the merged copy, not alone")

        # A reply to the merged copy answers the user's latest part.
        self.sim.send(w.operator, w.group_id, message_thread_id=merged["message_thread_id"],
                      reply_to_message_id=merged["message_id"], text="answer to all")
        got = w.wait_at_user(user, text_has("answer to all"), "the answer")
        self.assertEqual(got["reply_to_message"]["message_id"], third)

        # A reply quoting the first part answers that part.
        self.sim.send(w.operator, w.group_id, message_thread_id=merged["message_thread_id"],
                      reply_to_message_id=merged["message_id"], text="about one",
                      quote={"text": "one", "position": lines[0].index("one")})
        got = w.wait_at_user(user, text_has("about one"), "the quoted answer")
        self.assertEqual(got["reply_to_message"]["message_id"], first)
        self.sim.send(w.operator, w.group_id, message_thread_id=merged["message_thread_id"],
                      reply_to_message_id=merged["message_id"], text="about two",
                      quote={"text": "two", "position": len(lines[0]) + 1 + lines[1].index("two")})
        got = w.wait_at_user(user, text_has("about two"), "the second quoted answer")
        self.assertEqual(got["reply_to_message"]["message_id"], second)

        # An edit of one part renders the whole copy again.
        self.sim.edit(user, w.bot_id, second, text="two, corrected")

        def edited():
            for m in self.topic_texts(w, user):
                if m["message_id"] == merged["message_id"] and "two, corrected" in m.get("text", ""):
                    return m
            return None
        copy = wait_until(edited, what="the merged copy edited")
        lines = copy["text"].split("\n")
        self.assertEqual([line.split("] ", 1)[1] for line in lines], ["one", "two, corrected", "three"])

    def test_media_between_texts_splits_the_merge(self):
        w = self.world()
        user = self.open_dialog(w, "Ben")
        held = self.hold_group()
        self.sim.send(user, w.bot_id, text="before the photo")
        self.wait_held(held)
        self.sim.send(user, w.bot_id, photo="cat.jpg", caption="a cat")
        self.sim.send(user, w.bot_id, text="after one")
        self.sim.send(user, w.bot_id, text="after two")
        w.wait_in_topic(user, lambda m: "after two" in (m.get("text") or ""), "the texts after the photo",
                        timeout=RETRY_AFTER + 20)
        texts = [m.get("text") or m.get("caption") for m in self.topic_texts(w, user)]
        self.assertEqual(texts[-3], "before the photo", texts)  # alone: a photo follows it
        self.assertEqual(texts[-2], "a cat", texts)
        self.assertEqual([line.split("] ", 1)[1] for line in texts[-1].split("\n")], ["after one", "after two"])

    def test_coalesce_off_sends_them_one_by_one(self):
        w = self.world(COALESCE=False)
        user = self.open_dialog(w, "Cid")
        held = self.hold_group()
        self.sim.send(user, w.bot_id, text="first")
        self.wait_held(held)
        self.sim.send(user, w.bot_id, text="second")
        self.sim.send(user, w.bot_id, text="third")
        w.wait_in_topic(user, text_has("third"), "the last copy", timeout=RETRY_AFTER + 20)
        texts = [m.get("text") for m in self.topic_texts(w, user)]
        self.assertEqual(texts[-3:], ["first", "second", "third"])

    def test_a_kill_during_a_merged_send_loses_nothing(self):
        w = self.world()
        user = self.open_dialog(w, "Dan")
        held = self.hold_group()
        self.sim.send(user, w.bot_id, text="kill one")
        self.wait_held(held)
        self.sim.send(user, w.bot_id, text="kill two")
        self.sim.send(user, w.bot_id, text="kill three")
        # The desk has read them once it waits in getUpdates again (tgsim answers a waiting poll
        # when a message arrives); then its merged send stays in flight (tgsim answers late) and
        # the desk is killed meanwhile.
        wait_until(lambda: self.sim.stats()["waiting_get_updates"] >= 1, what="the desk to read the texts")
        # The merged send stays in flight (tgsim answers late) and the desk is killed meanwhile.
        self.sim.fault(latency_ms=60000)
        wait_until(lambda: any(c["method"] == "sendMessage" for c in self.sim.in_flight().values()),
                   timeout=RETRY_AFTER + 20, what="the merged send in flight")
        self.desk.kill()
        self.sim.call("POST", "/sim/faults/clear")
        self.desk.start()
        copy = w.wait_in_topic(user, lambda m: "kill three" in (m.get("text") or "") and
                               "possibly repeated" in (m.get("text") or ""), "the merged copy sent again",
                               timeout=30)
        for part in ("kill one", "kill two", "kill three"):
            self.assertIn(part, copy["text"])
        # Later messages still go through, after it.
        self.sim.send(user, w.bot_id, text="after the restart")
        w.wait_in_topic(user, text_has("after the restart"), "a message after the restart")


if __name__ == "__main__":
    unittest.main()
