"""The AI consultant on tgsim against a fake OpenAI-compatible server started by the test:
draft suggestions with Send and Discard; auto answers marked as automatic, the hand-over and the
stop once an operator writes; /ai questions and /ai off; and a server that fails (500, 429,
malformed JSON), never answers, or whose daily budget runs out — while users keep writing and
every message is relayed. A knowledge folder with a non-UTF-8 file is refused, naming the file.
A connection made at run time (`topicdesk connection add`) gets the AI once `connection set`
switches it on, and a new AI_PROMPT (reading a data table's cells) from the next call, without a
restart."""
import os
import subprocess
import unittest

from fake_openai import FakeOpenAI
from harness import TOPICDESK, DeskTestCase, free_port, text_has, wait_until

DELIVERY = "Delivery within Germany takes 2-3 working days."
RETURNS = "You may return any item within 30 days."
AUTOMATIC = "Automatic answer"
HANDOVER = "An operator will answer you soon."


class AiCase(DeskTestCase):
    def setUp(self):
        super().setUp()
        from harness import World
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", username="ann_asks", language_code="en")
        self.fake = None
        self.knowledge = os.path.join(self.workdir, "knowledge")
        os.makedirs(self.knowledge)
        with open(os.path.join(self.knowledge, "delivery.md"), "w") as f:
            f.write(f"# Delivery\n{DELIVERY}\n\n## Costs\nDelivery costs 4.90 euro below 50 euro.\n")
        with open(os.path.join(self.knowledge, "returns.md"), "w") as f:
            f.write(f"# Returns\n{RETURNS}\n")

    def tearDown(self):
        if self.fake:
            self.fake.stop()
        super().tearDown()

    def start(self, behaviour="answer", ai_extra="", **parameters):
        self.fake = FakeOpenAI(free_port(), behaviour).start()
        parameters.setdefault("AI_KNOWLEDGE", self.knowledge)
        parameters.setdefault("WELCOME", "OFF")
        connection = self.world.connection(**parameters)
        # The desk's own group limit (20 a minute) off: the tests are about the AI, not the group's pace.
        toml = (f'\n[telegram.limits]\nenabled = false\n\n[ai]\nbase_url = "{self.fake.url()}"\nmodel = "shop-model"\n'
                f'api_key = "env:TD_AI_KEY"\n{ai_extra}')
        return self.start_desk([connection], toml, env={**os.environ, "TD_AI_KEY": "sk-test-secret-1234"})

    def ask(self, user, text):
        self.sim.send(user, self.world.bot_id, text=text)

    def operator_says(self, user, text):
        thread = self.world.wait_topic(user)["message_thread_id"]
        return self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text=text)

    def press(self, message, index):
        data = message["reply_markup"]["inline_keyboard"][0][index]["callback_data"]
        self.sim.call("POST", "/sim/callback", {"from": self.world.operator, "chat_id": self.world.group_id,
                                                "message_id": message["message_id"], "data": data})

    def general(self):
        return [m.get("text") or "" for m in self.world.group_messages()
                if m.get("from", {}).get("id") == self.world.bot_id and not m.get("message_thread_id")]

    def suggestion(self, user, fragment):
        return self.world.wait_in_topic(user, lambda m: "AI suggestion" in (m.get("text") or "")
                                        and fragment in m.get("text") and m.get("reply_markup"),
                                        "the AI's suggestion with its buttons")


class DraftTest(AiCase):
    def test_a_suggestion_is_sent_by_the_operator_who_presses_send_or_discarded(self):
        desk = self.start(AI="draft")
        self.ask(self.ann, "How long does delivery take in Germany?")
        self.world.wait_in_topic(self.ann, text_has("How long does delivery take in Germany?"), "the user's message")
        offered = self.suggestion(self.ann, DELIVERY)
        self.assertEqual(self.world.bot_texts_at_user(self.ann), [], "nothing reaches the user before Send")
        headers, body = self.fake.requests[0]
        self.assertEqual(headers.get("Authorization"), "Bearer sk-test-secret-1234")
        self.assertEqual(body["model"], "shop-model")
        self.assertIn(DELIVERY, body["messages"][0]["content"], "the best passage is in the prompt")
        with open(os.path.join(self.workdir, "topicdesk.log")) as log:
            self.assertNotIn("sk-test-secret-1234", log.read(), "the key never reaches the log")

        self.press(offered, 0)
        self.world.wait_at_user(self.ann, text_has(DELIVERY), "the suggestion at the user")
        self.world.wait_in_topic(self.ann, text_has("Sent to the user by Olga"), "the suggestion marked sent")

        self.ask(self.ann, "Can I return shoes?")
        offered = self.suggestion(self.ann, RETURNS)
        self.press(offered, 1)
        self.world.wait_in_topic(self.ann, text_has("discarded by Olga"), "the suggestion marked discarded")
        self.press(offered, 0)  # too late: it was discarded
        self.ask(self.ann, "Thanks!")
        self.world.wait_in_topic(self.ann, text_has("Thanks!"), "the next message relayed")
        self.assertEqual([t for t in self.world.bot_texts_at_user(self.ann) if RETURNS in t], [],
                         "a discarded suggestion never reaches the user")
        self.assertGreaterEqual(desk.metric("topicdesk_ai_calls_total"), 2)

    def test_ai_question_answers_as_a_comment_and_ai_off_stops_the_drafts(self):
        self.start(AI="draft")
        self.ask(self.ann, "Hello")
        self.world.wait_in_topic(self.ann, text_has("Hello"), "the user's message")
        self.operator_says(self.ann, "/ai what is our returns policy?")
        self.world.wait_in_topic(self.ann, text_has("Colleague: " + RETURNS), "the AI's answer as a comment")
        self.assertEqual(self.world.bot_texts_at_user(self.ann), [])

        self.operator_says(self.ann, "/ai off")
        self.world.wait_in_topic(self.ann, text_has("AI is off in this dialog"), "/ai off confirmed")
        calls = self.fake.count()
        self.ask(self.ann, "How long does delivery take in Germany?")
        self.world.wait_in_topic(self.ann, text_has("How long does delivery take in Germany?"), "the message relayed")
        # A barrier: another user's draft is asked after Ann's message was handled.
        bob = self.sim.user("Bob")
        self.ask(bob, "delivery costs?")
        self.suggestion(bob, "4.90")
        self.assertEqual(self.fake.count(), calls + 1, "no draft for Ann's dialog after /ai off")


class AutoTest(AiCase):
    def test_auto_answers_marked_hands_over_and_stops_once_an_operator_writes(self):
        self.start(AI="auto", AI_DELAY="0")
        self.ask(self.ann, "How long does delivery take in Germany?")
        answer = self.world.wait_at_user(self.ann, text_has(DELIVERY), "the automatic answer")
        self.assertIn(AUTOMATIC, answer["text"])
        self.world.wait_in_topic(self.ann, text_has("Automatic answer sent to the user"), "the topic shows it")

        self.ask(self.ann, "I want to talk to a human")
        self.world.wait_at_user(self.ann, text_has(HANDOVER), "the hand-over")
        self.world.wait_in_topic(self.ann, text_has("handed this dialog over"), "the hand-over in the topic")

        # Nothing in the knowledge: handed over without asking the model.
        bob = self.sim.user("Bob")
        calls = self.fake.count()
        self.ask(bob, "Bicycles for sale?")
        self.world.wait_at_user(bob, text_has(HANDOVER), "the hand-over for a question the knowledge lacks")
        self.assertEqual(self.fake.count(), calls)

        # An operator writes: the AI stops in that dialog.
        cid = self.sim.user("Cid")
        self.ask(cid, "hi there")
        self.world.wait_at_user(cid, text_has(HANDOVER), "hand-over for a greeting")
        dan = self.sim.user("Dan")
        self.ask(dan, "Returns?")
        self.world.wait_at_user(dan, text_has(RETURNS), "auto answers Dan")
        self.operator_says(dan, "Dan, Olga here: send it back with the label inside.")
        self.world.wait_at_user(dan, text_has("Olga here"), "the operator's reply")
        self.ask(dan, "And delivery?")
        self.world.wait_in_topic(dan, text_has("And delivery?"), "Dan's next message relayed")
        eve = self.sim.user("Eve")
        self.ask(eve, "delivery costs?")
        self.world.wait_at_user(eve, text_has("4.90"), "the barrier: Eve's automatic answer")
        self.assertEqual([t for t in self.world.bot_texts_at_user(dan) if AUTOMATIC in (t or "")][1:], [],
                         "no automatic answer after the operator wrote")


class FailuresTest(AiCase):
    def relayed_while_failing(self, behaviour, notice, ai_extra="", users=3, lines=8):
        desk = self.start(behaviour=behaviour, ai_extra=ai_extra, AI="auto", AI_DELAY="0")
        people = [self.sim.user(f"User{i}") for i in range(users)]
        for line in range(lines):
            for person in people:
                self.ask(person, f"delivery question {line}")
        for person in people:
            for line in range(lines):
                self.world.wait_in_topic(person, text_has(f"delivery question {line}"), f"line {line} relayed")
        wait_until(lambda: any(notice in t for t in self.general()), what=f"the notice in General ({notice})")
        wait_until(lambda: (desk.metric("topicdesk_ai_calls_total") or 0) >= 1, what="the failures counted")
        self.assertEqual(len([t for t in self.general() if "AI consultant fails" in t]), 1, "told once")
        for person in people:
            self.assertEqual([t for t in self.world.bot_texts_at_user(person) if AUTOMATIC in (t or "")], [])
        return desk

    def test_server_errors_are_counted_and_told_once(self):
        self.relayed_while_failing("500", "HTTP 500")

    def test_rate_limits_are_counted_and_told_once(self):
        self.relayed_while_failing("429", "HTTP 429")

    def test_malformed_answers_are_counted_and_told_once(self):
        self.relayed_while_failing("malformed", "cannot be read")

    def test_a_server_that_never_answers_times_out(self):
        desk = self.relayed_while_failing("hang", "did not answer in time", ai_extra="timeout_seconds = 1\n")
        self.assertIn('result="timeout"', desk.metrics())

    def test_the_daily_budget_running_out_stops_the_calls(self):
        self.start(ai_extra="daily_tokens = 50\n", AI="auto", AI_DELAY="0")
        self.fake.tokens = 40
        self.ask(self.ann, "How long does delivery take in Germany?")
        self.world.wait_at_user(self.ann, text_has(DELIVERY), "the first answer (40 tokens)")
        bob = self.sim.user("Bob")
        self.ask(bob, "How long does delivery take in Germany?")
        self.world.wait_at_user(bob, text_has(DELIVERY), "the second answer (80 of 50 tokens)")
        calls = self.fake.count()
        cid = self.sim.user("Cid")
        self.ask(cid, "delivery costs?")
        wait_until(lambda: any("token budget is spent" in t for t in self.general()), what="the budget notice")
        self.world.wait_in_topic(cid, text_has("delivery costs?"), "still relayed")
        self.assertEqual(self.fake.count(), calls, "no call once the budget is spent")


class KnowledgeTest(AiCase):
    def test_a_non_utf8_file_is_refused_naming_it_and_relaying_goes_on(self):
        with open(os.path.join(self.knowledge, "prices.md"), "wb") as f:
            f.write(b"# Pr\xe9ise\nCaf\xe9 4 \x80\n")
        self.start(AI="draft")
        wait_until(lambda: any("prices.md is not UTF-8" in t for t in self.general()), what="the notice")
        self.ask(self.ann, "How long does delivery take in Germany?")
        self.world.wait_in_topic(self.ann, text_has("How long does delivery take in Germany?"), "relayed")
        self.assertEqual(self.fake.count(), 0, "nothing indexed: no knowledge, no call")


class LiveTest(AiCase):
    def test_a_connection_added_at_run_time_gets_drafts_once_set_switches_the_ai_on(self):
        self.fake = FakeOpenAI(free_port(), "answer").start()
        env = {**os.environ, "TD_AI_KEY": "sk-test-secret-1234", "SHOP_BOT_TOKEN": self.world.token}
        toml = (f'\n[telegram.limits]\nenabled = false\n\n[ai]\nbase_url = "{self.fake.url()}"\n'
                f'model = "shop-model"\napi_key = "env:TD_AI_KEY"\n')
        desk = self.start_desk([], toml, env=env)  # no connection yet: the AI waits for one

        def connection(*args):
            result = subprocess.run([TOPICDESK, "connection", args[0], "--config", desk.config_path, *args[1:]],
                                    capture_output=True, text=True, timeout=60, cwd=self.workdir, env=env)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

        def log():
            with open(os.path.join(self.workdir, "topicdesk.log"), errors="replace") as f:
                return f.read()

        connection("add", "--name", "shop", "--token", "env:SHOP_BOT_TOKEN", f"--group={self.world.group_id}",
                   "--param", f"AI_KNOWLEDGE={self.knowledge}", "--param", "WELCOME=OFF")
        wait_until(lambda: "shop: ready" in desk.health()[1], what="the added connection to be ready")
        self.ask(self.ann, "How long does delivery take in Germany?")
        self.world.wait_in_topic(self.ann, text_has("How long does delivery take in Germany?"), "relayed, AI off")

        mark = len(log())
        connection("set", "shop", "AI", "draft")
        wait_until(lambda: "connection shop: parameters changed" in log()[mark:], what="the change taken")
        self.assertRegex(log()[mark:], r"connection shop: AI knowledge indexed: \d+ passages")
        self.assertEqual(self.fake.count(), 0, "no call while the AI was off")
        self.ask(self.ann, "Can I return shoes?")
        self.suggestion(self.ann, RETURNS)
        self.assertEqual(self.fake.count(), 1, "one draft: for the message after the switch")
        self.assertEqual(self.world.bot_texts_at_user(self.ann), [], "a draft waits for Send")

        # A new prompt, read from the next call on; it reads a shared data table's cells.
        document = self.sim.send(self.world.operator, self.world.group_id, document="plans.csv",
                                 file_content="id,price\npro,20\n")
        self.sim.send(self.world.operator, self.world.group_id, text="/table import plans",
                      reply_to_message_id=document)
        wait_until(lambda: any("Table plans imported" in t for t in self.general()), what="the table imported")
        mark = len(log())
        connection("set", "shop", "AI_PROMPT", "Pro costs {table:plans:pro:price} euro. {table:plans:gold:price}")
        wait_until(lambda: "connection shop: parameters changed" in log()[mark:], what="the new prompt taken")
        bob = self.sim.user("Bob")
        self.ask(bob, "How long does delivery take in Germany?")
        self.suggestion(bob, DELIVERY)
        instructions = self.fake.requests[-1][1]["messages"][0]["content"]
        self.assertIn("Pro costs 20 euro.", instructions)
        self.assertIn("[table plans: no row gold]", instructions)


if __name__ == "__main__":
    unittest.main()
