"""examples/assistant_bot against a real desk and tgsim: an operator types /info in a topic, the
assistant bot (a second bot in the group) asks the Topics API who the user is, looks them up in
the fake CRM and answers in the topic with their subscriptions."""
import json
import os
import re
import sys
import unittest

from harness import DeskTestCase, Process, World, text_has, wait_until
from test_api import raw_request, reset_key

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "assistant_bot")


class AssistantBotExampleTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.desk = self.start_desk([self.world.connection()])
        self.ann = self.sim.user("Ann", last_name="Lee")
        self.assistant_id, assistant_token = self.sim.bot("assistant_bot")
        self.sim.member(self.world.group_id, self.assistant_id, "administrator")

        crm_data = os.path.join(self.workdir, "customers.json")
        with open(crm_data, "w") as f:
            json.dump({str(self.ann): {"subscriptions": [{"plan": "Pro", "until": "2027-01-31"}]},
                       "N005": {"subscriptions": [{"plan": "Business", "until": "2027-06-30"}]}}, f)
        self.crm = Process([sys.executable, os.path.join(EXAMPLE, "fake_crm.py"), "--data", crm_data,
                            "--listen", "127.0.0.1:0"], os.path.join(self.workdir, "crm.log"))
        port = wait_until(lambda: re.search(r"listening on 127\.0\.0\.1:(\d+)", self.crm.output()),
                          what="the fake CRM to listen").group(1)
        self.key = reset_key(self.desk)
        self.bot = Process([sys.executable, os.path.join(EXAMPLE, "assistant_bot.py"), "--bot-api", self.sim.base,
                            "--token", assistant_token, "--desk", f"http://127.0.0.1:{self.desk.port}",
                            "--crm", f"http://127.0.0.1:{port}"],
                           os.path.join(self.workdir, "assistant.log"),
                           env={"TOPICDESK_API_KEY": self.key})
        wait_until(lambda: "polling" in self.bot.output(), what="the assistant bot to poll")

    def tearDown(self):
        self.bot.stop()
        self.crm.stop()
        super().tearDown()

    def linked_account(self):
        status, _, body = raw_request(f"http://127.0.0.1:{self.desk.port}/api/v1/topic_action",
                                      body=json.dumps({"action": "dialog_by_user", "user_id": self.ann}).encode(),
                                      headers={"X-API-KEY": self.key})
        return body["result"]["user"].get("linked_account") if status == 200 else None

    def operator_info(self):
        thread = self.world.wait_topic(self.ann)["message_thread_id"]
        self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text="/info")

    def from_assistant(self, fragment):
        return lambda m: m.get("from", {}).get("id") == self.assistant_id and fragment in (m.get("text") or "")

    def test_info_in_a_topic_is_answered_with_the_users_subscriptions(self):
        self.sim.send(self.ann, self.world.bot_id, text="Is my plan still active?")
        self.operator_info()
        answer = self.world.wait_in_topic(self.ann, self.from_assistant("Subscriptions of Ann Lee"),
                                          "the assistant bot's answer")
        self.assertIn("Pro until 2027-01-31", answer["text"])
        self.world.wait_in_topic(self.ann, lambda m: m.get("from", {}).get("id") == self.world.bot_id
                                 and "status" in (m.get("text") or ""), "topicdesk's own /info answer")

    def test_a_linked_account_is_looked_up_instead_of_the_user_id(self):
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        thread = self.world.wait_topic(self.ann)["message_thread_id"]
        self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text="/link N005")
        outcome = wait_until(lambda: self.linked_account() == "N005" and "linked"
                             or any("Unknown command /link" in (m.get("text") or "")
                                    for m in self.world.group_messages(thread)) and "unknown",
                             what="/link to be applied or refused")
        if outcome == "unknown":
            self.skipTest("this desk has no /link command")
        self.operator_info()
        answer = self.world.wait_in_topic(self.ann, self.from_assistant("(N005)"), "the answer for account N005")
        self.assertIn("Business until 2027-06-30", answer["text"])


if __name__ == "__main__":
    unittest.main()
