"""Helper bots: a busy backend group gets more than one bot's ~20 messages a minute.

tgsim's limits are on with a small group budget (GROUP_PER_MINUTE messages a minute per bot and
group, as Telegram's FAQ says: each bot has its own). The desk has two helper bots, admins of the
group ([[group]] helpers, tokens from the environment). A burst from several users reaches the
topics in order and exactly once, more of it within a minute than one bot may post; replies,
edits and reactions work across copies posted by different bots; a helper removed from the group
while the desk runs is dropped with one notice in General and its work goes to the others; a
SIGKILL with helper-posted copies in flight loses nothing."""
import collections
import os
import subprocess

from harness import TOPICDESK, DeskTestCase, World, wait_until

GROUP_PER_MINUTE = 10
USERS = 3
MESSAGES = 6  # per user: 18 copies + 3 topics + 3 cards, more than one bot may post in a minute
REPEATED = "\n\n↻ possibly repeated after a restart"


class HelperBotsTest(DeskTestCase):
    limits = True
    sim_args = ("--group-per-minute", str(GROUP_PER_MINUTE))

    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.helpers = []  # (id, token, username)
        for k in (1, 2):
            bot_id, token = self.sim.bot(f"shop_helper{k}")
            self.sim.member(self.world.group_id, bot_id, "administrator", can_manage_topics=True)
            self.helpers.append((bot_id, token, f"shop_helper{k}"))
        self.users = [self.sim.user(f"Burst{i}") for i in range(USERS)]

    def start(self):
        extra = (f"[telegram.limits]\ngroup_per_minute = {GROUP_PER_MINUTE}\n\n"
                 f"[[group]]\nid = {self.world.group_id}\nhelpers = [\"env:HELPER_ONE\", \"env:HELPER_TWO\"]\n")
        env = {"HELPER_ONE": self.helpers[0][1], "HELPER_TWO": self.helpers[1][1]}
        desk = self.start_desk([self.world.connection(WELCOME="OFF", COALESCE=False)], extra_toml=extra, env=env)
        # Both helpers learnt who they are (getMe) before the test writes.
        wait_until(lambda: sum(f"helper bot @shop_helper{k}" in desk.process.output() for k in (1, 2)) == 2,
                   what="the helpers to start")
        self.assertNotIn(self.helpers[0][1], desk.process.output(), "a helper's token in the log")
        return desk

    def burst(self):
        """Every user writes MESSAGES lines; {user: [(text, message id)]}."""
        sent = collections.defaultdict(list)
        for i in range(MESSAGES):
            for user in self.users:
                text = f"burst {user} line {i}"
                sent[user].append((text, self.sim.send(user, self.world.bot_id, text=text)))
        return sent

    def posters(self):
        return {self.world.bot_id} | {h[0] for h in self.helpers}

    def copies(self, user):
        """The copies of the user's burst lines in their topic, oldest first (repeat markers cut)."""
        topic = self.world.topic_of(user)
        if not topic:
            return []
        out = []
        for m in self.world.group_messages(topic["message_thread_id"]):
            text = m.get("text", "")
            if text.startswith("burst ") and m.get("from", {}).get("id") in self.posters():
                out.append({**m, "text": text.replace(REPEATED, "")})
        return out

    def wait_all_arrived(self, sent, timeout, exactly_once=True):
        def arrived():
            got = {user: [m["text"] for m in self.copies(user)] for user in self.users}
            if exactly_once:
                done = all(got[user] == [t for t, _ in sent[user]] for user in self.users)
            else:  # after a kill a copy may be repeated: first occurrences, in order
                done = all(list(dict.fromkeys(got[user])) == [t for t, _ in sent[user]] for user in self.users)
            return got if done else None
        return wait_until(arrived, timeout, "every line of the burst in its topic", interval=0.5)

    def test_a_burst_reaches_the_topics_through_three_bots_in_order_exactly_once(self):
        desk = self.start()
        sent = self.burst()
        self.wait_all_arrived(sent, 150)
        copies = [m for user in self.users for m in self.copies(user)]
        by_poster = collections.Counter(m["from"]["id"] for m in copies)
        self.assertTrue(all(by_poster[h[0]] > 0 for h in self.helpers), f"posts per bot: {by_poster}")
        group = [m for m in self.world.group_messages() if m.get("from", {}).get("id") in self.posters()]
        first = min(m["sim_date_ms"] for m in group)
        in_first_minute = sum(1 for m in group if m["sim_date_ms"] < first + 60_000)
        print(f"[helper bots] {len(group)} group messages, {in_first_minute} in the first minute; "
              f"copies per bot: {dict(by_poster)}", flush=True)
        self.assertGreater(in_first_minute, GROUP_PER_MINUTE, "no more than one bot's budget in the first minute")
        # Topics stay the connection's bot's: created by it, never by a helper.
        created = [m for m in self.world.group_messages() if "forum_topic_created" in m]
        self.assertEqual({m["from"]["id"] for m in created}, {self.world.bot_id})
        # Posts per poster are on /metrics.
        metrics = desk.metrics()
        for _, _, username in self.helpers:
            self.assertRegex(metrics, rf'topicdesk_group_posts_total{{group="{self.world.group_id}",'
                                      rf'poster="@{username}"}} [1-9]')

    def test_replies_edits_and_reactions_work_across_copies_of_different_bots(self):
        """One user writes more lines than the bot may post in a minute: the bot posts the first
        ones while the group is quiet; once it has spent a quarter of its minute the helpers post
        the rest in turns (its budget is kept for topics), each keeping budget for the edits of
        its copies."""
        self.start()
        w, user = self.world, self.users[0]
        lines = GROUP_PER_MINUTE + 2  # the topic, card and 3 lines use half the bot's minute: 9 go to the helpers
        sent = {user: [(f"burst {user} line {i}", self.sim.send(user, w.bot_id, text=f"burst {user} line {i}"))
                       for i in range(lines)]}
        wait_until(lambda: [m["text"] for m in self.copies(user)] == [t for t, _ in sent[user]], 60,
                   "every line in the topic")
        thread = w.topic_of(user)["message_thread_id"]
        source = dict(sent[user])
        copies = self.copies(user)
        one = next(m for m in copies if m["from"]["id"] == self.helpers[0][0])
        two = next(m for m in copies if m["from"]["id"] == self.helpers[1][0])
        own = next(m for m in copies if m["from"]["id"] == w.bot_id)
        for copy in (one, two, own):
            original, poster = source[copy["text"]], copy["from"]["id"]
            # An operator's reply to the copy replies to the user's original.
            answer_text = f"answer to {copy['text']}"
            self.sim.send(w.operator, w.group_id, message_thread_id=thread, text=answer_text,
                          reply_to_message_id=copy["message_id"])
            answer = w.wait_at_user(user, lambda m: m.get("text") == answer_text, f"the answer via {poster}")
            self.assertEqual(answer.get("reply_to_message", {}).get("message_id"), original)
            # An operator's reaction on the copy reaches the original.
            self.sim.react(w.operator, w.group_id, copy["message_id"], "🔥")
            wait_until(lambda: any(m["message_id"] == original and
                                   any(r.get("emoji") == "🔥" for r in m.get("reactions", []))
                                   for m in w.user_messages(user)), what=f"the operator's reaction via {poster}")
        # What the user does to their message is done to the copy by the bot that posted it.
        for copy in (one, two):
            poster = copy["from"]["id"]
            self.sim.react(user, w.bot_id, source[copy["text"]], "👍")
            w.wait_in_topic(user, lambda m: m["message_id"] == copy["message_id"] and
                            any(r.get("emoji") == "👍" for r in m.get("reactions", [])), f"the reaction on {poster}'s")
            # tgsim lets only the bot that posted a message edit it.
            edited = copy["text"] + " (edited)"
            self.sim.edit(user, w.bot_id, source[copy["text"]], text=edited)
            w.wait_in_topic(user, lambda m: m["message_id"] == copy["message_id"] and m.get("text") == edited,
                            f"the copy by {copy['from']['id']} edited")

    def test_a_helper_removed_from_the_group_is_dropped_once_and_its_work_goes_to_the_others(self):
        self.start()
        gone_id, _, gone_name = self.helpers[0]
        self.sim.member(self.world.group_id, gone_id, "kicked")
        sent = self.burst()
        self.wait_all_arrived(sent, 150)
        notices = [m for m in self.world.group_messages(1) if f"@{gone_name}" in m.get("text", "")]
        self.assertEqual(len(notices), 1, [m.get("text") for m in notices])
        self.assertIn("can no longer post", notices[0]["text"])
        posted_by_gone = [m for u in self.users for m in self.copies(u) if m["from"]["id"] == gone_id]
        self.assertEqual(posted_by_gone, [])
        others = collections.Counter(m["from"]["id"] for u in self.users for m in self.copies(u))
        self.assertGreater(others[self.helpers[1][0]], 0, f"the other helper posted nothing: {others}")
        # `topicdesk doctor` says what to fix.
        doctor = subprocess.run([TOPICDESK, "doctor", "--config", self.desks[0].config_path], capture_output=True,
                                text=True, timeout=60, env={**os.environ,
                                                            "HELPER_ONE": self.helpers[0][1],
                                                            "HELPER_TWO": self.helpers[1][1]})
        self.assertRegex(doctor.stdout, rf"FIX   helper @{gone_name} \(env:HELPER_ONE\).*kicked", doctor.stderr)
        self.assertIn(f"ok    helper @{self.helpers[1][2]} (env:HELPER_TWO) is an administrator", doctor.stdout)

    def test_a_sigkill_with_helper_copies_in_flight_loses_nothing(self):
        desk = self.start()
        self.sim.fault(latency_ms=800)
        sent = self.burst()
        helper_ids = {h[0] for h in self.helpers}
        wait_until(lambda: any(c.get("bot_id") in helper_ids and c.get("method") == "sendMessage"
                               for c in self.sim.in_flight().values()),
                   60, "a helper's copy in flight", interval=0.05)
        desk.kill()
        self.sim.call("POST", "/sim/faults/clear", {})
        desk.start()
        got = self.wait_all_arrived(sent, 180, exactly_once=False)
        repeats = sum(len(texts) - len(set(texts)) for texts in got.values())
        self.assertLessEqual(repeats, 8, f"more repeats than calls that can be in flight into one group: {got}")
        general = [m.get("text", "") for m in self.world.group_messages(1)]
        self.assertFalse(any("can no longer post" in t for t in general), "a helper was dropped by the restart")


if __name__ == "__main__":
    import unittest
    unittest.main()
