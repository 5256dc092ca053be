"""The setup bot on tgsim, from an empty desk to relaying connections without touching a file:
a bot (its token, a group without topics and a group with a missing right that the bot reports,
the fix, the test message), a parameter changed live, and two personal accounts through the fake
libtdjson (QR code, and phone + code + 2FA password). Bad input (a stranger, an invalid token, a
token already connected, a value out of range) gets a clear answer and leaves nothing behind."""
import os
import re
import sqlite3
import subprocess
import unittest
from contextlib import closing

from harness import TOPICDESK, wait_until
from td_harness import API_HASH, FAKE_TDJSON, Account, TdDeskTestCase

RIGHTS = "manage_topics+delete_messages+pin_messages"


class SetupChat:
    """The admin's private chat with the setup bot, as the admin sees and uses it."""

    def __init__(self, sim, bot_id, person):
        self.sim, self.bot_id, self.person = sim, bot_id, person

    def messages(self):
        return [m for m in self.sim.messages(self.bot_id, self.person) if m.get("from", {}).get("id") == self.bot_id]

    def texts(self):
        return [m.get("text") or m.get("caption") or "" for m in self.messages()]

    def say(self, text):
        return self.sim.send(self.person, self.bot_id, text=text)

    def wait(self, fragment, after=0, what=None):
        """The newest bot message (edited ones included) holding `fragment`, newer than `after`."""
        def found():
            for m in reversed(self.messages()):
                if m["message_id"] > after and fragment in (m.get("text") or m.get("caption") or ""):
                    return m
            return None
        return wait_until(found, what=what or f"the setup bot to say {fragment!r}; it said {self.texts()[-3:]}")

    def last_id(self):
        messages = self.messages()
        return messages[-1]["message_id"] if messages else 0

    def button(self, data):
        """(message, button) of the newest button whose callback data is `data` or whose url starts
        with it, once the setup bot shows one."""
        def find():
            for m in reversed(self.messages()):
                for row in (m.get("reply_markup") or {}).get("inline_keyboard", []):
                    for b in row:
                        if b.get("callback_data") == data or (b.get("url") or "").startswith(data):
                            return m, b
            return None
        return wait_until(find, what=f"a button {data!r}; the setup bot said {self.texts()[-2:]}")

    def press(self, data):
        message, button = self.button(data)
        self.sim.call("POST", "/sim/callback", {"from": self.person, "chat_id": self.bot_id,
                                                 "message_id": message["message_id"],
                                                 "data": button["callback_data"]})


class SetupBotTest(TdDeskTestCase):
    def setUp(self):
        super().setUp()
        sim = self.sim
        self.admin = sim.user("Ann", last_name="Admin", username="ann_admin")
        self.setup_bot, self.setup_token = sim.bot("desk_setup_bot")
        self.shop_bot, self.shop_token = sim.bot("shop_bot")
        self.desk = self.start_desk([], extra_toml="\n".join([
            "", "[tdlib]", f'library = "{FAKE_TDJSON}"', "api_id = 1", f'api_hash = "{API_HASH}"',
            f'data_dir = "{os.path.join(self.workdir, "tdlib")}"', "",
            "[setup]", f'token = "{self.setup_token}"', 'admins = ["@ann_admin"]', ""]))
        self.chat = SetupChat(sim, self.setup_bot, self.admin)

    def add_by_link(self, bot_id, group_id, admin=RIGHTS):
        """The admin opens the link of the button and confirms `admin` rights in `group_id`."""
        self.sim.call("POST", "/sim/startgroup", {"from": self.admin, "bot_id": bot_id, "chat_id": group_id,
                                                  "start": "setup", "admin": admin})

    def connect_bot_token(self, token):
        mark = self.chat.last_id()
        self.chat.say("/start")
        self.chat.wait("connections", after=mark)
        self.chat.press("n")
        # The home menu becomes the choice first; an older menu's button is never the one pressed.
        self.chat.wait("What do you connect?", after=mark)
        self.chat.press("nb")
        self.chat.wait("token", after=mark)
        self.chat.say(token)

    def test_from_an_empty_desk_to_a_relaying_bot_with_a_live_parameter(self):
        sim, chat = self.sim, self.chat
        # A stranger is refused politely, by id.
        stranger = sim.user("Sam", username="sam_stranger")
        sim.send(stranger, self.setup_bot, text="/start")
        refusal = wait_until(lambda: [m for m in sim.messages(self.setup_bot, stranger)
                                      if m["from"]["id"] == self.setup_bot], what="the refusal")
        self.assertIn(str(stranger), refusal[0]["text"])
        self.assertIn("only its admins", refusal[0]["text"])

        chat.say("/start")
        chat.wait("No connections yet")
        chat.press("n")
        chat.press("nb")
        chat.wait("Send me the bot's token")
        # Bad tokens: malformed, then one Telegram refuses. Nothing is kept.
        chat.say("hello")
        chat.wait("does not look like a bot token")
        chat.say("123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        chat.wait("Telegram does not accept this token")
        mark = chat.last_id()
        chat.say(self.shop_token)
        chat.wait('@shop_bot is connected as "shop_bot"', after=mark)
        _, link = chat.button("https://t.me/shop_bot?startgroup=")
        self.assertEqual(link["url"], f"https://t.me/shop_bot?startgroup=setup&admin={RIGHTS}")

        # A group without topics: refused, exactly why.
        plain = sim.call("POST", "/sim/groups", {"title": "Plain", "is_forum": False, "owner_id": self.admin})["id"]
        mark = chat.last_id()
        self.add_by_link(self.shop_bot, plain)
        chat.wait("turn on Topics", after=mark)
        # A forum, but the admin unticked Manage topics.
        forum = sim.forum("Shop support", self.admin)
        mark = chat.last_id()
        self.add_by_link(self.shop_bot, forum, admin="delete_messages+pin_messages")
        problem = chat.wait("Manage topics", after=mark)
        self.assertIn("Shop support", problem["text"])
        # The fix; Check again keeps the group and starts the connection.
        mark = chat.last_id()
        sim.member(forum, self.shop_bot, "administrator", can_manage_topics=True, can_delete_messages=True,
                   can_pin_messages=True)
        chat.press("chk:shop_bot")
        chat.wait('Group "Shop support" is ready', after=mark, what="the group to be accepted")

        # The test message: a customer writes, the topic appears, the setup bot confirms it.
        customer = sim.user("Carla", last_name="Customer")
        sim.send(customer, self.shop_bot, text="Hello shop")
        wait_until(lambda: any(f"#{customer}" in t["name"] for t in sim.topics(forum)), what="the customer's topic")
        mark = chat.last_id()
        chat.press("test:shop_bot")
        chat.wait("appeared in the group", after=mark)
        default_welcome = [m["text"] for m in sim.messages(self.shop_bot, customer) if m["from"]["id"] == self.shop_bot]
        self.assertTrue(default_welcome and "Thank you for your message" in default_welcome[0], default_welcome)

        # A parameter out of range is refused with the file's message; a good one applies to the
        # next message, without a restart.
        chat.press("c:shop_bot")
        chat.press("p:shop_bot")
        chat.press("pv:shop_bot:AUTOCLOSE")
        mark = chat.last_id()
        chat.say("0")
        chat.wait("AUTOCLOSE must be OFF or hours 1..1000000", after=mark)
        chat.say("/cancel")
        chat.press("p:shop_bot")  # back from AUTOCLOSE to the list (the same message, edited)
        chat.press("pv:shop_bot:WELCOME")
        mark = chat.last_id()
        chat.say("Welcome to the shop, {title}!")
        chat.wait("WELCOME of \"shop_bot\" is now", after=mark)
        second = sim.user("Dora", last_name="Customer")
        sim.send(second, self.shop_bot, text="Hi")
        wait_until(lambda: "Welcome to the shop, Dora Customer!" in [
            m.get("text") for m in sim.messages(self.shop_bot, second) if m["from"]["id"] == self.shop_bot],
            what="the new WELCOME")
        wait_until(lambda: any(f"#{second}" in t["name"] for t in sim.topics(forum)), what="the second topic")

        # The same bot again is refused, and nothing is added.
        mark = chat.last_id()
        self.connect_bot_token(self.shop_token)
        chat.wait('already connected as "shop_bot"', after=mark)
        mark = chat.last_id()
        chat.say("/start")
        home = chat.wait("connections", after=mark)
        self.assertEqual(home["text"].count("@shop_bot"), 1, home["text"])
        self.assertIn("running", home["text"])

        # In the admin's language (/language): the doctor's findings and a refused value too, with
        # the configuration file's rule.
        chat.say("/language")
        chat.press("lang:de")
        chat.wait("Sprache: Deutsch")
        mark = chat.last_id()
        chat.say("/start")
        chat.wait("Ihre topicdesk-Verbindungen", after=mark)
        chat.press("c:shop_bot")
        mark = chat.last_id()
        chat.press("doc:shop_bot")
        doctor = chat.wait("Token gültig: @shop_bot", after=mark)
        self.assertIn('die Gruppe "Shop support" ist eine Forum-Supergruppe', doctor["text"])
        self.assertNotIn("token valid", doctor["text"])
        chat.press("p:shop_bot")
        chat.press("pv:shop_bot:AUTOCLOSE")
        mark = chat.last_id()
        chat.say("0")
        chat.wait('AUTOCLOSE muss OFF oder eine Stundenzahl 1..1000000 sein (erhalten: "0")', after=mark)
        chat.say("/cancel")

        # A one-time code from the shell makes its first sender an admin, once.
        claim = subprocess.run([TOPICDESK, "setup", "claim", "--config", self.desk.config_path],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(claim.returncode, 0, claim.stderr)
        code = re.search(r"\d{3}-\d{3}-\d{4}", claim.stdout).group(0)
        sim.send(stranger, self.setup_bot, text=code)
        SetupChat(sim, self.setup_bot, stranger).wait("You are an admin")
        late = sim.user("Lea", username="lea_late")
        sim.send(late, self.setup_bot, text=code)
        SetupChat(sim, self.setup_bot, late).wait("only its admins")
        # The claim is kept in the desk's database (every instance on it knows the admin), with
        # the code spent by its first sender; nothing is kept beside the database.
        with closing(sqlite3.connect(self.desk.db_path)) as db:
            admins = [row[0] for row in db.execute("SELECT user_id FROM setup_admins")]
            used_by = db.execute("SELECT used_by FROM setup_claim_code").fetchone()[0]
        self.assertEqual(admins, [stranger])
        self.assertEqual(used_by, stranger)
        self.assertEqual(os.listdir(os.path.dirname(self.desk.db_path)).count("setup-state.json"), 0)

    def test_accounts_by_qr_code_and_by_phone_code_and_password(self):
        sim, chat = self.sim, self.chat
        # By QR code: the photo is replaced as the login link changes.
        olga = Account(sim, "Olga", "+491700000001")
        desk_bot, desk_token = sim.bot("olga_desk_bot")
        chat.say("/start")
        chat.wait("connections")
        chat.press("n")
        chat.press("na")
        chat.wait("An account connection needs a bot too")
        chat.say(desk_token)
        chat.wait("How do you sign the account in?")
        chat.press("ai:qr")
        photo = wait_until(lambda: next((m for m in self.chat.messages() if m.get("photo")), None),
                           what="the QR code photo")
        first_file = photo["photo"][-1]["file_unique_id"]
        first_link = wait_until(lambda: sim.call("GET", "/sim/qr/pending")["links"], what="a QR link")[0]["link"]
        sim.call("POST", "/sim/clock", {"advance_seconds": 31})

        def replaced():
            current = [m for m in self.chat.messages() if m["message_id"] == photo["message_id"]][0]
            return current["photo"][-1]["file_unique_id"] != first_file
        wait_until(replaced, what="the QR photo replaced in place")
        links = wait_until(lambda: [entry for entry in sim.call("GET", "/sim/qr/pending")["links"]
                                    if entry["link"] != first_link], what="the new QR link")
        self.assertEqual(len([m for m in self.chat.messages() if m.get("photo")]), 1, "one photo, edited")
        sim.call("POST", "/sim/qr/confirm", {"user_id": olga.id, "link": links[0]["link"]})
        chat.wait("Signed in as Olga")
        chat.wait('@olga_desk_bot is connected as "olga_desk_bot" (account)')
        forum = sim.forum("Olga support", self.admin)
        sim.member(forum, olga.id, "member")
        mark = chat.last_id()
        self.add_by_link(desk_bot, forum)
        chat.wait('Group "Olga support" is ready', after=mark)
        customer = sim.user("Carl", last_name="Customer")
        sim.send(customer, olga.id, text="Hello Olga")
        wait_until(lambda: any(f"#{customer}" in t["name"] for t in sim.topics(forum)),
                   what="the account's customer's topic")

        # By phone, code (typed with spaces) and two-step password, whose message is deleted.
        pia = Account(sim, "Pia", "+491700000002", password="tulip-42", code="24680")
        _, pia_desk_token = sim.bot("pia_desk_bot")
        mark = chat.last_id()
        chat.say("/start")
        chat.wait("connections", after=mark)
        chat.press("n")
        chat.press("na")
        chat.say(pia_desk_token)
        chat.wait("@pia_desk_bot will post for the account")
        chat.press("ai:phone")
        chat.wait("phone number in international form")
        chat.say("+49 170 0000002")
        chat.wait("sent a login code to +491700000002")
        chat.say("2 4 6 8 0")
        chat.wait("(hint: pet)")
        password_message = chat.say("tulip-42")
        chat.wait("Signed in as Pia")
        self.assertNotIn(password_message, [m["message_id"] for m in sim.messages(self.setup_bot, self.admin)],
                         "the password's message is deleted")
        self.assertTrue(any(s["account_id"] == pia.id for s in sim.call("GET", "/sim/sessions")["sessions"]))
        mark = chat.last_id()
        chat.say("/start")
        home = chat.wait("connections", after=mark)
        self.assertIn("olga_desk_bot", home["text"])
        self.assertIn("pia_desk_bot", home["text"])


if __name__ == "__main__":
    unittest.main()
