"""The desk's main job, end to end: users write to a bot, operators answer in topics."""
import unittest

from harness import DeskTestCase, World, text_has, text_is, wait_until


class RelayTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.desk = self.start_desk([self.world.connection()])
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee", language_code="en")

    def test_first_message_creates_topic_with_card_and_copy(self):
        w = self.world
        self.sim.send(self.ann, w.bot_id, text="Hello, my order is late")
        topic = w.wait_topic(self.ann)
        self.assertIn("Ann Lee", topic["name"])
        card = w.wait_in_topic(self.ann, text_has("ann_lee"), "the user card")
        self.assertIn(str(self.ann), card["text"])
        copy = w.wait_in_topic(self.ann, text_is("Hello, my order is late"), "the copied message")
        self.assertEqual(copy["from"]["id"], w.bot_id)
        self.assertEqual(len(self.sim.topics(w.group_id)), 1)

    def test_operator_reply_reaches_user_and_comment_stays(self):
        w = self.world
        self.sim.send(self.ann, w.bot_id, text="Where is my parcel?")
        thread = w.wait_topic(self.ann)["message_thread_id"]
        self.sim.send(w.operator, w.group_id, message_thread_id=thread, text="/ check the warehouse first")
        self.sim.send(w.operator, w.group_id, message_thread_id=thread, text="It ships today")
        w.wait_at_user(self.ann, text_is("It ships today"), "the operator's answer")
        texts = [m.get("text") for m in w.user_messages(self.ann)]
        self.assertNotIn("/ check the warehouse first", texts)

    def test_messages_keep_their_order(self):
        w = self.world
        for i in range(10):
            self.sim.send(self.ann, w.bot_id, text=f"line {i}")
        w.wait_in_topic(self.ann, text_is("line 9"), "the last line")
        thread = w.topic_of(self.ann)["message_thread_id"]
        lines = [m["text"] for m in w.group_messages(thread) if m.get("text", "").startswith("line ")]
        self.assertEqual(lines, [f"line {i}" for i in range(10)])

    def test_replies_map_both_ways(self):
        w = self.world
        first = self.sim.send(self.ann, w.bot_id, text="Question one")
        copy = w.wait_in_topic(self.ann, text_is("Question one"))
        thread = w.topic_of(self.ann)["message_thread_id"]
        self.sim.send(w.operator, w.group_id, message_thread_id=thread, text="Answer one",
                      reply_to_message_id=copy["message_id"])
        answer = w.wait_at_user(self.ann, text_is("Answer one"))
        self.assertEqual(answer.get("reply_to_message", {}).get("message_id"), first)
        self.sim.send(self.ann, w.bot_id, text="Thanks for that", reply_to_message_id=answer["message_id"])
        thanks = w.wait_in_topic(self.ann, text_is("Thanks for that"))
        operator_msg = next(m for m in w.group_messages(thread) if m.get("text") == "Answer one")
        self.assertEqual(thanks["reply_to_message"]["message_id"], operator_msg["message_id"])

    def test_edits_are_mirrored_both_ways(self):
        w = self.world
        mid = self.sim.send(self.ann, w.bot_id, text="Helo")
        copy = w.wait_in_topic(self.ann, text_is("Helo"))
        self.sim.edit(self.ann, w.bot_id, mid, text="Hello")
        w.wait_in_topic(self.ann, lambda m: m["message_id"] == copy["message_id"] and m.get("text") == "Hello",
                        "the edited copy")
        thread = w.topic_of(self.ann)["message_thread_id"]
        op = self.sim.send(w.operator, w.group_id, message_thread_id=thread, text="Hi tehre")
        w.wait_at_user(self.ann, text_is("Hi tehre"))
        self.sim.edit(w.operator, w.group_id, op, text="Hi there")
        w.wait_at_user(self.ann, text_is("Hi there"), "the edited answer")

    def test_content_types_are_copied(self):
        w = self.world
        kinds = {"photo": "cat.jpg", "document": "invoice.pdf", "voice": "note.ogg", "video": "clip.mp4",
                 "sticker": "smile.webp"}
        for kind, name in kinds.items():
            self.sim.send(self.ann, w.bot_id, **{kind: name})
        self.sim.send(self.ann, w.bot_id, location={"latitude": 52.5, "longitude": 13.4})
        self.sim.send(self.ann, w.bot_id, contact={"phone_number": "+4930123", "first_name": "Ann"})
        for kind in [*kinds, "location", "contact"]:
            w.wait_in_topic(self.ann, lambda m, k=kind: k in m and m["from"]["id"] == w.bot_id, f"a {kind} copy")

    def test_album_is_copied_together(self):
        w = self.world
        for i in range(3):
            self.sim.send(self.ann, w.bot_id, photo=f"p{i}.jpg", media_group_id="alb1",
                          caption="trip" if i == 0 else None)
        wait_until(lambda: len([m for m in self._topic_messages() if "photo" in m]) == 3, what="3 album photos")
        groups = {m.get("media_group_id") for m in self._topic_messages() if "photo" in m}
        self.assertEqual(len(groups), 1)
        self.assertIsNotNone(groups.pop())

    def _topic_messages(self):
        topic = self.world.topic_of(self.ann)
        return self.world.group_messages(topic["message_thread_id"]) if topic else []

    def test_deleted_topic_is_recreated(self):
        w = self.world
        self.sim.send(self.ann, w.bot_id, text="first")
        old = w.wait_topic(self.ann)["message_thread_id"]
        w.wait_in_topic(self.ann, text_is("first"))
        self.sim.delete_topic(w.group_id, old)
        self.sim.send(self.ann, w.bot_id, text="after delete")
        topic = wait_until(lambda: (t := w.topic_of(self.ann)) and t["message_thread_id"] != old and t,
                           what="a new topic")
        w.wait_in_topic(self.ann, text_is("after delete"))
        w.wait_in_topic(self.ann, text_has("ann_lee"), "the card again")
        self.assertNotEqual(topic["message_thread_id"], old)

    def test_blocked_user_is_shown_in_topic(self):
        w = self.world
        self.sim.send(self.ann, w.bot_id, text="bye")
        thread = w.wait_topic(self.ann)["message_thread_id"]
        self.sim.block(self.ann, w.bot_id)
        self.sim.send(w.operator, w.group_id, message_thread_id=thread, text="are you there?")
        w.wait_in_topic(self.ann, lambda m: "block" in (m.get("text") or "").lower() and m["from"]["id"] == w.bot_id,
                        "a notice that the user blocked the bot")

    def test_reactions_are_mirrored(self):
        w = self.world
        self.sim.send(self.ann, w.bot_id, text="react to me")
        copy = w.wait_in_topic(self.ann, text_is("react to me"))
        self.sim.react(w.operator, w.group_id, copy["message_id"], "👍")
        wait_until(lambda: any(r.get("emoji") == "👍" for m in w.user_messages(self.ann)
                               if m.get("text") == "react to me" for r in m.get("reactions", [])),
                   what="the reaction at the user")


class SharedGroupTest(DeskTestCase):
    def test_two_connections_share_one_backend_group(self):
        first = World(self.sim, "alpha")
        second = World(self.sim, "beta", group=first)
        self.start_desk([first.connection("alpha"), second.connection("beta")])
        ann, bob = self.sim.user("Ann"), self.sim.user("Bob")
        self.sim.send(ann, first.bot_id, text="to alpha")
        self.sim.send(bob, second.bot_id, text="to beta")
        first.wait_in_topic(ann, text_is("to alpha"))
        second.wait_in_topic(bob, text_is("to beta"))
        thread = second.topic_of(bob)["message_thread_id"]
        self.sim.send(first.operator, first.group_id, message_thread_id=thread, text="beta answers")
        second.wait_at_user(bob, text_is("beta answers"))
        self.assertFalse(any(m.get("text") == "beta answers" for m in first.user_messages(ann)))


if __name__ == "__main__":
    unittest.main()
