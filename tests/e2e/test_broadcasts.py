"""Broadcasts: /send in General, in reply to the message to send. A confirmation with the count,
one progress message edited as it goes, delivery to every user exactly once (checked in tgsim,
user by user, against the CSV report), users who blocked the bot reported and left out of the
next broadcast, a SIGKILL in the middle resumed without second copies beyond the in-flight
window, pause / resume / cancel, `at TIME`, and bad input answered in the chat.

tgsim's limits are on (30 messages/s per bot), with the group's budget raised so that the users'
first messages (topic, card, copy) are seeded quickly."""
import sqlite3
import unittest

from broadcast_support import BroadcastTestCase
from harness import wait_until

PROMO = "Winter sale: everything -20% until Sunday"
# Claimed per commit plus calls at once: the most a kill can leave in flight (broadcast_sender.h).
IN_FLIGHT_WINDOW = 8 + 32


class BroadcastsTest(BroadcastTestCase):
    def promo_copies(self, user, text=PROMO):
        return [m for m in self.from_bot(user) if m.get("text") == text]

    def broadcast_row(self, broadcast_id):
        with sqlite3.connect(self.desk.db_path) as db:
            return db.execute("SELECT state, report FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()

    def report(self, broadcast_id):
        """The CSV report posted in General as a document; it is also kept with the broadcast."""
        _, text = self.posted_report(broadcast_id)
        state, kept = self.broadcast_row(broadcast_id)
        self.assertEqual(kept, text)
        return state, self.csv_rows(text)

    def send_all(self, promo_text=PROMO):
        promo = self.say(promo_text)
        ask = self.say("/send all", reply_to=promo)
        confirmation = self.answer_after(ask, "recipient")
        broadcast_id = self.broadcast_id(confirmation)
        return promo, broadcast_id, confirmation

    def test_every_user_gets_it_once_the_report_matches_and_blocked_users_are_left_out_next_time(self):
        desk = self.start()
        users = self.seed_users(60)
        blocked = users[:3]
        # They block the bot while the desk is down and the updates that say so are gone (taken
        # by another program, or older than Telegram's 24 hours): the desk learns it from the
        # broadcast's 403s.
        desk.stop()
        for user in blocked:
            self.sim.block(user, self.world.bot_id)
        updates = self.sim.bot_api(self.world.token, "getUpdates", {"timeout": 0})["result"]
        if updates:
            self.sim.bot_api(self.world.token, "getUpdates", {"offset": updates[-1]["update_id"] + 1, "timeout": 0})
        desk.start()

        _, first, confirmation = self.send_all()
        self.assertIn("60 recipients", confirmation["text"])
        ok = self.say(f"/send confirm #{first}")
        self.answer_after(ok, "is confirmed")
        progress = self.done(first)
        self.assertIn("sent 57", progress["text"])
        self.assertIn("blocked 3", progress["text"])
        # One progress message, edited: never a second one for the same broadcast.
        self.assertEqual(1, sum(1 for m in self.general_messages()
                                if f"Broadcast #{first} — " in (m.get("text") or "")))
        self.answer_after(ok, f"Broadcast #{first} is done: sent 57, blocked the bot 3")

        state, rows = self.report(first)
        self.assertEqual("done", state)
        self.assertEqual(sorted(users), sorted(int(r["user_id"]) for r in rows))
        for row in rows:
            user = int(row["user_id"])
            copies = self.promo_copies(user)
            if user in blocked:
                self.assertEqual("blocked", row["status"], row)
                self.assertEqual([], copies)
            else:
                self.assertEqual("sent", row["status"], row)
                self.assertEqual(1, len(copies), f"user {user} got {len(copies)} copies")
                self.assertEqual(str(copies[0]["message_id"]), row["message_ids"])
                self.assertTrue(row["sent_at"].endswith("Z"))
            self.assertTrue(row["name"].startswith("User"), row)
        # Never into the topics: the backend group holds no copy of the broadcast.
        self.assertFalse([m for m in self.world.group_messages()
                          if m.get("is_topic_message") and m.get("text") == PROMO])

        _, second, confirmation = self.send_all("Second round")
        self.assertIn("57 recipients", confirmation["text"])

    def test_a_sigkill_in_the_middle_resumes_without_second_copies_beyond_the_in_flight_window(self):
        desk = self.start()
        users = self.seed_users(200)
        _, broadcast_id, _ = self.send_all()
        self.say(f"/send confirm #{broadcast_id}")
        wait_until(lambda: sum(1 for u in users[:80] if self.promo_copies(u)) >= 30, 60, "30 users served")
        desk.kill()
        desk.start()
        self.done(broadcast_id)
        _, rows = self.report(broadcast_id)
        by_user = {int(r["user_id"]): r for r in rows}
        twice = []
        for user in users:
            copies = self.promo_copies(user)
            self.assertGreaterEqual(len(copies), 1, f"user {user} got nothing")
            self.assertEqual("sent", by_user[user]["status"])
            if len(copies) > 1:
                twice.append(user)
                self.assertEqual(2, len(copies))
                self.assertIn("may have arrived twice", by_user[user]["error"])
            self.assertIn(str(copies[-1]["message_id"]), by_user[user]["message_ids"].split())
        self.assertLessEqual(len(twice), IN_FLIGHT_WINDOW)

    def test_test_pause_resume_cancel_and_a_scheduled_broadcast(self):
        self.start()
        users = self.seed_users(40)
        self.sim.send(self.world.operator, self.world.bot_id, text="I am the operator")
        wait_until(lambda: len(self.sim.topics(self.world.group_id)) >= 41, 60, "the operator's dialog")

        promo = self.say("Just a test")
        ask = self.say("/send test", reply_to=promo)
        self.assertIn("1 recipient.", self.answer_after(ask, "recipient")["text"])
        self.say("/send confirm")
        wait_until(lambda: self.promo_copies(self.world.operator, "Just a test"), 30, "the test at the operator")
        self.assertFalse(any(self.promo_copies(u, "Just a test") for u in users))

        _, running, _ = self.send_all("Paused and resumed")
        self.say(f"/send confirm #{running}")
        paused = self.say(f"/send pause #{running}")
        self.answer_after(paused, "is paused")
        resumed = self.say(f"/send resume #{running}")
        self.answer_after(resumed, "goes on")
        self.done(running)
        for user in users:
            self.assertEqual(1, len(self.promo_copies(user, "Paused and resumed")), f"user {user}")

        promo = self.say("Tomorrow's news")
        ask = self.say("/send all at 2099-01-01 09:00", reply_to=promo)
        confirmation = self.answer_after(ask, "recipient")
        self.assertIn("Scheduled for 2099-01-01 09:00 UTC", confirmation["text"])
        confirmed = self.say("/send confirm")
        self.assertIn("goes out at 2099-01-01 09:00 UTC", self.answer_after(confirmed, "is confirmed")["text"])
        cancelled = self.say("/send cancel")
        self.answer_after(cancelled, "is cancelled")
        again = self.say("/send resume")
        self.answer_after(again, "no broadcast to do that to")
        self.assertFalse(any(self.promo_copies(u, "Tomorrow's news") for u in users))

    def test_bad_input_is_answered_in_the_chat_and_nothing_is_sent(self):
        self.start()
        users = self.seed_users(3)
        promo = self.say("Nothing to see")
        cases = [
            (self.say("/send all"), "reply with it to the message to send"),
            (self.say("/send everybody", reply_to=promo), "There is no label “everybody”"),
            (self.say("/send list 12 abc", reply_to=promo), "'abc' is not a user id"),
            (self.say("/send list 999999", reply_to=promo), "is not made: none of the 1 listed users"),
            (self.say("/send all at 25:00", reply_to=promo), "'25:00' is not a time of day"),
            (self.say("/send all at 2001-01-01 10:00", reply_to=promo), "that time has passed"),
            (self.say("/send confirm #4242"), "there is no broadcast #4242"),
        ]
        for asked, answer in cases:
            self.answer_after(asked, answer)
        with sqlite3.connect(self.desk.db_path) as db:
            states = [row[0] for row in db.execute("SELECT state FROM broadcasts")]
        self.assertEqual(["cancelled"], states)  # the list of nobody: made and closed at once
        self.assertFalse(any(self.promo_copies(u, "Nothing to see") for u in users))


if __name__ == "__main__":
    unittest.main()
