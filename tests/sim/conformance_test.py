"""Conformance of tgsim with the Bot API: every method and documented error over real HTTP.

Run: python3 tests/sim/conformance_test.py --tgsim build-sim/tgsim
"""
import argparse
import http.client
import http.server
import json
import socket
import sys
import threading
import time
import unittest

from tgsim_process import Tgsim, form, wait_until

TGSIM_BIN = "build/tgsim"


class SimTestCase(unittest.TestCase):
    """One tgsim per class (limits off); each test builds its own small world."""
    limits = False
    sim = None

    @classmethod
    def setUpClass(cls):
        cls.sim = Tgsim(TGSIM_BIN, limits=cls.limits)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.counter = getattr(type(self), "_counter", 0) + 1
        type(self)._counter = self.counter
        tag = f"{self._testMethodName[:20]}{self.counter}"
        s = self.sim
        self.ann = s.user("Ann", last_name="Lee", username=f"ann{tag}", language_code="en")
        self.olga = s.user("Olga", username=f"olga{tag}")
        self.bot_id, self.token = s.bot(f"shop{tag}_bot")
        self.group = s.group("Support", self.olga)
        s.member(self.group, self.bot_id, "administrator", can_manage_topics=True, can_delete_messages=True,
                 can_restrict_members=True)
        s.drain(self.token)

    def assertError(self, answer, code, description):
        status, body = answer
        self.assertEqual(status, code, body)
        self.assertEqual(body, {"ok": False, "error_code": code, "description": description}
                         if "parameters" not in body else
                         {"ok": False, "error_code": code, "description": description,
                          "parameters": body["parameters"]})

    def start_chat(self):
        """Ann writes /start so the bot may write to her; returns the update's message."""
        self.sim.say(self.ann, self.bot_id, text="/start")
        return self.sim.drain(self.token)[-1]["message"]

    def topic(self, name="Ann #1"):
        return self.sim.ok(self.token, "createForumTopic", {"chat_id": self.group, "name": name})


class RequestShapeTest(SimTestCase):
    def test_get_me_with_get_post_json_form_and_query(self):
        s = self.sim
        expected = s.ok(self.token, "getMe")
        self.assertEqual(expected["id"], self.bot_id)
        self.assertTrue(expected["is_bot"])
        self.assertEqual(expected["can_read_all_group_messages"], False)
        for method, path, body, headers in [
            ("GET", f"/bot{self.token}/getMe", None, {}),
            ("POST", f"/bot{self.token}/getme", "", {}),
            ("POST", f"/bot{self.token}/GETME?x=1", form({"a": "b"}), {"Content-Type": "application/x-www-form-urlencoded"}),
        ]:
            status, _, answer = s.request(method, path, body, headers)
            self.assertEqual((status, answer), (200, {"ok": True, "result": expected}))

    def test_query_string_params_are_read_for_post_too(self):
        self.start_chat()
        status, _, answer = self.sim.request("POST", f"/bot{self.token}/sendMessage?chat_id={self.ann}&text=q",
                                             json.dumps({"unknown": 1}), {"Content-Type": "application/json"})
        self.assertEqual(status, 200)
        self.assertEqual(answer["result"]["text"], "q")

    def test_multipart_form_params_and_upload(self):
        self.start_chat()
        boundary = "XyZ123"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n{self.ann}\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\nreport\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="document"; filename="r.txt"\r\n'
            f'Content-Type: text/plain\r\n\r\nhello file\r\n',
            f'--{boundary}--\r\n',
        ]
        status, _, answer = self.sim.request("POST", f"/bot{self.token}/sendDocument", "".join(parts).encode(),
                                             {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        self.assertEqual(status, 200, answer)
        document = answer["result"]["document"]
        self.assertEqual(document["file_name"], "r.txt")
        self.assertEqual(document["mime_type"], "text/plain")
        self.assertEqual(answer["result"]["caption"], "report")
        path = self.sim.ok(self.token, "getFile", {"file_id": document["file_id"]})["file_path"]
        status, _, raw = self.sim.request("GET", f"/file/bot{self.token}/{path}")
        self.assertEqual((status, raw), (200, b"hello file"))

    def test_unknown_method(self):
        self.assertError(self.sim.api(self.token, "sendTelepathy"), 404, "Not Found: method not found")

    def test_malformed_and_unknown_tokens(self):
        self.assertError(self.sim.api("garbage", "getMe"), 401, "Unauthorized: invalid token specified")
        self.assertError(self.sim.api("123:", "getMe"), 401, "Unauthorized: invalid token specified")
        self.assertError(self.sim.api("123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "getMe"), 401, "Unauthorized")

    def test_invalid_json_body_goes_on_with_nothing(self):
        status, _, answer = self.sim.request("POST", f"/bot{self.token}/sendMessage", '{"chat_id": 1, "text": ',
                                             {"Content-Type": "application/json"})
        # Nothing was parsed: the text check comes first, as on the official server.
        self.assertEqual((status, answer["description"]), (400, "Bad Request: message text is empty"))
        status, _, answer = self.sim.request("POST", f"/bot{self.token}/sendMessage?chat_id={self.ann}",
                                             "{not json", {"Content-Type": "application/json"})
        self.assertEqual(answer, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"})

    def test_missing_fields(self):
        self.start_chat()
        self.assertError(self.sim.api(self.token, "sendMessage", {"text": "x"}), 400, "Bad Request: chat_id is empty")
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": self.ann}), 400,
                         "Bad Request: message text is empty")
        self.assertError(self.sim.api(self.token, "sendPhoto", {"chat_id": self.ann}), 400,
                         "Bad Request: there is no photo in the request")
        self.assertError(self.sim.api(self.token, "editMessageText", {"chat_id": self.ann, "text": "x"}), 400,
                         "Bad Request: message identifier is not specified")

    def test_huge_body_gets_413_in_bot_api_shape(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.sim.port, timeout=30)
        conn.putrequest("POST", f"/bot{self.token}/sendMessage")
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", str(51 * 1024 * 1024))
        conn.endheaders()
        try:
            conn.send(b"a" * (1024 * 1024))
        except OSError:
            pass
        resp = conn.getresponse()
        self.assertEqual(resp.status, 413)
        self.assertEqual(json.loads(resp.read()),
                         {"ok": False, "error_code": 413, "description": "Request Entity Too Large"})
        conn.close()
        self.assertTrue(self.sim.alive())

    def test_too_many_parameters(self):
        body = "&".join(f"p{i}=1" for i in range(1100))
        status, _, answer = self.sim.request("POST", f"/bot{self.token}/getMe", body,
                                             {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, answer["description"]), (413, "Request Entity Too Large: too many parameters"))

    def test_garbage_requests_never_crash(self):
        for raw in [b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n", b"\x00\x01\x02garbage\r\n\r\n",
                    b"POST /bot1:a/sendMessage HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]:
            with socket.create_connection(("127.0.0.1", self.sim.port), timeout=5) as sock:
                sock.sendall(raw)
                sock.shutdown(socket.SHUT_WR)
                try:
                    sock.recv(1000)
                except OSError:
                    pass
        for body in ["[]", "null", '{"chat_id": {"x": 1}, "text": [1]}', '{"chat_id": "abc", "text": "x"}',
                     '{"reply_markup": "{]", "chat_id": 1, "text": "x"}']:
            status, _, answer = self.sim.request("POST", f"/bot{self.token}/sendMessage", body,
                                                 {"Content-Type": "application/json"})
            self.assertEqual(answer["ok"], False)
            self.assertEqual(status, answer["error_code"])
        self.assertTrue(self.sim.alive())
        self.sim.ok(self.token, "getMe")

    def test_status_equals_error_code(self):
        status, _, answer = self.sim.request("GET", f"/bot{self.token}/getChat?chat_id=-100999")
        self.assertEqual(status, answer["error_code"])
        self.assertEqual(answer["description"], "Bad Request: chat not found")


class PrivateChatTest(SimTestCase):
    def test_user_message_reaches_bot_with_command_entity(self):
        self.sim.say(self.ann, self.bot_id, text="/start promo")
        update = self.sim.drain(self.token)[-1]
        message = update["message"]
        self.assertEqual(message["chat"], {"id": self.ann, "first_name": "Ann", "last_name": "Lee",
                                           "username": message["from"]["username"], "type": "private"})
        self.assertEqual(message["from"]["language_code"], "en")
        self.assertEqual(message["entities"], [{"offset": 0, "length": 6, "type": "bot_command"}])
        self.assertNotIn("message_thread_id", message)

    def test_bot_cannot_initiate_or_reach_unknown_ids(self):
        self.sim.member(self.group, self.ann)
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": self.ann, "text": "hi"}), 403,
                         "Forbidden: bot can't initiate conversation with a user")
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": 123456789, "text": "hi"}), 400,
                         "Bad Request: chat not found")

    def test_send_message_answer_and_user_view(self):
        self.start_chat()
        sent = self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "text": "  Hello 👋  "})
        self.assertEqual(sent["text"], "Hello 👋")
        self.assertEqual(sent["chat"]["id"], self.ann)
        self.assertEqual(sent["from"]["id"], self.bot_id)
        seen = self.sim.view(self.bot_id, self.ann)[-1]
        self.assertEqual(seen["message_id"], sent["message_id"])
        self.assertEqual(seen["chat"]["id"], self.bot_id)
        self.assertEqual(self.sim.drain(self.token), [], "a bot gets no update for its own message")

    def test_text_limits_count_code_points(self):
        self.start_chat()
        self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "text": "ж" * 4096})
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": self.ann, "text": "ж" * 4097}), 400,
                         "Bad Request: message is too long")
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": self.ann, "text": "   "}), 400,
                         "Bad Request: message text is empty")
        photo = self.sim.ok(self.token, "sendPhoto", {"chat_id": self.ann, "photo": "https://example.com/a.jpg",
                                                      "caption": "c" * 1024})
        self.assertEqual(len(photo["caption"]), 1024)
        self.assertError(self.sim.api(self.token, "sendPhoto", {"chat_id": self.ann, "caption": "c" * 1025,
                                                                "photo": photo["photo"][-1]["file_id"]}),
                         400, "Bad Request: message caption is too long")

    def test_parse_modes_make_entities(self):
        self.start_chat()
        html = self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "parse_mode": "HTML",
                                                       "text": "<b>bold</b> &amp; <a href=\"https://t.me\">link</a>"})
        self.assertEqual(html["text"], "bold & link")
        self.assertEqual(html["entities"], [{"offset": 0, "length": 4, "type": "bold"},
                                            {"offset": 7, "length": 4, "type": "text_link", "url": "https://t.me"}])
        md = self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "parse_mode": "MarkdownV2",
                                                     "text": "*b* _i_ `c` 1\\.5"})
        self.assertEqual(md["text"], "b i c 1.5")
        self.assertEqual([e["type"] for e in md["entities"]], ["bold", "italic", "code"])
        status, answer = self.sim.api(self.token, "sendMessage", {"chat_id": self.ann, "parse_mode": "HTML",
                                                                  "text": "<blink>x</blink>"})
        self.assertEqual(status, 400)
        self.assertTrue(answer["description"].startswith("Bad Request: can't parse entities"), answer)
        status, answer = self.sim.api(self.token, "sendMessage", {"chat_id": self.ann, "parse_mode": "MarkdownV2",
                                                                  "text": "1.5"})
        self.assertIn("is reserved and must be escaped", answer["description"])

    def test_entities_offsets_are_utf16(self):
        self.start_chat()
        sent = self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "parse_mode": "HTML",
                                                       "text": "😀 <i>x</i>"})
        self.assertEqual(sent["entities"], [{"offset": 3, "length": 1, "type": "italic"}])

    def test_block_gives_my_chat_member_and_403(self):
        self.start_chat()
        self.sim.control("POST", "/sim/block", {"user_id": self.ann, "bot_id": self.bot_id})
        update = self.sim.drain(self.token)[-1]["my_chat_member"]
        self.assertEqual(update["chat"]["id"], self.ann)
        self.assertEqual(update["old_chat_member"]["status"], "member")
        self.assertEqual(update["new_chat_member"]["status"], "kicked")
        self.assertEqual(update["new_chat_member"]["user"]["id"], self.bot_id)
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": self.ann, "text": "hi"}), 403,
                         "Forbidden: bot was blocked by the user")
        # Writing again means "Restart": the bot hears it is a member again, then the message.
        self.sim.say(self.ann, self.bot_id, text="back")
        kinds = [next(k for k in u if k != "update_id") for u in self.sim.drain(self.token)]
        self.assertEqual(kinds, ["my_chat_member", "message"])
        self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "text": "welcome back"})

    def test_reply_parameters_and_legacy_reply(self):
        first = self.start_chat()
        a = self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "text": "a",
                                                    "reply_parameters": {"message_id": first["message_id"]}})
        self.assertEqual(a["reply_to_message"]["message_id"], first["message_id"])
        b = self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "text": "b",
                                                    "reply_to_message_id": a["message_id"]})
        self.assertEqual(b["reply_to_message"]["text"], "a")
        self.assertNotIn("reply_to_message", b["reply_to_message"])
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": self.ann, "text": "c",
                                                                  "reply_to_message_id": 9999}),
                         400, "Bad Request: message to be replied not found")
        c = self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "text": "c", "reply_parameters":
                                                    {"message_id": 9999, "allow_sending_without_reply": True}})
        self.assertNotIn("reply_to_message", c)

    def test_reply_markup_stored_and_callback_query(self):
        self.start_chat()
        markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
        sent = self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "text": "ok?", "reply_markup": markup})
        self.assertEqual(sent["reply_markup"], markup)
        query_id = self.sim.control("POST", "/sim/callback", {"from": self.ann, "chat_id": self.bot_id,
                                                              "message_id": sent["message_id"], "data": "yes"})[
            "callback_query_id"]
        query = self.sim.drain(self.token)[-1]["callback_query"]
        self.assertEqual((query["id"], query["data"], query["from"]["id"]), (query_id, "yes", self.ann))
        self.assertEqual(query["message"]["message_id"], sent["message_id"])
        self.assertTrue(self.sim.ok(self.token, "answerCallbackQuery", {"callback_query_id": query_id, "text": "!"}))
        self.assertError(self.sim.api(self.token, "answerCallbackQuery", {"callback_query_id": "nope"}), 400,
                         "Bad Request: query is too old and response timeout expired or query ID is invalid")

    def test_all_send_kinds(self):
        self.start_chat()
        s, chat = self.sim, {"chat_id": self.ann}
        for method, field in [("sendPhoto", "photo"), ("sendDocument", "document"), ("sendVideo", "video"),
                              ("sendVoice", "voice"), ("sendAudio", "audio"), ("sendSticker", "sticker"),
                              ("sendAnimation", "animation"), ("sendVideoNote", "video_note")]:
            first = s.ok(self.token, method, {**chat, field: f"https://example.com/{field}.bin"})
            self.assertIn(field, first)
            media = first[field][-1] if field == "photo" else first[field]
            again = s.ok(self.token, method, {**chat, field: media["file_id"]})  # file_id reuse
            again_media = again[field][-1] if field == "photo" else again[field]
            self.assertEqual(again_media["file_unique_id"], media["file_unique_id"])
        self.assertError(s.api(self.token, "sendPhoto", {**chat, "photo": "no-such-file"}), 400,
                         "Bad Request: wrong file identifier/HTTP URL specified")
        location = s.ok(self.token, "sendLocation", {**chat, "latitude": 52.5, "longitude": 13.4})["location"]
        self.assertEqual(location, {"latitude": 52.5, "longitude": 13.4})
        venue = s.ok(self.token, "sendVenue", {**chat, "latitude": 1, "longitude": 2, "title": "Cafe",
                                               "address": "Main St"})
        self.assertEqual(venue["venue"]["title"], "Cafe")
        contact = s.ok(self.token, "sendContact", {**chat, "phone_number": "+100", "first_name": "Bob"})["contact"]
        self.assertEqual(contact, {"phone_number": "+100", "first_name": "Bob"})
        poll = s.ok(self.token, "sendPoll", {**chat, "question": "Q?", "options": ["a", "b"]})["poll"]
        self.assertEqual([o["text"] for o in poll["options"]], ["a", "b"])
        dice = s.ok(self.token, "sendDice", {**chat})["dice"]
        self.assertTrue(1 <= dice["value"] <= 6)
        self.assertTrue(s.ok(self.token, "sendChatAction", {**chat, "action": "typing"}))
        self.assertError(s.api(self.token, "sendChatAction", {**chat, "action": "dancing"}), 400,
                         "Bad Request: wrong parameter action in request")

    def test_user_media_placeholders_and_get_file(self):
        self.sim.say(self.ann, self.bot_id, photo="cat.jpg", caption="my cat")
        message = self.sim.drain(self.token)[-1]["message"]
        self.assertEqual(message["caption"], "my cat")
        file_id = message["photo"][-1]["file_id"]
        file = self.sim.ok(self.token, "getFile", {"file_id": file_id})
        self.assertEqual(file["file_id"], file_id)
        status, _, raw = self.sim.request("GET", f"/file/bot{self.token}/{file['file_path']}")
        self.assertEqual(status, 200)
        self.assertIn(b"cat.jpg", raw)
        self.assertError(self.sim.api(self.token, "getFile", {"file_id": "zzz"}), 400,
                         "Bad Request: wrong file_id or the file is temporarily unavailable")

    def test_edits_by_bot(self):
        self.start_chat()
        sent = self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "text": "v1"})
        edited = self.sim.ok(self.token, "editMessageText", {"chat_id": self.ann, "message_id": sent["message_id"],
                                                             "text": "v2"})
        self.assertEqual(edited["text"], "v2")
        self.assertIn("edit_date", edited)
        self.assertError(self.sim.api(self.token, "editMessageText", {"chat_id": self.ann,
                                                                      "message_id": sent["message_id"], "text": "v2"}),
                         400, "Bad Request: message is not modified: specified new message content and reply markup "
                              "are exactly the same as a current content and reply markup of the message")
        self.assertError(self.sim.api(self.token, "editMessageText", {"chat_id": self.ann, "message_id": 9999,
                                                                      "text": "x"}),
                         400, "Bad Request: message to edit not found")
        photo = self.sim.ok(self.token, "sendPhoto", {"chat_id": self.ann, "photo": "https://e.com/p.jpg",
                                                      "caption": "old"})
        new = self.sim.ok(self.token, "editMessageCaption", {"chat_id": self.ann, "message_id": photo["message_id"],
                                                             "caption": "new"})
        self.assertEqual(new["caption"], "new")
        markup = {"inline_keyboard": [[{"text": "Go", "url": "https://t.me"}]]}
        with_markup = self.sim.ok(self.token, "editMessageReplyMarkup", {"chat_id": self.ann,
                                                                         "message_id": photo["message_id"],
                                                                         "reply_markup": markup})
        self.assertEqual(with_markup["reply_markup"], markup)
        self.assertError(self.sim.api(self.token, "editMessageCaption", {"chat_id": self.ann,
                                                                         "message_id": sent["message_id"],
                                                                         "caption": "x"}),
                         400, "Bad Request: there is no caption in the message to edit")

    def test_user_edit_and_reaction_updates(self):
        message = self.start_chat()
        self.sim.control("POST", "/sim/messages/edit", {"from": self.ann, "chat_id": self.bot_id,
                                                        "message_id": message["message_id"], "text": "/start again"})
        edited = self.sim.drain(self.token)[-1]["edited_message"]
        self.assertEqual((edited["message_id"], edited["text"]), (message["message_id"], "/start again"))
        # Reactions arrive only when listed in allowed_updates.
        self.sim.control("POST", "/sim/reactions", {"from": self.ann, "chat_id": self.bot_id,
                                                    "message_id": message["message_id"], "emoji": "👍"})
        self.assertEqual(self.sim.drain(self.token), [])
        self.sim.updates(self.token, allowed_updates=["message", "message_reaction"])
        self.sim.control("POST", "/sim/reactions", {"from": self.ann, "chat_id": self.bot_id,
                                                    "message_id": message["message_id"], "emoji": "🔥"})
        reaction = self.sim.drain(self.token)[-1]["message_reaction"]
        self.assertEqual(reaction["new_reaction"], [{"type": "emoji", "emoji": "🔥"}])
        self.assertEqual(reaction["old_reaction"], [{"type": "emoji", "emoji": "👍"}])
        self.assertEqual(reaction["user"]["id"], self.ann)

    def test_bot_reaction_delete_get_chat_and_member(self):
        message = self.start_chat()
        self.assertTrue(self.sim.ok(self.token, "setMessageReaction", {
            "chat_id": self.ann, "message_id": message["message_id"], "reaction": [{"type": "emoji", "emoji": "👀"}]}))
        chat = self.sim.ok(self.token, "getChat", {"chat_id": self.ann})
        self.assertEqual((chat["id"], chat["type"], chat["first_name"]), (self.ann, "private", "Ann"))
        member = self.sim.ok(self.token, "getChatMember", {"chat_id": self.ann, "user_id": self.ann})
        self.assertEqual(member["status"], "member")
        sent = self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "text": "bye"})
        self.assertTrue(self.sim.ok(self.token, "deleteMessage", {"chat_id": self.ann,
                                                                  "message_id": sent["message_id"]}))
        self.assertError(self.sim.api(self.token, "deleteMessage", {"chat_id": self.ann,
                                                                    "message_id": sent["message_id"]}),
                         400, "Bad Request: message to delete not found")
        self.assertNotIn(sent["message_id"], [m["message_id"] for m in self.sim.view(self.bot_id, self.ann)])

    def test_commands(self):
        commands = [{"command": "start", "description": "Start"}, {"command": "help", "description": "Help"}]
        self.assertTrue(self.sim.ok(self.token, "setMyCommands", {"commands": commands}))
        self.assertEqual(self.sim.ok(self.token, "getMyCommands"), commands)
        stickers = self.sim.ok(self.token, "getForumTopicIconStickers")
        self.assertTrue(stickers and all("custom_emoji_id" in s for s in stickers))


class ForumTest(SimTestCase):
    def test_create_topic_and_implicit_reply(self):
        topic = self.topic("Ann #42")
        self.assertEqual(topic, {"message_thread_id": topic["message_thread_id"], "name": "Ann #42",
                                 "icon_color": 7322096})
        sent = self.sim.ok(self.token, "sendMessage", {"chat_id": self.group, "text": "card",
                                                       "message_thread_id": topic["message_thread_id"]})
        self.assertEqual(sent["message_thread_id"], topic["message_thread_id"])
        self.assertTrue(sent["is_topic_message"])
        implicit = sent["reply_to_message"]
        self.assertEqual(implicit["message_id"], topic["message_thread_id"])
        self.assertEqual(implicit["forum_topic_created"], {"name": "Ann #42", "icon_color": 7322096})
        topics = self.sim.control("GET", f"/sim/groups/{self.group}/topics")["topics"]
        self.assertEqual(topics, [{"message_thread_id": topic["message_thread_id"], "name": "Ann #42",
                                   "icon_color": 7322096, "icon_custom_emoji_id": "", "is_closed": False}])

    def test_general_topic_and_thread_errors(self):
        general = self.sim.ok(self.token, "sendMessage", {"chat_id": self.group, "text": "general"})
        self.assertNotIn("message_thread_id", general)
        self.assertNotIn("is_topic_message", general)
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": self.group, "text": "x",
                                                                  "message_thread_id": 1}),
                         400, "Bad Request: message thread not found")
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": self.group, "text": "x",
                                                                  "message_thread_id": 777}),
                         400, "Bad Request: message thread not found")

    def test_operator_messages_and_privacy(self):
        topic = self.topic()
        thread = topic["message_thread_id"]
        self.sim.member(self.group, self.ann)
        self.sim.drain(self.token)
        mid = self.sim.say(self.olga, self.group, text="hello from operator", message_thread_id=thread)
        message = self.sim.drain(self.token)[-1]["message"]
        self.assertEqual((message["message_id"], message["message_thread_id"]), (mid, thread))
        self.assertEqual(message["reply_to_message"]["message_id"], thread)
        # A privacy-mode bot that is not an admin sees commands and replies to itself only.
        quiet_id, quiet_token = self.sim.bot(f"quiet{self.counter}_bot")
        self.sim.member(self.group, quiet_id)
        self.sim.drain(quiet_token)
        self.sim.say(self.olga, self.group, text="plain chatter")
        self.assertEqual(self.sim.drain(quiet_token), [])
        self.sim.say(self.olga, self.group, text="/status")
        self.assertEqual(self.sim.drain(quiet_token)[-1]["message"]["text"], "/status")
        bot_message = self.sim.ok(quiet_token, "sendMessage", {"chat_id": self.group, "text": "I am quiet"})
        self.sim.say(self.olga, self.group, text="answer", reply_to_message_id=bot_message["message_id"])
        self.assertEqual(self.sim.drain(quiet_token)[-1]["message"]["text"], "answer")

    def test_user_edit_in_group_reaches_admin_bot(self):
        thread = self.topic()["message_thread_id"]
        self.sim.drain(self.token)
        mid = self.sim.say(self.olga, self.group, text="draft", message_thread_id=thread)
        self.sim.control("POST", "/sim/messages/edit", {"from": self.olga, "chat_id": self.group,
                                                        "message_id": mid, "text": "final"})
        updates = self.sim.drain(self.token)
        self.assertEqual([("message" in u, "edited_message" in u) for u in updates], [(True, False), (False, True)])
        edited = updates[1]["edited_message"]
        self.assertEqual((edited["text"], edited["message_thread_id"]), ("final", thread))

    def test_bots_never_see_other_bots_group_messages(self):
        other_id, other_token = self.sim.bot(f"other{self.counter}_bot")
        self.sim.member(self.group, other_id, "administrator", can_manage_topics=True)
        self.sim.drain(other_token)
        self.sim.drain(self.token)
        sent = self.sim.ok(self.token, "sendMessage", {"chat_id": self.group, "text": "from bot one"})
        self.assertEqual(self.sim.drain(other_token), [])
        humans = self.sim.view(self.group, self.olga)
        self.assertIn(sent["message_id"], [m["message_id"] for m in humans])

    def test_rights_and_forum_checks(self):
        plain = self.sim.group("Plain", self.olga, is_forum=False)
        self.sim.member(plain, self.bot_id, "administrator", can_manage_topics=True)
        self.assertError(self.sim.api(self.token, "createForumTopic", {"chat_id": plain, "name": "x"}), 400,
                         "Bad Request: the chat is not a forum")
        weak = self.sim.group("Weak", self.olga)
        self.sim.member(weak, self.bot_id, "administrator", can_delete_messages=True)
        self.assertError(self.sim.api(self.token, "createForumTopic", {"chat_id": weak, "name": "x"}), 400,
                         "Bad Request: not enough rights to create a topic")
        absent = self.sim.group("Absent", self.olga)
        self.assertError(self.sim.api(self.token, "createForumTopic", {"chat_id": absent, "name": "x"}), 403,
                         "Forbidden: bot is not a member of the supergroup chat")
        self.assertError(self.sim.api(self.token, "createForumTopic", {"chat_id": -100123, "name": "x"}), 400,
                         "Bad Request: chat not found")

    def test_close_reopen_edit_delete_topic(self):
        thread = self.topic()["message_thread_id"]
        self.sim.member(self.group, self.ann)
        self.assertTrue(self.sim.ok(self.token, "closeForumTopic", {"chat_id": self.group,
                                                                    "message_thread_id": thread}))
        view = self.sim.view(self.group, self.olga, thread)
        self.assertIn("forum_topic_closed", view[-1])
        with self.assertRaises(AssertionError) as raised:
            self.sim.say(self.ann, self.group, text="hi", message_thread_id=thread)
        self.assertIn("Bad Request: TOPIC_CLOSED", str(raised.exception))
        # Admins with can_manage_topics still write in closed topics.
        self.sim.ok(self.token, "sendMessage", {"chat_id": self.group, "text": "admin", "message_thread_id": thread})
        self.assertTrue(self.sim.ok(self.token, "reopenForumTopic", {"chat_id": self.group,
                                                                     "message_thread_id": thread}))
        self.sim.say(self.ann, self.group, text="now open", message_thread_id=thread)
        self.assertTrue(self.sim.ok(self.token, "editForumTopic", {"chat_id": self.group, "message_thread_id": thread,
                                                                   "name": "Renamed"}))
        self.assertEqual(self.sim.view(self.group, self.olga, thread)[-1]["forum_topic_edited"], {"name": "Renamed"})
        self.assertTrue(self.sim.ok(self.token, "deleteForumTopic", {"chat_id": self.group,
                                                                     "message_thread_id": thread}))
        self.assertEqual(self.sim.view(self.group, self.olga, thread), [])
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": self.group, "text": "x",
                                                                  "message_thread_id": thread}),
                         400, "Bad Request: message thread not found")

    def test_operator_deletes_topic_via_control_api(self):
        thread = self.topic()["message_thread_id"]
        self.sim.control("POST", "/sim/topics/delete", {"chat_id": self.group, "message_thread_id": thread})
        self.assertEqual(self.sim.control("GET", f"/sim/groups/{self.group}/topics")["topics"], [])
        self.assertError(self.sim.api(self.token, "sendMessage", {"chat_id": self.group, "text": "x",
                                                                  "message_thread_id": thread}),
                         400, "Bad Request: message thread not found")

    def test_copy_message_and_copy_messages_keep_albums(self):
        thread = self.topic()["message_thread_id"]
        self.start_chat()
        text_id = self.sim.say(self.ann, self.bot_id, text="hi there")
        a = self.sim.say(self.ann, self.bot_id, photo="a.jpg", caption="album", media_group_id="g1")
        b = self.sim.say(self.ann, self.bot_id, photo="b.jpg", media_group_id="g1")
        copy = self.sim.ok(self.token, "copyMessage", {"chat_id": self.group, "from_chat_id": self.ann,
                                                       "message_id": text_id, "message_thread_id": thread})
        self.assertEqual(list(copy), ["message_id"])
        copies = self.sim.ok(self.token, "copyMessages", {"chat_id": self.group, "from_chat_id": self.ann,
                                                          "message_ids": [a, b, 9999], "message_thread_id": thread})
        self.assertEqual(len(copies), 2)
        self.assertTrue(all(list(c) == ["message_id"] for c in copies))
        view = {m["message_id"]: m for m in self.sim.view(self.group, self.olga, thread)}
        self.assertEqual(view[copy["message_id"]]["text"], "hi there")
        self.assertNotIn("forward_origin", view[copy["message_id"]])
        album = [view[c["message_id"]] for c in copies]
        self.assertEqual(album[0]["media_group_id"], album[1]["media_group_id"])
        self.assertNotEqual(album[0]["media_group_id"], "g1")
        self.assertEqual(album[0]["caption"], "album")
        self.assertError(self.sim.api(self.token, "copyMessage", {"chat_id": self.group, "from_chat_id": self.ann,
                                                                  "message_id": 9999}),
                         400, "Bad Request: message to copy not found")
        self.assertError(self.sim.api(self.token, "copyMessages", {"chat_id": self.group, "from_chat_id": self.ann,
                                                                   "message_ids": [b, a]}),
                         400, "Bad Request: message identifiers must be in a strictly increasing order")

    def test_copy_with_new_caption_and_forwards(self):
        self.start_chat()
        pid = self.sim.say(self.ann, self.bot_id, document="r.pdf", caption="old")
        copy = self.sim.ok(self.token, "copyMessage", {"chat_id": self.group, "from_chat_id": self.ann,
                                                       "message_id": pid, "caption": "new"})
        seen = [m for m in self.sim.view(self.group, self.olga) if m["message_id"] == copy["message_id"]][0]
        self.assertEqual(seen["caption"], "new")
        self.assertEqual(seen["document"]["file_name"], "r.pdf")
        forwarded = self.sim.ok(self.token, "forwardMessage", {"chat_id": self.group, "from_chat_id": self.ann,
                                                               "message_id": pid})
        self.assertEqual(forwarded["forward_origin"]["sender_user"]["id"], self.ann)
        many = self.sim.ok(self.token, "forwardMessages", {"chat_id": self.group, "from_chat_id": self.ann,
                                                           "message_ids": [pid]})
        self.assertEqual(len(many), 1)

    def test_media_group(self):
        thread = self.topic()["message_thread_id"]
        media = [{"type": "photo", "media": "https://e.com/1.jpg", "caption": "one"},
                 {"type": "photo", "media": "https://e.com/2.jpg"}]
        sent = self.sim.ok(self.token, "sendMediaGroup", {"chat_id": self.group, "media": media,
                                                          "message_thread_id": thread})
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[0]["media_group_id"], sent[1]["media_group_id"])
        self.assertEqual(sent[0]["caption"], "one")
        self.assertTrue(all(m["message_thread_id"] == thread for m in sent))
        self.assertEqual(self.sim.api(self.token, "sendMediaGroup", {"chat_id": self.group, "media": media[:1]})[0], 400)
        self.assertEqual(self.sim.api(self.token, "sendMediaGroup", {"chat_id": self.group, "media": media * 6})[0], 400)

    def test_ban_and_unban(self):
        self.sim.updates(self.token, allowed_updates=["message", "chat_member", "my_chat_member"])
        self.sim.member(self.group, self.ann)
        joined = self.sim.drain(self.token)[-1]["chat_member"]
        self.assertEqual((joined["old_chat_member"]["status"], joined["new_chat_member"]["status"]),
                         ("left", "member"))
        self.assertEqual(joined["new_chat_member"]["user"]["id"], self.ann)
        self.assertTrue(self.sim.ok(self.token, "banChatMember", {"chat_id": self.group, "user_id": self.ann}))
        self.assertEqual(self.sim.ok(self.token, "getChatMember", {"chat_id": self.group,
                                                                   "user_id": self.ann})["status"], "kicked")
        self.assertTrue(self.sim.ok(self.token, "unbanChatMember", {"chat_id": self.group, "user_id": self.ann,
                                                                    "only_if_banned": True}))
        self.assertEqual(self.sim.ok(self.token, "getChatMember", {"chat_id": self.group,
                                                                   "user_id": self.ann})["status"], "left")
        self.assertError(self.sim.api(self.token, "banChatMember", {"chat_id": self.group, "user_id": self.olga}),
                         400, "Bad Request: can't remove chat owner")
        member = self.sim.ok(self.token, "getChatMember", {"chat_id": self.group, "user_id": self.bot_id})
        self.assertEqual((member["status"], member["can_manage_topics"]), ("administrator", True))

    def test_get_chat_group(self):
        chat = self.sim.ok(self.token, "getChat", {"chat_id": self.group})
        self.assertEqual((chat["id"], chat["type"], chat["title"], chat["is_forum"]),
                         (self.group, "supergroup", "Support", True))


class UpdatesTest(SimTestCase):
    def test_offset_confirmation_and_limit(self):
        for i in range(5):
            self.sim.say(self.ann, self.bot_id, text=f"m{i}")
        first = self.sim.updates(self.token, limit=2)
        self.assertEqual([u["message"]["text"] for u in first], ["m0", "m1"])
        self.assertEqual(first[1]["update_id"], first[0]["update_id"] + 1)
        again = self.sim.updates(self.token, limit=2)
        self.assertEqual(again, first, "unconfirmed updates come again")
        rest = self.sim.updates(self.token, offset=first[1]["update_id"] + 1)
        self.assertEqual([u["message"]["text"] for u in rest], ["m2", "m3", "m4"])
        last = self.sim.updates(self.token, offset=-1)
        self.assertEqual([u["message"]["text"] for u in last], ["m4"])

    def test_long_poll_wakes_up_when_an_update_arrives(self):
        result = {}

        def poll():
            started = time.monotonic()
            result["updates"] = self.sim.updates(self.token, timeout=20)
            result["elapsed"] = time.monotonic() - started

        thread = threading.Thread(target=poll)
        thread.start()
        wait_until(lambda: self._poll_is_waiting(), 5, "getUpdates to wait")
        self.sim.say(self.ann, self.bot_id, text="wake up")
        thread.join(10)
        self.assertEqual(result["updates"][0]["message"]["text"], "wake up")
        self.assertLess(result["elapsed"], 5)

    def _poll_is_waiting(self):
        return self.sim.control("GET", "/sim/stats")["waiting_get_updates"] == 1

    def test_long_poll_times_out_with_empty_result(self):
        started = time.monotonic()
        self.assertEqual(self.sim.updates(self.token, timeout=1), [])
        self.assertGreaterEqual(time.monotonic() - started, 0.9)

    def test_second_get_updates_ends_the_first_with_409(self):
        result = {}

        def poll():
            result["first"] = self.sim.api(self.token, "getUpdates", {"timeout": 20})

        thread = threading.Thread(target=poll)
        thread.start()
        wait_until(self._poll_is_waiting, 5, "the first getUpdates to wait")
        second = self.sim.api(self.token, "getUpdates", {"timeout": 0})
        thread.join(10)
        self.assertEqual(second[0], 200)
        self.assertError(result["first"], 409, "Conflict: terminated by other getUpdates request; make sure that "
                                               "only one bot instance is running")


    def test_webhook_set_ends_a_waiting_poll(self):
        result = {}
        thread = threading.Thread(target=lambda: result.update(first=self.sim.api(self.token, "getUpdates",
                                                                                  {"timeout": 20})))
        thread.start()
        wait_until(self._poll_is_waiting, 5, "getUpdates to wait")
        self.sim.ok(self.token, "setWebhook", {"url": "http://127.0.0.1:9/hook"})
        thread.join(10)
        self.sim.ok(self.token, "deleteWebhook")
        self.assertError(result["first"], 409, "Conflict: terminated by setWebhook request")


class WebhookTest(SimTestCase):
    def setUp(self):
        super().setUp()
        self.received = []
        self.fail_next = 0
        self.reply_with = None
        test = self

        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if test.fail_next > 0:
                    test.fail_next -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                test.received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
                reply = test.reply_with(body) if test.reply_with else None
                payload = json.dumps(reply).encode() if reply else b""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def tearDown(self):
        self.sim.ok(self.token, "deleteWebhook")
        self.server.shutdown()
        self.server.server_close()

    def test_delivery_with_secret_and_info(self):
        self.assertTrue(self.sim.ok(self.token, "setWebhook", {"url": self.url, "secret_token": "s3cr3t_-"}))
        info = self.sim.ok(self.token, "getWebhookInfo")
        self.assertEqual((info["url"], info["pending_update_count"]), (self.url, 0))
        self.sim.say(self.ann, self.bot_id, text="via webhook")
        wait_until(lambda: self.received, 10, "a webhook delivery")
        secret, update = self.received[0]
        self.assertEqual(secret, "s3cr3t_-")
        self.assertEqual(update["message"]["text"], "via webhook")
        wait_until(lambda: self.sim.ok(self.token, "getWebhookInfo")["pending_update_count"] == 0, 5, "confirmation")

    def test_get_updates_conflicts_with_webhook(self):
        self.sim.ok(self.token, "setWebhook", {"url": self.url})
        self.assertError(self.sim.api(self.token, "getUpdates"), 409,
                         "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                         "delete the webhook first")
        self.sim.ok(self.token, "deleteWebhook")
        self.assertEqual(self.sim.updates(self.token), [])

    def test_retries_non_2xx_with_growing_delay(self):
        self.fail_next = 2
        self.sim.ok(self.token, "setWebhook", {"url": self.url})
        self.sim.say(self.ann, self.bot_id, text="retry me")
        wait_until(lambda: self.received, 15, "delivery after retries")
        self.assertEqual(self.received[0][1]["message"]["text"], "retry me")
        info = self.sim.ok(self.token, "getWebhookInfo")
        self.assertEqual(info["last_error_message"], "Wrong response from the webhook: 500 Internal Server Error")

    def test_method_in_webhook_answer_is_executed(self):
        self.reply_with = lambda update: {"method": "sendMessage", "chat_id": update["message"]["chat"]["id"],
                                          "text": "answered in the webhook reply"}
        self.sim.ok(self.token, "setWebhook", {"url": self.url})
        self.sim.say(self.ann, self.bot_id, text="hello hook")
        wait_until(lambda: any(m.get("text") == "answered in the webhook reply"
                               for m in self.sim.view(self.bot_id, self.ann)), 10, "the webhook reply's message")

    def test_bad_webhook_urls(self):
        self.assertEqual(self.sim.api(self.token, "setWebhook", {"url": "ftp://x"})[0], 400)
        self.assertEqual(self.sim.api(self.token, "setWebhook", {"url": self.url, "secret_token": "bad token!"})[0], 400)


class FaultsTest(SimTestCase):
    def tearDown(self):
        self.sim.control("POST", "/sim/faults/clear", {})

    def test_error_faults_for_a_method(self):
        self.sim.control("POST", "/sim/faults", {"method": "getMe", "error_code": 500, "count": 2})
        self.assertError(self.sim.api(self.token, "getMe"), 500, "Internal Server Error")
        self.assertError(self.sim.api(self.token, "getme"), 500, "Internal Server Error")
        self.sim.ok(self.token, "getMe")
        self.sim.control("POST", "/sim/faults", {"error_code": 429, "retry_after": 3, "count": 1})
        status, headers, answer = self.sim.request("GET", f"/bot{self.token}/getChat?chat_id={self.group}")
        self.assertEqual((status, answer["parameters"]), (429, {"retry_after": 3}))
        self.assertEqual(headers["retry-after"], "3")

    def test_drop_connections_and_latency(self):
        self.sim.control("POST", "/sim/faults", {"drop_connections": 1})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.sim.api(self.token, "getMe")
        self.sim.ok(self.token, "getMe")
        self.sim.control("POST", "/sim/faults", {"latency_ms": 300})
        started = time.monotonic()
        self.sim.ok(self.token, "getMe")
        self.assertGreaterEqual(time.monotonic() - started, 0.29)

    def test_latency_of_one_method_and_the_text_of_calls_in_flight(self):
        """{latency_ms, latency_method}: only that method waits; /sim/stats shows what a call in
        flight says (tests tell which message a kill caught)."""
        self.sim.control("POST", "/sim/faults", {"latency_ms": 1500, "latency_method": "sendMessage"})
        started = time.monotonic()
        self.sim.ok(self.token, "getMe")
        self.assertLess(time.monotonic() - started, 1.0, "getMe waited for sendMessage's latency")
        answers = []
        sender = threading.Thread(target=lambda: answers.append(
            self.sim.api(self.token, "sendMessage", {"chat_id": self.group, "text": "slow one"})))
        sender.start()
        deadline = time.monotonic() + 5
        flying = []
        while not flying and time.monotonic() < deadline:
            flying = [c for c in self.sim.control("GET", "/sim/stats")["in_flight"] if c["method"] == "sendMessage"]
        sender.join()
        self.assertEqual([c["text"] for c in flying], ["slow one"])
        self.assertEqual(answers[0][0], 200, answers)


class ControlApiTest(SimTestCase):
    def test_overview_version_and_stats(self):
        version = self.sim.control("GET", "/sim/version")["version"]
        self.sim.say(self.ann, self.bot_id, text="x")
        self.assertGreater(self.sim.control("GET", "/sim/version")["version"], version)
        overview = self.sim.control("GET", "/sim/overview")
        self.assertIn(self.ann, [u["id"] for u in overview["users"]])
        self.assertIn(self.bot_id, [b["id"] for b in overview["bots"]])
        self.assertIn({"id": self.group, "title": "Support", "is_forum": True},
                      [{k: g[k] for k in ("id", "title", "is_forum")} for g in overview["groups"]])
        self.sim.ok(self.token, "getMe")
        stats = self.sim.control("GET", "/sim/stats")
        self.assertGreaterEqual(stats["bots"][str(self.bot_id)]["methods"]["getMe"]["requests"], 1)

    def test_call_log_says_which_bot_and_client_sent_what_and_when(self):
        """GET /sim/calls: the answered Bot API calls of a bot, with the chat, the text, the
        status, tgsim's clock and the client's port (tests of several desks tell senders apart)."""
        last = self.sim.control("GET", "/sim/calls?limit=100000")["calls"]
        after = last[-1]["id"] if last else 0
        self.start_chat()
        before_ms = time.time() * 1000
        conn = http.client.HTTPConnection("127.0.0.1", self.sim.port, timeout=10)
        conn.connect()
        client_port = conn.sock.getsockname()[1]
        conn.request("POST", f"/bot{self.token}/sendMessage", json.dumps({"chat_id": self.ann, "text": "hé" * 150}),
                     {"Content-Type": "application/json"})
        answer = conn.getresponse()
        self.assertEqual(answer.status, 200, answer.read())
        answer.read()
        conn.request("POST", f"/bot{self.token}/sendMessage", json.dumps({"chat_id": self.ann}),
                     {"Content-Type": "application/json"})
        conn.getresponse().read()
        conn.close()
        after_ms = time.time() * 1000
        other_id, other_token = self.sim.bot(f"other{self.counter}_bot")
        self.sim.ok(other_token, "getMe")

        mine = self.sim.control("GET", f"/sim/calls?bot_id={self.bot_id}&after={after}")["calls"]
        sends = [c for c in mine if c["method"] == "sendMessage"]
        self.assertEqual([(c["chat_id"], c["status"], c["messages"], c["peer_port"]) for c in sends],
                         [(self.ann, 200, 1, client_port), (self.ann, 400, 1, client_port)])
        self.assertEqual(sends[0]["text"], "hé" * 66 + "h", "cut to 200 bytes, never inside a character")
        self.assertNotIn("text", sends[1])
        for call in sends:
            self.assertLessEqual(before_ms - 1, call["received_ms"])
            self.assertLessEqual(call["received_ms"], call["answered_ms"])
            self.assertLessEqual(call["answered_ms"], after_ms + 1)
        self.assertLess(sends[0]["id"], sends[1]["id"])
        self.assertNotIn(other_id, {c["bot_id"] for c in mine})
        everyone = self.sim.control("GET", f"/sim/calls?after={sends[0]['id']}")["calls"]
        self.assertIn((other_id, "getMe"), [(c["bot_id"], c["method"]) for c in everyone])
        self.assertEqual(len(self.sim.control("GET", f"/sim/calls?after={after}&limit=1")["calls"]), 1)
        self.assertEqual(self.sim.request("GET", "/sim/calls?bot_id=x")[0], 400)

    def test_playground_is_served(self):
        status, headers, body = self.sim.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn("text/html", headers["content-type"])
        self.assertEqual(self.sim.request("GET", "/playground/nope.js")[0], 404)

    def test_control_errors_have_bot_api_shape(self):
        status, _, answer = self.sim.request("POST", "/sim/messages", "{bad", {"Content-Type": "application/json"})
        self.assertEqual((status, answer["ok"]), (400, False))
        status, _, answer = self.sim.request("POST", "/sim/messages", json.dumps({"from": self.ann}))
        self.assertEqual(status, 400)
        self.assertEqual(self.sim.request("GET", "/sim/nothing")[0], 404)


class FloodLimitsTest(SimTestCase):
    limits = True

    def test_private_chat_bucket_burst_3_then_429(self):
        self.start_chat()
        for i in range(3):
            self.sim.ok(self.token, "sendMessage", {"chat_id": self.ann, "text": f"burst {i}"})
        status, answer = self.sim.api(self.token, "sendMessage", {"chat_id": self.ann, "text": "too fast"})
        self.assertEqual(status, 429)
        self.assertEqual(answer["description"], f"Too Many Requests: retry after {answer['parameters']['retry_after']}")
        self.assertGreaterEqual(answer["parameters"]["retry_after"], 1)
        stats = self.sim.control("GET", "/sim/stats")["bots"][str(self.bot_id)]["methods"]["sendMessage"]
        self.assertEqual(stats["too_many_requests"], 1)
        wait_until(lambda: self.sim.api(self.token, "sendMessage", {"chat_id": self.ann, "text": "later"})[0] == 200,
                   3, "a token to refill")

    def test_group_window_20_per_minute(self):
        thread = self.topic()["message_thread_id"]  # counts as one
        for i in range(19):
            self.sim.ok(self.token, "sendMessage", {"chat_id": self.group, "text": f"{i}",
                                                    "message_thread_id": thread})
        status, headers, answer = self.sim.request(
            "POST", f"/bot{self.token}/sendMessage",
            json.dumps({"chat_id": self.group, "text": "21st"}), {"Content-Type": "application/json"})
        self.assertEqual(status, 429)
        self.assertTrue(55 <= answer["parameters"]["retry_after"] <= 60, answer)
        self.assertEqual(headers["retry-after"], str(answer["parameters"]["retry_after"]))

    def test_bot_window_30_per_second(self):
        users = []
        for i in range(11):
            u = self.sim.user(f"U{i}")
            self.sim.say(u, self.bot_id, text="/start")
            users.append(u)
        codes = []
        for i in range(33):
            codes.append(self.sim.api(self.token, "sendMessage", {"chat_id": users[i % 11], "text": "x"})[0])
        self.assertIn(429, codes)
        self.assertLessEqual(codes.count(200), 30)


class PaymentsTest(SimTestCase):
    def invoice(self, **fields):
        params = {"chat_id": self.ann, "title": "Pro", "description": "30 days", "payload": "td:inv:1",
                  "currency": "XTR", "prices": [{"label": "Pro", "amount": 100}], **fields}
        return self.sim.api(self.token, "sendInvoice", params)

    def pay(self, message_id, **options):
        return self.sim.control("POST", "/sim/payments/pay",
                                {"from": self.ann, "chat_id": self.bot_id, "message_id": message_id, **options})

    def test_send_invoice_checks_telegrams_limits(self):
        self.start_chat()
        status, sent = self.invoice()
        self.assertEqual(status, 200, sent)
        self.assertEqual(sent["result"]["invoice"], {"title": "Pro", "description": "30 days", "start_parameter": "",
                                                     "currency": "XTR", "total_amount": 100})
        for fields, description in [
            ({"title": "x" * 33}, "INVOICE_TITLE_INVALID"),
            ({"description": ""}, "INVOICE_DESCRIPTION_INVALID"),
            ({"payload": "p" * 129}, "INVOICE_PAYLOAD_INVALID"),
            ({"currency": "usd"}, "CURRENCY_INVALID"),
            ({"provider_token": "tok"}, "STARS_INVOICE_INVALID"),
            ({"currency": "USD"}, "PAYMENT_PROVIDER_INVALID"),
            ({"prices": [{"label": "a", "amount": 1}, {"label": "b", "amount": 2}]}, "STARS_INVOICE_INVALID"),
            ({"prices": [{"label": "a", "amount": 0}]}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        ]:
            self.assertError(self.invoice(**fields), 400, "Bad Request: " + description)
        status, usd = self.invoice(currency="USD", provider_token="284685063:TEST:x",
                                   prices=[{"label": "Pro", "amount": 1000}, {"label": "Tax", "amount": 250}])
        self.assertEqual(usd["result"]["invoice"]["total_amount"], 1250)

    def test_a_payment_answered_in_time_posts_the_receipt_and_refunds_once(self):
        self.start_chat()
        message_id = self.invoice()[1]["result"]["message_id"]
        started = self.pay(message_id, wait=False)
        self.assertEqual(started["status"], "pending")
        query = self.sim.drain(self.token)[-1]["pre_checkout_query"]
        self.assertEqual((query["id"], query["from"]["id"], query["currency"], query["total_amount"],
                          query["invoice_payload"]), (started["pre_checkout_query_id"], self.ann, "XTR", 100, "td:inv:1"))
        self.assertTrue(self.sim.ok(self.token, "answerPreCheckoutQuery", {"pre_checkout_query_id": query["id"], "ok": True}))
        self.assertError(self.sim.api(self.token, "answerPreCheckoutQuery", {"pre_checkout_query_id": query["id"],
                                                                           "ok": True}), 400,
                         "Bad Request: query is too old and response timeout expired or query ID is invalid")
        paid = self.sim.control("GET", f"/sim/payments/{query['id']}")
        self.assertEqual(paid["status"], "paid")
        receipt = self.sim.drain(self.token)[-1]["message"]
        self.assertEqual(receipt["message_id"], paid["receipt_message_id"])
        self.assertEqual(receipt["successful_payment"]["telegram_payment_charge_id"], paid["telegram_payment_charge_id"])
        self.assertEqual(receipt["successful_payment"]["invoice_payload"], "td:inv:1")
        charge = paid["telegram_payment_charge_id"]
        again = self.sim.control("POST", "/sim/payments/redeliver", {"telegram_payment_charge_id": charge})
        self.assertEqual(self.sim.drain(self.token)[-1]["message"]["message_id"], again["message_id"])
        refund = {"user_id": self.ann, "telegram_payment_charge_id": charge}
        self.assertTrue(self.sim.ok(self.token, "refundStarPayment", refund))
        self.assertError(self.sim.api(self.token, "refundStarPayment", refund), 400,
                         "Bad Request: CHARGE_ALREADY_REFUNDED")
        self.assertError(self.sim.api(self.token, "refundStarPayment", {**refund, "telegram_payment_charge_id": "x"}),
                         400, "Bad Request: CHARGE_NOT_FOUND")
        self.assertTrue(self.sim.control("GET", "/sim/payments")["charges"][-1]["refunded"])

    def test_a_refusal_and_a_missed_deadline_fail_the_payment(self):
        self.start_chat()
        message_id = self.invoice()[1]["result"]["message_id"]
        query_id = self.pay(message_id, wait=False)["pre_checkout_query_id"]
        self.assertError(self.sim.api(self.token, "answerPreCheckoutQuery", {"pre_checkout_query_id": query_id,
                                                                           "ok": False}), 400,
                         "Bad Request: PAYMENT_ERROR_MESSAGE_EMPTY")
        self.assertTrue(self.sim.ok(self.token, "answerPreCheckoutQuery",
                                    {"pre_checkout_query_id": query_id, "ok": False, "error_message": "Sold out"}))
        refused = self.sim.control("GET", f"/sim/payments/{query_id}")
        self.assertEqual((refused["status"], refused["error_message"]), ("refused", "Sold out"))
        expired = self.pay(message_id, deadline_ms=100)  # waits for the deadline: nobody answers
        self.assertEqual(expired["status"], "expired")
        self.assertError(self.sim.api(self.token, "answerPreCheckoutQuery", {
            "pre_checkout_query_id": expired["pre_checkout_query_id"], "ok": True}), 400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.assertEqual([c for c in self.sim.control("GET", "/sim/payments")["charges"]
                          if c["bot_id"] == self.bot_id], [])


def main():
    global TGSIM_BIN
    parser = argparse.ArgumentParser()
    parser.add_argument("--tgsim", default=TGSIM_BIN)
    args, rest = parser.parse_known_args()
    TGSIM_BIN = args.tgsim
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
