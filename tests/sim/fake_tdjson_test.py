"""Conformance of the fake libtdjson.so (docs/tdlib-subset.md): loads it with ctypes and drives
it against a real tgsim: auth flows and their errors, QR link refresh, 2FA, revoke, resume,
messages both ways, forwardMessages into a topic, searches. Python stdlib only."""
import argparse
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgsim_process import Tgsim  # noqa: E402

TGSIM_BIN = "build/tgsim"
TDJSON = "build/fake_tdjson/libtdjson.so"
SHIFT = 1 << 20


class Td:
    """The four C functions, plus per-client buffering of what td_receive returns."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(os.path.abspath(path))
        self.lib.td_create_client_id.restype = ctypes.c_int
        self.lib.td_send.argtypes = [ctypes.c_int, ctypes.c_char_p]
        self.lib.td_receive.argtypes = [ctypes.c_double]
        self.lib.td_receive.restype = ctypes.c_char_p
        self.lib.td_execute.argtypes = [ctypes.c_char_p]
        self.lib.td_execute.restype = ctypes.c_char_p
        self.inbox = {}
        self.extra = 0

    def create(self):
        return self.lib.td_create_client_id()

    def send(self, client, request):
        self.lib.td_send(client, json.dumps(request).encode())

    def execute(self, request):
        return json.loads(self.lib.td_execute(json.dumps(request).encode()))

    def _pump(self, timeout):
        raw = self.lib.td_receive(timeout)
        if raw is None:
            return
        obj = json.loads(raw)
        self.inbox.setdefault(obj.get("@client_id"), []).append(obj)

    def wait(self, client, predicate, what, timeout=10.0):
        """The first buffered or arriving object of `client` matching predicate (removed)."""
        deadline = time.monotonic() + timeout
        while True:
            box = self.inbox.setdefault(client, [])
            for i, obj in enumerate(box):
                if predicate(obj):
                    return box.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"client {client}: timed out waiting for {what}; got {box}")
            self._pump(min(left, 0.5))

    def collect(self, client, type_, count, timeout=30.0):
        """The next `count` objects of `type_` for `client`, in arrival order (others are dropped)."""
        deadline = time.monotonic() + timeout
        found = [o for o in self.inbox.pop(client, []) if o.get("@type") == type_]
        while len(found) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"client {client}: {len(found)} of {count} {type_} before the deadline")
            raw = self.lib.td_receive(min(left, 0.5))
            if raw is None:
                continue
            obj = json.loads(raw)
            if obj.get("@client_id") == client and obj.get("@type") == type_:
                found.append(obj)
            elif obj.get("@client_id") != client:
                self.inbox.setdefault(obj.get("@client_id"), []).append(obj)
        return found

    def request(self, client, request, timeout=10.0):
        """Sends with a fresh @extra and returns the answer."""
        self.extra += 1
        extra = self.extra
        self.send(client, {**request, "@extra": extra})
        return self.wait(client, lambda o: o.get("@extra") == extra, f"answer to {request['@type']}", timeout)

    def state(self, client, name, timeout=10.0):
        return self.wait(client, lambda o: o.get("@type") == "updateAuthorizationState"
                         and o["authorization_state"]["@type"] == name, name, timeout)["authorization_state"]

    def update(self, client, type_, predicate=lambda o: True, timeout=10.0):
        return self.wait(client, lambda o: o.get("@type") == type_ and predicate(o), type_, timeout)


def text(value):
    return {"@type": "inputMessageText", "text": {"@type": "formattedText", "text": value, "entities": []}}


class FakeTdjsonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Tgsim(TGSIM_BIN, limits=False)
        os.environ["TGSIM_URL"] = cls.sim.base
        cls.td = Td(TDJSON)
        cls.dirs = tempfile.mkdtemp(prefix="fake-tdjson-")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        shutil.rmtree(cls.dirs, ignore_errors=True)

    counter = 0

    def setUp(self):
        type(self).counter += 1
        n = type(self).counter
        self.n = n
        s = self.sim
        self.customer = s.user("Cara", username=f"cara{n}", phone_number=f"+4470000{n:04d}")
        self.owner = s.user("Owen", last_name="Shop", username=f"owen{n}", phone_number=f"+1555000{n:04d}")
        self.secure = s.user("Sue", username=f"sue{n}", phone_number=f"+1666000{n:04d}",
                             password="hunter2", password_hint="dog")
        self.bot_id, self.token = s.bot(f"desk{n}_bot")

    # ---- helpers ----
    def start(self, name):
        """A new client past setTdlibParameters, in its own database directory."""
        client = self.td.create()
        directory = os.path.join(self.dirs, f"{name}{self.n}")
        self.td.send(client, {"@type": "getAuthorizationState"})
        self.td.state(client, "authorizationStateWaitTdlibParameters")
        answer = self.td.request(client, {
            "@type": "setTdlibParameters", "database_directory": directory, "use_message_database": True,
            "api_id": 1, "api_hash": "x", "system_language_code": "en", "device_model": "test",
            "application_version": "1.0"})
        self.assertEqual(answer["@type"], "ok", answer)
        return client, directory

    def login_by_code(self, phone, user_id, name="acct"):
        client, directory = self.start(name)
        self.td.state(client, "authorizationStateWaitPhoneNumber")
        self.assertEqual(self.td.request(client, {"@type": "setAuthenticationPhoneNumber",
                                                  "phone_number": phone})["@type"], "ok")
        info = self.td.state(client, "authorizationStateWaitCode")["code_info"]
        self.assertEqual(info["phone_number"], phone.lstrip("+"))
        code = self.sim.control("GET", f"/sim/login_code?user_id={user_id}")["code"]
        self.assertEqual(self.td.request(client, {"@type": "checkAuthenticationCode", "code": code})["@type"], "ok")
        return client, directory

    def ready_account(self):
        client, directory = self.login_by_code(f"+1555000{self.n:04d}", self.owner)
        self.td.state(client, "authorizationStateReady")
        return client, directory

    # ---- offline ----
    def test_execute_offline(self):
        td = self.td
        self.assertEqual(td.execute({"@type": "getOption", "name": "version"}),
                         {"@type": "optionValueString", "value": "1.8.67"})
        self.assertEqual(td.execute({"@type": "setLogVerbosityLevel", "new_verbosity_level": 1, "@extra": 5}),
                         {"@type": "ok", "@extra": 5})
        entities = td.execute({"@type": "getTextEntities", "text": "see https://a.io @bob"})["entities"]
        self.assertEqual([(e["offset"], e["length"], e["type"]["@type"]) for e in entities],
                         [(4, 12, "textEntityTypeUrl"), (17, 4, "textEntityTypeMention")])
        parsed = td.execute({"@type": "parseTextEntities", "text": "<b>hi</b> <a href=\"https://x.io\">x</a>",
                             "parse_mode": {"@type": "textParseModeHTML"}})
        self.assertEqual(parsed["text"], "hi x")
        self.assertEqual([(e["offset"], e["length"], e["type"]["@type"]) for e in parsed["entities"]],
                         [(0, 2, "textEntityTypeBold"), (3, 1, "textEntityTypeTextUrl")])
        self.assertEqual(td.execute({"@type": "getMe"})["@type"], "error")
        self.assertEqual(td.execute({"@type": "parseTextEntities", "text": "<b>x",
                                     "parse_mode": {"@type": "textParseModeHTML"}})["code"], 400)

    def test_without_tgsim_url_the_client_closes(self):
        url = os.environ.pop("TGSIM_URL")
        try:
            client = self.td.create()
            self.td.send(client, {"@type": "getAuthorizationState", "@extra": "x"})
            error = self.td.update(client, "error")
            self.assertIn("TGSIM_URL", error["message"])
            self.td.state(client, "authorizationStateClosed")
            self.assertEqual(self.td.wait(client, lambda o: o.get("@extra") == "x", "answer")["@type"], "error")
        finally:
            os.environ["TGSIM_URL"] = url

    # ---- authorization ----
    def test_bot_token_auth_and_wrong_token(self):
        client, _ = self.start("bot")
        self.td.state(client, "authorizationStateWaitPhoneNumber")
        wrong = self.td.request(client, {"@type": "checkAuthenticationBotToken", "token": "1:nope"})
        self.assertEqual((wrong["@type"], wrong["code"], wrong["message"]), ("error", 400, "ACCESS_TOKEN_INVALID"))
        self.assertEqual(self.td.request(client, {"@type": "checkAuthenticationBotToken", "token": self.token})["@type"],
                         "ok")
        self.td.state(client, "authorizationStateReady")
        me = self.td.request(client, {"@type": "getMe"})
        self.assertEqual((me["id"], me["type"]["@type"]), (self.bot_id, "userTypeBot"))
        self.assertEqual(me["usernames"]["active_usernames"], [f"desk{self.n}_bot"])

    def test_requests_before_ready_are_unauthorized(self):
        client, _ = self.start("early")
        self.td.state(client, "authorizationStateWaitPhoneNumber")
        answer = self.td.request(client, {"@type": "getMe"})
        self.assertEqual((answer["code"], answer["message"]), (401, "Unauthorized"))
        unknown = self.td.request(client, {"@type": "getChats", "limit": 10})
        self.assertEqual(unknown["message"], "Method not supported by tgsim")

    def test_phone_code_auth_with_wrong_code(self):
        client, _ = self.start("phone")
        self.td.state(client, "authorizationStateWaitPhoneNumber")
        unknown = self.td.request(client, {"@type": "setAuthenticationPhoneNumber", "phone_number": "+999"})
        self.assertEqual(unknown["message"], "PHONE_NUMBER_UNOCCUPIED")
        self.td.request(client, {"@type": "setAuthenticationPhoneNumber", "phone_number": f"+1555000{self.n:04d}"})
        self.td.state(client, "authorizationStateWaitCode")
        code = self.sim.control("GET", f"/sim/login_code?phone=%2B1555000{self.n:04d}")["code"]
        wrong = self.td.request(client, {"@type": "checkAuthenticationCode", "code": "0" if code != "0" else "1"})
        self.assertEqual((wrong["code"], wrong["message"]), (400, "PHONE_CODE_INVALID"))
        self.td.request(client, {"@type": "checkAuthenticationCode", "code": code})
        self.td.state(client, "authorizationStateReady")
        self.assertEqual(self.td.request(client, {"@type": "getMe"})["id"], self.owner)
        sessions = self.sim.control("GET", f"/sim/sessions?account_id={self.owner}")["sessions"]
        self.assertEqual([(s["account_id"], s["is_bot"], s["device_model"]) for s in sessions],
                         [(self.owner, False, "test")])

    def test_two_factor_password(self):
        client, _ = self.login_by_code(f"+1666000{self.n:04d}", self.secure, "2fa")
        state = self.td.state(client, "authorizationStateWaitPassword")
        self.assertEqual(state["password_hint"], "dog")
        wrong = self.td.request(client, {"@type": "checkAuthenticationPassword", "password": "cat"})
        self.assertEqual((wrong["code"], wrong["message"]), (400, "PASSWORD_HASH_INVALID"))
        self.assertEqual(self.td.request(client, {"@type": "checkAuthenticationPassword",
                                                  "password": "hunter2"})["@type"], "ok")
        self.td.state(client, "authorizationStateReady")

    def test_qr_link_changes_every_30_s_and_is_confirmed_by_the_phone(self):
        client, _ = self.start("qr")
        self.td.state(client, "authorizationStateWaitPhoneNumber")
        self.td.request(client, {"@type": "requestQrCodeAuthentication", "other_user_ids": []})
        first = self.td.state(client, "authorizationStateWaitOtherDeviceConfirmation")["link"]
        self.assertTrue(first.startswith("tg://login?token="), first)
        self.sim.control("POST", "/sim/clock", {"advance_seconds": 31})
        second = self.td.state(client, "authorizationStateWaitOtherDeviceConfirmation")["link"]
        self.assertNotEqual(first, second)
        status, _, stale = self.sim.request("POST", "/sim/qr/confirm",
                                            json.dumps({"user_id": self.secure, "link": first}))
        self.assertEqual((status, stale["description"]), (400, "Bad Request: AUTH_TOKEN_INVALID"))
        self.sim.control("POST", "/sim/qr/confirm", {"user_id": self.secure, "link": second})
        self.td.state(client, "authorizationStateWaitPassword")
        self.td.request(client, {"@type": "checkAuthenticationPassword", "password": "hunter2"})
        self.td.state(client, "authorizationStateReady")
        self.assertEqual(self.td.request(client, {"@type": "getMe"})["id"], self.secure)

    # ---- sessions: revoke, resume ----
    def test_revoked_session_logs_out_and_forgets_its_file(self):
        client, directory = self.ready_account()
        session_file = os.path.join(directory, "tgsim_session.json")
        self.assertTrue(os.path.exists(session_file))
        [session] = self.sim.control("GET", f"/sim/sessions?account_id={self.owner}")["sessions"]
        self.sim.control("POST", "/sim/sessions/revoke", {"session_id": session["id"]})
        self.td.state(client, "authorizationStateLoggingOut")
        self.td.state(client, "authorizationStateClosed")
        self.assertFalse(os.path.exists(session_file))
        self.assertEqual(self.sim.control("GET", f"/sim/sessions?account_id={self.owner}")["sessions"], [])
        late = self.td.request(client, {"@type": "getMe"})
        self.assertEqual(late["@type"], "error")
        # The same directory starts over.
        again = self.td.create()
        self.td.send(again, {"@type": "setTdlibParameters", "database_directory": directory})
        self.td.state(again, "authorizationStateWaitPhoneNumber")

    def test_log_out_ends_the_session(self):
        client, directory = self.ready_account()
        self.assertEqual(self.td.request(client, {"@type": "logOut"})["@type"], "ok")
        self.td.state(client, "authorizationStateLoggingOut")
        self.td.state(client, "authorizationStateClosing")
        self.td.state(client, "authorizationStateClosed")
        self.assertFalse(os.path.exists(os.path.join(directory, "tgsim_session.json")))
        self.assertEqual(self.sim.control("GET", f"/sim/sessions?account_id={self.owner}")["sessions"], [])

    def test_resume_after_restart_delivers_what_was_missed(self):
        client, directory = self.ready_account()
        self.assertEqual(self.td.request(client, {"@type": "close"})["@type"], "ok")
        self.td.state(client, "authorizationStateClosed")
        self.sim.say(self.customer, self.owner, text="while you were away")
        restarted = self.td.create()
        self.td.send(restarted, {"@type": "setTdlibParameters", "database_directory": directory})
        self.td.state(restarted, "authorizationStateReady")
        missed = self.td.update(restarted, "updateNewMessage")["message"]
        self.assertEqual((missed["chat_id"], missed["is_outgoing"], missed["content"]["text"]["text"]),
                         (self.customer, False, "while you were away"))
        self.assertEqual(self.td.request(restarted, {"@type": "getMe"})["id"], self.owner)

    def test_resume_after_a_killed_process(self):
        """A process that dies without close: its successor resumes and gets what it missed."""
        directory = os.path.join(self.dirs, f"killed{self.n}")
        child = subprocess.run([sys.executable, __file__, "--child-login", directory, "--tdjson", TDJSON],
                               env={**os.environ}, input=self.token, capture_output=True, text=True, timeout=60)
        self.assertEqual(child.stdout.strip(), "ready", child.stderr)
        self.sim.say(self.customer, self.bot_id, text="anyone?")
        client = self.td.create()
        self.td.send(client, {"@type": "setTdlibParameters", "database_directory": directory})
        self.td.state(client, "authorizationStateReady")
        missed = self.td.update(client, "updateNewMessage")["message"]
        self.assertEqual((missed["chat_id"], missed["content"]["text"]["text"]), (self.customer, "anyone?"))

    def test_tgsim_restart_loses_the_session(self):
        other = Tgsim(TGSIM_BIN, limits=False)
        url = os.environ["TGSIM_URL"]
        try:
            os.environ["TGSIM_URL"] = other.base
            _, token = other.bot("lost_bot")
            client, directory = self.start("lost")
            self.td.state(client, "authorizationStateWaitPhoneNumber")
            self.td.request(client, {"@type": "checkAuthenticationBotToken", "token": token})
            self.td.state(client, "authorizationStateReady")
            other.stop()
            self.td.update(client, "updateConnectionState",
                           lambda o: o["state"]["@type"] == "connectionStateConnecting")
            # A fresh tgsim does not know the stored session: TDLib's "session terminated".
            os.environ["TGSIM_URL"] = self.sim.base
            again = self.td.create()
            self.td.send(again, {"@type": "setTdlibParameters", "database_directory": directory})
            self.td.state(again, "authorizationStateLoggingOut")
            self.td.state(again, "authorizationStateClosed")
            self.assertFalse(os.path.exists(os.path.join(directory, "tgsim_session.json")))
        finally:
            os.environ["TGSIM_URL"] = url
            other.stop()

    # ---- messages ----
    def test_account_messages_incoming_outgoing_and_sent(self):
        client, _ = self.ready_account()
        self.sim.say(self.customer, self.owner, text="hello shop")
        incoming = self.td.update(client, "updateNewMessage")["message"]
        self.assertEqual((incoming["chat_id"], incoming["is_outgoing"], incoming["sender_id"]["user_id"]),
                         (self.customer, False, self.customer))
        self.assertEqual(incoming["id"] % SHIFT, 0)
        self.assertEqual(incoming["content"], {"@type": "messageText", "text": {
            "@type": "formattedText", "text": "hello shop", "entities": []}})
        # The owner answers from their phone: another device, so an outgoing updateNewMessage.
        self.sim.say(self.owner, self.customer, text="from my phone")
        outgoing = self.td.update(client, "updateNewMessage")["message"]
        self.assertEqual((outgoing["chat_id"], outgoing["is_outgoing"], outgoing["content"]["text"]["text"]),
                         (self.customer, True, "from my phone"))
        # The desk sends: a pending message, then updateMessageSendSucceeded with the server id.
        pending = self.td.request(client, {"@type": "sendMessage", "chat_id": self.customer,
                                           "reply_to": {"@type": "inputMessageReplyToMessage",
                                                        "message_id": incoming["id"]},
                                           "input_message_content": text("from the desk")})
        self.assertEqual(pending["sending_state"]["@type"], "messageSendingStatePending")
        self.assertNotEqual(pending["id"] % SHIFT, 0)
        done = self.td.update(client, "updateMessageSendSucceeded")
        self.assertEqual(done["old_message_id"], pending["id"])
        self.assertEqual(done["message"]["id"] % SHIFT, 0)
        self.assertEqual(done["message"]["reply_to"]["message_id"], incoming["id"])
        seen = self.sim.view(self.owner, self.customer)
        self.assertEqual([m["text"] for m in seen], ["hello shop", "from my phone", "from the desk"])
        self.assertEqual(seen[-1]["message_id"] * SHIFT, done["message"]["id"])
        # A second session of the same account sees the desk's message as outgoing.
        other, _ = self.login_by_code(f"+1555000{self.n:04d}", self.owner, "second")
        self.td.state(other, "authorizationStateReady")
        self.td.request(client, {"@type": "sendMessage", "chat_id": self.customer,
                                 "input_message_content": text("seen elsewhere")})
        echoed = self.td.update(other, "updateNewMessage")["message"]
        self.assertEqual((echoed["is_outgoing"], echoed["content"]["text"]["text"], echoed["sending_state"]),
                         (True, "seen elsewhere", None))

    def test_many_sends_arrive_once_and_in_order(self):
        client, _ = self.ready_account()
        count = 300
        for i in range(count):
            self.td.send(client, {"@type": "sendMessage", "chat_id": self.customer, "@extra": f"bulk{i}",
                                  "input_message_content": text(f"n{i}")})
        succeeded = self.td.collect(client, "updateMessageSendSucceeded", count)
        self.assertEqual([o["message"]["content"]["text"]["text"] for o in succeeded], [f"n{i}" for i in range(count)])
        self.assertEqual([m["text"] for m in self.sim.view(self.owner, self.customer)], [f"n{i}" for i in range(count)])

    def test_send_failure_is_reported_asynchronously(self):
        client, _ = self.ready_account()
        group = self.sim.group("Team", self.secure)
        self.sim.member(group, self.owner)
        topic = self.sim.control("POST", "/sim/topics", {"chat_id": group, "name": "closed one"})
        self.sim.control("POST", "/sim/topics/close", {"chat_id": group,
                                                       "message_thread_id": topic["message_thread_id"]})
        pending = self.td.request(client, {"@type": "sendMessage", "chat_id": group,
                                           "message_thread_id": topic["message_thread_id"] * SHIFT,
                                           "input_message_content": text("no entry")})
        failed = self.td.update(client, "updateMessageSendFailed")
        self.assertEqual((failed["old_message_id"], failed["error"]["message"]), (pending["id"], "TOPIC_CLOSED"))
        missing = self.td.request(client, {"@type": "sendMessage", "chat_id": -100999,
                                           "input_message_content": text("x")})
        self.assertEqual((missing["code"], missing["message"]), (400, "Chat not found"))

    def test_bot_session_sees_private_chats_and_its_program_outgoing_messages(self):
        client, _ = self.start("botmsg")
        self.td.state(client, "authorizationStateWaitPhoneNumber")
        self.td.request(client, {"@type": "checkAuthenticationBotToken", "token": self.token})
        self.td.state(client, "authorizationStateReady")
        self.sim.say(self.customer, self.bot_id, text="/start")
        incoming = self.td.update(client, "updateNewMessage")["message"]
        self.assertEqual((incoming["chat_id"], incoming["is_outgoing"]), (self.customer, False))
        entity = incoming["content"]["text"]["entities"][0]
        self.assertEqual(entity["type"]["@type"], "textEntityTypeBotCommand")
        self.sim.ok(self.token, "sendMessage", {"chat_id": self.customer, "text": "Welcome!"})
        outgoing = self.td.update(client, "updateNewMessage")["message"]
        self.assertEqual((outgoing["is_outgoing"], outgoing["content"]["text"]["text"]), (True, "Welcome!"))
        # The Bot API program gets the user's message but never the session's own sends.
        self.sim.drain(self.token)
        self.td.request(client, {"@type": "sendMessage", "chat_id": self.customer,
                                 "input_message_content": text("from the session")})
        self.td.update(client, "updateMessageSendSucceeded")
        self.assertEqual(self.sim.updates(self.token, timeout=0), [])
        self.assertEqual(self.sim.view(self.bot_id, self.customer)[-1]["text"], "from the session")

    def test_forward_send_copy_into_a_topic_and_edit(self):
        client, _ = self.ready_account()
        group = self.sim.group("Backend", self.secure)
        self.sim.member(group, self.owner)
        topic = self.sim.control("POST", "/sim/topics", {"chat_id": group, "name": "Cara"})
        thread = topic["message_thread_id"]
        self.sim.say(self.customer, self.owner, photo="cat.jpg", caption="my cat")
        photo = self.td.update(client, "updateNewMessage",
                               lambda o: o["message"]["chat_id"] == self.customer)["message"]
        self.assertEqual(photo["content"]["@type"], "messagePhoto")
        self.assertEqual(photo["content"]["caption"]["text"], "my cat")
        copies = self.td.request(client, {"@type": "forwardMessages", "chat_id": group,
                                          "message_thread_id": thread * SHIFT, "from_chat_id": self.customer,
                                          "message_ids": [photo["id"]], "send_copy": True,
                                          "remove_caption": False})
        self.assertEqual((copies["@type"], copies["total_count"]), ("messages", 1))
        done = self.td.update(client, "updateMessageSendSucceeded")
        self.assertEqual(done["old_message_id"], copies["messages"][0]["id"])
        self.assertEqual((done["message"]["chat_id"], done["message"]["message_thread_id"]), (group, thread * SHIFT))
        self.assertIsNone(done["message"]["forward_info"])
        in_topic = self.sim.view(group, self.secure, thread=thread)
        self.assertEqual(in_topic[-1]["caption"], "my cat")
        self.assertNotIn("forward_origin", in_topic[-1])
        # An operator posts in the topic; the account's session sees it.
        self.sim.say(self.secure, group, message_thread_id=thread, text="on it")
        operator = self.td.update(client, "updateNewMessage", lambda o: o["message"]["chat_id"] == group)["message"]
        self.assertEqual((operator["message_thread_id"], operator["is_outgoing"]), (thread * SHIFT, False))
        # Edits of the desk's own message reach its chat and come back as updates.
        pending = self.td.request(client, {"@type": "sendMessage", "chat_id": self.customer,
                                           "input_message_content": text("typo")})
        sent = self.td.update(client, "updateMessageSendSucceeded",
                              lambda o: o["old_message_id"] == pending["id"])["message"]
        edited = self.td.request(client, {"@type": "editMessageText", "chat_id": self.customer,
                                          "message_id": sent["id"], "input_message_content": text("fixed")})
        self.assertEqual(edited["content"]["text"]["text"], "fixed")
        self.assertEqual(self.sim.view(self.owner, self.customer)[-1]["text"], "fixed")
        # Captions of copies in the topic can be edited, and messages deleted.
        copy_id = done["message"]["id"]
        recaptioned = self.td.request(client, {"@type": "editMessageCaption", "chat_id": group, "message_id": copy_id,
                                               "caption": {"@type": "formattedText", "text": "a cat", "entities": []}})
        self.assertEqual(recaptioned["content"]["caption"]["text"], "a cat")
        self.assertEqual(self.sim.view(group, self.secure, thread=thread)[-2]["caption"], "a cat")
        deleted = self.td.request(client, {"@type": "deleteMessages", "chat_id": self.customer,
                                           "message_ids": [sent["id"]], "revoke": True})
        self.assertEqual(deleted["@type"], "ok")
        gone = self.td.update(client, "updateDeleteMessages")
        self.assertEqual((gone["chat_id"], gone["message_ids"]), (self.customer, [sent["id"]]))
        self.assertNotIn("fixed", [m.get("text") for m in self.sim.view(self.owner, self.customer)])

    def test_search_public_chat_and_user_by_phone(self):
        client, _ = self.ready_account()
        chat = self.td.request(client, {"@type": "searchPublicChat", "username": f"cara{self.n}"})
        self.assertEqual((chat["@type"], chat["id"], chat["type"]["@type"]), ("chat", self.customer, "chatTypePrivate"))
        missing = self.td.request(client, {"@type": "searchPublicChat", "username": "nobody_here"})
        self.assertEqual((missing["code"], missing["message"]), (400, "USERNAME_NOT_OCCUPIED"))
        user = self.td.request(client, {"@type": "searchUserByPhoneNumber", "phone_number": f"+4470000{self.n:04d}"})
        self.assertEqual((user["@type"], user["id"], user["first_name"]), ("user", self.customer, "Cara"))
        nobody = self.td.request(client, {"@type": "searchUserByPhoneNumber", "phone_number": "+10"})
        self.assertEqual((nobody["code"], nobody["message"]), (404, "Not Found"))
        private = self.td.request(client, {"@type": "createPrivateChat", "user_id": self.customer, "force": False})
        self.assertEqual(private["id"], self.customer)
        # The desk may write first to an account's contact: a chat between two people.
        self.td.request(client, {"@type": "sendMessage", "chat_id": self.customer,
                                 "input_message_content": text("hi from /new")})
        self.td.update(client, "updateMessageSendSucceeded")
        self.assertEqual(self.sim.view(self.owner, self.customer)[-1]["text"], "hi from /new")
        overview = self.sim.control("GET", "/sim/overview")
        self.assertIn(sorted([self.owner, self.customer]), [sorted(c["user_ids"]) for c in overview["people_chats"]])


class TdFrontBadInputTest(unittest.TestCase):
    """tgsim's /td/v1 front answers malformed input with TDLib-shaped errors, never a crash."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Tgsim(TGSIM_BIN, limits=False)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def call(self, method, path, body=None):
        return self.sim.request(method, path, body, {"Content-Type": "application/json"})

    def test_bad_requests(self):
        status, _, answer = self.call("POST", "/td/v1/sessions", "[1,2")
        self.assertEqual((status, answer["@type"]), (400, "error"))
        status, _, answer = self.call("POST", "/td/v1/sessions", json.dumps({"resume_key": "nope"}))
        self.assertEqual((status, answer["message"]), (401, "Unauthorized"))
        status, _, answer = self.call("POST", "/td/v1/sessions/unknown/send", "{}")
        self.assertEqual(status, 401)
        self.assertEqual(self.call("GET", "/td/v1/sessions/unknown/updates?offset=x&timeout=-3")[0], 401)
        self.assertEqual(self.call("GET", "/td/v1/nothing")[0], 404)
        key = self.call("POST", "/td/v1/sessions", "{}")[2]["session_key"]
        for request in [{"@type": 5}, {"no": "type"}, {"@type": "setTdlibParameters", "database_directory": []},
                        {"@type": "setTdlibParameters"}, {"@type": "checkAuthenticationCode", "code": 12345},
                        {"@type": "sendMessage", "chat_id": "abc", "input_message_content": 7},
                        {"@type": "checkAuthenticationBotToken", "token": {"x": 1}}]:
            status, _, answer = self.call("POST", f"/td/v1/sessions/{key}/send", json.dumps(request))
            self.assertEqual((status, answer), (200, {"ok": True}), request)
        status, _, batch = self.call("GET", f"/td/v1/sessions/{key}/updates?offset=0&timeout=0")
        types = [(o["@type"], o.get("message")) for o in batch["updates"] if o["@type"] != "updateAuthorizationState"]
        self.assertEqual(types, [("error", "Request must have an @type"), ("error", "Request must have an @type"),
                                 ("ok", None), ("error", "Call to setTdlibParameters unexpected"),
                                 ("error", "Call to checkAuthenticationCode unexpected"),
                                 ("error", "Unauthorized"), ("error", "ACCESS_TOKEN_INVALID")])
        self.assertTrue(self.sim.alive())


def child_login(directory, tdjson):
    """A separate process: signs the bot (token on stdin) in, prints "ready", dies without close."""
    td = Td(tdjson)
    client = td.create()
    td.send(client, {"@type": "setTdlibParameters", "database_directory": directory})
    td.state(client, "authorizationStateWaitPhoneNumber")
    td.send(client, {"@type": "checkAuthenticationBotToken", "token": sys.stdin.read().strip()})
    td.state(client, "authorizationStateReady")
    print("ready", flush=True)
    os._exit(0)


def main():
    global TGSIM_BIN, TDJSON
    parser = argparse.ArgumentParser()
    parser.add_argument("--tgsim", default=TGSIM_BIN)
    parser.add_argument("--tdjson", default=TDJSON)
    parser.add_argument("--child-login")
    args, rest = parser.parse_known_args()
    TGSIM_BIN, TDJSON = args.tgsim, args.tdjson
    if args.child_login:
        child_login(args.child_login, TDJSON)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
