"""Switching back to a bot's own program after an outage (docs/backup-system.md): the grammY
program stops, three users write, an operator answers one of them in its topic, and the program
comes back. With PROXY_BACKLOG = unanswered it answers only the two others; by default all three.
/backlog in General shows the backlog by dialog; /backlog drop answered drops the answered one."""
import json
import os
import shutil
import time
import unittest

from harness import DeskTestCase, Process, World, free_port, text_is, wait_until

NODE = shutil.which("node")
BOT_JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "proxy_bot", "bot.js")
OUTAGE_SECONDS = 1  # PROXY_OUTAGE: the program counts as away after this long


@unittest.skipUnless(NODE, "node is needed for the grammY bot")
class ProxyBacklogTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.users = [self.sim.user(name) for name in ("Ann", "Bob", "Cid")]
        self.program = None
        self.port = None

    def tearDown(self):
        if self.program:
            self.program.stop()
        super().tearDown()

    def start(self, **parameters):
        self.port = free_port()
        parameters.setdefault("PROXY_OUTAGE", OUTAGE_SECONDS)
        lines = ["[server]", f'listen = "127.0.0.1:{self.port}"',
                 "[storage]", f'sqlite = "{os.path.join(self.workdir, "desk.db")}"',
                 "[telegram]", f'api_base = "{self.sim.base}"',
                 "[telegram.limits]", "enabled = false",
                 "[[connection]]", 'name = "shop"', 'mode = "proxy"', f'token = "{self.world.token}"',
                 f"group_id = {self.world.group_id}", "[connection.parameters]"]
        lines += [f"{key} = {json.dumps(value)}" for key, value in parameters.items()]
        self.desk = self.start_desk([], config_text="\n".join(lines) + "\n", port=self.port)
        self.start_program()

    def start_program(self):
        self.program = Process([NODE, BOT_JS, self.world.token, f"http://127.0.0.1:{self.port}"],
                               os.path.join(self.workdir, f"program-{time.monotonic_ns()}.log"))
        wait_until(lambda: "polling" in self.program.output() or not self.program.alive(), what="the program")
        self.assertTrue(self.program.alive(), self.program.output())

    def echoes(self, user):
        return [m.get("text") for m in self.world.user_messages(user)
                if m["from"]["id"] == self.world.bot_id and (m.get("text") or "").startswith("echo: ")]

    def general_answer(self, text, predicate, what):
        """The operator writes `text` in General; the bot's answer there that `predicate` accepts."""
        w = self.world
        seen = {m["message_id"] for m in w.group_messages()}
        self.sim.send(w.operator, w.group_id, text=text)

        def found():
            return [m for m in w.group_messages() if m["message_id"] not in seen
                    and "message_thread_id" not in m and m["from"]["id"] == w.bot_id
                    and predicate(m.get("text") or "")]
        return wait_until(found, what=what)[-1]["text"]

    def outage(self):
        """The program is up (each user has its topic and an echo), then stops; each user writes
        once more, and an operator answers Ann in her topic."""
        w = self.world
        for user in self.users:
            self.sim.send(user, w.bot_id, text="hello")
        for user in self.users:
            w.wait_at_user(user, text_is("echo: hello"), "the program's echo before the outage")
            w.wait_in_topic(user, text_is("hello"), "the first message in the topic")
        self.program.stop()
        self.program = None
        for user in self.users:
            self.sim.send(user, w.bot_id, text="anyone there?")
        for user in self.users:
            w.wait_in_topic(user, text_is("anyone there?"), "the message of the outage in the topic")
        queued = time.monotonic()  # in the topics: queued for the program too (one transaction)
        ann = self.users[0]
        self.sim.send(w.operator, w.group_id, message_thread_id=w.topic_of(ann)["message_thread_id"],
                      text="Yes, a human. Your order ships today.")
        w.wait_at_user(ann, text_is("Yes, a human. Your order ships today."), "the operator's answer")
        # "Away" is defined by time (PROXY_OUTAGE): the program must have taken nothing, and the
        # first update of the outage must have waited, for that long (the desk's clock decides).
        wait_until(lambda: time.monotonic() - queued > OUTAGE_SECONDS + 0.2, what="the outage to last")

    def program_answers(self, expected_users, silent_users):
        for user in expected_users:
            self.world.wait_at_user(user, text_is("echo: anyone there?"), "the returning program's echo")
        # The queue is in order and grammY answers it in order: once the last user's update is
        # answered, anything of the silent users would have been answered before it.
        wait_until(lambda: "Nothing waits" in self.general_answer("/backlog", lambda t: t.startswith("📥"),
                                                                   "/backlog after the return"),
                   what="the program to take everything")
        for user in silent_users:
            self.assertEqual(self.echoes(user), ["echo: hello"], "the answered user is not answered again")
        for user in expected_users:
            self.assertEqual(self.echoes(user), ["echo: hello", "echo: anyone there?"])

    def test_unanswered_gives_the_returning_program_only_dialogs_nobody_answered(self):
        self.start(PROXY_BACKLOG="unanswered")
        self.outage()
        self.start_program()
        ann, bob, cid = self.users
        self.program_answers([bob, cid], [ann])

    def test_by_default_the_returning_program_gets_everything(self):
        self.start()
        self.outage()
        self.start_program()
        self.program_answers(self.users, [])

    def test_backlog_shows_and_drops_what_operators_answered(self):
        self.start()
        self.outage()
        ann, bob, cid = self.users
        shown = self.general_answer("/backlog", lambda t: t.startswith("📥"), "the backlog")
        self.assertIn("Waiting for shop's program: 3 updates", shown)
        self.assertIn("(3 updates in 3 dialogs; 1 update answered meanwhile in 1 dialog)", shown)
        lines = shown.split("\n")
        self.assertTrue(any(line.startswith("🟨 Ann") and "answered meanwhile" in line for line in lines), shown)
        self.assertTrue(any(line.startswith("🟪 Bob") and "answered" not in line for line in lines), shown)
        self.assertIn("/backlog drop answered", shown)
        usage = self.general_answer("/backlog drop everything", lambda t: t.startswith("/backlog shows"),
                                    "the usage")
        self.assertIn("/backlog drop answered", usage)
        dropped = self.general_answer("/backlog drop answered", lambda t: t.startswith("📥"), "the drop")
        self.assertIn("dropped 1 update of dialogs operators answered meanwhile", dropped)
        shown = self.general_answer("/backlog", lambda t: t.startswith("📥"), "the backlog after the drop")
        self.assertIn("Waiting for shop's program: 2 updates", shown)
        self.assertNotIn("Ann", shown)
        # The default mode gives the returning program what is left: Bob's and Cid's.
        self.start_program()
        self.program_answers([bob, cid], [ann])


if __name__ == "__main__":
    unittest.main()
