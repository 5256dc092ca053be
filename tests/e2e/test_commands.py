"""Dialog statuses and operator commands, seen in the backend group as operators see them."""
import unittest

from harness import DeskTestCase, World, text_has, text_is, wait_until

NEEDS_OPERATOR, WAITING_FOR_USER, CLOSED = "🟪", "🟨", "⬛️"  # the product's markers (STATUS_ICONS)


class CommandsTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.desk = self.start_desk([self.world.connection()])
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee", language_code="en")
        self.sim.send(self.ann, self.world.bot_id, text="Hi there")
        self.thread = self.world.wait_topic(self.ann)["message_thread_id"]

    def operator_says(self, text):
        return self.sim.send(self.world.operator, self.world.group_id, message_thread_id=self.thread, text=text)

    def wait_title(self, marker):
        return wait_until(lambda: (t := self.world.topic_of(self.ann)) and t["name"].startswith(marker) and t,
                          what=f"topic title with {marker}")

    def test_status_follows_traffic(self):
        self.wait_title(NEEDS_OPERATOR)
        self.operator_says("Hello Ann")
        self.wait_title(WAITING_FOR_USER)
        self.sim.send(self.ann, self.world.bot_id, text="One more thing")
        self.wait_title(NEEDS_OPERATOR)

    def test_close_then_user_message_reopens(self):
        self.operator_says("/close")
        self.wait_title(CLOSED)
        self.sim.send(self.ann, self.world.bot_id, text="Back again")
        self.world.wait_in_topic(self.ann, text_is("Back again"))
        self.wait_title(NEEDS_OPERATOR)
        self.assertEqual(len(self.sim.topics(self.world.group_id)), 1)

    def test_hold_and_wait_set_status(self):
        self.operator_says("/wait")
        self.wait_title(WAITING_FOR_USER)
        self.operator_says("/hold")
        self.wait_title(NEEDS_OPERATOR)
        self.assertFalse(any((m.get("text") or "").startswith("/") for m in self.world.user_messages(self.ann)),
                         "commands must never reach the user")

    def test_info_and_help_answer_in_topic(self):
        self.operator_says("/info")
        info = self.world.wait_in_topic(self.ann, lambda m: m["from"]["id"] == self.world.bot_id
                                        and "ann_lee" in (m.get("text") or "") and "status" in m.get("text", ""),
                                        "the /info answer")
        self.assertIn(str(self.ann), info["text"])
        self.operator_says("/help")
        self.world.wait_in_topic(self.ann, text_has("/close"), "the /help answer")

    def test_stats_in_general(self):
        self.sim.send(self.world.operator, self.world.group_id, text="/stats")
        wait_until(lambda: any("Dialogs" in (m.get("text") or "") and "1" in m.get("text", "")
                               and "message_thread_id" not in m for m in self.world.group_messages()),
                   what="the /stats answer in General")

    def test_ban_stops_relaying_and_unban_resumes(self):
        self.operator_says("/ban")
        self.world.wait_in_topic(self.ann, lambda m: m["from"]["id"] == self.world.bot_id
                                 and "ban" in (m.get("text") or "").lower(), "the ban confirmation")
        self.sim.send(self.ann, self.world.bot_id, text="while banned")
        self.operator_says("/unban")
        self.world.wait_in_topic(self.ann, lambda m: m["from"]["id"] == self.world.bot_id
                                 and "unban" in (m.get("text") or "").lower(), "the unban confirmation")
        self.sim.send(self.ann, self.world.bot_id, text="after unban")
        self.world.wait_in_topic(self.ann, text_is("after unban"))
        texts = [m.get("text") for m in self.world.group_messages(self.thread)]
        self.assertNotIn("while banned", texts)


if __name__ == "__main__":
    unittest.main()
