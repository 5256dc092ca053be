"""Formatting survives mirrored edits: the relay sends the edit's entities with editMessageText.

The simulator's control API edits plain text only (no parse_mode), so the entities here are the
ones Telegram adds by itself (links, mentions), which tgsim would also detect on a plain edit.
These tests therefore check that the entities the relay passes on are accepted and not doubled;
that bold and the like are not lost is covered by the unit tests (tests/unit/relay:
EditsAreMirroredByContentKind, EditsAndReactionsTargetTheLinkedCopy).
"""
import unittest

from harness import DeskTestCase, World, text_is


def entity_types(message):
    return [(e["type"], e["offset"], e["length"]) for e in message.get("entities", [])]


class FormattingTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.desk = self.start_desk([self.world.connection()])
        self.ann = self.sim.user("Ann", username="ann_lee")

    def test_user_edit_keeps_its_link_in_the_topic(self):
        w = self.world
        mid = self.sim.send(self.ann, w.bot_id, text="Order status")
        copy = w.wait_in_topic(self.ann, text_is("Order status"))
        edited = "Order status: https://shop.example/o/42"
        self.sim.edit(self.ann, w.bot_id, mid, text=edited)
        new_copy = w.wait_in_topic(self.ann, lambda m: m["message_id"] == copy["message_id"]
                                   and m.get("text") == edited, "the edited copy")
        self.assertEqual(entity_types(new_copy), [("url", 14, 25)])

    def test_operator_edit_keeps_its_mention_at_the_user(self):
        w = self.world
        self.sim.send(self.ann, w.bot_id, text="Who handles refunds?")
        thread = w.wait_topic(self.ann)["message_thread_id"]
        op = self.sim.send(w.operator, w.group_id, message_thread_id=thread, text="Ask billing")
        w.wait_at_user(self.ann, text_is("Ask billing"))
        self.sim.edit(w.operator, w.group_id, op, text="Ask @billing_desk")
        answer = w.wait_at_user(self.ann, text_is("Ask @billing_desk"), "the edited answer")
        self.assertEqual(entity_types(answer), [("mention", 4, 13)])


if __name__ == "__main__":
    unittest.main()
