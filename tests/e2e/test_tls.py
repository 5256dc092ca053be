"""HTTPS on the production paths. Telegram's Bot API is HTTPS and so are real webhook receivers,
while tgsim and the other tests speak plain HTTP on loopback. Here a TLS front with a
self-signed certificate stands before tgsim, and the desk trusts that certificate through
SSL_CERT_FILE (OpenSSL's standard variable), so the polling, sending, proxy-forwarding and
webhook clients all run TLS with certificate and host name verification, as in production."""
import json
import os
import shutil
import unittest
import urllib.request

from harness import TOPICDESK, DeskTestCase, Process, World, free_port, text_has, text_is, wait_until
from hook_receiver import Receiver, signature_ok
from tls_tools import TlsFront, make_certificate, server_context

SECRET = "e2e-webhook-secret-0123456789"
MARK = "📤 Sent by the bot's program"


@unittest.skipUnless(shutil.which("openssl"), "openssl makes the test certificate")
class TlsTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.cert, self.key = make_certificate(self.workdir)
        self.front = TlsFront(int(self.sim.base.rsplit(":", 1)[1]), self.cert, self.key)
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee")
        self.receiver = None

    def tearDown(self):
        if self.receiver:
            self.receiver.stop()
        self.front.close()
        super().tearDown()

    def config(self, port, mode="bot", parameters=None):
        lines = ["[server]", f'listen = "127.0.0.1:{port}"',
                 "[storage]", f'sqlite = "{os.path.join(self.workdir, "desk.db")}"',
                 "[telegram]", f'api_base = "https://localhost:{self.front.port}"',
                 "[[connection]]", 'name = "shop"', f'mode = "{mode}"', f'token = "{self.world.token}"',
                 f"group_id = {self.world.group_id}"]
        if parameters:
            lines.append("[connection.parameters]")
            lines += [f"{key} = {json.dumps(value)}" for key, value in parameters.items()]
        return "\n".join(lines) + "\n"

    def start(self, mode="bot", **parameters):
        self.port = free_port()
        self.desk = self.start_desk([], config_text=self.config(self.port, mode, parameters), port=self.port,
                                    env={"SSL_CERT_FILE": self.cert})

    def operator_says(self, text):
        thread = self.world.wait_topic(self.ann)["message_thread_id"]
        self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text=text)

    def test_relay_both_ways_over_https(self):
        self.start()
        self.sim.send(self.ann, self.world.bot_id, text="Hello over TLS")
        self.world.wait_in_topic(self.ann, text_is("Hello over TLS"), "the user's message in the topic")
        self.operator_says("Hi Ann, answered over TLS")
        self.world.wait_at_user(self.ann, text_is("Hi Ann, answered over TLS"), "the operator's answer")

    def test_proxy_forwards_to_an_https_telegram_and_intercepts(self):
        self.start(mode="proxy")
        base = f"http://127.0.0.1:{self.port}/bot{self.world.token}"
        me = json.load(urllib.request.urlopen(f"{base}/getMe", timeout=10))
        self.assertEqual(me["result"]["id"], self.world.bot_id)
        self.sim.send(self.ann, self.world.bot_id, text="hi program")
        self.world.wait_topic(self.ann)
        request = urllib.request.Request(f"{base}/sendMessage", method="POST",
                                         data=json.dumps({"chat_id": self.ann, "text": "The program answers"}).encode(),
                                         headers={"Content-Type": "application/json"})
        sent = json.load(urllib.request.urlopen(request, timeout=10))
        self.assertTrue(sent["ok"], sent)
        self.world.wait_at_user(self.ann, text_is("The program answers"), "the program's message")
        copy = self.world.wait_in_topic(self.ann, text_has("The program answers"), "the intercepted copy")
        self.assertTrue(copy["text"].startswith(MARK), copy["text"])

    def test_webhooks_reach_an_https_receiver_signed(self):
        self.receiver = Receiver(free_port(), tls=server_context(self.cert, self.key)).start()
        self.start(WEBHOOKS=json.dumps({self.receiver.url(): ["message_received"]}), WEBHOOKS_SECRET=SECRET)
        self.sim.send(self.ann, self.world.bot_id, text="Hello webhooks")
        wait_until(lambda: self.receiver.events(), what="the webhook over HTTPS")
        _, headers, raw, event = self.receiver.requests[0]
        self.assertTrue(signature_ok(SECRET, raw, headers))
        self.assertEqual(event["type"], "message_received")
        self.assertEqual(event["message"]["text"], "Hello webhooks")

    def test_an_untrusted_certificate_is_refused_and_nothing_is_lost(self):
        port = free_port()
        config = os.path.join(self.workdir, "untrusting.toml")
        with open(config, "w") as f:
            f.write(self.config(port))
        # The default trust store does not vouch for the test certificate.
        desk = Process([TOPICDESK, "run", "--config", config], os.path.join(self.workdir, "untrusting.log"),
                       {"SSL_CERT_FILE": os.path.join(self.workdir, "no-such-ca.pem")})
        self.sim.send(self.ann, self.world.bot_id, text="Held at Telegram")
        try:
            # The desk logs the refusal; the front counts the failed handshake on its own thread.
            wait_until(lambda: "certificate verify failed" in desk.output() and self.front.handshake_failures >= 1,
                       what="the refused certificate in the log and at the front")
        finally:
            desk.stop()
        self.assertIsNone(self.world.topic_of(self.ann))
        # Once the certificate is trusted, the message that waited at Telegram arrives.
        self.start()
        self.world.wait_in_topic(self.ann, text_is("Held at Telegram"), "the held message in the topic")

if __name__ == "__main__":
    unittest.main()
