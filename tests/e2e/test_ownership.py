"""Dialog ownership end to end: several operators take, assign and unassign dialogs in their
topics, go on and off shift, see their own dialogs, ASSIGN shares new dialogs among those on
shift, and UNANSWERED_ALERT calls the owner of a dialog that waits too long."""
import sqlite3
import unittest

from harness import DeskTestCase, World, text_has, text_is, wait_until

OWNER_MARK = "👤"


class OwnershipTest(DeskTestCase):
    parameters = {}
    desk_toml = ""

    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.olga = self.world.operator  # username olga_shop, the group's creator
        self.ivan = self.sim.user("Ivan", username="Ivan_Help")
        self.maria = self.sim.user("Maria", username="maria_help")
        for operator in (self.ivan, self.maria):
            self.sim.member(self.world.group_id, operator)
        self.desk = self.start_desk([self.world.connection(**self.parameters)], self.desk_toml)

    # ---- helpers ----------------------------------------------------------------------------

    def user_writes(self, first_name, text="Hello"):
        user = self.sim.user(first_name, last_name="Client", username=f"{first_name.lower()}_client")
        self.sim.send(user, self.world.bot_id, text=text)
        thread = self.world.wait_topic(user)["message_thread_id"]
        # The copy follows the topic in its queue: the desk has recorded the topic by then.
        self.world.wait_in_topic(user, text_is(text), "the user's message in the topic")
        return user, thread

    def in_topic(self, operator, thread, text):
        self.sim.send(operator, self.world.group_id, message_thread_id=thread, text=text)

    def in_general(self, operator, text):
        self.sim.send(operator, self.world.group_id, text=text)

    def bot_says_in_general(self, predicate, what):
        def found():
            return [m for m in self.world.group_messages() if "message_thread_id" not in m
                    and m["from"]["id"] == self.world.bot_id and predicate(m.get("text") or "")]
        return wait_until(found, what=what)

    def wait_owner_in_title(self, user, owner):
        """The topic's title ends with the owner's short name (None: no owner shown)."""
        def shown():
            topic = self.world.topic_of(user)
            if not topic:
                return None
            name = topic["name"]
            ok = name.endswith(f"{OWNER_MARK} {owner}") if owner else OWNER_MARK not in name
            return ok and topic
        return wait_until(shown, what=f"the title of {user}'s topic with owner {owner}")

    def api_dialogs(self):
        if not hasattr(self, "api_key"):  # one key: the desk reads a reset key once
            self.api_key = self.desk.reset_api_key("shop")
        return self.desk.dialogs(self.api_key)

    def shift_on(self, *operators):
        for operator, name in operators:
            self.in_general(operator, "/shift on")
            self.bot_says_in_general(lambda t, n=name: t.startswith(f"🟢 {n}") and "on shift" in t,
                                     f"{name} on shift")


class ManualOwnershipTest(OwnershipTest):
    def test_take_assign_unassign_in_topic_title_info_and_api(self):
        ann, thread = self.user_writes("Ann")
        self.in_general(self.ivan, "Good morning")  # Ivan becomes a known operator
        self.in_topic(self.olga, thread, "/take")
        self.world.wait_in_topic(ann, text_has("took this dialog"), "the /take answer")
        self.wait_owner_in_title(ann, "Olga")

        self.in_topic(self.olga, thread, "/assign @IVAN_HELP")
        self.world.wait_in_topic(ann, text_has("gave this dialog to Ivan (@Ivan_Help)"), "the /assign answer")
        self.wait_owner_in_title(ann, "Ivan")
        self.in_topic(self.olga, thread, "/info")
        self.world.wait_in_topic(ann, text_has("owner: Ivan (@Ivan_Help)"), "the owner in /info")
        owners = [d["dialog"]["owner"] for d in self.api_dialogs()]
        self.assertEqual(owners, [{"id": self.ivan, "name": "Ivan (@Ivan_Help)"}], "the Topics API shows the owner")

        # Maria has never written in the group: she is not known yet.
        self.in_topic(self.olga, thread, "/assign @maria_help")
        answer = self.world.wait_in_topic(ann, text_has("is not an operator the desk knows"),
                                          "the unknown operator's answer")
        self.assertIn("@maria_help", answer["text"])
        self.assertIn("once they write in this group", answer["text"])
        self.in_topic(self.maria, thread, "/unassign")
        self.world.wait_in_topic(ann, text_has("Maria (@maria_help) left this dialog without an owner"),
                                 "the /unassign answer")
        self.wait_owner_in_title(ann, None)
        self.assertEqual([d["dialog"]["owner"] for d in self.api_dialogs()], [None])
        # A program gives it back to Olga through the Topics API.
        given = self.desk.topic_action(self.api_key, {"action": "assign", "topic_id": thread, "owner_id": self.olga})
        self.assertEqual(given["dialog"]["owner"]["id"], self.olga)
        self.world.wait_in_topic(ann, text_has("The Topics API gave this dialog to Olga"), "the API's change told")
        self.wait_owner_in_title(ann, "Olga")
        self.assertFalse(any((m.get("text") or "").startswith("/") for m in self.world.user_messages(ann)),
                         "commands never reach the user")


class RoundRobinTest(OwnershipTest):
    parameters = {"ASSIGN": "round_robin"}

    def test_new_dialogs_rotate_among_operators_on_shift(self):
        self.shift_on((self.olga, "Olga"), (self.ivan, "Ivan"), (self.maria, "Maria"))
        self.in_general(self.maria, "/shift off")
        self.bot_says_in_general(lambda t: t.startswith("⚪ Maria") and "off shift" in t, "Maria off shift")
        self.in_general(self.olga, "/shift")
        listing = self.bot_says_in_general(lambda t: t.startswith("On shift (2)"), "who is on shift")[-1]["text"]
        self.assertIn("Olga", listing)
        self.assertIn("Ivan", listing)
        self.assertNotIn("Maria", listing)

        ann, ann_thread = self.user_writes("Ann")
        self.wait_owner_in_title(ann, "Olga")
        bob, _ = self.user_writes("Bob")
        self.wait_owner_in_title(bob, "Ivan")
        # A restart: the rotation goes on where it stopped.
        self.desk.stop()
        self.desk.start()
        carl, carl_thread = self.user_writes("Carl")
        self.wait_owner_in_title(carl, "Olga")

        self.in_general(self.olga, "/mine")
        mine = self.bot_says_in_general(lambda t: t.startswith("Your open dialogs"), "Olga's dialogs")[-1]["text"]
        internal = str(-self.world.group_id - 1000000000000)
        self.assertIn(f"https://t.me/c/{internal}/{ann_thread}", mine)
        self.assertIn(f"https://t.me/c/{internal}/{carl_thread}", mine)
        self.assertEqual(mine.count("https://t.me/c/"), 2, mine)


class LeastOpenTest(OwnershipTest):
    # Six new dialogs in a few seconds, with their titles and notices, are more than the group's
    # 20 messages a minute and NEW_TOPICS_PER_MINUTE's 5, which the desk would wait for; tgsim's
    # limits are off here, so are the desk's.
    parameters = {"ASSIGN": "least_open", "NEW_TOPICS_PER_MINUTE": "OFF"}
    desk_toml = "[telegram.limits]\nenabled = false\n"

    def test_new_dialogs_go_to_the_operator_with_the_fewest_open_dialogs(self):
        self.shift_on((self.olga, "Olga"), (self.ivan, "Ivan"), (self.maria, "Maria"))
        ann, ann_thread = self.user_writes("Ann")  # nobody owns anything: the lowest id
        self.wait_owner_in_title(ann, "Olga")
        bob, _ = self.user_writes("Bob")
        self.wait_owner_in_title(bob, "Ivan")
        carl, carl_thread = self.user_writes("Carl")
        self.wait_owner_in_title(carl, "Maria")
        # Uneven loads: Ivan takes Ann's and Carl's dialogs (Ivan 3, Olga 0, Maria 0).
        for user, thread in ((ann, ann_thread), (carl, carl_thread)):
            self.in_topic(self.ivan, thread, "/take")
            self.wait_owner_in_title(user, "Ivan")
        dan, _ = self.user_writes("Dan")
        self.wait_owner_in_title(dan, "Olga")  # 0 open, before Maria by id
        eve, _ = self.user_writes("Eve")
        self.wait_owner_in_title(eve, "Maria")  # Olga has one now
        fay, _ = self.user_writes("Fay")
        self.wait_owner_in_title(fay, "Olga")  # Olga 1, Maria 1, Ivan 3: the lowest id


class UnansweredAlertTest(OwnershipTest):
    parameters = {"UNANSWERED_ALERT": 1}

    def wait_longer(self, user):
        """The user's wait began three minutes ago (the desk is stopped while its clock moves)."""
        self.desk.stop()
        with sqlite3.connect(self.desk.db_path) as db:
            db.execute("UPDATE dialogs SET status_changed_at = status_changed_at - 180000 WHERE user_id = ?", (user,))
        self.desk.start()

    def alerts_for(self, name):
        return [m for m in self.world.group_messages() if "message_thread_id" not in m
                and f"{name} Client has waited" in (m.get("text") or "")]

    def test_a_waiting_dialog_is_announced_once_with_its_owner(self):
        ann, thread = self.user_writes("Ann")
        self.in_topic(self.olga, thread, "/take")
        self.world.wait_in_topic(ann, text_has("took this dialog"), "the /take answer")
        self.wait_longer(ann)
        alert = wait_until(lambda: self.alerts_for("Ann"), what="the alert for Ann")[0]["text"]
        internal = str(-self.world.group_id - 1000000000000)
        self.assertIn(f"https://t.me/c/{internal}/{thread}", alert)
        self.assertIn("@olga_shop", alert, "the owner is mentioned")

        # Bob waits too; when his alert comes, the same scan has passed Ann's dialog again.
        bob, _ = self.user_writes("Bob")
        self.wait_longer(bob)
        wait_until(lambda: self.alerts_for("Bob"), what="the alert for Bob")
        self.assertEqual(len(self.alerts_for("Ann")), 1, "one alert per wait")
        self.assertIn("Nobody owns this dialog", self.alerts_for("Bob")[0]["text"])


if __name__ == "__main__":
    unittest.main()
