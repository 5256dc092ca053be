"""Satisfaction ratings (CSAT): a close asks the user with buttons 1-5; a press is answered,
the question shows the score, the rating and the comment that follows are posted in the topic
and sent as csat_received webhooks, and the dialog stays closed."""
import json
import unittest

from harness import DeskTestCase, World, free_port, http_json, text_has, text_is, wait_until
from hook_receiver import Receiver, signature_ok

SECRET = "e2e-ratings-secret-0123456789"
QUESTION = "How did we do?"


class RatingsTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee", language_code="en")
        self.rx = Receiver(free_port())
        self.rx.start()

    def tearDown(self):
        self.rx.stop()
        super().tearDown()

    def operator_says(self, text):
        thread = self.world.wait_topic(self.ann)["message_thread_id"]
        return self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text=text)

    def press(self, message_id, data):
        return self.sim.call("POST", "/sim/callback", {"from": self.ann, "chat_id": self.world.bot_id,
                                                       "message_id": message_id, "data": data})

    def question_message(self):
        return self.world.wait_at_user(self.ann, text_is(QUESTION), what="the rating question")

    def user_message(self, message_id):
        return next(m for m in self.world.user_messages(self.ann) if m["message_id"] == message_id)

    def csat_events(self):
        return [e for e in self.rx.events() if e["type"] == "csat_received"]

    def method_calls(self, method):
        bot = self.sim.stats()["bots"][str(self.world.bot_id)]
        return bot["methods"].get(method, {}).get("requests", 0)

    def test_close_asks_a_press_rates_a_comment_follows_and_the_dialog_stays_closed(self):
        self.desk = self.start_desk([self.world.connection(
            CSAT=QUESTION, WEBHOOKS=json.dumps({self.rx.url(): ["csat_received", "dialog_reopened"]}),
            WEBHOOKS_SECRET=SECRET)])
        self.sim.send(self.ann, self.world.bot_id, text="Where is my order?")
        self.world.wait_topic(self.ann)
        self.operator_says("It ships today")
        self.world.wait_at_user(self.ann, text_is("It ships today"))
        self.operator_says("/close")

        question = self.question_message()
        buttons = question["reply_markup"]["inline_keyboard"][0]
        self.assertEqual([b["text"] for b in buttons], [f"{n} ⭐" for n in range(1, 6)])
        self.assertTrue(all(len(b["callback_data"].encode()) <= 64 for b in buttons))

        self.press(question["message_id"], buttons[3]["callback_data"])  # 4
        self.world.wait_in_topic(self.ann, text_has("⭐ 4/5 from the user — credited to Olga Operator (@olga_shop)"), what="the rating in the topic")
        edited = wait_until(lambda: (m := self.user_message(question["message_id"])) and "(4/5)" in m["text"] and m,
                            what="the question to show the score")
        self.assertIn("comment", edited["text"])
        self.assertFalse(edited.get("reply_markup", {}).get("inline_keyboard"), "the buttons are removed")
        wait_until(lambda: self.method_calls("answerCallbackQuery") >= 1, what="the press to be answered")
        wait_until(lambda: self.csat_events(), what="the csat_received webhook")
        first = self.csat_events()[0]
        _, headers, raw, _ = next(r for r in self.rx.requests if r[3]["type"] == "csat_received")
        self.assertTrue(signature_ok(SECRET, raw, headers))
        self.assertEqual(first["user"]["id"], self.ann)
        self.assertEqual(first["data"]["score"], 4)
        self.assertEqual(first["data"]["operator_id"], self.world.operator)
        self.assertEqual(first["data"]["comment"], "")
        self.assertLessEqual(first["data"]["closed_at"], first["data"]["rated_at"])
        self.assertEqual(first["dialog"]["status"], "closed")

        # The next text is the comment: posted in the topic, not relayed, the dialog stays closed.
        self.sim.send(self.ann, self.world.bot_id, text="Very quick, thank you")
        self.world.wait_in_topic(self.ann, text_has("comment on their rating: Very quick, thank you"),
                                 what="the comment in the topic")
        wait_until(lambda: len(self.csat_events()) == 2, what="csat_received with the comment")
        second = self.csat_events()[1]
        self.assertEqual(second["data"]["comment"], "Very quick, thank you")
        self.assertEqual(second["data"]["score"], 4)
        self.assertEqual(second["dialog"]["status"], "closed")
        thread = self.world.topic_of(self.ann)["message_thread_id"]
        self.assertFalse([m for m in self.world.group_messages(thread) if m.get("text") == "Very quick, thank you"],
                         "the comment is not relayed as a message")

        # A second press of the same close (a quick double tap) replaces the score.
        self.press(question["message_id"], buttons[1]["callback_data"])  # 2
        self.world.wait_in_topic(self.ann, text_has("2/5 from the user (changed from 4/5)"),
                                 what="the changed rating in the topic")
        wait_until(lambda: len(self.csat_events()) == 3, what="csat_received of the second press")
        third = self.csat_events()[2]
        self.assertEqual(third["data"]["score"], 2)
        self.assertEqual(third["data"]["comment"], "Very quick, thank you")
        self.assertEqual(third["dialog"]["status"], "closed")
        self.assertNotIn("dialog_reopened", [e["type"] for e in self.rx.events()])

        # Later messages are messages again: the dialog reopens as usual.
        self.sim.send(self.ann, self.world.bot_id, text="One more question")
        self.world.wait_in_topic(self.ann, text_is("One more question"))
        wait_until(lambda: "dialog_reopened" in [e["type"] for e in self.rx.events()], what="the reopen")

    def test_in_proxy_mode_the_program_never_gets_the_desks_rating_presses(self):
        self.desk = self.start_desk([self.world.connection(mode="proxy", CSAT=QUESTION)])
        port = self.desk.port
        self.sim.send(self.ann, self.world.bot_id, text="Hello")
        self.world.wait_topic(self.ann)
        self.operator_says("/close")
        question = self.question_message()
        self.press(question["message_id"], question["reply_markup"]["inline_keyboard"][0][4]["callback_data"])
        self.world.wait_in_topic(self.ann, text_has("⭐ 5/5 from the user"), what="the desk's rating")
        self.press(question["message_id"], "program:order-42")  # a button of the bot's own program

        def program_presses():
            status, answer = http_json("POST", f"http://127.0.0.1:{port}/bot{self.world.token}/getUpdates",
                                       {"timeout": 0, "allowed_updates": ["message", "callback_query"]})
            self.assertEqual(status, 200, answer)
            return [u["callback_query"]["data"] for u in answer["result"] if "callback_query" in u]
        presses = wait_until(lambda: (found := program_presses()) and "program:order-42" in found and found,
                             what="the program's own press to reach the program")
        self.assertEqual(presses, ["program:order-42"])

    def test_csat_off_asks_nothing(self):
        self.desk = self.start_desk([self.world.connection(CLOSE_MESSAGE="Bye")])
        self.sim.send(self.ann, self.world.bot_id, text="Hello")
        self.world.wait_topic(self.ann)
        self.operator_says("/close")
        self.world.wait_at_user(self.ann, text_is("Bye"))
        self.assertFalse([m for m in self.world.user_messages(self.ann) if m.get("reply_markup")])


if __name__ == "__main__":
    unittest.main()
