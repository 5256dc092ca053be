"""A desk SIGKILLed while a busy group has coalesced AND helper-posted copies in flight.

The group is busy (the own bot has spent more than a quarter of its minute creating topics), so
the helper bots post the copies of users' texts (docs/helper-bots.md); a lane that is behind
posts its queued texts as one merged message (docs/group-lane.md). tgsim answers sendMessage
late (latency on that method only), so the desk is killed with a merged copy of one user's texts
and another user's single copy in flight, both sendMessage calls of helpers. After the restart:
every text is in its topic, in order, exactly once, except the texts of the calls in flight at
the kill (the Bot API cannot tell whether they arrived: they are posted again, marked "possibly
repeated"); operators' replies (plain and quoting a part) and users' edits still map to the right
messages, through copies posted before the kill and copies posted again after it, each edit made
by the bot that posted the copy.
"""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import DeskTestCase, World, text_has, wait_until  # noqa: E402

GROUP_PER_MINUTE = 8  # per bot: three topics spend more than the own bot's quarter (2)
LATENCY_MS = 4000  # every sendMessage: the lane of the first wave's texts falls 2 s behind
REPEATED = "\n\n↻ possibly repeated after a restart"
PART = re.compile(r"^\[\d\d:\d\d:\d\d\] (.*)$")


def parts_of(text):
    """The user texts one group message carries: one, or the parts of a merged copy."""
    text = (text or "").replace(REPEATED, "")
    lines = text.split("\n")
    parsed = [PART.match(line) for line in lines]
    if len(lines) > 1 and all(parsed):
        return [m.group(1) for m in parsed]
    return [text]


def merged(call):
    return call.get("method") == "sendMessage" and len(parts_of(call.get("text"))) > 1


class GroupLaneRestartTest(DeskTestCase):
    limits = True
    sim_args = ("--group-per-minute", str(GROUP_PER_MINUTE))

    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.helpers = []
        for k in (1, 2):
            bot_id, token = self.sim.bot(f"lane_helper{k}")
            self.sim.member(self.world.group_id, bot_id, "administrator", can_manage_topics=True)
            self.helpers.append((bot_id, token))
        self.users = [self.sim.user(f"Lane{i}") for i in range(3)]

    def start(self):
        extra = (f"[telegram.limits]\ngroup_per_minute = {GROUP_PER_MINUTE}\n\n"
                 f"[[group]]\nid = {self.world.group_id}\nhelpers = [\"env:LANE_ONE\", \"env:LANE_TWO\"]\n")
        env = {"LANE_ONE": self.helpers[0][1], "LANE_TWO": self.helpers[1][1]}
        # Coalescing is on by default; the per-user pacing would hold texts before their time.
        desk = self.start_desk([self.world.connection(WELCOME="OFF", USER_MESSAGES_PER_MINUTE="OFF")],
                               extra_toml=extra, env=env)
        wait_until(lambda: sum(f"helper bot @lane_helper{k}" in desk.process.output() for k in (1, 2)) == 2,
                   what="the helpers to start")
        return desk

    def posters(self):
        return {self.world.bot_id} | {h[0] for h in self.helpers}

    def copies(self, user):
        """[(group message, [user texts it carries])] in the user's topic, oldest first; not the card."""
        topic = self.world.topic_of(user)
        if not topic:
            return []
        out = []
        for m in self.world.group_messages(topic["message_thread_id"]):
            if m.get("from", {}).get("id") not in self.posters() or "forum_topic_created" in m:
                continue
            parts = [p for p in parts_of(m.get("text")) if p.startswith("lane ")]
            if parts:
                out.append((m, parts))
        return out

    def copy_of(self, user, text, repeated=None):
        """The last copy carrying `text` (`repeated`: only one with, or without, the marker)."""
        found = [m for m, parts in self.copies(user) if text in parts and
                 (repeated is None or (REPEATED in m.get("text", "")) == repeated)]
        return found[-1] if found else None

    def write(self, user, texts):
        return {text: self.sim.send(user, self.world.bot_id, text=text) for text in texts}

    def test_a_sigkill_with_merged_and_helper_copies_in_flight_keeps_every_text_once_and_its_links(self):
        w = self.world
        desk = self.start()
        helper_ids = {h[0] for h in self.helpers}
        sent = {user: {} for user in self.users}

        # First texts: three new dialogs at once. The own bot creates the three topics (only it
        # may); that spends more than a quarter of its minute, so helpers post the cards and texts.
        for i, user in enumerate(self.users):
            sent[user].update(self.write(user, [f"lane {i} hello"]))
        for i, user in enumerate(self.users):
            wait_until(lambda: self.copy_of(user, f"lane {i} hello"), 30, f"user {i}'s first copy")
        before_kill = self.copy_of(self.users[2], "lane 2 hello")
        self.assertIn(before_kill["from"]["id"], helper_ids, "a busy group's text went to the own bot")

        # User 0 writes five texts while every sendMessage takes LATENCY_MS: the first goes alone,
        # the four behind it wait 2 s and more and go as ONE merged message.
        self.sim.fault(latency_ms=LATENCY_MS, latency_method="sendMessage")
        burst = [f"lane 0 line {k}" for k in range(5)]
        sent[self.users[0]].update(self.write(self.users[0], burst))
        wait_until(lambda: any(merged(c) and c["bot_id"] in helper_ids for c in self.sim.in_flight().values()),
                   30, "a helper's merged copy in flight", interval=0.05)
        # User 1 writes now: its lane is not behind, so its text goes alone, through the other helper.
        single = "lane 1 single"
        sent[self.users[1]].update(self.write(self.users[1], [single]))
        wait_until(lambda: any(c.get("text") == single and c["bot_id"] in helper_ids
                               for c in self.sim.in_flight().values()), 10, "the single copy in flight",
                   interval=0.02)
        flying = self.sim.in_flight()
        desk.kill()
        flying.update(self.sim.in_flight())
        in_flight_texts = {p for c in flying.values() if c["method"] == "sendMessage" for p in parts_of(c["text"])}
        self.assertTrue(any(merged(c) for c in flying.values()), "no merged copy was in flight at the kill")
        self.assertIn(single, in_flight_texts)
        self.sim.call("POST", "/sim/faults/clear", {})
        desk.start()

        # Every text arrives, in order; twice only if its call was in flight at the kill, and then
        # the later copy says it may be a repeat.
        def arrived():
            got = {}
            for user in self.users:
                texts = [p for _, parts in self.copies(user) for p in parts]
                if list(dict.fromkeys(texts)) != list(sent[user]):
                    return None
                got[user] = texts
            return got
        got = wait_until(arrived, 90, "every text in its topic, in order", interval=0.5)
        for user, texts in got.items():
            for text in set(texts):
                count = texts.count(text)
                if text in in_flight_texts:
                    self.assertLessEqual(count, 2, f"{text!r} in {texts}")
                else:
                    self.assertEqual(count, 1, f"{text!r} repeated but not in flight at the kill: {texts}")
        merged_again = self.copy_of(self.users[0], "lane 0 line 4", repeated=True)
        self.assertIsNotNone(merged_again, "the merged copy was not posted again with the marker")
        self.assertEqual(parts_of(merged_again["text"]), burst[1:], merged_again["text"])
        single_again = self.copy_of(self.users[1], single, repeated=True)
        self.assertIsNotNone(single_again, "the single copy was not posted again with the marker")

        # Replies map back: to the merged copy (its latest part, or the part quoted), to the
        # single copy posted again, and to a helper's copy from before the kill.
        thread0 = merged_again["message_thread_id"]
        lines = merged_again["text"].replace(REPEATED, "").split("\n")

        def reply(user, copy, text, quote=None):
            fields = {"message_thread_id": copy["message_thread_id"], "reply_to_message_id": copy["message_id"],
                      "text": text}
            if quote:
                fields["quote"] = quote
            self.sim.send(w.operator, w.group_id, **fields)
            return w.wait_at_user(user, text_has(text), f"the answer {text!r}")["reply_to_message"]["message_id"]

        self.assertEqual(reply(self.users[0], merged_again, "to all of it"), sent[self.users[0]]["lane 0 line 4"])
        position = len(lines[0]) + 1 + lines[1].index("lane 0 line 2")
        self.assertEqual(reply(self.users[0], merged_again, "to line 2",
                               {"text": "lane 0 line 2", "position": position}),
                         sent[self.users[0]]["lane 0 line 2"])
        self.assertEqual(reply(self.users[1], single_again, "to the single"), sent[self.users[1]][single])
        self.assertEqual(reply(self.users[2], before_kill, "to hello"), sent[self.users[2]]["lane 2 hello"])

        # Edits: a part of the merged copy renders it whole again; the single and the earlier copy
        # are edited in place, each by the bot that posted it (tgsim refuses any other bot).
        self.sim.edit(self.users[0], w.bot_id, sent[self.users[0]]["lane 0 line 3"], text="lane 0 line 3 fixed")
        self.sim.edit(self.users[1], w.bot_id, sent[self.users[1]][single], text="lane 1 single fixed")
        self.sim.edit(self.users[2], w.bot_id, sent[self.users[2]]["lane 2 hello"], text="lane 2 hello fixed")
        edited = w.wait_in_topic(self.users[0], lambda m: m["message_id"] == merged_again["message_id"] and
                                 "lane 0 line 3 fixed" in m.get("text", ""), "the merged copy edited", timeout=90)
        self.assertEqual(parts_of(edited["text"]), ["lane 0 line 1", "lane 0 line 2", "lane 0 line 3 fixed",
                                                    "lane 0 line 4"])
        self.assertEqual(edited["message_thread_id"], thread0)
        w.wait_in_topic(self.users[1], lambda m: m["message_id"] == single_again["message_id"] and
                        m.get("text", "").startswith("lane 1 single fixed"), "the single copy edited", timeout=90)
        w.wait_in_topic(self.users[2], lambda m: m["message_id"] == before_kill["message_id"] and
                        m.get("text") == "lane 2 hello fixed", "the earlier copy edited", timeout=90)
        general = [m.get("text", "") for m in w.group_messages(1)]
        self.assertFalse(any("can no longer post" in t for t in general), "a helper was dropped by the restart")


if __name__ == "__main__":
    unittest.main()
