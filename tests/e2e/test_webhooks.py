"""Webhooks out and command hooks: signed events of every kind, nothing lost while
the receiver is down, command hooks answering in the topic, /info enrichment,
CUSTOM_COMMANDS, /link and /set."""
import json
import subprocess
import unittest
import urllib.request

from harness import TOPICDESK, DeskTestCase, World, free_port, text_has, text_is, wait_until
from hook_receiver import Receiver, signature_ok

SECRET = "e2e-webhook-secret-0123456789"
ALL_EVENTS = ["dialog_created", "dialog_reopened", "dialog_closed", "message_received", "message_sent"]


class WebhooksTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee", language_code="en")
        self.receivers = []

    def tearDown(self):
        for receiver in self.receivers:
            receiver.stop()
        super().tearDown()

    def receiver(self, answer=None, port=None, start=True):
        receiver = Receiver(port or free_port(), answer)
        self.receivers.append(receiver)
        return receiver.start() if start else receiver

    def start(self, webhooks, **parameters):
        self.desk = self.start_desk([self.world.connection(
            WEBHOOKS=json.dumps(webhooks), WEBHOOKS_SECRET=SECRET, **parameters)])

    def operator_says(self, text):
        thread = self.world.wait_topic(self.ann)["message_thread_id"]
        return self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text=text)

    def status_output(self):
        return subprocess.run([TOPICDESK, "webhooks", "status", "--config", self.desk.config_path],
                              capture_output=True, text=True, timeout=30).stdout

    def test_every_event_kind_is_signed_and_carries_dialog_user_and_message(self):
        rx = self.receiver()
        self.start({rx.url(): ALL_EVENTS})
        self.sim.send(self.ann, self.world.bot_id, text="Hello desk")
        self.world.wait_topic(self.ann)
        self.operator_says("/link N005")
        self.operator_says("/set plan=pro")
        self.operator_says("Hi Ann")
        self.world.wait_at_user(self.ann, text_is("Hi Ann"))
        self.operator_says("/close")
        self.sim.send(self.ann, self.world.bot_id, text="Back again")
        kinds = lambda: [e["type"] for e in rx.events()]
        wait_until(lambda: kinds().count("message_received") == 2 and "dialog_reopened" in kinds(),
                   what="every event kind")
        self.assertEqual(kinds(), ["dialog_created", "message_received", "message_sent", "dialog_closed",
                                   "dialog_reopened", "message_received"])
        for path, headers, raw, event in rx.requests:
            self.assertTrue(signature_ok(SECRET, raw, headers), headers)
            self.assertEqual(headers.get("X-Topicdesk-Event"), event["type"])
            self.assertEqual(headers.get("X-Topicdesk-Delivery"), str(event["delivery"]))
            self.assertEqual(event["connection"]["name"], "shop")
            self.assertEqual(event["user"]["id"], self.ann)
            self.assertEqual(event["dialog"]["id"], rx.events()[0]["dialog"]["id"])
        ids = [e["id"] for e in rx.events()]
        self.assertEqual(ids, sorted(ids))
        received = [e for e in rx.events() if e["type"] == "message_received"]
        self.assertEqual(received[0]["message"]["text"], "Hello desk")
        self.assertEqual(received[1]["user"]["linked_account"], "N005")
        self.assertEqual(received[1]["user"]["fields"], {"plan": "pro"})
        sent = next(e for e in rx.events() if e["type"] == "message_sent")
        self.assertEqual(sent["message"]["text"], "Hi Ann")
        # A wrong secret does not verify: the check is real. Neither does the body under another
        # timestamp: the timestamp is signed, a replay cannot refresh it.
        self.assertFalse(signature_ok("another secret", rx.requests[0][2], rx.requests[0][1]))
        _, headers, raw, _ = rx.requests[0]
        moved = str(int(headers["X-Topicdesk-Timestamp"]) + 1)
        self.assertFalse(signature_ok(SECRET, raw, {**headers, "X-Topicdesk-Timestamp": moved}))

    def test_message_intercepted_is_signed_and_says_the_program_sent_it(self):
        rx = self.receiver()
        webhooks = json.dumps({rx.url(): ["message_intercepted"]})
        self.desk = self.start_desk([self.world.connection(mode="proxy", WEBHOOKS=webhooks, WEBHOOKS_SECRET=SECRET)])
        port = self.desk.port
        self.sim.send(self.ann, self.world.bot_id, text="Is my order ready?")
        self.world.wait_topic(self.ann)
        # The bot's own program answers through the desk's Bot API proxy.
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/bot{self.world.token}/sendMessage", method="POST",
            data=json.dumps({"chat_id": self.ann, "text": "Yes, it ships today"}).encode(),
            headers={"Content-Type": "application/json"})
        self.assertTrue(json.load(urllib.request.urlopen(request, timeout=10))["ok"])
        wait_until(lambda: rx.events(), what="the message_intercepted webhook")
        path, headers, raw, event = rx.requests[0]
        self.assertTrue(signature_ok(SECRET, raw, headers))
        self.assertEqual(event["type"], "message_intercepted")
        self.assertEqual(event["user"]["id"], self.ann)
        self.assertEqual(event["message"]["text"], "Yes, it ships today")
        self.assertEqual(event["message"]["by"], "program")
        self.assertEqual([e["type"] for e in rx.events()], ["message_intercepted"], "only the listed kind")

    def test_receiver_down_then_up_loses_nothing_and_keeps_order(self):
        rx = self.receiver(start=False)  # nothing listens on its port yet
        self.start({rx.url(): ["message_received"]})
        texts = [f"message {i}" for i in range(8)]
        for text in texts:
            self.sim.send(self.ann, self.world.bot_id, text=text)
        self.world.wait_in_topic(self.ann, text_is(texts[-1]))
        status = wait_until(lambda: (out := self.status_output()) and "failing since" in out and out,
                            what="webhooks status to show the failure")
        self.assertIn("pending", status)
        self.assertIn("last error", status)
        rx.start()
        wait_until(lambda: len(rx.events()) >= len(texts), timeout=60, what="the backlog to arrive")
        self.assertEqual([e["message"]["text"] for e in rx.events()], texts)
        self.assertEqual(len({e["id"] for e in rx.events()}), len(texts))
        status = wait_until(lambda: (out := self.status_output()) and f"delivered {len(texts)}, pending 0" in out
                            and out, what="status to show all delivered")
        self.assertNotIn("failing since", status)

    def test_undelivered_events_survive_a_restart(self):
        rx = self.receiver(start=False)
        self.start({rx.url(): ["message_received"]})
        self.sim.send(self.ann, self.world.bot_id, text="before restart")
        self.world.wait_in_topic(self.ann, text_is("before restart"))
        wait_until(lambda: "failing since" in self.status_output(), what="a failed attempt")
        self.desk.kill()
        rx.start()
        self.desk.start()
        wait_until(lambda: rx.events(), timeout=60, what="the event after the restart")
        self.assertEqual(rx.events()[0]["message"]["text"], "before restart")

    def test_command_hook_answers_in_the_topic_with_html_and_buttons(self):
        def answer(path, event):
            args = event["command"]["args"]
            return 200, "application/json", {
                "text": f"<b>Activated</b> {args} for {event['user']['linked_account']}", "parse_mode": "HTML",
                "buttons": [[{"text": "Open in CRM", "url": "https://crm.example/a/N005"}]]}
        rx = self.receiver(answer)
        self.start({rx.url(): ["/activate"]})
        self.sim.send(self.ann, self.world.bot_id, text="Please activate my plan")
        self.world.wait_topic(self.ann)
        self.operator_says("/link N005")
        self.operator_says("/activate t1 m6")
        m = self.world.wait_in_topic(self.ann, text_is("Activated t1 m6 for N005"), "the hook's answer")
        self.assertTrue(any(e.get("type") == "bold" for e in m.get("entities", [])), m)
        self.assertEqual(m["reply_markup"]["inline_keyboard"][0][0]["url"], "https://crm.example/a/N005")
        event = rx.events()[0]
        self.assertEqual(event["type"], "command")
        self.assertEqual(event["command"]["name"], "activate")
        self.assertEqual(event["operator"]["id"], self.world.operator)
        self.assertTrue(event["command"]["sees_hidden_info"], "nothing is hidden without HIDE_INFO")
        self.assertFalse(any("activate" in (m.get("text") or "") for m in self.world.user_messages(self.ann)
                             if m["from"]["id"] == self.world.bot_id), "commands never reach the user")
        self.assertFalse(any("Unknown command" in (m.get("text") or "") for m in self.world.group_messages()))

    def test_failing_command_hook_posts_a_short_notice(self):
        rx = self.receiver(lambda path, event: (500, "text/plain", "boom"))
        self.start({rx.url(): ["/activate"]})
        self.sim.send(self.ann, self.world.bot_id, text="hi")
        self.operator_says("/activate t1 m6")
        self.world.wait_in_topic(self.ann, text_is("⚠️ /activate: the command hook failed (HTTP 500)."))
        self.assertEqual(len(rx.events()), 1, "command hooks are not retried")

    def test_info_is_enriched_by_hooks_listed_for_info(self):
        rx = self.receiver(lambda path, event: (200, "text/plain", "Subscriptions: Pro until 2027-01-01"))
        self.start({rx.url(): ["info"]})
        self.sim.send(self.ann, self.world.bot_id, text="hi")
        self.operator_says("/info")
        self.world.wait_in_topic(self.ann, text_has("ℹ️ Dialog info"), "the built-in card")
        self.world.wait_in_topic(self.ann, text_is("Subscriptions: Pro until 2027-01-01"), "the hook's lines")
        self.assertEqual(rx.events()[0]["command"]["name"], "info")

    def test_hooks_learn_whether_the_operator_may_see_what_hide_info_hides(self):
        lead = self.sim.user("Lena", username="lena_lead")
        self.sim.member(self.world.group_id, lead)
        rx = self.receiver(lambda path, event: (200, "text/plain", "Plan: Pro"))
        self.start({rx.url(): ["info"]}, HIDE_INFO="name", EXTENSIONS_ALLOWED=str(lead))
        self.sim.send(self.ann, self.world.bot_id, text="hi")
        # The topic's title is a pseudonym, not the user's id: it is the group's only topic.
        thread = wait_until(lambda: self.sim.topics(self.world.group_id), what="the topic")[0]["message_thread_id"]
        for operator in (self.world.operator, lead):
            self.sim.send(operator, self.world.group_id, message_thread_id=thread, text="/info")
        wait_until(lambda: len(rx.events()) == 2, what="both /info hooks")
        seen = {e["operator"]["id"]: e["command"]["sees_hidden_info"] for e in rx.events()}
        self.assertEqual(seen, {self.world.operator: False, lead: True})

    def test_custom_commands_are_left_to_an_assistant_bot(self):
        self.start({}, CUSTOM_COMMANDS=True)
        self.sim.send(self.ann, self.world.bot_id, text="hi")
        self.operator_says("/notion")
        self.operator_says("/help")  # answered after /notion was handled: a barrier
        self.world.wait_in_topic(self.ann, text_has("Commands in a topic"), "the /help answer")
        self.assertFalse(any("Unknown command" in (m.get("text") or "") for m in self.world.group_messages()))
        self.assertFalse(any("notion" in (m.get("text") or "") for m in self.world.user_messages(self.ann)))

    def test_link_and_set_show_in_info(self):
        self.start({})
        self.sim.send(self.ann, self.world.bot_id, text="hi")
        self.operator_says("/link N005")
        self.world.wait_in_topic(self.ann, text_is("🔗 Linked to account N005."))
        self.operator_says("/set plan=pro")
        self.world.wait_in_topic(self.ann, text_is("📝 plan = pro"))
        self.operator_says("/info")
        info = self.world.wait_in_topic(self.ann, text_has("linked account: N005"), "/info with the link")
        self.assertIn("plan: pro", info["text"])
        self.operator_says("/unlink")
        self.world.wait_in_topic(self.ann, text_is("🔗 The linked account was removed."))


if __name__ == "__main__":
    unittest.main()
