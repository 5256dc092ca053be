"""Exports through the real desk: /export in General posts the clients as a CSV document,
/export here in a topic posts the conversation as HTML and JSON Lines, wrong input is answered,
HIDE_INFO keeps every identity out of the files, and `topicdesk export` writes the whole desk
into a folder while the desk runs."""
import csv
import io
import json
import os
import subprocess
import urllib.request

from harness import TOPICDESK, DeskTestCase, World, text_is, wait_until

NO_FLOOD_LIMITS = "[telegram.limits]\nenabled = false\n"
QUIET = {"NEW_TOPICS_PER_MINUTE": "OFF", "USER_MESSAGES_PER_MINUTE": "OFF", "WELCOME": "OFF"}


class ExportsTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)

    # The operator's side of the group.


    def bot_after(self, message_id, predicate, what, thread=None):
        """The desk's first message after `message_id` (in General, or in `thread`) matching `predicate`."""
        def found():
            messages = self.world.group_messages(thread) if thread else self.world.general_messages()
            return next((m for m in messages if m["message_id"] > message_id
                         and m.get("from", {}).get("id") == self.world.bot_id and predicate(m)), None)
        return wait_until(found, 30, what)

    def answer_to(self, text, thread=None):
        asked = self.world.say(text, thread=thread)
        return self.bot_after(asked, lambda m: "text" in m, f"the answer to {text!r}", thread)["text"]

    def document_after(self, message_id, suffix, thread=None):
        """The document whose name ends with `suffix` posted after `message_id`: (message, text)."""
        posted = self.bot_after(message_id, lambda m: m.get("document", {}).get("file_name", "").endswith(suffix),
                                f"a {suffix} document", thread)
        path = self.sim.bot_api(self.world.token, "getFile", {"file_id": posted["document"]["file_id"]})
        url = f"{self.sim.base}/file/bot{self.world.token}/{path['result']['file_path']}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return posted, response.read().decode()

    # Traffic: Anna (username, phone unknown) and Boris write; Olga answers Anna, sets a field
    # and a label on her.
    def traffic(self, **parameters):
        w = self.world
        self.desk = self.start_desk([w.connection(**QUIET, **parameters)], NO_FLOOD_LIMITS)
        self.anna = self.sim.user("Anna", last_name="Lee", username="anna_lee", language_code="en")
        self.boris = self.sim.user("Boris", language_code="ru")
        self.sim.send(self.anna, w.bot_id, text="/start promo42")
        self.sim.send(self.anna, w.bot_id, text="Hi, I am Anna <b>and</b> I need help")
        # Under HIDE_INFO titles carry no user id: Anna's topic is the first one.
        self.thread = wait_until(lambda: self.sim.topics(w.group_id), what="Anna's topic")[0]["message_thread_id"]
        self.sim.send(self.boris, w.bot_id, text="привет")
        wait_until(lambda: len(self.sim.topics(w.group_id)) == 2, what="Boris's topic")
        wait_until(lambda: any(m.get("text") == "Hi, I am Anna <b>and</b> I need help"
                               for m in w.group_messages(self.thread)), what="Anna's question in her topic")
        self.world.say("Hello Anna, how can we help?", thread=self.thread)
        w.wait_at_user(self.anna, text_is("Hello Anna, how can we help?"))
        self.answer_to("/mark new vip")
        self.answer_to("/mark vip", self.thread)
        self.answer_to("/set plan=pro", self.thread)

    def test_clients_and_a_conversation_are_posted_as_documents(self):
        self.traffic()
        asked = self.world.say("/export")
        posted, text = self.document_after(asked, ".csv")
        self.assertEqual(posted["caption"], "📤 2 clients")
        rows = {row["first_name"]: row for row in csv.DictReader(io.StringIO(text))}
        self.assertEqual(set(rows), {"Anna", "Boris"})
        anna = rows["Anna"]
        self.assertEqual((anna["connection"], anna["user_id"], anna["last_name"], anna["username"], anna["language"]),
                         ("shop", str(self.anna), "Lee", "anna_lee", "en"))
        self.assertEqual((anna["labels"], json.loads(anna["fields"]), anna["start_parameter"], anna["dialogs"]),
                         ("vip", {"plan": "pro"}, "promo42", "1"))
        self.assertEqual(anna["status"], "support_answered")
        self.assertTrue(anna["first_contact"].endswith("Z") and anna["last_contact"] >= anna["first_contact"])
        self.assertEqual(rows["Boris"]["status"], "user_answered")

        asked = self.world.say("/export vip and lang:en")
        posted, text = self.document_after(asked, ".csv")
        self.assertEqual(posted["caption"], "📤 1 client in vip and lang:en")
        self.assertEqual([row["user_id"] for row in csv.DictReader(io.StringIO(text))], [str(self.anna)])

        self.assertIn("That segment does not parse: column 5", self.answer_to("/export vip churned"))
        self.assertIn("/export here works in a topic", self.answer_to("/export here"))

        asked = self.world.say("/export here", thread=self.thread)
        _, html = self.document_after(asked, ".html", self.thread)
        _, jsonl = self.document_after(asked, ".jsonl", self.thread)
        self.assertIn("Conversation with Anna Lee (@anna_lee)", html)
        self.assertIn("Hi, I am Anna &lt;b&gt;and&lt;/b&gt; I need help", html)
        self.assertNotIn("<script", html)
        lines = [json.loads(line) for line in jsonl.splitlines()]
        said = [(line["author"], line["text"]) for line in lines]
        self.assertIn(("user", "Hi, I am Anna <b>and</b> I need help"), said)
        self.assertIn(("operator", "Hello Anna, how can we help?"), said)

    def test_hide_info_keeps_every_identity_out_of_the_files(self):
        self.traffic(HIDE_INFO="name", EXTENSIONS_ALLOWED="@olga_shop")
        asked = self.world.say("/export")
        posted, text = self.document_after(asked, ".csv")
        self.assertIn("HIDE_INFO", posted["caption"])
        for secret in ("Anna", "Lee", "anna_lee", str(self.anna), "Boris", str(self.boris), "plan"):
            self.assertNotIn(secret, text)
        self.assertEqual(len(list(csv.DictReader(io.StringIO(text)))), 2)

        asked = self.world.say("/export here", thread=self.thread)
        _, html = self.document_after(asked, ".html", self.thread)
        _, jsonl = self.document_after(asked, ".jsonl", self.thread)
        for secret in ("Anna", "Lee", "anna_lee", str(self.anna)):
            self.assertNotIn(secret, html)
            self.assertNotIn(secret, jsonl)
        self.assertIn("Olga", html)

    def test_topicdesk_export_writes_the_whole_desk_while_it_runs(self):
        self.traffic()
        saved = self.world.say("Our opening hours: 9 to 5")
        self.assertIn("greet", self.answer_to_reply("/template save greet", saved))
        out = os.path.join(self.workdir, "exports", "today")
        done = subprocess.run([TOPICDESK, "export", "--config", self.desk.config_path, "--out", out],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("clients.csv: 2 clients", done.stdout)
        self.assertIn("dialogs.csv: 2 dialogs", done.stdout)
        self.assertIn("labels.csv: 1 label", done.stdout)
        self.assertIn("templates.jsonl: 1 template", done.stdout)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o700)
        for name in ("clients.csv", "dialogs.csv", "labels.csv", "templates.jsonl", "history/shop.jsonl"):
            self.assertEqual(os.stat(os.path.join(out, name)).st_mode & 0o777, 0o600, name)

        with open(os.path.join(out, "clients.csv"), newline="") as f:
            clients = {row["username"]: row for row in csv.DictReader(f)}
        self.assertEqual(clients["anna_lee"]["labels"], "vip")
        with open(os.path.join(out, "dialogs.csv"), newline="") as f:
            dialogs = {row["user_id"]: row for row in csv.DictReader(f)}
        self.assertEqual(dialogs[str(self.anna)]["thread_id"], str(self.thread))
        self.assertEqual(dialogs[str(self.anna)]["labels"], "vip")
        with open(os.path.join(out, "labels.csv"), newline="") as f:
            self.assertEqual([(r["name"], r["dialogs"]) for r in csv.DictReader(f)], [("vip", "1")])
        with open(os.path.join(out, "templates.jsonl")) as f:
            template = json.loads(f.readline())
        self.assertEqual((template["name"], template["parts"][0]["text"]), ("greet", "Our opening hours: 9 to 5"))
        with open(os.path.join(out, "history", "shop.jsonl")) as f:
            history = [json.loads(line) for line in f]
        texts = [(h["author"], h["text"]) for h in history]
        self.assertIn(("user", "Hi, I am Anna <b>and</b> I need help"), texts)
        self.assertIn(("user", "привет"), texts)
        self.assertIn(("operator", "Hello Anna, how can we help?"), texts)

        refused = subprocess.run([TOPICDESK, "export", "--config", self.desk.config_path,
                                  "--out", os.path.join(self.desk.config_path, "inside-a-file")],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("export:", refused.stderr)
        self.assertIn("inside-a-file", refused.stderr)

    def answer_to_reply(self, text, reply_to):
        asked = self.world.say(text, reply_to=reply_to)
        return self.bot_after(asked, lambda m: "text" in m, f"the answer to {text!r}")["text"]
