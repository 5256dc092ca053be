"""Per-connection parameters, end to end (AUTOCLOSE's hours are covered by the relay unit tests)."""
import unittest

from harness import DeskTestCase, World, text_has, text_is, wait_until


class ParametersTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee")

    def desk_with(self, **parameters):
        self.start_desk([self.world.connection(**parameters)])

    def from_bot(self, predicate):
        return lambda m: m.get("from", {}).get("id") == self.world.bot_id and predicate(m)

    def operator_says(self, text, **fields):
        thread = self.world.topic_of(self.ann)["message_thread_id"]
        return self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text=text, **fields)

    def marker_message(self, user, text="marker"):
        """Sends a last message and waits for it: everything the user sent before it was handled."""
        self.sim.send(user, self.world.bot_id, text=text)

    def test_welcome_greets_new_users_by_title(self):
        self.desk_with(WELCOME="Hi {title}, we answer within an hour")
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        self.world.wait_at_user(self.ann, text_has("Hi Ann Lee, we answer within an hour"))

    def test_silent_mode_hides_errors_only(self):
        # SILENT_MODE is the product's "do not show clients errors": WELCOME and the close notice
        # have their own switches (test_semantics.py).
        self.desk_with(WELCOME="Welcome!", SILENT_MODE=True, RESTRICTED_KEYWORDS_FRONTEND=["casino"])
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        self.world.wait_at_user(self.ann, text_is("Welcome!"))
        self.world.wait_in_topic(self.ann, text_is("hello"))
        self.sim.send(self.ann, self.world.bot_id, text="best casino deals")
        self.world.wait_in_topic(self.ann, self.from_bot(text_has("withheld")), "the withheld notice")
        self.operator_says("/close")
        self.world.wait_at_user(self.ann, text_has("This conversation was closed"))
        from_bot = [m.get("text") for m in self.world.user_messages(self.ann) if m["from"]["id"] == self.world.bot_id]
        self.assertEqual(len(from_bot), 2, from_bot)  # nothing about the withheld message

    def test_hide_info_name_uses_pseudonyms(self):
        self.desk_with(HIDE_INFO="name")
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        topic = wait_until(lambda: next(iter(self.sim.topics(self.world.group_id)), None), what="a topic")
        messages = wait_until(lambda: [m for m in self.world.group_messages(topic["message_thread_id"])
                                       if m.get("text") == "hello"] and self.world.group_messages(topic["message_thread_id"]),
                              what="the copy in the pseudonymous topic")
        for text in [topic["name"]] + [m.get("text") or "" for m in messages]:
            self.assertNotIn("Ann", text)
            self.assertNotIn("ann_lee", text)
            self.assertNotIn(str(self.ann), text)

    def test_private_keywords_open_dialogs_only_on_match(self):
        self.desk_with(PRIVATE_KEYWORDS=["order", ["refund", "~joke"]])
        bob = self.sim.user("Bob")
        self.sim.send(bob, self.world.bot_id, text="refund, just a joke")
        self.sim.send(self.ann, self.world.bot_id, text="just saying hi")
        self.sim.send(self.ann, self.world.bot_id, text="Where is my order?")
        self.world.wait_in_topic(self.ann, text_is("Where is my order?"))
        self.marker_message(bob, "I want a refund")
        self.world.wait_in_topic(bob, text_is("I want a refund"))
        texts = [m.get("text") for m in self.world.group_messages()]
        self.assertNotIn("just saying hi", texts)
        self.assertNotIn("refund, just a joke", texts)

    def test_reply_only_delivers_replies_only(self):
        self.desk_with(REPLY_ONLY=True)
        self.sim.send(self.ann, self.world.bot_id, text="question")
        copy = self.world.wait_in_topic(self.ann, text_is("question"))
        self.operator_says("note for the team")
        self.operator_says("the answer", reply_to_message_id=copy["message_id"])
        self.world.wait_at_user(self.ann, text_is("the answer"))
        self.assertNotIn("note for the team", [m.get("text") for m in self.world.user_messages(self.ann)])

    def test_auto_info_posts_info_on_new_dialog(self):
        self.desk_with(AUTO_INFO=True)
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        self.world.wait_in_topic(self.ann, self.from_bot(lambda m: "status" in (m.get("text") or "")), "the /info text")

    def test_ignore_chats_and_white_list(self):
        bob, eve = self.sim.user("Bob", username="bobby_b"), self.sim.user("Eve")
        self.desk_with(IGNORE_CHATS=[eve], WHITE_LIST=["@bobby_b", str(self.ann)])
        carl = self.sim.user("Carl")
        self.sim.send(eve, self.world.bot_id, text="from eve")
        self.sim.send(carl, self.world.bot_id, text="from carl")
        self.sim.send(bob, self.world.bot_id, text="from bob")
        self.world.wait_in_topic(bob, text_is("from bob"))
        self.marker_message(self.ann)
        self.world.wait_in_topic(self.ann, text_is("marker"))
        self.assertIsNone(self.world.topic_of(eve))
        self.assertIsNone(self.world.topic_of(carl))

    def test_restricted_keywords_both_sides(self):
        self.desk_with(RESTRICTED_KEYWORDS_FRONTEND=["casino"], RESTRICTED_KEYWORDS_BACKEND=["password"])
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        self.world.wait_in_topic(self.ann, text_is("hello"))
        self.sim.send(self.ann, self.world.bot_id, text="best casino deals")
        self.world.wait_in_topic(self.ann, self.from_bot(text_has("withheld")), "the withheld notice")
        self.world.wait_at_user(self.ann, text_has("not delivered"), "the user's notice")
        self.operator_says("your password is hunter2")
        self.world.wait_in_topic(self.ann, self.from_bot(text_has("restricted keyword")), "the backend notice")
        texts = [m.get("text") for m in self.world.user_messages(self.ann)]
        self.assertNotIn("your password is hunter2", texts)
        self.assertNotIn("best casino deals", [m.get("text") for m in self.world.group_messages()])

    def test_leave_closed_starts_a_new_topic(self):
        self.desk_with(LEAVE_CLOSED=True)
        self.sim.send(self.ann, self.world.bot_id, text="first visit")
        old = self.world.wait_topic(self.ann)["message_thread_id"]
        self.operator_says("/close")
        wait_until(lambda: any(t["message_thread_id"] == old and t["is_closed"] for t in self.sim.topics(self.world.group_id)),
                   what="the old topic closed")
        self.sim.send(self.ann, self.world.bot_id, text="second visit")
        wait_until(lambda: len(self.sim.topics(self.world.group_id)) == 2, what="a second topic")
        new = next(t for t in self.sim.topics(self.world.group_id) if t["message_thread_id"] != old)
        wait_until(lambda: any(m.get("text") == "second visit" for m in self.world.group_messages(new["message_thread_id"])),
                   what="the message in the new topic")

    def test_icon_color(self):
        self.desk_with(ICON_COLOR="0xFF93B2")
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        self.assertEqual(self.world.wait_topic(self.ann)["icon_color"], 0xFF93B2)


if __name__ == "__main__":
    unittest.main()
