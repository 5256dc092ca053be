"""Segments end to end: users write (one through /start promo42), operators /set fields and
/mark labels, `/segment …` in General answers the right count and examples (a dry run that sends
nothing), a malformed expression gets the parser's error, and the Topics API's segment_count
and segment_list answer the same."""
import unittest

from harness import DeskTestCase, World, http_json, text_has, text_is, wait_until


class SegmentsTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.olga = self.world.operator
        self.desk = self.start_desk([self.world.connection()])
        self.api_key = self.desk.reset_api_key("shop")

    # ---- helpers ----------------------------------------------------------------------------

    def user_writes(self, first_name, text):
        user = self.sim.user(first_name, last_name="Client", language_code="en")
        self.sim.send(user, self.world.bot_id, text=text)
        thread = self.world.wait_topic(user)["message_thread_id"]
        self.world.wait_in_topic(user, text_is(text), "the user's message in the topic")
        return user, thread

    def in_topic(self, thread, text):
        self.sim.send(self.olga, self.world.group_id, message_thread_id=thread, text=text)

    def general_answer(self, text, predicate, what):
        """Olga writes `text` in General; the bot's answer there that `predicate` accepts."""
        seen = {m["message_id"] for m in self.world.group_messages()}
        self.sim.send(self.olga, self.world.group_id, text=text)

        def found():
            return [m for m in self.world.group_messages() if m["message_id"] not in seen
                    and "message_thread_id" not in m and m["from"]["id"] == self.world.bot_id
                    and predicate(m.get("text") or "")]
        return wait_until(found, what=what)[-1]["text"]

    def api(self, body):
        return http_json("POST", f"http://127.0.0.1:{self.desk.port}/api/v1/topic_action", body,
                         {"X-API-KEY": self.api_key})

    def count(self, segment):
        status, answer = self.api({"action": "segment_count", "segment": segment})
        self.assertEqual(status, 200, answer)
        return answer["result"]["count"]

    # ---- the test ---------------------------------------------------------------------------

    def test_segment_counts_and_lists_users_by_labels_fields_and_start_parameter(self):
        ann, ann_thread = self.user_writes("Ann", "/start promo42")
        bob, bob_thread = self.user_writes("Bob", "Hello")
        carl, _ = self.user_writes("Carl", "Hi there")

        self.in_topic(ann_thread, "/set plan=pro")
        self.world.wait_in_topic(ann, text_has("plan = pro"), "the /set answer")
        self.in_topic(bob_thread, "/set plan=team")
        self.world.wait_in_topic(bob, text_has("plan = team"), "the /set answer")
        self.general_answer("/mark new vip", lambda t: "vip" in t, "the new label's answer")
        self.in_topic(ann_thread, "/mark vip")
        self.in_topic(bob_thread, "/mark vip")
        wait_until(lambda: self.count("vip") == 2, what="both users carrying vip")

        answer = self.general_answer("/segment VIP and field:plan=pro", lambda t: t.startswith("🎯"),
                                     "the /segment answer")
        self.assertTrue(answer.startswith("🎯 vip and field:plan=pro: 1 user. A dry run: nothing was sent."), answer)
        self.assertIn(f"Ann Client #{ann}", answer)
        self.assertNotIn("Bob", answer)

        answer = self.general_answer("/segment start:promo42 or (vip and not field:plan=pro)",
                                     lambda t: t.startswith("🎯"), "the /segment answer")
        self.assertIn(": 2 users.", answer)
        self.assertIn(f"Ann Client #{ann}", answer)
        self.assertIn(f"Bob Client #{bob}", answer)
        self.assertNotIn("Carl", answer)

        answer = self.general_answer("/segment status:open and last_message<1d", lambda t: t.startswith("🎯"),
                                     "the /segment answer")
        self.assertIn(": 3 users.", answer)
        self.assertIn(f"Carl Client #{carl}", answer)

        answer = self.general_answer("/segment vip churned", lambda t: t.startswith("⚠️"), "the parser's error")
        self.assertEqual(answer, "⚠️ That segment does not parse: column 5, at `churned`: expected `and`, `or` or "
                                 "the end of the expression. /segment alone shows the syntax.")
        answer = self.general_answer("/segment", lambda t: t.startswith("🎯 /segment"), "the syntax")
        self.assertIn("field:plan=pro", answer)

        for user in (ann, bob, carl):
            self.assertFalse(any("🎯" in (m.get("text") or "") for m in self.world.user_messages(user)),
                             "a dry run sends nothing to users")

        # The Topics API answers the same.
        self.assertEqual(self.count("vip and field:plan=pro"), 1)
        status, answer = self.api({"action": "segment_list", "segment": "vip or start:promo42", "limit": 1})
        self.assertEqual(status, 200, answer)
        result = answer["result"]
        self.assertEqual(result["count"], 2)
        self.assertEqual([u["user"]["user_id"] for u in result["users"]], [ann])
        self.assertIsNotNone(result["next_after"])
        status, answer = self.api({"action": "segment_list", "segment": "vip or start:promo42", "limit": 1,
                                   "after": result["next_after"]})
        self.assertEqual([u["user"]["user_id"] for u in answer["result"]["users"]], [bob])
        self.assertIsNone(answer["result"]["next_after"])

        status, answer = self.api({"action": "segment_count", "segment": "status:pending"})
        self.assertEqual(status, 400)
        self.assertEqual(answer["error"]["code"], "invalid_segment")
        self.assertEqual(answer["error"]["column"], 8)
        self.assertEqual(answer["error"]["token"], "pending")


if __name__ == "__main__":
    unittest.main()
