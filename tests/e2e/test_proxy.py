"""The Bot API proxy end to end: a grammY bot (its own program) talks to Telegram (tgsim) through
the desk, keeps answering its users, while the desk relays the conversation into topics, shows
the program's answers as intercepted and lets operators answer too."""
import json
import os
import shutil
import unittest

from harness import DeskTestCase, Process, World, free_port, text_has, text_is, wait_until

NODE = shutil.which("node")
BOT_JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "proxy_bot", "bot.js")
MARK = "📤 Sent by the bot's program"
# A copy into the group whose send a kill interrupted is repeated with this line
# (docs/architecture.md, "Delivery guarantee").
REPEATED = "↻ possibly repeated after a restart"


@unittest.skipUnless(NODE, "node is needed for the grammY bot")
class ProxyTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee")
        self.program = None

    def tearDown(self):
        if self.program:
            self.program.stop()
        super().tearDown()

    def start(self, **parameters):
        port = free_port()
        lines = ["[server]", f'listen = "127.0.0.1:{port}"',
                 "[storage]", f'sqlite = "{os.path.join(self.workdir, "desk.db")}"',
                 "[telegram]", f'api_base = "{self.sim.base}"',
                 # tgsim runs without limits here: these tests are about what reaches whom, and the
                 # desk's own pacing (20 a minute into a group, kept across restarts) would only wait.
                 "[telegram.limits]", "enabled = false",
                 "[[connection]]", 'name = "shop"', 'mode = "proxy"', f'token = "{self.world.token}"',
                 f"group_id = {self.world.group_id}"]
        if parameters:
            lines.append("[connection.parameters]")
            lines += [f"{key} = {json.dumps(value)}" for key, value in parameters.items()]
        self.desk = self.start_desk([], config_text="\n".join(lines) + "\n", port=port)
        self.program = Process([NODE, BOT_JS, self.world.token, f"http://127.0.0.1:{port}"],
                               os.path.join(self.workdir, "program.log"))
        wait_until(lambda: "polling" in self.program.output() or not self.program.alive(), what="the program")
        self.assertTrue(self.program.alive(), self.program.output())

    def user_texts(self):
        return [m.get("text") for m in self.world.user_messages(self.ann) if m["from"]["id"] == self.world.bot_id]

    def press(self, message, data):
        self.sim.call("POST", "/sim/callback", {"from": self.ann, "chat_id": self.world.bot_id,
                                                 "message_id": message["message_id"], "data": data})

    def topic_messages(self):
        return self.world.group_messages(self.world.topic_of(self.ann)["message_thread_id"])

    def intercepted_count(self):
        return len([m for m in self.topic_messages() if (m.get("text") or "").startswith(MARK)])

    def wait_copy(self, message_id, fragment, what):
        """The topic message `message_id` once its text has `fragment`."""
        return wait_until(lambda: next((m for m in self.topic_messages() if m["message_id"] == message_id
                                        and fragment in (m.get("text") or "")), None), what=what)

    def test_program_answers_and_the_topic_shows_everything(self):
        w = self.world
        self.start()
        self.sim.send(self.ann, w.bot_id, text="/start")
        welcome = w.wait_at_user(self.ann, text_is("Welcome to the shop!"), "the program's /start answer")
        buttons = welcome["reply_markup"]["inline_keyboard"]
        self.assertEqual(buttons[1][0]["web_app"]["url"], "https://shop.example/app")
        # The topic has the user's message and the intercepted answer with its buttons listed.
        w.wait_in_topic(self.ann, text_is("/start"), "the user's /start in the topic")
        copy = w.wait_in_topic(self.ann, text_has("Welcome to the shop!"), "the intercepted answer")
        self.assertTrue(copy["text"].startswith(MARK), copy["text"])
        self.assertIn("[Open shop ▸ web app https://shop.example/app]", copy["text"])
        # A button press reaches the program (the desk does not eat callback queries); the program
        # edits its menu in place, and the topic copy follows: marker, formatting, new buttons.
        intercepted_before = self.intercepted_count()
        self.press(welcome, "prices")
        edited = w.wait_at_user(self.ann, text_is("Tea costs 3 EUR"), "the program's menu edited")
        self.assertEqual(edited["message_id"], welcome["message_id"])
        copy = self.wait_copy(copy["message_id"], "Tea costs 3 EUR", "the copy following the menu")
        self.assertEqual(copy["text"], f"{MARK}\nTea costs 3 EUR\n\n⌨️ [Back]")
        bold = [e for e in copy.get("entities", []) if e["type"] == "bold"]
        units = copy["text"].encode("utf-16-le")  # entity offsets count UTF-16 code units
        self.assertEqual([units[2 * e["offset"]:2 * (e["offset"] + e["length"])].decode("utf-16-le") for e in bold],
                         ["3 EUR"])
        self.press(welcome, "back")
        copy = self.wait_copy(copy["message_id"], "Welcome to the shop!", "the copy back at the main menu")
        self.assertIn("[Prices]", copy["text"])
        self.assertEqual(self.intercepted_count(), intercepted_before, "edited in place, nothing new posted")
        # Text echo, and an operator answering from the topic.
        self.sim.send(self.ann, w.bot_id, text="hello")
        w.wait_at_user(self.ann, text_is("echo: hello"), "the echo")
        thread = w.topic_of(self.ann)["message_thread_id"]
        self.sim.send(w.operator, w.group_id, message_thread_id=thread, text="A human here, how can I help?")
        w.wait_at_user(self.ann, text_is("A human here, how can I help?"), "the operator's answer")
        # The program never sees the backend group: no echo of the operator's message anywhere.
        w.wait_in_topic(self.ann, text_has("echo: hello"), "the echo intercepted")
        self.assertNotIn("echo: A human here, how can I help?", self.user_texts())
        self.assertEqual(len(self.sim.topics(w.group_id)), 1)

    def test_copies_and_forwards_by_the_program_show_the_real_content(self):
        w = self.world
        self.start()
        self.sim.send(self.ann, w.bot_id, text="/offer")
        offer = "Offer of the day: green tea"
        wait_until(lambda: len([m for m in w.user_messages(self.ann) if m.get("text") == offer]) == 3,
                   what="the offer, its copy and its forward at the user")
        # The copy (known to the proxy only by its id) is copied from the user's chat behind a
        # marker line; the forward (answered with the whole message) is shown like a send.
        marker = w.wait_in_topic(self.ann, text_is(f"{MARK} (copied below)"), "the marker of the copy")
        copied = w.wait_in_topic(self.ann, lambda m: m["message_id"] > marker["message_id"] and text_is(offer)(m),
                                 "the copy's real content in the topic")
        self.assertNotIn("reply_markup", copied)
        wait_until(lambda: len([m for m in self.topic_messages() if m.get("text") == f"{MARK}\n{offer}"]) == 2,
                   what="the offer and its forward intercepted")

    def test_intercept_external_off_keeps_the_program_out_of_the_topic(self):
        w = self.world
        self.start(INTERCEPT_EXTERNAL=False)
        self.sim.send(self.ann, w.bot_id, text="ping")
        w.wait_at_user(self.ann, text_is("echo: ping"), "the echo")
        w.wait_in_topic(self.ann, text_is("ping"), "the user's message in the topic")
        self.sim.send(self.ann, w.bot_id, text="ping 2")
        w.wait_in_topic(self.ann, text_is("ping 2"), "the second message in the topic")
        w.wait_at_user(self.ann, text_is("echo: ping 2"), "the second echo")
        thread = w.topic_of(self.ann)["message_thread_id"]
        texts = [m.get("text") or "" for m in w.group_messages(thread)]
        self.assertFalse([t for t in texts if t.startswith(MARK)], texts)

    def test_nothing_lost_or_duplicated_across_desk_restarts(self):
        w = self.world
        self.start()
        sent = []

        def write(texts):
            for text in texts:
                self.sim.send(self.ann, w.bot_id, text=text)
                sent.append(text)

        for round_, stop in enumerate(("term", "kill")):
            write([f"m{round_}-{i}" for i in range(4)])
            # The program has answered these before the desk goes (an answer in flight when the
            # desk dies is the program's to retry, as with Telegram itself).
            for text in sent:
                w.wait_at_user(self.ann, text_is(f"echo: {text}"), f"the echo of {text}")
            self.desk.stop() if stop == "term" else self.desk.kill()
            write([f"m{round_}-down-{i}" for i in range(3)])  # users keep writing meanwhile
            self.desk.start()
        write(["after"])
        for text in sent:
            w.wait_at_user(self.ann, text_is(f"echo: {text}"), f"the echo of {text}")
            w.wait_in_topic(self.ann, text_is(text), f"{text} in the topic")
            w.wait_in_topic(self.ann, text_has(f"echo: {text}"), f"the echo of {text} intercepted")
        echoes = [t for t in self.user_texts() if t and t.startswith("echo: ")]
        self.assertEqual(sorted(echoes), sorted(f"echo: {t}" for t in sent), "each echoed exactly once")
        thread = w.topic_of(self.ann)["message_thread_id"]
        topic = [m.get("text") or "" for m in w.group_messages(thread)]
        self.assertEqual(sorted(t for t in topic if t in sent), sorted(sent), "each message copied exactly once")
        intercepted = [t for t in topic if t.startswith(MARK)]
        repeated = [t for t in intercepted if REPEATED in t]
        self.assertEqual(len(intercepted) - len(repeated), len(sent), "each answer intercepted exactly once")
        # Only a copy in flight at the kill may come again, and it says so: at most the answers of
        # the round the kill ended.
        self.assertLessEqual(len(repeated), 4, repeated)
        self.assertEqual(len(self.sim.topics(w.group_id)), 1)

if __name__ == "__main__":
    unittest.main()
