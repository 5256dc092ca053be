"""Broadcasts' other forms (docs/broadcasts.md): `/send file` (a document of user ids, captioned
/send file, posted in reply to the message to send; read through getFile and tgsim's file
download), bad files answered in the chat with nothing made, an album sent whole with
copyMessages (one album in each user's chat), a chain made with `/send add`, and the monthly
quota (BROADCAST_MONTHLY_QUOTA) refusing a broadcast with its numbers.

tgsim's limits are on, with the group's budget raised so that the users' first messages are
seeded quickly."""
import sqlite3
import unittest

from broadcast_support import BroadcastTestCase
from harness import wait_until


class BroadcastFormsTest(BroadcastTestCase):
    def post_file(self, content, reply_to, caption="/send file", name="ids.txt"):
        return self.sim.send(self.world.operator, self.world.group_id, document=name, file_content=content,
                             caption=caption, reply_to_message_id=reply_to)

    def copies(self, user, text):
        return [m for m in self.from_bot(user) if (m.get("text") or m.get("caption")) == text]

    def states(self):
        with sqlite3.connect(self.desk.db_path) as db:
            return [row[0] for row in db.execute("SELECT state FROM broadcasts ORDER BY id")]

    def test_send_file_goes_to_the_users_of_the_document(self):
        self.start()
        users = self.seed_users(6)
        promo = self.say("From a file")
        # Separators of every kind, an empty line, a repeat, and one user who never wrote.
        content = f"{users[0]}, {users[1]}\r\n{users[2]};{users[3]}\n\n{users[0]}\n999999\n"
        asked = self.post_file(content, promo)
        confirmation = self.answer_after(asked, "recipient")
        self.assertIn("(file of 5): 4 recipients, 1 left out", confirmation["text"])
        broadcast = self.broadcast_id(confirmation)
        self.say(f"/send confirm #{broadcast}")
        self.done(broadcast)
        for user in users[:4]:
            self.assertEqual(1, len(self.copies(user, "From a file")), f"user {user}")
        for user in users[4:]:
            self.assertEqual([], self.copies(user, "From a file"), f"user {user}")
        # The document itself never reaches a user.
        self.assertFalse(any(m.get("document") for u in users for m in self.from_bot(u)))

    def test_bad_files_are_answered_and_nothing_is_made(self):
        self.start()
        users = self.seed_users(2)
        promo = self.say("Never sent")
        cases = [
            (self.post_file(f"{users[0]}\nabc\n{users[1]} x\n", promo), "not user ids on lines 2, 3"),
            (self.post_file(" \n\n", promo), "the document holds no user ids"),
            (self.post_file("PK\u0003\u0004\u0000\u0000binary", promo, name="ids.zip"), "not a text file"),
            (self.post_file("1\n" * (1024 * 1024 + 1), promo), "a file of user ids may have 2097152 at most"),
            (self.say("/send file", reply_to=promo), "attach the document of user ids"),
            (self.post_file(f"{users[0]}\n", None), "post the document in reply to the message to send"),
        ]
        for asked, answer in cases:
            self.answer_after(asked, answer)
        self.assertEqual([], self.states())
        self.assertFalse(any(self.copies(u, "Never sent") for u in users))

    def test_an_album_goes_whole_and_a_chain_is_made_with_send_add(self):
        self.start()
        users = self.seed_users(3)
        album = [self.say(None, photo=f"spring{i}.jpg", media_group_id="catalogue", caption=f"Spring {i}")
                 for i in range(3)]
        asked = self.say("/send all", reply_to=album[1])  # any item names the whole album
        confirmation = self.answer_after(asked, "recipient")
        self.assertIn("3 messages each", confirmation["text"])
        broadcast = self.broadcast_id(confirmation)
        self.say(f"/send confirm #{broadcast}")
        self.done(broadcast)
        for user in users:
            photos = [m for m in self.from_bot(user) if m.get("photo")]
            self.assertEqual(["Spring 0", "Spring 1", "Spring 2"], [m.get("caption") for m in photos], f"user {user}")
            groups = {m.get("media_group_id") for m in photos}
            self.assertEqual(1, len(groups), f"user {user}: one album")
            self.assertIsNotNone(groups.pop())

        first = self.say("Part one")
        asked = self.say("/send all", reply_to=first)
        broadcast = self.broadcast_id(self.answer_after(asked, "recipient"))
        second = self.say("Part two")
        added = self.say(f"/send add #{broadcast}", reply_to=second)
        self.assertIn("2 messages each", self.answer_after(added, f"Broadcast #{broadcast}")["text"])
        self.say(f"/send confirm #{broadcast}")
        self.done(broadcast)
        for user in users:
            texts = [m.get("text") for m in self.from_bot(user) if m.get("text") in ("Part one", "Part two")]
            self.assertEqual(["Part one", "Part two"], texts, f"user {user}")

    def test_the_monthly_quota_refuses_a_broadcast_with_the_numbers(self):
        self.start(BROADCAST_MONTHLY_QUOTA="5")
        users = self.seed_users(8)
        promo = self.say("Quota")
        refused = self.say("/send all", reply_to=promo)
        self.assertIn("is not made: over the monthly quota 5 users: 0 used this month, 5 left, "
                      "this broadcast needs 8", self.answer_after(refused, "is not made")["text"])
        listed = self.say("/send list " + " ".join(str(u) for u in users[:3]), reply_to=promo)
        broadcast = self.broadcast_id(self.answer_after(listed, "recipient"))
        self.say(f"/send confirm #{broadcast}")
        self.done(broadcast)
        again = self.say("/send list " + " ".join(str(u) for u in users[3:6]), reply_to=promo)
        self.assertIn("3 used this month, 2 left, this broadcast needs 3", self.answer_after(again, "is not made")["text"])
        self.assertEqual(3, sum(len(self.copies(u, "Quota")) for u in users))
        # The refused ones were closed at once, their users left out: nothing waits to be sent.
        with sqlite3.connect(self.desk.db_path) as db:
            self.assertEqual(["cancelled", "done", "cancelled"],
                             [r[0] for r in db.execute("SELECT state FROM broadcasts ORDER BY id")])
            self.assertEqual(0, db.execute("SELECT COUNT(*) FROM broadcast_recipients WHERE state = 'pending'")
                             .fetchone()[0])


if __name__ == "__main__":
    unittest.main()
