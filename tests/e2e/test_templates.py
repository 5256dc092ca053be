"""Message templates: saved by replying (a formatted text with a URL button, a photo, an album,
a chain of parts), listed with /t, sent with /t NAME to the user with every variable and its
fallback, refused when a variable has no value (nothing sent), previewed with /template show,
deleted; WELCOME = "template:NAME"; EXTENSIONS_ALLOWED; the Topics API's template actions."""
import json
import unittest

from harness import DeskTestCase, World, http_json, text_has, text_is, wait_until

# A formatted text the desk bot itself posted in General (a human cannot post buttons): bold
# "Hello", a URL button and a callback button (only the URL button is kept).
GREETING = "Hello {first_name|there} {last_name|}! Plan: {field:plan|basic}. {operator|Team} @{username} {title}"
GREETING_ENTITIES = [{"type": "bold", "offset": 0, "length": 5},
                     {"type": "italic", "offset": 65, "length": 15}]  # "{operator|Team}"
# The test posts far more than a group's 20 messages a minute; the budget is raised on both sides.
GROUP_PER_MINUTE = 600
LIMITS = f"[telegram.limits]\ngroup_per_minute = {GROUP_PER_MINUTE}\n"
BUTTONS = {"inline_keyboard": [[{"text": "Our site", "url": "https://example.com/help"},
                                {"text": "Press", "callback_data": "x"}]]}


class TemplatesTest(DeskTestCase):
    sim_args = ("--group-per-minute", str(GROUP_PER_MINUTE))
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee")

    # ---- helpers ----------------------------------------------------------------------------

    def general(self):
        return [m for m in self.world.group_messages() if not m.get("message_thread_id")]

    def wait_general(self, predicate, what):
        return wait_until(lambda: next((m for m in self.general() if predicate(m)), None), what=what)

    def operator_in_general(self, text, reply_to=None, sender=None):
        fields = {"text": text}
        if reply_to:
            fields["reply_to_message_id"] = reply_to
        return self.sim.send(sender or self.world.operator, self.world.group_id, **fields)

    def operator_in_topic(self, user, text, sender=None):
        thread = self.world.wait_topic(user)["message_thread_id"]
        return self.sim.send(sender or self.world.operator, self.world.group_id, message_thread_id=thread, text=text)

    def from_bot_at(self, user):
        return [m for m in self.world.user_messages(user) if m.get("from", {}).get("id") == self.world.bot_id]

    def open_dialog(self, user, text="Hi"):
        self.sim.send(user, self.world.bot_id, text=text)
        self.world.wait_in_topic(user, text_is(text), what="the user's message in the topic")

    # ---- tests ------------------------------------------------------------------------------

    def test_saved_by_reply_listed_sent_with_variables_shown_refused_and_deleted(self):
        self.desk = self.start_desk([self.world.connection()], LIMITS)
        key = self.desk.reset_api_key("shop")
        self.open_dialog(self.ann)

        # Part 1: a formatted text with buttons, posted by the bot in General, saved by a reply.
        posted = self.sim.bot_api(self.world.token, "sendMessage", {
            "chat_id": self.world.group_id, "text": GREETING, "entities": GREETING_ENTITIES,
            "reply_markup": BUTTONS})
        self.assertTrue(posted["ok"], posted)
        self.operator_in_general("/template save Greet", reply_to=posted["result"]["message_id"])
        self.wait_general(text_has("📋 Template Greet saved (text and buttons)"), "the save's answer")

        # Part 2: a photo with a caption; part 3: an album (a reply to its second item).
        photo = self.sim.send(self.world.operator, self.world.group_id, photo="cat.jpg",
                              caption="Look, {first_name}")
        self.operator_in_general("/template add greet", reply_to=photo)
        self.wait_general(text_has("Added to template Greet: part 2 of at most 5 (photo with a caption)"),
                          "the second part")
        self.sim.send(self.world.operator, self.world.group_id, photo="a1.jpg", caption="One of {title}",
                      media_group_id="alb-1")
        second = self.sim.send(self.world.operator, self.world.group_id, video="a2.mp4", media_group_id="alb-1")
        self.operator_in_general("/template add GREET", reply_to=second)
        self.wait_general(text_has("part 3 of at most 5 (album of 2)"), "the album part")

        # /t lists them, in General and in a topic alike.
        self.operator_in_general("/t")
        self.wait_general(text_has("• Greet — text and buttons, photo with a caption, album of 2"), "the list")

        # /t NAME in the topic: the user gets every part, rendered for them.
        self.operator_in_topic(self.ann, "/set plan = gold")
        self.world.wait_in_topic(self.ann, text_has("plan = gold"), what="the field set")
        before = len(self.from_bot_at(self.ann))
        self.operator_in_topic(self.ann, "/t greet")
        got = wait_until(lambda: (m := self.from_bot_at(self.ann)[before:]) and len(m) >= 4 and m,
                         what="four messages at the user")
        text, pic, album = got[0], got[1], got[2:4]
        self.assertEqual(text["text"], "Hello Ann Lee! Plan: gold. Olga @ann_lee Ann Lee")
        self.assertIn({"type": "bold", "offset": 0, "length": 5}, text["entities"])
        self.assertIn({"type": "italic", "offset": 27, "length": 4}, text["entities"])  # "Olga"
        self.assertEqual(text["reply_markup"], {"inline_keyboard": [[{"text": "Our site",
                                                                      "url": "https://example.com/help"}]]})
        self.assertIn("photo", pic)
        self.assertEqual(pic["caption"], "Look, Ann")
        self.assertEqual(album[0]["caption"], "One of Ann Lee")
        self.assertIn("video", album[1])
        self.assertTrue(album[0].get("media_group_id") and album[0]["media_group_id"] == album[1]["media_group_id"])

        # The topic shows what was sent, marked, and the dialog counts as answered.
        self.world.wait_in_topic(self.ann, lambda m: m.get("text", "").startswith("Hello Ann Lee")
                                 and m["reply_markup"]["inline_keyboard"][-1][0]["text"] == "📋 Greet · Olga",
                                 what="the text's copy in the topic")
        self.world.wait_in_topic(self.ann, text_is("One of Ann Lee"), what="the album's copy in the topic")
        dialog = wait_until(lambda: (d := self.desk.dialogs(key)[0]["dialog"]) and d["status"] == "support_answered" and d,
                            what="support_answered")
        self.assertGreater(dialog["last_operator_reply_at"], 0)

        # The user replies to the template's text: the reply lands on its copy in the topic.
        self.sim.send(self.ann, self.world.bot_id, text="Thanks!", reply_to_message_id=text["message_id"])
        reply = self.world.wait_in_topic(self.ann, text_is("Thanks!"), what="the user's reply")
        self.assertTrue(reply.get("reply_to_message", {}).get("text", "").startswith("Hello Ann Lee"), reply)

        # A variable without a value and without a fallback: refused, named, nothing sent.
        linked = self.sim.bot_api(self.world.token, "sendMessage", {
            "chat_id": self.world.group_id, "text": "Your account: {link}, {field:tier}"})
        self.operator_in_general("/template save account", reply_to=linked["result"]["message_id"])
        self.wait_general(text_has("Template account saved"), "the second template")
        before = len(self.from_bot_at(self.ann))
        self.operator_in_topic(self.ann, "/t account")
        self.world.wait_in_topic(self.ann, text_has("⚠️ Template account not sent: no value for {link}, {field:tier}"),
                                 what="the refusal")
        self.operator_in_topic(self.ann, "/link crm-7")
        self.world.wait_in_topic(self.ann, text_has("Linked to account crm-7"), what="the link")
        self.assertEqual(len(self.from_bot_at(self.ann)), before, "nothing was sent to the user")

        # /template show: a preview in General, not sent to anyone.
        self.operator_in_general("/template show greet")
        self.wait_general(text_has("Template Greet: 3 parts, saved by Olga"), "the preview's header")
        self.wait_general(lambda m: m.get("text", "").startswith("Hello {first_name|there}"), "the raw preview")
        self.assertEqual(len(self.from_bot_at(self.ann)), before)

        # Bad input is answered with what is wrong.
        self.operator_in_general("/template save 9lives", reply_to=photo)
        self.wait_general(text_has("starts with a Latin letter"), "the bad name's answer")
        self.operator_in_general("/template save nothing")
        self.wait_general(text_has("Reply to the message to keep with /template save nothing"), "no reply")
        for n in range(3):  # parts 4 and 5, then one too many
            self.operator_in_general("/template add greet", reply_to=photo)
        self.wait_general(text_has("part 5 of at most 5"), "the fifth part")
        self.wait_general(text_has("Template Greet has 5 parts already, the most a template may have"),
                          "the part cap")

        # Deleted: /t NAME is refused.
        self.operator_in_general("/template del greet")
        self.wait_general(text_has("Template Greet deleted"), "the delete")
        self.operator_in_topic(self.ann, "/t greet")
        self.world.wait_in_topic(self.ann, text_has("⚠️ Template greet not sent: there is no template greet"),
                                 what="the refusal of a deleted template")

    def test_welcome_template_extensions_allowed_and_the_api(self):
        max_ = self.sim.user("Max", username="max_ops")
        self.sim.member(self.world.group_id, max_, "administrator")
        self.desk = self.start_desk([self.world.connection(
            WELCOME="template:hello", EXTENSIONS_ALLOWED="@someone_else")], LIMITS)
        key = self.desk.reset_api_key("shop")
        url = f"http://127.0.0.1:{self.desk.port}/api/v1/topic_action"

        def api_error(body):
            status, answer = http_json("POST", url, body, {"X-API-KEY": key})
            self.assertFalse(answer.get("ok"), answer)
            return status, answer["error"]["code"], answer["error"]["message"]

        # The API creates the WELCOME template.
        made = self.desk.topic_action(key, {"action": "put_template", "name": "hello", "parts": [
            {"kind": "text", "text": "Welcome, {first_name}! {operator|We} will answer soon.",
             "entities": [{"type": "bold", "offset": 0, "length": 7}],
             "reply_markup": {"inline_keyboard": [[{"text": "FAQ", "url": "https://example.com/faq"}]]}}]})
        self.assertTrue(made["created"])
        self.assertEqual(made["template"]["variables"], ["{first_name}", "{operator|We}"])
        listed = self.desk.topic_action(key, {"action": "list_templates"})["templates"]
        self.assertEqual([t["name"] for t in listed], ["hello"])
        self.assertIsNone(listed[0]["saved_by"])
        got = self.desk.topic_action(key, {"action": "get_template", "name": "HELLO"})["template"]
        self.assertEqual(got["parts"][0]["reply_markup"]["inline_keyboard"][0][0]["url"], "https://example.com/faq")

        self.sim.send(self.ann, self.world.bot_id, text="Hi there")
        welcome = self.world.wait_at_user(self.ann, text_has("Welcome, Ann!"), what="the WELCOME template")
        self.assertEqual(welcome["text"], "Welcome, Ann! We will answer soon.")
        self.assertEqual(welcome["entities"], [{"type": "bold", "offset": 0, "length": 7}])
        self.assertEqual(welcome["reply_markup"]["inline_keyboard"][0][0]["text"], "FAQ")
        dialog = self.desk.dialogs(key)[0]["dialog"]
        self.assertEqual(dialog["status"], "user_answered", "a WELCOME is no answer")

        # EXTENSIONS_ALLOWED: Max (not listed, not the owner) may not manage; /t is for everyone.
        self.operator_in_general("/template del hello", sender=max_)
        self.wait_general(text_has("⛔ Only the group's owner and the people EXTENSIONS_ALLOWED lists may manage templates"),
                          "the refusal")
        self.operator_in_topic(self.ann, "/t hello", sender=max_)
        self.world.wait_at_user(self.ann, text_is("Welcome, Ann! Max will answer soon."), what="Max's /t")
        # The group's owner (Olga created the group) may; anyone may preview.
        posted = self.sim.bot_api(self.world.token, "sendMessage", {"chat_id": self.world.group_id, "text": "Bye"})
        self.operator_in_general("/template save bye", reply_to=posted["result"]["message_id"])
        self.wait_general(text_has("📋 Template bye saved (text)"), "the owner's save")
        self.operator_in_general("/template show hello", sender=max_)
        self.wait_general(text_has("Template hello: 1 part"), "Max's preview")

        # The API's refusals name what is wrong.
        self.assertEqual(api_error({"action": "put_template", "name": "1x", "parts": []})[:2], (400, "invalid_field"))
        status, code, message = api_error({"action": "put_template", "name": "many",
                                           "parts": [{"kind": "text", "text": str(n)} for n in range(6)]})
        self.assertEqual((status, code), (400, "invalid_field"))
        self.assertIn("at most 5 parts", message)
        status, code, message = api_error({"action": "put_template", "name": "x", "parts": [{"kind": "photo"}]})
        self.assertIn("parts[0].file_id", message)
        self.assertEqual(api_error({"action": "get_template", "name": "nope"})[:2], (404, "unknown_template"))
        self.assertEqual(api_error({"action": "delete_template"})[:2], (400, "missing_field"))

        # Deleted through the API: the next new user gets no WELCOME, the topic says why.
        self.assertEqual(self.desk.topic_action(key, {"action": "delete_template", "name": "hello"})["deleted"], "hello")
        bob = self.sim.user("Bob")
        self.sim.send(bob, self.world.bot_id, text="Hello?")
        self.world.wait_in_topic(bob, text_has("⚠️ WELCOME (template hello) was not sent: there is no template hello"),
                                 what="the WELCOME notice")
        self.assertEqual(self.from_bot_at(bob), [], "Bob got nothing")


if __name__ == "__main__":
    unittest.main()
