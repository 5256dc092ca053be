"""The Topics API end to end: a real desk and tgsim, the key made by `topicdesk apikey reset`,
every action and every error answered over HTTP as a caller sees them."""
import json
import os
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from harness import TOPICDESK, DeskTestCase, World, text_has, text_is, wait_until

NEEDS_OPERATOR, WAITING_FOR_USER, CLOSED = "🟪", "🟨", "⬛️"  # the product's markers (STATUS_ICONS)


def reset_key(desk, connection="shop"):
    done = subprocess.run([TOPICDESK, "apikey", "reset", "--config", desk.config_path, "--connection", connection],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise AssertionError(f"apikey reset failed: {done.stderr}")
    return done.stdout.strip()


def raw_request(url, method="POST", body=b"", headers=None):
    """(status, headers, parsed JSON body) for any request, errors included."""
    req = urllib.request.Request(url, data=body if method != "GET" else None, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


class ApiCase(DeskTestCase):
    parameters = {}
    extra_toml = ""

    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.desk = self.start_desk([self.world.connection(**self.parameters)], self.extra_toml)
        self.key = reset_key(self.desk)
        self.url = f"http://127.0.0.1:{self.desk.port}/api/v1/topic_action"
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee", language_code="en")

    def api(self, key=None, **request):
        status, _, body = raw_request(self.url, body=json.dumps(request).encode(),
                                      headers={"X-API-KEY": self.key if key is None else key,
                                               "Content-Type": "application/json"})
        self.assertEqual(body["ok"], status == 200, body)
        return status, body

    def ok(self, **request):
        status, body = self.api(**request)
        self.assertEqual(status, 200, body)
        return body["result"]

    def error(self, expected_status, expected_code, key=None, **request):
        status, body = self.api(key, **request)
        self.assertEqual((status, body["error"]["code"]), (expected_status, expected_code), body)
        return body["error"]["message"]

    def ann_topic(self, text="Hello, I need help"):
        """Ann writes and her topic is known to the desk (tgsim shows a topic before the desk has stored it)."""
        self.sim.send(self.ann, self.world.bot_id, text=text)
        thread = self.world.wait_topic(self.ann)["message_thread_id"]
        wait_until(lambda: self.api(action="info_by_topic", topic_id=thread)[0] == 200, what="the topic stored")
        return thread

    def wait_title(self, marker):
        return wait_until(lambda: (t := self.world.topic_of(self.ann)) and t["name"].startswith(marker) and t,
                          what=f"topic title with {marker}")


class TopicsApiTest(ApiCase):
    def test_key_is_printed_once_and_stored_hashed(self):
        self.assertTrue(self.key.startswith("tdk_"))
        with open(os.path.join(self.workdir, "desk.db"), "rb") as db:
            self.assertNotIn(self.key.encode(), db.read())

    def test_info_by_topic_by_ids_and_by_link(self):
        thread = self.ann_topic()
        info = self.ok(action="info_by_topic", group_id=self.world.group_id, topic_id=thread)
        self.assertEqual(info["connection"]["name"], "shop")
        self.assertEqual(info["connection"]["frontend"], "bot")
        self.assertEqual(info["dialog"]["status"], "user_answered")
        self.assertEqual(info["dialog"]["thread_id"], thread)
        self.assertEqual(info["dialog"]["chat_id"], self.world.group_id)
        self.assertGreater(info["dialog"]["last_activity"], 0)
        self.assertEqual({k: info["user"][k] for k in ("user_id", "first_name", "last_name", "username",
                                                       "language_code")},
                         {"user_id": self.ann, "first_name": "Ann", "last_name": "Lee", "username": "ann_lee",
                          "language_code": "en"})
        link = f"https://t.me/c/{str(self.world.group_id).removeprefix('-100')}/{thread}"
        self.assertEqual(self.ok(action="info_by_topic", link=link)["dialog"]["id"], info["dialog"]["id"])

    def test_send_message_reaches_the_user_and_the_topic(self):
        self.ann_topic()
        result = self.ok(action="send_message", user_id=self.ann, text="Your parcel left today", sender="CRM")
        self.assertFalse(result["dialog_created"])
        self.world.wait_at_user(self.ann, text_is("Your parcel left today"))
        self.world.wait_in_topic(self.ann, text_is("🔌 CRM: Your parcel left today"))
        self.wait_title(WAITING_FOR_USER)

    def test_dialog_by_user_list_dialogs_and_set_status(self):
        thread = self.ann_topic()
        dialog = self.ok(action="dialog_by_user", user_id=self.ann)["dialog"]
        self.assertEqual(dialog["thread_id"], thread)

        closed = self.ok(action="set_status", topic_id=thread, status="closed")["dialog"]
        self.assertEqual(closed["status"], "closed")
        self.wait_title(CLOSED)
        self.world.wait_at_user(self.ann, text_has("closed"))
        listed = self.ok(action="list_dialogs", status="closed")
        self.assertEqual([d["user"]["user_id"] for d in listed["dialogs"]], [self.ann])
        self.assertIsNone(listed["next_after"])
        self.assertEqual(self.ok(action="list_dialogs", status="user_answered")["dialogs"], [])

        self.ok(action="set_status", user_id=self.ann, status="support_answered")
        self.wait_title(WAITING_FOR_USER)
        cleared = self.ok(action="set_status", user_id=self.ann, status=None)["dialog"]
        self.assertEqual(cleared["status"], "user_answered")  # Ann wrote last
        self.wait_title(NEEDS_OPERATOR)

    def test_errors_have_one_shape_and_stable_codes(self):
        thread = self.ann_topic()
        self.error(401, "unauthorized", key="", action="list_dialogs")
        self.error(401, "unauthorized", key="tdk_not_a_key", action="list_dialogs")
        self.error(404, "unknown_topic", action="info_by_topic", topic_id=thread + 1000)
        self.error(404, "unknown_user", action="dialog_by_user", user_id=123456789)
        message = self.error(400, "missing_field", action="send_message", user_id=self.ann)
        self.assertIn('"text"', message)
        self.error(400, "invalid_field", action="info_by_topic", link="https://example.com/x")
        self.error(400, "unknown_action", action="explode")
        headers = {"X-API-KEY": self.key}
        status, _, body = raw_request(self.url, body=b"{not json", headers=headers)
        self.assertEqual((status, body["error"]["code"]), (400, "invalid_json"))
        status, _, body = raw_request(self.url, method="GET", headers=headers)
        self.assertEqual((status, body["ok"], body["error"]["code"]), (405, False, "method_not_allowed"))
        status, _, body = raw_request(self.url.replace("topic_action", "nothing_here"), headers=headers)
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))
        for size in (100 * 1024, 2 * 1024 * 1024):  # over the API's limit, over the server's limit
            status, _, body = raw_request(self.url, body=b'{"action":"list_dialogs","pad":"' + b"x" * size + b'"}',
                                          headers=headers)
            self.assertEqual((status, body["error"]["code"]), (413, "body_too_large"), size)

    def test_reset_key_replaces_the_old_one(self):
        self.ok(action="list_dialogs")
        old = self.key
        self.key = reset_key(self.desk)
        self.assertNotEqual(old, self.key)
        wait_until(lambda: self.api(key=old, action="list_dialogs")[0] == 401, what="the old key to be refused")
        self.ok(action="list_dialogs")

    def test_openapi_document_is_served(self):
        status, headers, doc = raw_request(f"http://127.0.0.1:{self.desk.port}/api/v1/openapi.json", method="GET")
        self.assertEqual(status, 200)
        self.assertTrue(doc["openapi"].startswith("3."))
        self.assertIn("/api/v1/topic_action", doc["paths"])


class AnalyticsApiTest(ApiCase):
    def analytics(self, query):
        status, _, body = raw_request(f"http://127.0.0.1:{self.desk.port}/api/v1/analytics?{query}", method="GET",
                                      headers={"X-API-KEY": self.key})
        self.assertEqual(status, 200, body)
        return body["result"]

    def test_a_comment_is_no_answer_and_every_table_downloads(self):
        since = f"from={int(time.time()) - 60}"  # not "today": the test may run across midnight
        thread = self.ann_topic()
        self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text="/ checking first")
        # /stats in General comes after the comment: Ann still waits.
        self.sim.send(self.world.operator, self.world.group_id, text="/stats today")
        wait_until(lambda: any("📊 Statistics of shop" in (m.get("text") or "") and "message_thread_id" not in m
                               and "1 waiting for an answer" in m["text"] for m in self.world.group_messages()),
                   what="the /stats today summary in General")
        self.assertEqual(self.analytics(since)["total"]["unanswered"], 1, "a comment is no answer")

        self.sim.send(self.world.operator, self.world.group_id, message_thread_id=thread, text="Here you go")
        total = wait_until(lambda: (t := self.analytics(since)["total"])["first_response"]["count"] == 1
                           and t, what="the answer counted")
        self.assertEqual(total["unanswered"], 0)
        self.assertEqual(total["messages_in"], 1)
        self.assertEqual(total["messages_out"], 1)

        req = urllib.request.Request(
            f"http://127.0.0.1:{self.desk.port}/api/v1/analytics.csv?table=operators&{since}",
            headers={"X-API-KEY": self.key})
        with urllib.request.urlopen(req, timeout=10) as resp:
            self.assertEqual(resp.headers["Content-Type"], "text/csv; charset=utf-8")
            rows = resp.read().decode().split("\r\n")
        self.assertTrue(rows[0].startswith("operator_id,name,messages,dialogs_answered"), rows)
        self.assertTrue(rows[1].startswith(f"{self.world.operator},"), rows)

        status, _, body = raw_request(f"http://127.0.0.1:{self.desk.port}/api/v1/analytics?period=year",
                                      method="GET", headers={"X-API-KEY": self.key})
        self.assertEqual((status, body["error"]["code"]), (400, "invalid_parameter"))
        self.assertIn('"period"', body["error"]["message"])


class RussianAnalyticsTest(ApiCase):
    """LANGUAGE = "ru": the /stats report in General is Russian; the API's JSON stays as it is."""
    parameters = {"LANGUAGE": "ru"}
    analytics = AnalyticsApiTest.analytics

    def test_the_report_in_general_is_in_the_connections_language(self):
        since = f"from={int(time.time()) - 60}"
        self.ann_topic()
        self.sim.send(self.world.operator, self.world.group_id, text="/stats today")
        report = wait_until(lambda: next((m["text"] for m in self.world.group_messages()
                                          if "message_thread_id" not in m
                                          and "📊 Статистика «shop»" in (m.get("text") or "")), None),
                            what="the Russian /stats today report in General")
        self.assertIn("Диалоги: новых 1, закрыто 0, возобновлено 0; ждут ответа 1", report)
        self.assertIn("Первый ответ: нет данных", report)
        self.assertNotIn("Dialogs", report)
        self.assertEqual(self.analytics(since)["total"]["unanswered"], 1)


class HideInfoApiTest(ApiCase):
    parameters = {"HIDE_INFO": "name"}

    def test_hidden_users_are_pseudonyms_in_the_api(self):
        self.sim.send(self.ann, self.world.bot_id, text="hello")
        # The topic carries no #id when the name is hidden; tgsim shows it before the desk has stored it.
        topic = wait_until(lambda: next(iter(self.sim.topics(self.world.group_id)), None), what="a topic")
        thread = topic["message_thread_id"]
        wait_until(lambda: self.api(action="info_by_topic", topic_id=thread)[0] == 200, what="the topic stored")
        info = self.ok(action="info_by_topic", topic_id=thread)
        self.assertTrue(info["user"]["hidden"])
        self.assertEqual(set(info["user"]), {"hidden", "pseudonym", "language_code"})
        self.assertNotIn("Ann", json.dumps(info))
        self.assertNotIn(f"#{self.ann}", info["dialog"]["title"])
        self.assertIn(info["user"]["pseudonym"], topic["name"])


class UserWithoutDialogApiTest(ApiCase):
    parameters = {"RESTRICTED_KEYWORDS_FRONTEND": ["casino"]}

    def test_send_message_opens_a_topic_for_a_known_user_without_dialog(self):
        bob = self.sim.user("Bob", username="bob")
        self.error(404, "unknown_user", action="send_message", user_id=bob, text="hi")  # never wrote
        # A withheld first message makes Bob known without opening a dialog.
        self.sim.send(bob, self.world.bot_id, text="casino bonus")
        self.world.wait_at_user(bob, text_has("not delivered"))
        self.error(404, "unknown_dialog", action="dialog_by_user", user_id=bob)
        result = self.ok(action="send_message", user_id=bob, text="We saw you tried to write")
        self.assertTrue(result["dialog_created"])
        self.world.wait_in_topic(bob, text_is("🔌 API: We saw you tried to write"))
        self.world.wait_at_user(bob, text_is("We saw you tried to write"))


class RateLimitApiTest(ApiCase):
    extra_toml = "\n[api]\nrate_per_second = 1\nburst = 3\n"

    def test_429_with_retry_after_once_the_bucket_is_empty(self):
        statuses = [self.api(action="list_dialogs")[0] for _ in range(6)]
        self.assertEqual(statuses[:3], [200, 200, 200])
        self.assertIn(429, statuses[3:])
        status, headers, body = raw_request(self.url, body=b'{"action":"list_dialogs"}', headers={"X-API-KEY": self.key})
        self.assertEqual((status, body["error"]["code"]), (429, "rate_limited"))
        self.assertGreaterEqual(int(headers["Retry-After"]), 1)
        # Another key's bucket is its own: a wrong key is still told 401, not 429.
        self.error(401, "unauthorized", key="tdk_other", action="list_dialogs")


if __name__ == "__main__":
    unittest.main()
