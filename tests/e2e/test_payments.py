"""Payments inside a topic on tgsim: /invoice sends an invoice; the desk answers the user's
pre-checkout query in time even while 500 copies wait behind the group's flood limit; the
payment is recorded once (across a SIGKILL and a second delivery of the receipt), shown in the
topic, sent as a payment_received webhook and runs PAYMENT_HOOK's command hook once; /refund
refunds Stars. Unknown and cancelled invoices are refused with a reason the user sees; wrong
amounts, currencies and titles get clear errors and nothing is sent."""
import json
import os
import sys
import unittest

from harness import DeskTestCase, Desk, Process, World, free_port, http_json, text_has, wait_until
from hook_receiver import Receiver

BACKLOG = 500
UNKNOWN_REASON = "This invoice is no longer valid. Please ask the support team for a new one."
CANCELLED_REASON = "This invoice was cancelled. Please ask the support team for a new one."


class PaymentsCase(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", username="ann_pays")
        self.receivers = []

    def tearDown(self):
        for receiver in self.receivers:
            receiver.stop()
        super().tearDown()

    def receiver(self, answer=None):
        receiver = Receiver(free_port(), answer).start()
        self.receivers.append(receiver)
        return receiver

    def operator_says(self, user, text):
        thread = self.world.wait_topic(user)["message_thread_id"]
        return self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text=text)

    def open_dialog(self, user, text="Hello"):
        self.sim.send(user, self.world.bot_id, text=text)
        self.world.wait_in_topic(user, text_has(text), "the user's first message in the topic")

    def invoice_at(self, user, title):
        return self.world.wait_at_user(user, lambda m: m.get("invoice", {}).get("title") == title,
                                       f"the invoice {title!r} at the user")

    def pay(self, user, message_id, **options):
        status, answer = http_json("POST", self.sim.base + "/sim/payments/pay",
                                   {"from": user, "chat_id": self.world.bot_id, "message_id": message_id, **options},
                                   timeout=30)
        self.assertEqual(status, 200, answer)
        return answer

    def calls(self, method):
        return [c for c in self.sim.call("GET", f"/sim/calls?bot_id={self.world.bot_id}")["calls"]
                if c["method"] == method]

    def payments_api(self, desk, key, user):
        return desk.topic_action(key, {"action": "dialog_payments", "user_id": user})


class PaymentFlowTest(PaymentsCase):
    limits = True

    def test_pre_checkout_is_answered_in_time_behind_a_backlog_and_the_payment_is_recorded_once(self):
        def answer(path, event):
            if event["type"] == "command":
                return 200, "application/json", {"text": f"Activated {event['command']['args']}"}
            return 200, "text/plain", ""
        rx = self.receiver(answer)
        connection = self.world.connection(WEBHOOKS=json.dumps({rx.url(): ["payment_received", "/activate"]}),
                                           PAYMENT_HOOK="/activate {payload} {title}",
                                           USER_MESSAGES_PER_MINUTE="OFF")  # only the group's limit holds them
        desk = self.start_desk([connection], start=False)
        key = desk.reset_api_key("shop")
        desk.start()
        self.open_dialog(self.ann)
        self.operator_says(self.ann, "/invoice 100 XTR Pro | 30 days of Pro")
        invoice = self.invoice_at(self.ann, "Pro")
        self.assertEqual(invoice["invoice"]["currency"], "XTR")
        self.assertEqual(invoice["invoice"]["total_amount"], 100)
        self.assertEqual(invoice["invoice"]["description"], "30 days of Pro")

        # A flood-limited backlog: another user's 500 messages wait for the group's 20 a minute.
        bob = self.sim.user("Bob")
        for i in range(BACKLOG):
            self.sim.send(bob, self.world.bot_id, text=f"backlog {i}")
        wait_until(lambda: (desk.metric("topicdesk_outbox_depth") or 0) >= BACKLOG - 40,
                   what="the copies queued behind the group's flood limit")

        paid = self.pay(self.ann, invoice["message_id"])
        self.assertEqual(paid["status"], "paid", paid)
        self.assertLess(paid["answered_after_ms"], 10_000)
        print(f"[payments] pre-checkout answered after {paid['answered_after_ms']:.1f} ms with "
              f"{desk.metric('topicdesk_outbox_depth'):.0f} jobs queued", flush=True)
        self.assertGreaterEqual(desk.metric("topicdesk_outbox_depth"), BACKLOG - 60, "the backlog still waits")
        charge = paid["telegram_payment_charge_id"]

        # Recorded: the webhook and the automatic hook fire (neither waits for the group).
        wait_until(lambda: [e["type"] for e in rx.events()].count("command") == 1, what="the automatic hook")
        received = wait_until(lambda: [e for e in rx.events() if e["type"] == "payment_received"],
                              what="the payment_received webhook")
        self.assertEqual(received[0]["data"]["telegram_charge_id"], charge)
        self.assertEqual(received[0]["data"]["amount"], 100)
        self.assertEqual(received[0]["user"]["id"], self.ann)
        hook = next(e for e in rx.events() if e["type"] == "command")
        self.assertEqual(hook["command"]["name"], "activate")
        self.assertEqual(hook["command"]["args"], f"{received[0]['data']['payload']} Pro")
        self.assertEqual(hook["data"]["by"], "payment")
        self.assertEqual(len(self.payments_api(desk, key, self.ann)["payments"]), 1)

        # SIGKILL, the receipt delivered once more (as Telegram may), a restart without the limits
        # so the backlog drains: still one payment, one webhook, one hook, one notice.
        desk.kill()
        self.sim.call("POST", "/sim/payments/redeliver", {"telegram_payment_charge_id": charge})
        self.sim.call("POST", "/sim/limits", {"enabled": False})
        desk = Desk(self.workdir, self.sim, [connection],
                    extra_toml="\n[telegram.limits]\nenabled = false\n", port=desk.port)
        self.desks.append(desk)
        self.world.wait_in_topic(bob, text_has(f"backlog {BACKLOG - 1}"), "the backlog drained", timeout=120)
        self.world.wait_in_topic(self.ann, text_has("Activated"), "the hook's answer in the topic")
        receipts = [m for m in self.world.user_messages(self.ann) if "successful_payment" in m]
        self.assertEqual(len(receipts), 2, "Telegram delivered the receipt twice")
        wait_until(lambda: desk.metric("topicdesk_outbox_depth") == 0, what="the outbox to empty")
        notices = [t for t in self.world.bot_texts_in_topic(self.ann) if t and t.startswith("💰 Payment received")]
        self.assertEqual(len(notices), 1, notices)
        self.assertIn(charge, notices[0])
        self.assertEqual(len(self.payments_api(desk, key, self.ann)["payments"]), 1)
        self.assertEqual([e["type"] for e in rx.events()].count("payment_received"), 1)
        self.assertEqual([e["type"] for e in rx.events()].count("command"), 1)
        self.assertEqual(len([t for t in self.world.bot_texts_in_topic(self.ann) if t and "Activated" in t]), 1)

        # /info shows it; /refund refunds the Stars.
        self.operator_says(self.ann, "/info")
        self.world.wait_in_topic(self.ann, text_has("💰 paid 100 ⭐ (invoice #"), "the payment in /info")
        self.operator_says(self.ann, "/refund")
        self.world.wait_in_topic(self.ann, text_has("↩️ Refund of 100 ⭐"), "the refund notice")
        wait_until(lambda: any(c["refunded"] for c in self.sim.call("GET", "/sim/payments")["charges"]),
                   what="the charge refunded at Telegram")
        payment = self.payments_api(desk, key, self.ann)["payments"][0]
        self.assertIsNotNone(payment["refunded_at"])
        self.assertEqual(self.payments_api(desk, key, self.ann)["invoices"][0]["status"], "refunded")


class PaymentRulesTest(PaymentsCase):
    def test_unknown_and_cancelled_invoices_are_refused_with_the_reason(self):
        self.start_desk([self.world.connection()])
        self.open_dialog(self.ann)
        # An invoice the desk never made (its payload names no invoice of the desk).
        sent = self.sim.bot_api(self.world.token, "sendInvoice", {
            "chat_id": self.ann, "title": "Stray", "description": "Not the desk's", "payload": "td:inv:999999",
            "currency": "XTR", "prices": [{"label": "Stray", "amount": 5}]})
        self.assertTrue(sent["ok"], sent)
        refused = self.pay(self.ann, sent["result"]["message_id"])
        self.assertEqual(refused["status"], "refused", refused)
        self.assertEqual(refused["error_message"], UNKNOWN_REASON)

        self.operator_says(self.ann, "/invoice 50 XTR Basic")
        invoice = self.invoice_at(self.ann, "Basic")
        self.operator_says(self.ann, "/invoice cancel")
        self.world.wait_in_topic(self.ann, text_has("cancelled: a payment attempt for it is refused"),
                                 "the cancel notice")
        refused = self.pay(self.ann, invoice["message_id"])
        self.assertEqual(refused["status"], "refused", refused)
        self.assertEqual(refused["error_message"], CANCELLED_REASON)
        self.world.wait_in_topic(self.ann, text_has("was refused: " + CANCELLED_REASON), "the refusal in the topic")
        self.assertEqual(self.sim.call("GET", "/sim/payments")["charges"], [])

    def test_invalid_invoices_get_clear_errors_and_nothing_is_sent(self):
        self.start_desk([self.world.connection()])
        self.open_dialog(self.ann)
        cases = [
            ("/invoice 1.5 XTR Pro", "is not an amount of Stars"),
            ("/invoice 0 XTR Pro", "is not an amount of Stars"),
            ("/invoice 100 ABC Pro", 'Unknown currency "ABC"'),
            ("/invoice 10.00 USD Pro", "USD needs a payment provider"),
            ("/invoice 100 XTR " + "x" * 33, "The title must be 1–32 characters (33 given)"),
            ("/invoice 100 XTR Pro | " + "d" * 256, "The description must be 1–255 characters (256 given)"),
            ("/invoice 100 XTR", "Usage: /invoice AMOUNT CURRENCY TITLE"),
        ]
        for command, error in cases:
            self.operator_says(self.ann, command)
            self.world.wait_in_topic(self.ann, text_has(error), f"the error for {command!r}")
        self.assertEqual(self.calls("sendInvoice"), [])
        self.assertFalse(any("invoice" in m for m in self.world.user_messages(self.ann)))

    def test_an_unanswered_pre_checkout_fails_when_the_deadline_passes(self):
        self.start_desk([self.world.connection()])
        self.open_dialog(self.ann)
        self.operator_says(self.ann, "/invoice 7 XTR Tiny")
        invoice = self.invoice_at(self.ann, "Tiny")
        self.desks[0].stop()  # nobody answers the query now
        expired = self.pay(self.ann, invoice["message_id"], deadline_ms=300)
        self.assertEqual(expired["status"], "expired", expired)
        self.assertIn("did not answer the pre-checkout query in time", expired["description"])


class ProxyPaymentsTest(PaymentsCase):
    """mode = "proxy": the desk answers and records its own invoices only; the bot's program (the
    test, through the desk's Bot API) gets and answers its own, and never sees the desk's."""

    def program(self, method, params=None):
        status, answer = http_json("POST", f"http://127.0.0.1:{self.desk.port}/bot{self.world.token}/{method}",
                                   params or {})
        self.assertEqual(status, 200, answer)
        return answer["result"]

    def program_updates(self):
        updates = self.program("getUpdates", {"offset": self.offset, "timeout": 0})
        if updates:
            self.offset = updates[-1]["update_id"] + 1
        self.seen += updates
        return updates

    def test_the_desk_answers_its_invoices_and_the_program_its_own(self):
        self.offset, self.seen = 0, []
        port = free_port()
        lines = ["[server]", f'listen = "127.0.0.1:{port}"',
                 "[storage]", f'sqlite = "{self.workdir}/desk.db"',
                 "[telegram]", f'api_base = "{self.sim.base}"',
                 "[telegram.limits]", "enabled = false",
                 "[[connection]]", 'name = "shop"', 'mode = "proxy"', f'token = "{self.world.token}"',
                 f"group_id = {self.world.group_id}"]
        self.desk = self.start_desk([], config_text="\n".join(lines) + "\n", port=port)
        self.open_dialog(self.ann)
        self.operator_says(self.ann, "/invoice 10 XTR Desk item")
        desk_invoice = self.invoice_at(self.ann, "Desk item")
        own = self.program("sendInvoice", {"chat_id": self.ann, "title": "Program item", "description": "Own",
                                           "payload": "order-1", "currency": "XTR",
                                           "prices": [{"label": "Program item", "amount": 7}]})

        # The program's invoice: the desk leaves the pre-checkout to the program.
        query = self.pay(self.ann, own["message_id"], wait=False)["pre_checkout_query_id"]
        found = wait_until(lambda: [u for u in self.program_updates() if "pre_checkout_query" in u],
                           what="the program's pre-checkout in its queue")
        self.assertEqual(found[0]["pre_checkout_query"]["id"], query)
        self.assertEqual(self.sim.call("GET", f"/sim/payments/{query}")["status"], "pending",
                         "the desk did not answer the program's query")
        self.assertTrue(self.program("answerPreCheckoutQuery", {"pre_checkout_query_id": query, "ok": True}))
        self.assertEqual(self.sim.call("GET", f"/sim/payments/{query}")["status"], "paid")
        wait_until(lambda: [u for u in self.program_updates() if "successful_payment" in u.get("message", {})],
                   what="the program's receipt in its queue")

        # The desk's invoice: answered and recorded by the desk, never shown to the program.
        paid = self.pay(self.ann, desk_invoice["message_id"])
        self.assertEqual(paid["status"], "paid", paid)
        self.world.wait_in_topic(self.ann, text_has("💰 Payment received: 10 ⭐"), "the desk's payment notice")
        self.program_updates()
        payloads = [u.get("pre_checkout_query", {}).get("invoice_payload") or
                    u.get("message", {}).get("successful_payment", {}).get("invoice_payload") for u in self.seen]
        self.assertNotIn(True, [bool(p and p.startswith("td:inv:")) for p in payloads], self.seen)
        notices = [t for t in self.world.bot_texts_in_topic(self.ann) if t and t.startswith("💰 Payment received")]
        self.assertEqual(len(notices), 1, "the program's payment is not the desk's to record")


class TariffExampleTest(PaymentsCase):
    """examples/tariffs: the plans table imported, /invoice plan pro → payment → the tariff switched
    on by the hook for the table's days, nobody typing."""

    def test_a_paid_invoice_activates_the_tariff(self):
        port, secret = free_port(), "example-secret-0123456789abcdef"
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "tariffs",
                              "tariff_hook.py")
        hook = Process([sys.executable, script, "--port", str(port), "--secret", secret,
                        "--state", os.path.join(self.workdir, "tariffs.json")],
                       os.path.join(self.workdir, "tariff_hook.log"))
        self.addCleanup(hook.stop)
        wait_until(lambda: "listening on" in hook.output() or not hook.alive(), what="the tariff hook")
        self.assertTrue(hook.alive(), hook.output())
        self.start_desk([self.world.connection(
            WEBHOOKS=json.dumps({f"http://127.0.0.1:{port}/tariffs": ["payment_received", "/activate"]}),
            WEBHOOKS_SECRET=secret, PAYMENT_HOOK="/activate {payload} {table:plans:{title}:days}")])
        with open(os.path.join(os.path.dirname(script), "plans.csv")) as f:
            plans = f.read()
        document = self.sim.send(self.world.operator, self.world.group_id, document="plans.csv", file_content=plans)
        self.sim.send(self.world.operator, self.world.group_id, text="/table import plans",
                      reply_to_message_id=document)
        wait_until(lambda: any("Table plans imported: 3 rows" in (m.get("text") or "")
                               for m in self.world.group_messages()), what="the plans table imported")
        self.open_dialog(self.ann, "I'd like Pro")
        self.operator_says(self.ann, "/invoice plan pro")
        invoice = self.invoice_at(self.ann, "Pro")
        self.assertEqual(invoice["invoice"]["total_amount"], 100)
        self.assertEqual(invoice["invoice"]["description"], "30 days of Pro")
        self.assertEqual(self.pay(self.ann, invoice["message_id"])["status"], "paid")
        self.world.wait_in_topic(self.ann, text_has(f"✅ Tariff Pro active for user {self.ann} until"),
                                 "the tariff activated by the hook")
        with open(os.path.join(self.workdir, "tariffs.json")) as f:
            self.assertEqual(json.load(f)["customers"][f"user {self.ann}"]["tariff"], "pro")


if __name__ == "__main__":
    unittest.main()
