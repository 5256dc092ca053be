"""Same name, same meaning (docs/parameters.md): the parameters topicdesk shares with the product it
replaces behave as that product documents them, end to end on tgsim. WELCOME at every new contact,
AUTOCLOSE's re-welcome, SILENT_MODE hiding errors only, CLOSE_MESSAGE, LEAVE_CLOSED's forms,
STATUS_ICONS, INTERCEPTED_STATUS, and /help listing what works where it is asked."""
import sqlite3
import unittest

from harness import DeskTestCase, World, free_port, text_has, text_is, wait_until
from td_harness import Account, TdDeskTestCase, wait_in_thread

WAITING_FOR_OPERATORS, WAITING_FOR_USER, CLOSED = "🟪", "🟨", "⬛️"  # the product's markers
HI = "Hi Ann Lee"


class SemanticsTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee")

    def desk_with(self, **parameters):
        return self.start_desk([self.world.connection(**parameters)])

    def thread(self):
        return self.world.wait_topic(self.ann)["message_thread_id"]

    def operator_says(self, text):
        return self.sim.send(self.world.operator, self.world.group_id, message_thread_id=self.thread(), text=text)

    def from_bot(self):
        return [m.get("text") for m in self.world.user_messages(self.ann)
                if m.get("from", {}).get("id") == self.world.bot_id]

    def settle_user_chat(self, text):
        """An operator's message, once it reached the user: everything sent to them before it was sent."""
        self.operator_says(text)
        self.world.wait_at_user(self.ann, text_is(text), f"{text!r} at the user")

    def user_says(self, text, copies=1):
        """The user's message, once the topic has `copies` copies of it."""
        self.sim.send(self.ann, self.world.bot_id, text=text)
        wait_until(lambda: self.world.topic_of(self.ann) and len(
            [m for m in self.world.group_messages(self.world.topic_of(self.ann)["message_thread_id"])
             if m.get("text") == text]) >= copies, what=f"{text!r} in the topic")

    def topic(self):
        return self.world.topic_of(self.ann)

    def test_a_connection_with_only_token_and_group_welcomes_in_english(self):
        self.start_desk([{"name": "shop", "token": self.world.token, "group_id": self.world.group_id}])
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        welcome = self.world.wait_at_user(self.ann, text_has("Ann Lee"), "the default welcome")
        self.assertTrue(welcome["text"].startswith("Hello, Ann Lee!"), welcome["text"])
        self.assertTrue(self.world.wait_topic(self.ann)["name"].startswith(WAITING_FOR_OPERATORS + " "))

    def test_welcome_again_after_close_and_after_start_never_twice_in_a_row(self):
        # {title} is the user's own name even while the operators see a pseudonym.
        self.desk_with(WELCOME="Hi {title}", HIDE_INFO="name")
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        self.world.wait_at_user(self.ann, text_is(HI), "the first welcome")
        thread = wait_until(lambda: next(iter(self.sim.topics(self.world.group_id)), None))["message_thread_id"]
        say = lambda text: self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text=text)  # noqa: E731
        say("/close")
        self.world.wait_at_user(self.ann, text_has("This conversation was closed"), "the close notice")
        # The next contact is welcomed again; two messages in a row get one welcome.
        self.sim.send(self.ann, self.world.bot_id, text="back")
        self.sim.send(self.ann, self.world.bot_id, text="and again")
        say("first answer")
        self.world.wait_at_user(self.ann, text_is("first answer"))
        self.assertEqual(self.from_bot().count(HI), 2, self.from_bot())
        # /start from a user whose dialog is closed is welcomed; a second /start right after is not.
        say("/close")
        self.sim.send(self.ann, self.world.bot_id, text="/start")
        self.sim.send(self.ann, self.world.bot_id, text="/start")
        wait_until(lambda: len([m for m in self.world.group_messages(thread) if m.get("text") == "/start"]) == 2,
                   what="both /start in the topic")
        say("second answer")
        self.world.wait_at_user(self.ann, text_is("second answer"))
        self.assertEqual(self.from_bot().count(HI), 3, self.from_bot())

    def test_welcome_again_after_autoclose(self):
        desk = self.desk_with(WELCOME="Hi {title}", AUTOCLOSE=1)
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        self.world.wait_at_user(self.ann, text_is(HI))
        self.settle_user_chat("our answer")
        self.assertTrue(wait_until(lambda: self.topic()["name"].startswith(WAITING_FOR_USER)))
        # Two hours pass (the desk is stopped while its clock is moved): AUTOCLOSE runs at start.
        desk.stop()
        with sqlite3.connect(desk.db_path) as db:
            db.execute("UPDATE dialogs SET last_operator_reply_at = last_operator_reply_at - 7200000,"
                       " status_changed_at = status_changed_at - 7200000")
        desk.start()
        self.world.wait_at_user(self.ann, text_has("closed after a period without activity"), "the autoclose notice")
        wait_until(lambda: self.topic()["name"].startswith(CLOSED), what="the closed marker")
        self.user_says("I am back")
        wait_until(lambda: self.from_bot().count(HI) == 2, what="the welcome at the next contact")

    def test_a_user_is_told_when_telegram_refuses_the_copy(self):
        self.desk_with(WELCOME="OFF")
        self.user_says("hello")
        self.sim.fault(method="copyMessage", error_code=400, description="Bad Request: message can't be copied")
        self.sim.send(self.ann, self.world.bot_id, text="a paid post")
        self.world.wait_in_topic(self.ann, text_has("could not be copied here"), "the operators' notice")
        self.world.wait_at_user(self.ann, text_has("could not be passed on to our operators"), "the user's notice")
        self.assertEqual(len([t for t in self.from_bot() if "could not be passed on" in (t or "")]), 1)

    def test_silent_mode_hides_the_refusal_and_nothing_else(self):
        self.desk_with(WELCOME="Hi {title}", SILENT_MODE=True)
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        self.world.wait_at_user(self.ann, text_is(HI), "WELCOME, which SILENT_MODE leaves alone")
        self.world.wait_in_topic(self.ann, text_is("hello"))
        self.sim.fault(method="copyMessage", error_code=400, description="Bad Request: message can't be copied")
        self.sim.send(self.ann, self.world.bot_id, text="a paid post")
        self.world.wait_in_topic(self.ann, text_has("could not be copied here"), "the operators' notice")
        self.operator_says("/close")
        self.world.wait_at_user(self.ann, text_has("This conversation was closed"), "the close notice")
        self.assertEqual(len(self.from_bot()), 2, self.from_bot())  # nothing about the refusal

    def test_close_message_off_silences_the_close_notice_alone(self):
        self.desk_with(WELCOME="Hi {title}", CLOSE_MESSAGE="OFF")
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        self.world.wait_at_user(self.ann, text_is(HI))
        self.operator_says("/close")
        wait_until(lambda: self.topic()["name"].startswith(CLOSED), what="the dialog closed")
        self.user_says("back")
        wait_until(lambda: self.from_bot().count(HI) == 2, what="the welcome at the next contact")
        self.settle_user_chat("welcome back")
        self.assertEqual(self.from_bot(), [HI, HI, "welcome back"])

    def test_leave_closed_private_keeps_the_topic_closed_until_an_operator_writes(self):
        self.desk_with(LEAVE_CLOSED=["private"])  # WELCOME is on by default, but not for these
        self.user_says("hello")
        topic = wait_until(lambda: self.topic()["is_closed"] and self.topic(), what="the topic created closed")
        self.assertTrue(topic["name"].startswith(CLOSED), topic["name"])
        self.user_says("anyone there?")
        self.assertTrue(self.topic()["is_closed"])
        self.settle_user_chat("we are here")
        wait_until(lambda: not self.topic()["is_closed"] and self.topic()["name"].startswith(WAITING_FOR_USER),
                   what="the topic open again, waiting for the user")
        self.assertEqual(self.from_bot(), ["we are here"])  # no welcome
        # Closed again: the next message leaves it closed, in the same topic.
        self.operator_says("/close")
        wait_until(lambda: self.topic()["is_closed"], what="the topic closed by /close")
        self.user_says("one more thing")
        self.assertTrue(self.topic()["is_closed"])
        self.assertEqual(len(self.sim.topics(self.world.group_id)), 1)

    def test_leave_closed_false_reopens_the_same_topic(self):
        self.desk_with(LEAVE_CLOSED=False, WELCOME="OFF")
        self.user_says("hello")
        self.operator_says("/close")
        wait_until(lambda: self.topic()["name"].startswith(CLOSED), what="the dialog closed")
        self.user_says("back")
        wait_until(lambda: self.topic()["name"].startswith(WAITING_FOR_OPERATORS), what="the dialog open again")
        self.assertEqual(len(self.sim.topics(self.world.group_id)), 1)
        self.assertFalse(self.topic()["is_closed"])

    def new_topic_after_close(self, **parameters):
        self.desk_with(WELCOME="OFF", **parameters)
        self.user_says("first visit")
        old = self.thread()
        self.operator_says("/close")
        wait_until(lambda: any(t["message_thread_id"] == old and t["is_closed"]
                               for t in self.sim.topics(self.world.group_id)), what="the old topic closed")
        self.sim.send(self.ann, self.world.bot_id, text="second visit")
        new = wait_until(lambda: next((t for t in self.sim.topics(self.world.group_id)
                                       if t["message_thread_id"] != old), None), what="a second topic")
        wait_until(lambda: any(m.get("text") == "second visit" for m in self.world.group_messages(new["message_thread_id"])),
                   what="the message in the new topic")

    def test_new_topic_after_close(self):
        self.new_topic_after_close(NEW_TOPIC_AFTER_CLOSE=True)

    def test_leave_closed_true_still_means_a_new_topic_after_close(self):
        self.new_topic_after_close(LEAVE_CLOSED=True)

    def test_status_icons(self):
        self.desk_with(WELCOME="OFF", STATUS_ICONS=["🟢", "🟡", "⚪"])
        self.user_says("hello")
        self.assertTrue(self.topic()["name"].startswith("🟢 Ann Lee"), self.topic()["name"])
        self.settle_user_chat("answer")
        wait_until(lambda: self.topic()["name"].startswith("🟡 "), what="the waiting-for-the-user marker")

    def test_help_lists_what_works_where_it_is_asked(self):
        self.desk_with(WELCOME="OFF")
        self.user_says("hello")
        self.operator_says("/help")
        in_topic = self.world.wait_in_topic(self.ann, text_has("Commands in a topic"), "/help in the topic")["text"]
        for command in ("/info", "/close", "/hold", "/wait", "/ban", "/unban", "/link", "/unlink", "/set", "/stats",
                        "/help"):
            self.assertIn(f"\n{command} ", in_topic)
        self.assertNotIn("/new ", in_topic)  # a bot connection cannot write first
        general = lambda: [m for m in self.sim.messages(self.world.group_id, self.world.operator)  # noqa: E731
                           if not m.get("message_thread_id") and m.get("from", {}).get("id") == self.world.bot_id]
        self.sim.send(self.world.operator, self.world.group_id, text="/help")
        in_general = wait_until(lambda: next((m["text"] for m in general() if "Commands here in General" in m["text"]),
                                             None), what="/help in General")
        self.assertIn("\n/stats ", in_general)
        for command in ("/info", "/close", "/link", "/set", "/new"):
            self.assertNotIn(f"\n{command} ", in_general)
        # What it lists works there; what it leaves out is not answered there.
        self.sim.send(self.world.operator, self.world.group_id, text="/info")
        self.sim.send(self.world.operator, self.world.group_id, text="/stats")
        wait_until(lambda: any("Dialogs" in m["text"] for m in general()), what="/stats in General")
        self.assertFalse(any("Dialog info" in m["text"] for m in general()))


class InterceptedStatusTest(TdDeskTestCase):
    """The bot's program (an MTProto session beside it) and an account's owner answering from their
    app: INTERCEPTED_STATUS says whether that is an answer (the dialog then waits for the user)."""

    def assert_status_after(self, group, operator, thread, topic_name, counted):
        if counted:
            wait_until(lambda: topic_name().startswith(WAITING_FOR_USER), what="the waiting-for-the-user marker")
            return
        # An operator's /stats after the answer: the dialog still waits for operators.
        self.sim.send(operator, group, message_thread_id=thread, text="/stats")
        stats = wait_in_thread(self.sim, group, operator, thread, text_has("Dialogs"), "/stats")["text"]
        self.assertIn("waiting for operators: 1", stats)
        self.assertTrue(topic_name().startswith(WAITING_FOR_OPERATORS), topic_name())

    def program_answers(self, value, counted):
        world = World(self.sim, "shop")
        parameters = {"WELCOME": "OFF"} | ({"INTERCEPTED_STATUS": value} if value is not None else {})
        self.start_td_desk([{**world.connection("shop", **parameters), "mode": "mtproto"}])
        wait_until(lambda: [s for s in self.sim.call("GET", "/sim/sessions")["sessions"]
                            if s["account_id"] == world.bot_id], what="the desk's MTProto session")
        user = self.sim.user("Ann")
        self.sim.send(user, world.bot_id, text="Where is my parcel?")
        world.wait_in_topic(user, text_is("Where is my parcel?"))
        self.sim.bot_api(world.token, "sendMessage", {"chat_id": user, "text": "It left the warehouse."})
        world.wait_in_topic(user, text_has("It left the warehouse."), "the program's answer, intercepted")
        thread = world.topic_of(user)["message_thread_id"]
        self.assert_status_after(world.group_id, world.operator, thread, lambda: world.topic_of(user)["name"], counted)

    def test_the_programs_answer_is_no_answer_by_default(self):
        self.program_answers(None, counted=False)

    def test_the_programs_answer_with_intercepted_status_owner(self):
        self.program_answers("owner", counted=False)

    def test_the_programs_answer_with_intercepted_status_false(self):
        self.program_answers("false", counted=False)

    def test_the_programs_answer_with_intercepted_status_true(self):
        self.program_answers("true", counted=True)

    def owner_answers(self, value, counted):
        s = self.sim
        desk_bot, token = s.bot("desk_bot")
        operator = s.user("Olga")
        group = s.forum("Sales support", operator)
        s.member(group, desk_bot, "administrator", can_manage_topics=True, can_delete_messages=True)
        account = Account(s, "Sam", "+15550001111")
        s.member(group, account.id)
        customer = s.user("Cara")
        parameters = {"INTERCEPT_EXTERNAL": True, "WELCOME": "OFF"} | (
            {"INTERCEPTED_STATUS": value} if value is not None else {})
        connection = {"name": "sales", "mode": "account", "token": token, "group_id": group, "parameters": parameters}
        port = free_port()
        config = self.write_config([connection], port)
        self.connect_account(config, "sales", account)
        self.start_desk([], port=port, config_text=self.read(config))
        s.send(customer, account.id, text="Is the bike still for sale?")
        topic = wait_until(lambda: next((t for t in s.topics(group) if f"#{customer}" in t["name"]), None),
                           what="the customer's topic")
        thread = topic["message_thread_id"]
        wait_in_thread(s, group, operator, thread, text_is("Is the bike still for sale?"), "the copy")
        s.send(account.id, customer, text="Yes, it is")
        wait_in_thread(s, group, operator, thread, text_has("Yes, it is"), "the owner's answer, intercepted")
        name = lambda: next(t for t in s.topics(group) if t["message_thread_id"] == thread)["name"]  # noqa: E731
        self.assert_status_after(group, operator, thread, name, counted)

    def test_the_owners_answer_counts_by_default(self):
        self.owner_answers(None, counted=True)

    def test_the_owners_answer_with_intercepted_status_false(self):
        self.owner_answers("false", counted=False)


if __name__ == "__main__":
    unittest.main()
