"""The hook examples against topicdesk and tgsim: the webhook receiver archives every
conversation (and rejects bad signatures); the n8n-style /activate hook answers in the topic."""
import json
import os
import re
import sys
import time
import unittest
import urllib.error
import urllib.request

from harness import DeskTestCase, Process, World, free_port, text_is, wait_until
from hook_receiver import sign

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")
SECRET = "example-secret-0123456789abcdef"


class HookExamplesTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee")
        self.examples = []

    def tearDown(self):
        for example in self.examples:
            example.stop()
        super().tearDown()

    def run_example(self, script, *args):
        port = free_port()
        process = Process([sys.executable, os.path.join(EXAMPLES, script), "--port", str(port), "--secret", SECRET,
                           *args], os.path.join(self.workdir, os.path.basename(script) + ".log"))
        self.examples.append(process)
        wait_until(lambda: re.search(r"listening on", process.output()) or not process.alive()
                   and self.fail(process.output()), what=f"{script} to listen")
        return port

    def operator_says(self, text):
        thread = self.world.wait_topic(self.ann)["message_thread_id"]
        self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text=text)

    def test_webhook_receiver_archives_every_conversation(self):
        archive = os.path.join(self.workdir, "conversations.jsonl")
        port = self.run_example("webhook_receiver/receiver.py", "--archive", archive)
        url = f"http://127.0.0.1:{port}/topicdesk"
        self.start_desk([self.world.connection(WEBHOOKS=json.dumps({url: [
            "dialog_created", "dialog_closed", "message_received", "message_sent"]}), WEBHOOKS_SECRET=SECRET)])
        self.sim.send(self.ann, self.world.bot_id, text="Where is my order?")
        self.operator_says("It ships today")
        self.world.wait_at_user(self.ann, text_is("It ships today"))
        self.operator_says("/close")

        def lines():
            if not os.path.exists(archive):
                return []
            with open(archive) as f:
                return [json.loads(line) for line in f if line.strip()]
        wait_until(lambda: any(l["type"] == "dialog_closed" for l in lines()), what="the archive to be complete")
        conversation = [(l["from"], l["text"]) for l in lines() if l["text"]]
        self.assertEqual(conversation, [("user", "Where is my order?"), ("operator", "It ships today")])
        self.assertEqual({l["dialog"] for l in lines()}, {lines()[0]["dialog"]})
        self.assertEqual(lines()[0]["user"]["name"], "Ann Lee")

        # Unsigned or wrongly signed requests are refused and not archived.
        request = urllib.request.Request(url, data=b'{"id": 999, "type": "message_received"}', method="POST",
                                         headers={"X-Topicdesk-Signature": "sha256=00"})
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        self.assertEqual(refused.exception.code, 401)
        # A correctly signed request from ten minutes ago is a replay: refused too.
        body = b'{"id": 998, "type": "message_received"}'
        old = str(int(time.time()) - 600)
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"X-Topicdesk-Timestamp": old,
                                                  "X-Topicdesk-Signature": sign(SECRET, body, old)})
        with self.assertRaises(urllib.error.HTTPError) as replayed:
            urllib.request.urlopen(request, timeout=5)
        self.assertEqual(replayed.exception.code, 401)
        self.assertFalse(any(l["event"] in (998, 999) for l in lines()))

    def test_activate_hook_answers_in_the_topic(self):
        state = os.path.join(self.workdir, "activations.json")
        port = self.run_example("command_hook/activate_hook.py", "--state", state)
        self.start_desk([self.world.connection(
            WEBHOOKS=json.dumps({f"http://127.0.0.1:{port}/activate": ["/activate"]}), WEBHOOKS_SECRET=SECRET)])
        self.sim.send(self.ann, self.world.bot_id, text="Switch me to Basic for half a year")
        self.operator_says("/link N005")
        self.operator_says("/activate t1 m6")
        answer = self.world.wait_in_topic(self.ann, text_is("✅ Tariff Basic (t1) activated for 6 months on N005."),
                                          "the activation answer")
        self.assertEqual(answer["reply_markup"]["inline_keyboard"][0][0]["url"], "https://crm.example/accounts/N005")
        with open(state) as f:
            self.assertEqual(json.load(f)["N005"]["tariff"], "t1")
        self.operator_says("/activate t9")
        self.world.wait_in_topic(self.ann, lambda m: (m.get("text") or "").startswith("Usage: /activate"),
                                 "the usage answer")


if __name__ == "__main__":
    unittest.main()
