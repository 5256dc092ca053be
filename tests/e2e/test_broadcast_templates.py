"""Broadcasts of a saved template: `/send template:NAME SEGMENT` in General (no reply) renders each
recipient's own values (a custom field of /set, the first name with its fallback), sends a photo
part by the bot's file id, and skips the user whose variable has no value, naming it in the CSV
report; a template deleted between confirmation and sending stops the broadcast with a notice.
The Topics API makes one (create_broadcast) and its broadcast_status and broadcast_report are
checked against what tgsim delivered to each user.

tgsim's limits are on; the group's budget is raised so that seeding the dialogs is quick."""
import time
import unittest

from broadcast_support import BroadcastTestCase
from harness import http_json, text_has, wait_until

PROMO = "Hi {first_name|there}, your plan: {field:plan}"


class BroadcastTemplatesTest(BroadcastTestCase):
    # ---- helpers ----------------------------------------------------------------------------

    def seed(self, *names):
        users = [self.sim.user(name) for name in names]
        for user in users:
            self.sim.send(user, self.world.bot_id, text="hello")
        for user in users:
            self.world.wait_in_topic(user, text_has("hello"), "the user's first message in the topic")
        return users

    def in_topic(self, user, text, answer):
        thread = self.world.wait_topic(user)["message_thread_id"]
        self.say(text, thread=thread)
        self.world.wait_in_topic(user, text_has(answer), f"the answer to {text}")

    def report(self, broadcast_id):
        posted, text = self.posted_report(broadcast_id)
        return posted, {int(r["user_id"]): r for r in self.csv_rows(text)}

    def save_promo(self):
        """PROMO as a text part, then a photo with a caption as the second part."""
        posted = self.say(PROMO)
        ask = self.say("/template save Promo", reply_to=posted)
        self.answer_after(ask, "Template Promo saved")
        photo = self.sim.send(self.world.operator, self.world.group_id, photo="sale.jpg",
                              caption="For {first_name|you}")
        ask = self.say("/template add promo", reply_to=photo)
        self.answer_after(ask, "part 2 of at most 5")

    # ---- tests ------------------------------------------------------------------------------

    def test_send_template_to_a_segment_renders_each_users_values_and_skips_a_missing_one(self):
        self.start()
        ann, bob, cid, dan = self.seed("Ann", "Bob", "Cid", "Dan")
        self.in_topic(ann, "/set plan=pro", "plan = pro")
        self.in_topic(bob, "/set plan=team", "plan = team")
        made = self.say("/mark new vip")
        self.answer_after(made, "vip")
        for user in (ann, bob, cid):  # Dan is not vip
            self.in_topic(user, "/mark vip", "🏷 + vip")
        self.save_promo()

        ask = self.say("/send template:promo vip")
        confirmation = self.answer_after(ask, "recipient")
        self.assertIn("(template Promo, segment vip): 3 recipients", confirmation["text"])
        broadcast_id = int(confirmation["text"].split("#", 1)[1].split(" ", 1)[0])
        ok = self.say(f"/send confirm #{broadcast_id}")
        self.answer_after(ok, "is confirmed")
        done = self.answer_after(ok, f"Broadcast #{broadcast_id} is done", timeout=60)
        self.assertIn("sent 2", done["caption"])
        self.assertIn("skipped 1", done["caption"])

        def got(user):
            return [(m.get("text") or m.get("caption"), "photo" in m) for m in self.from_bot(user)]
        self.assertEqual([("Hi Ann, your plan: pro", False), ("For Ann", True)], got(ann))
        self.assertEqual([("Hi Bob, your plan: team", False), ("For Bob", True)], got(bob))
        self.assertEqual([], got(cid), "no plan and no fallback: nothing, not a blank")
        self.assertEqual([], got(dan), "not in the segment")
        # The photo went by the file id the bot received in General.
        photo = next(m for m in self.from_bot(ann) if "photo" in m)
        original = next(m for m in self.general_messages() if m.get("caption") == "For {first_name|you}")
        self.assertEqual(original["photo"][-1]["file_id"], photo["photo"][-1]["file_id"])

        _, rows = self.report(broadcast_id)
        self.assertEqual({ann, bob, cid}, set(rows))
        for user in (ann, bob):
            ids = [str(m["message_id"]) for m in self.from_bot(user)]
            self.assertEqual("sent", rows[user]["status"])
            self.assertEqual(" ".join(ids), rows[user]["message_ids"])
        self.assertEqual("skipped", rows[cid]["status"])
        self.assertIn("{field:plan}", rows[cid]["error"])
        # Never into the topics.
        self.assertFalse([m for m in self.world.group_messages()
                          if m.get("is_topic_message") and "your plan" in (m.get("text") or "")])

    def test_a_template_deleted_after_confirmation_stops_the_broadcast_with_a_notice(self):
        self.start()
        ann, bob = self.seed("Ann", "Bob")
        self.save_promo()
        key = self.desk.reset_api_key("shop")
        # Confirmed by the call, due in a few seconds; the template is deleted before that.
        made = self.desk.topic_action(key, {"action": "create_broadcast", "template": "promo", "recipients": "all",
                                            "scheduled_at": int(time.time()) + 3})["broadcast"]
        self.assertEqual("scheduled", made["state"])
        self.answer_after(0, f"Broadcast #{made['id']} (template Promo, all) made and confirmed by the Topics API")
        gone = self.say("/template del promo")
        self.answer_after(gone, "Template Promo deleted")

        posted, rows = self.report(made["id"])
        self.assertIn(f"Broadcast #{made['id']} was cancelled", posted["caption"])
        self.assertIn("Template Promo was deleted before everyone got it", posted["caption"])
        self.assertEqual({ann, bob}, set(rows))
        self.assertEqual({"skipped"}, {r["status"] for r in rows.values()})
        self.assertEqual({"cancelled: template Promo was deleted"}, {r["error"] for r in rows.values()})
        self.assertEqual([], self.from_bot(ann) + self.from_bot(bob), "nothing half sent")
        status = self.desk.topic_action(key, {"action": "broadcast_status", "broadcast_id": made["id"]})["broadcast"]
        self.assertEqual("cancelled", status["state"])
        self.assertEqual(2, status["counts"]["skipped"])

    def test_an_api_broadcast_is_reported_as_tgsim_delivered_it(self):
        self.start()
        users = self.seed("Ann", "Bob", "Cid", "Dan", "Eve")
        key = self.desk.reset_api_key("shop")
        self.desk.topic_action(key, {"action": "put_template", "name": "hello",
                                     "parts": [{"kind": "text", "text": "Hello {first_name|there}!"}]})
        stranger = 987654321  # never wrote to the bot
        listed = users[:4] + [stranger]
        made = self.desk.topic_action(key, {"action": "create_broadcast", "template": "hello",
                                            "recipients": listed})["broadcast"]
        self.assertEqual("running", made["state"])
        self.assertEqual({"total": 5, "pending": 4, "sending": 0, "sent": 0, "failed": 0, "blocked": 0,
                          "skipped": 1}, made["counts"])

        def done():
            status = self.desk.topic_action(key, {"action": "broadcast_status", "broadcast_id": made["id"]})
            return status["broadcast"] if status["broadcast"]["state"] == "done" else None
        status = wait_until(done, 60, "the API broadcast done")
        self.assertEqual(4, status["counts"]["sent"])
        self.assertEqual(1, status["counts"]["skipped"])
        self.assertLessEqual(status["created_at"], status["started_at"])
        self.assertLessEqual(status["started_at"], status["finished_at"])
        self.assertTrue(wait_until(lambda: self.desk.topic_action(
            key, {"action": "broadcast_status", "broadcast_id": made["id"]})["broadcast"]["report_ready"], 30,
            "the report kept"))

        rows, after = [], 0
        while True:
            page = self.desk.topic_action(key, {"action": "broadcast_report", "broadcast_id": made["id"],
                                                "limit": 2, "after": after})
            rows += page["rows"]
            if page["next_after"] is None:
                break
            after = page["next_after"]
        self.assertEqual(sorted(listed), [r["user_id"] for r in rows])
        for row in rows:
            if row["user_id"] == stranger:
                self.assertEqual(("skipped", "never wrote to the bot"), (row["status"], row["error"]))
                continue
            delivered = self.from_bot(row["user_id"])
            self.assertEqual(1, len(delivered), row)
            self.assertEqual(f"Hello {row['name']}!", delivered[0]["text"])
            self.assertEqual("sent", row["status"])
            self.assertEqual([delivered[0]["message_id"]], row["message_ids"])
            self.assertIsNotNone(row["sent_at"])
        self.assertEqual([], self.from_bot(users[4]), "not listed")
        csv_page = self.desk.topic_action(key, {"action": "broadcast_report", "broadcast_id": made["id"],
                                                "format": "csv", "limit": 1000})
        _, posted = self.report(made["id"])
        self.assertEqual(posted, {int(r["user_id"]): r for r in self.csv_rows(csv_page["csv"])},
                         "the API's CSV is the report posted in General")

        # Bad requests name the field; nothing is made.
        def error(body):
            status, answer = http_json("POST", f"http://127.0.0.1:{self.desk.port}/api/v1/topic_action",
                                       body, {"X-API-KEY": key})
            return status, answer["error"]["code"], answer["error"]["message"]
        self.assertEqual((404, "unknown_template"),
                         error({"action": "create_broadcast", "template": "nope", "recipients": "all"})[:2])
        status, code, message = error({"action": "create_broadcast", "template": "hello", "recipients": "all",
                                       "scheduled_at": int(time.time()) - 60})
        self.assertEqual((400, "invalid_field"), (status, code))
        self.assertIn('"scheduled_at"', message)
        status, code, message = error({"action": "create_broadcast", "template": "hello", "recipients": []})
        self.assertEqual((400, "invalid_field"), (status, code))
        self.assertIn('"recipients"', message)


if __name__ == "__main__":
    unittest.main()
