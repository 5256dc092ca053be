"""Labels and funnels end to end on tgsim with its flood limits on: every /mark form in General
and in a topic, funnel removal, tickers in the topics' titles, /info with the labels and their
history, label_added / label_removed webhooks, the Topics API's label actions, refusals; and a
relabel of 300 topics that keeps editForumTopic within the group's budget without holding back a
user's message."""
import json
import time
import unittest

from harness import DeskTestCase, World, free_port, http_json, text_has, wait_until
from hook_receiver import Receiver

SECRET = "e2e-labels-secret-0123456789"


class LabelsTest(DeskTestCase):
    limits = True
    # Room for the whole conversation in one minute; the relabel test below uses Telegram's 20.
    sim_args = ("--group-per-minute", "60")

    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.olga = self.world.operator  # the group's creator; EXTENSIONS_ALLOWED lists her
        self.ivan = self.sim.user("Ivan", username="ivan_help")
        self.sim.member(self.world.group_id, self.ivan)
        self.rx = Receiver(free_port()).start()
        self.desk = self.start_desk(
            [self.world.connection(EXTENSIONS_ALLOWED=str(self.olga), WEBHOOKS_SECRET=SECRET,
                                   WEBHOOKS=json.dumps({self.rx.url(): ["label_added", "label_removed"]}))],
            "[telegram.limits]\ngroup_per_minute = 60\n")

    def tearDown(self):
        self.rx.stop()
        super().tearDown()

    def general(self, who, text, answer, what):
        """`who` writes `text` in General; returns the desk's answer there that contains `answer`."""
        sent = self.sim.send(who, self.world.group_id, text=text)

        def found():
            return next((m for m in self.world.group_messages() if "message_thread_id" not in m
                         and m["message_id"] > sent and m["from"]["id"] == self.world.bot_id
                         and answer in (m.get("text") or "")), None)
        return wait_until(found, what=what)["text"]

    def in_topic(self, user, thread, text, answer, what):
        sent = self.sim.send(self.olga, self.world.group_id, message_thread_id=thread, text=text)
        return self.world.wait_in_topic(
            user, lambda m: m["message_id"] > sent and answer in (m.get("text") or ""), what)["text"]

    def title(self, user):
        return self.world.topic_of(user)["name"]

    def test_every_form_funnel_tickers_info_webhooks_api_and_refusals(self):
        ann = self.sim.user("Ann", last_name="Lee")
        self.sim.send(ann, self.world.bot_id, text="Hello")
        thread = self.world.wait_topic(ann)["message_thread_id"]
        self.world.wait_in_topic(ann, text_has("Hello"), "Ann's message in her topic")

        # General: managing labels.
        self.general(self.olga, "/mark", "No labels yet", "the empty list")
        self.general(self.olga, "/mark help", "/mark NAME after M1,M2", "the help")
        for name in ("Lead", "Trial", "Paid"):
            self.general(self.olga, f"/mark new {name}", f"Label {name} made", f"{name} made")
        self.general(self.olga, "/mark new 2fast", "starts with a Latin letter", "a bad name refused")
        self.general(self.olga, "/mark new lead", "exists already", "a name taken, whatever its case")
        self.general(self.olga, "/mark paid after Lead,Trail", "Did you mean Trial?", "an unknown label")
        self.general(self.olga, "/mark Paid after Lead,Trial", "removes Lead, Trial", "the funnel")
        self.general(self.olga, "/mark Paid ticker 💰", "ticker 💰", "the ticker")
        self.general(self.olga, "/mark Paid sends thanks_paid", "sends thanks_paid", "the template")
        self.general(self.olga, "/mark Trial ticker 🧪", "ticker 🧪", "Trial's ticker")
        self.general(self.olga, "/mark Trial name Pilot", "Trial is now called Pilot", "the rename")
        self.general(self.ivan, "/mark new Refund", "EXTENSIONS_ALLOWED lists may manage labels",
                     "Ivan may not manage labels")
        self.general(self.ivan, "/mark Paid ticker X", "may manage labels", "nor change them")
        listed = self.general(self.ivan, "/mark", "Labels:", "the list, for everyone")
        self.assertIn("• Paid — ticker 💰 — removes Lead, Pilot — sends thanks_paid", listed)
        self.assertNotIn("Refund", listed)

        # In the topic: every operator sets and removes labels.
        self.in_topic(ann, thread, "/mark", "No labels", "the topic's labels")
        self.in_topic(ann, thread, "/mark lead", "+ Lead", "Lead set")
        self.in_topic(ann, thread, "/mark Pilot", "+ Pilot", "Pilot set")
        wait_until(lambda: self.title(ann).startswith("🟪 🧪 · Ann Lee #"), what="Pilot's ticker in the title")
        paid = self.in_topic(ann, thread, "/mark Paid", "+ Paid", "Paid set")
        self.assertIn("removed Lead, Pilot", paid)
        self.assertIn("thanks_paid NOT sent", paid)
        wait_until(lambda: self.title(ann).startswith("🟪 💰 · Ann Lee #"), what="Paid's ticker alone in the title")
        self.in_topic(ann, thread, "/mark Pade", "Did you mean Paid?", "an unknown label in the topic")
        self.in_topic(ann, thread, "/mark del Lead", "does not carry Lead", "removing what is not there")
        self.in_topic(ann, thread, "/mark Lead Paid", "One label at a time", "two labels at once")
        shown = self.general(self.olga, "/mark Paid", "1 topic carries it", "the topics carrying Paid")
        self.assertIn(f"/{thread}", shown)

        info = self.in_topic(ann, thread, "/info", "Dialog info", "/info")
        self.assertIn("labels: Paid", info)
        self.assertIn("label history:", info)
        self.assertIn("+ Lead by Olga", info)
        self.assertIn("− Pilot (funnel)", info)

        # The Topics API.
        key = self.desk.reset_api_key("shop")
        labels = self.desk.topic_action(key, {"action": "list_labels"})["labels"]
        self.assertEqual([l["name"] for l in labels], ["Lead", "Pilot", "Paid"])
        self.assertEqual(labels[2]["after"], ["Lead", "Pilot"])
        removed = self.desk.topic_action(key, {"action": "remove_label", "user_id": ann, "label": "paid"})
        self.assertEqual((removed["changed"], removed["labels"]), (True, []))
        wait_until(lambda: self.title(ann).startswith("🟪 Ann Lee #"), what="the title without tickers")
        added = self.desk.topic_action(key, {"action": "set_label", "topic_id": thread, "label": "Lead"})
        self.assertEqual(added["labels"], ["Lead"])
        status, answer = http_json("POST", f"http://127.0.0.1:{self.desk.port}/api/v1/topic_action",
                                   {"action": "set_label", "user_id": ann, "label": "Leed"}, {"X-API-KEY": key})
        self.assertEqual((status, answer["error"]["code"]), (404, "unknown_label"))
        self.assertIn("Did you mean Lead?", answer["error"]["message"])
        history = self.desk.topic_action(key, {"action": "dialog_labels", "user_id": ann})
        self.assertEqual([l["name"] for l in history["labels"]], ["Lead"])
        self.assertEqual([(h["label"], h["change"], h["by"]) for h in history["history"]],
                         [("Lead", "added", "operator"), ("Pilot", "added", "operator"),
                          ("Lead", "removed", "funnel"), ("Pilot", "removed", "funnel"),
                          ("Paid", "added", "operator"), ("Paid", "removed", "api"), ("Lead", "added", "api")])
        self.assertEqual(history["history"][0]["operator_id"], self.olga)

        # Webhooks: every change, in order.
        events = wait_until(lambda: len(self.rx.events()) >= 7 and self.rx.events(), what="7 label events")
        self.assertEqual([(e["type"], e["data"]["label"], e["data"]["by"]) for e in events],
                         [("label_added", "Lead", "operator"), ("label_added", "Pilot", "operator"),
                          ("label_removed", "Lead", "funnel"), ("label_removed", "Pilot", "funnel"),
                          ("label_added", "Paid", "operator"), ("label_removed", "Paid", "api"),
                          ("label_added", "Lead", "api")])
        self.assertEqual(events[0]["user"]["id"], ann)
        self.assertEqual(self.sim.stats()["too_many_requests"], 0)


class RelabelTest(DeskTestCase):
    """300 topics carry a label whose ticker changes: titles are paced by what the group's
    minute leaves, so Telegram never answers 429 and a user's message is not held behind them."""
    limits = True
    TOPICS = 300

    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.olga = self.world.operator

    def test_a_relabel_of_300_topics_stays_within_the_limit_and_lets_messages_through(self):
        # Seed: without Telegram's limits (here and in the desk), 300 users open their topics.
        self.sim.call("POST", "/sim/limits", {"enabled": False})
        connection = self.world.connection(NEW_TOPICS_PER_MINUTE="OFF")  # the flood guard would pace the seed
        desk = self.start_desk([connection], "[telegram.limits]\nenabled = false\n"
                                             "[api]\nrate_per_second = 100000\nburst = 100000\n")
        users = [self.sim.user(f"User{i}", last_name="Client") for i in range(self.TOPICS)]
        for user in users:
            self.sim.send(user, self.world.bot_id, text="hello")
        wait_until(lambda: len(self.sim.topics(self.world.group_id)) >= self.TOPICS, timeout=300,
                   what="300 topics")
        self.sim.send(self.olga, self.world.group_id, text="/mark new VIP")
        key = desk.reset_api_key("shop")
        wait_until(lambda: desk.topic_action(key, {"action": "list_labels"})["labels"], what="VIP made")
        for user in users:  # a label without a ticker: no title changes
            desk.topic_action(key, {"action": "set_label", "user_id": user, "label": "VIP"})
        wait_until(lambda: desk.metric("topicdesk_outbox_depth") == 0, timeout=120, what="the seed sent")
        desk.stop()

        # Telegram's limits from now on: 20 messages a minute into the group, for tgsim and the desk.
        self.sim.call("POST", "/sim/limits", {"enabled": True, "group_per_minute": 20})
        desk = self.start_desk([connection])
        # A restart re-titles nothing: the outbox stays empty.
        self.assertEqual(wait_until(lambda: desk.metric("topicdesk_outbox_depth") is not None
                                    and [desk.metric("topicdesk_outbox_depth")], what="the outbox gauge"), [0])
        edits = lambda: self.sim.stats()["bots"][str(self.world.bot_id)]["methods"].get(
            "editForumTopic", {"requests": 0})["requests"]
        self.assertEqual(edits(), 0)

        self.sim.send(self.olga, self.world.group_id, text="/mark VIP ticker 🔥")
        wait_until(lambda: edits() >= 5, what="the relabel under way")
        # A user writes during the relabel: the group's minute still has room for them.
        self.sim.send(users[-1], self.world.bot_id, text="still there?")
        edits_before = edits()
        thread = self.world.topic_of(users[-1])["message_thread_id"]
        wait_until(lambda: any(m.get("text") == "still there?" for m in self.world.group_messages(thread)),
                   what="the user's message in the topic")
        self.assertLess(edits(), 20, "the message did not wait for the group's next minute of titles")
        self.assertLessEqual(edits() - edits_before, 15, "it did not wait behind the queued titles")
        # /metrics shows the titles waiting for the budget (published once a second).
        wait_until(lambda: (desk.metric("topicdesk_title_backlog") or 0) > 200, what="the title backlog")
        # The titles go on in the next minute, and Telegram never refused one.
        first_minute = edits()
        wait_until(lambda: edits() > first_minute, timeout=90, what="titles in the next minute")
        stats = self.sim.stats()
        self.assertEqual(stats["too_many_requests"], 0)
        self.assertLessEqual(first_minute, 20)
        titled = [t for t in self.sim.topics(self.world.group_id) if t["name"].startswith("🟪 🔥 · ")]
        self.assertGreater(len(titled), 0)


if __name__ == "__main__":
    unittest.main()
