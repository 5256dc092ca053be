"""Personal-account connections against tgsim and its fake libtdjson: sign-in by code,
2FA and QR through `topicdesk connect account`; users writing to the account, operators answering,
/new by username and phone, the owner's own messages intercepted, MONITOR_GROUPS, and a session
revoked mid-run while another connection keeps working; the owner writing inside a topic and
operators' reactions set by the account; /story; MONITOR_CHANNELS."""
import unittest

from harness import World, text_is
from td_harness import Account, TdDeskTestCase, text_has, topic_named, wait_in_thread, wait_topic_named, wait_until


class AccountTestCase(TdDeskTestCase):
    def make_account_world(self, password=None, parameters=None):
        s = self.sim
        self.desk_bot_id, self.desk_token = s.bot("desk_bot")
        self.operator = s.user("Olga", username="olga_op")
        self.group = s.forum("Sales support", self.operator)
        s.member(self.group, self.desk_bot_id, "administrator", can_manage_topics=True, can_delete_messages=True)
        self.account = Account(s, "Sam", "+15550001111", password=password)
        s.member(self.group, self.account.id)
        self.customer = s.user("Cara", username="cara_c", phone_number="+447000000001")
        self.connection = {"name": "sales", "mode": "account", "token": self.desk_token, "group_id": self.group,
                           "parameters": {"INTERCEPT_EXTERNAL": True, **(parameters or {})}}
        return self.connection

    def general(self):
        return [m for m in self.sim.messages(self.group, self.operator) if not m.get("message_thread_id")]

    def wait_general(self, predicate, what):
        return wait_until(lambda: next((m for m in self.general() if predicate(m)), None), what=what)

    def reply_in(self, thread, text):
        self.sim.send(self.operator, self.group, message_thread_id=thread, text=text)

    def wait_at(self, person, text, sender):
        return wait_until(lambda: next((m for m in self.account.chat_as(person) if m.get("text") == text
                                        and m.get("from", {}).get("id") == sender), None),
                          what=f"{text!r} at {person}")


class AccountRelayTest(AccountTestCase):
    def test_code_and_2fa_login_then_users_operators_new_and_the_owners_messages(self):
        connection = self.make_account_world(password="hunter2")
        from harness import free_port
        port = free_port()
        config = self.write_config([connection], port)
        self.connect_account(config, "sales", self.account)
        self.start_desk([], port=port, config_text=self.read(config))

        # A customer writes to the account: a topic, the message copied by the account.
        self.sim.send(self.customer, self.account.id, text="Hi Sam, is the bike still for sale?")
        topic = wait_topic_named(self.sim, self.group, f"#{self.customer}")
        thread = topic["message_thread_id"]
        copy = wait_in_thread(self.sim, self.group, self.operator, thread,
                              text_is("Hi Sam, is the bike still for sale?"), "the customer's message in the topic")
        self.assertEqual(copy["from"]["id"], self.account.id)  # posted by the account, not taken as an operator

        # The operator answers in the topic; the account delivers it.
        self.reply_in(thread, "Yes, it is!")
        self.wait_at(self.customer, "Yes, it is!", self.account.id)
        self.assertEqual(len([m for m in self.account.chat_as(self.customer) if m.get("text") == "Yes, it is!"]), 1)

        # The owner answers from their own phone: shown in the topic as intercepted.
        owners = self.sim.send(self.account.id, self.customer, text="I can also deliver it")
        owners_copy = wait_in_thread(self.sim, self.group, self.operator, thread, text_has("I can also deliver it"),
                                     "the owner's own message, intercepted")
        # The owner edits it in their app: the copy in the topic follows, with the owner's marker.
        self.sim.edit(self.account.id, self.customer, owners, text="I can also deliver it tomorrow")
        followed = wait_in_thread(self.sim, self.group, self.operator, thread,
                                  lambda m: m["message_id"] == owners_copy["message_id"]
                                  and "tomorrow" in (m.get("text") or ""), "the copy following the owner's edit")
        self.assertEqual(followed["text"], "📤 Sent by the account owner from their app\nI can also deliver it tomorrow")

        # /new by username and by phone: topics opened, a link in General, the operator writes first.
        bob = self.sim.user("Bob", username="bob_buyer")
        carl = self.sim.user("Carl", phone_number="+447000000002")
        self.sim.send(self.operator, self.group, text="/new @bob_buyer")
        announce = self.wait_general(text_has("New dialog with Bob"), "the /new answer for @bob_buyer")
        self.assertIn("https://t.me/c/", announce["text"])
        bob_thread = wait_topic_named(self.sim, self.group, f"#{bob}")["message_thread_id"]
        self.assertIn(f"/{bob_thread}", announce["text"])
        self.reply_in(bob_thread, "Hello Bob, your order is ready")
        self.wait_at(bob, "Hello Bob, your order is ready", self.account.id)

        self.sim.send(self.operator, self.group, text="/new +44 7000 000002")
        self.wait_general(text_has("New dialog with Carl"), "the /new answer for a phone number")
        carl_thread = wait_topic_named(self.sim, self.group, f"#{carl}")["message_thread_id"]
        self.reply_in(carl_thread, "Hello Carl")
        self.wait_at(carl, "Hello Carl", self.account.id)

        self.sim.send(self.operator, self.group, text="/new @nobody_like_this")
        self.wait_general(text_has("found no Telegram user @nobody_like_this"), "the /new not-found answer")

    def test_qr_login_and_monitored_groups_with_keywords(self):
        connection = self.make_account_world(parameters={"MONITOR_GROUPS": True, "GROUPS_KEYWORDS": "help"})
        club = self.sim.call("POST", "/sim/groups", {"title": "Bike club", "is_forum": False,
                                                     "owner_id": self.customer})["id"]
        self.sim.member(club, self.account.id)
        from harness import free_port
        port = free_port()
        config = self.write_config([connection], port)
        self.connect_account(config, "sales", self.account, qr=True)
        self.start_desk([], port=port, config_text=self.read(config))

        self.sim.send(self.customer, club, text="nice weather today")  # no keyword: stays in the club
        self.sim.send(self.customer, club, text="Can someone help with my brakes?")
        topic = wait_topic_named(self.sim, self.group, "Bike club")
        thread = topic["message_thread_id"]
        wait_in_thread(self.sim, self.group, self.operator, thread, text_has("Can someone help"), "the club message")
        wait_in_thread(self.sim, self.group, self.operator, thread, text_has("👤 Cara"), "the sender line")
        self.assertFalse([m for m in self.sim.messages(self.group, self.operator, thread)
                          if "nice weather" in (m.get("text") or "")])
        self.reply_in(thread, "Sure, come by the shop")
        wait_until(lambda: next((m for m in self.sim.messages(club, self.customer)
                                 if m.get("text") == "Sure, come by the shop"
                                 and m.get("from", {}).get("id") == self.account.id), None),
                   what="the operator's answer in the club")


class AccountChannelsTest(AccountTestCase):
    def test_monitored_channels_get_topics_and_answers_become_comments_in_the_discussion(self):
        connection = self.make_account_world(parameters={"MONITOR_CHANNELS": True, "GROUPS_KEYWORDS": "sale"})
        s = self.sim
        publisher = s.user("Pat")
        discussion = s.call("POST", "/sim/groups", {"title": "Bike news chat", "is_forum": False,
                                                    "owner_id": publisher})["id"]
        news = s.call("POST", "/sim/channels", {"title": "Bike news", "owner_id": publisher,
                                                "discussion_group_id": discussion})["id"]
        quiet = s.call("POST", "/sim/channels", {"title": "Quiet deals", "owner_id": publisher})["id"]
        for chat in (news, quiet, discussion):
            s.member(chat, self.account.id)
        from harness import free_port
        port = free_port()
        config = self.write_config([connection], port)
        self.connect_account(config, "sales", self.account)
        self.start_desk([], port=port, config_text=self.read(config))

        s.send(publisher, news, text="Nice weather for a ride")  # no keyword: not relayed
        post = s.send(publisher, news, text="Big sale on helmets")
        thread = wait_topic_named(s, self.group, "Bike news")["message_thread_id"]
        copy = wait_in_thread(s, self.group, self.operator, thread, text_is("Big sale on helmets"), "the channel post")
        in_topic = s.messages(self.group, self.operator, thread)
        self.assertFalse([m for m in in_topic if "weather" in (m.get("text") or "")], in_topic)
        self.assertFalse([m for m in in_topic if (m.get("text") or "").startswith("👤")], in_topic)

        # A reply to the post's copy becomes the account's comment on the post in the discussion group.
        forward = next(m for m in s.messages(discussion, publisher) if m.get("text") == "Big sale on helmets")
        s.send(self.operator, self.group, message_thread_id=thread, reply_to_message_id=copy["message_id"],
               text="Is the sale online too?")
        comment = wait_until(lambda: next((m for m in s.messages(discussion, publisher)
                                           if m.get("text") == "Is the sale online too?"), None),
                             what="the answer as a comment in the discussion group")
        self.assertEqual(comment["from"]["id"], self.account.id)
        self.assertEqual(comment.get("reply_to_message", {}).get("message_id"), forward["message_id"])
        self.assertNotIn("Is the sale online too?", [m.get("text") for m in s.messages(news, publisher)])
        self.assertGreater(forward["message_id"], 0)
        self.assertGreater(post, 0)

        # Without a reply to a post, or without a discussion group, the answer is refused in the topic.
        self.reply_in(thread, "hello channel")
        wait_in_thread(s, self.group, self.operator, thread, text_has("reply to one of its posts"),
                       "the refusal of an answer that replies to no post")
        s.send(publisher, quiet, text="Flash sale today")
        quiet_thread = wait_topic_named(s, self.group, "Quiet deals")["message_thread_id"]
        quiet_copy = wait_in_thread(s, self.group, self.operator, quiet_thread, text_is("Flash sale today"),
                                    "the post of the channel without discussion")
        s.send(self.operator, self.group, message_thread_id=quiet_thread, reply_to_message_id=quiet_copy["message_id"],
               text="Count me in")
        wait_in_thread(s, self.group, self.operator, quiet_thread, text_has("has no discussion group"),
                       "the refusal for a channel without discussion group")


class AccountLeaveClosedTest(AccountTestCase):
    def test_leave_closed_keeps_the_listed_kinds_topics_closed_and_the_others_open(self):
        connection = self.make_account_world(parameters={"MONITOR_CHANNELS": True, "MONITOR_GROUPS": True,
                                                         "LEAVE_CLOSED": ["channel"]})
        s = self.sim
        # Telegram lets only administrators who manage topics write in a closed topic: the account
        # posts the copies, so it needs that right for topics that stay closed (docs/accounts.md).
        s.member(self.group, self.account.id, "administrator", can_manage_topics=True)
        publisher = s.user("Pat")
        news = s.call("POST", "/sim/channels", {"title": "Bike news", "owner_id": publisher})["id"]
        club = s.call("POST", "/sim/groups", {"title": "Bike club", "is_forum": False, "owner_id": self.customer})["id"]
        for chat in (news, club):
            s.member(chat, self.account.id)
        from harness import free_port
        port = free_port()
        config = self.write_config([connection], port)
        self.connect_account(config, "sales", self.account)
        self.start_desk([], port=port, config_text=self.read(config))

        s.send(publisher, news, text="Big sale on helmets")
        s.send(self.customer, club, text="Anyone riding on Sunday?")
        channel = wait_topic_named(s, self.group, "Bike news")
        wait_in_thread(s, self.group, self.operator, channel["message_thread_id"], text_is("Big sale on helmets"),
                       "the channel post in its topic")
        group = wait_topic_named(s, self.group, "Bike club")
        wait_in_thread(s, self.group, self.operator, group["message_thread_id"], text_has("Anyone riding"),
                       "the club message in its topic")
        channel = wait_until(lambda: next((t for t in s.topics(self.group) if "Bike news" in t["name"]
                                           and t["is_closed"]), None), what="the channel's topic closed")
        self.assertTrue(channel["name"].startswith("⬛"), channel)
        group = topic_named(s, self.group, "Bike club")
        self.assertFalse(group["is_closed"], group)
        self.assertTrue(group["name"].startswith("🟪"), group)


class AccountOwnerAndReactionsTest(AccountTestCase):
    def reactions_at(self, person, message_id):
        message = next((m for m in self.account.chat_as(person) if m["message_id"] == message_id), {})
        return [(r["user_id"], r["emoji"]) for r in message.get("reactions", [])]

    def test_the_owners_messages_in_a_topic_and_operators_reactions_reach_the_user(self):
        connection = self.make_account_world()
        from harness import free_port
        port = free_port()
        config = self.write_config([connection], port)
        self.connect_account(config, "sales", self.account)
        self.start_desk([], port=port, config_text=self.read(config))

        asked = self.sim.send(self.customer, self.account.id, text="Do you ship abroad?")
        thread = wait_topic_named(self.sim, self.group, f"#{self.customer}")["message_thread_id"]
        copy = wait_in_thread(self.sim, self.group, self.operator, thread, text_is("Do you ship abroad?"),
                              "the customer's message in the topic")

        # An operator's reaction on the copy is set on the customer's message by the account;
        # changed, it follows; taken back, it is removed.
        self.sim.react(self.operator, self.group, copy["message_id"], "👍")
        wait_until(lambda: self.reactions_at(self.customer, asked) == [(self.account.id, "👍")],
                   what="the operator's reaction on the customer's message")
        self.sim.react(self.operator, self.group, copy["message_id"], "🔥")
        wait_until(lambda: self.reactions_at(self.customer, asked) == [(self.account.id, "🔥")],
                   what="the changed reaction")
        self.sim.react(self.operator, self.group, copy["message_id"], "")
        wait_until(lambda: self.reactions_at(self.customer, asked) == [], what="the reaction taken back")

        # The owner writes in the topic from their own app: delivered like an operator's answer,
        # and marked in the topic as the owner's.
        self.sim.send(self.account.id, self.group, message_thread_id=thread, text="Yes, we ship worldwide")
        self.wait_at(self.customer, "Yes, we ship worldwide", self.account.id)
        wait_in_thread(self.sim, self.group, self.operator, thread,
                       text_has("Sent to the user by the account owner"), "the owner's marker in the topic")
        # An operator's answer still goes once; the account's own copies never come back to the user.
        self.reply_in(thread, "Shipping takes a week")
        self.wait_at(self.customer, "Shipping takes a week", self.account.id)
        texts = [m.get("text") for m in self.account.chat_as(self.customer)]
        self.assertEqual(texts.count("Yes, we ship worldwide"), 1, texts)
        self.assertEqual(texts.count("Do you ship abroad?"), 1, texts)


class AccountStoryTest(AccountTestCase):
    def test_story_posts_a_photo_for_the_accounts_users_and_says_why_not_otherwise(self):
        connection = self.make_account_world()
        from harness import free_port
        port = free_port()
        config = self.write_config([connection], port)
        self.connect_account(config, "sales", self.account)
        self.start_desk([], port=port, config_text=self.read(config))
        dan = self.sim.user("Dan")
        for person in (self.customer, dan):
            self.sim.send(person, self.account.id, text="hello")
            wait_topic_named(self.sim, self.group, f"#{person}")

        photo = self.sim.send(self.operator, self.group, photo="new-shop.png")
        self.sim.send(self.operator, self.group, text="/story Our new shop is open", reply_to_message_id=photo)
        answer = self.wait_general(text_has("posted the story"), "the /story answer")
        self.assertIn("2 users", answer["text"])
        stories = self.sim.call("GET", f"/sim/stories?account_id={self.account.id}")["stories"]
        self.assertEqual(len(stories), 1, stories)
        self.assertEqual(stories[0]["kind"], "photo")
        self.assertEqual(stories[0]["caption"], "Our new shop is open")
        self.assertEqual(stories[0]["privacy"], "storyPrivacySettingsSelectedUsers")
        self.assertEqual(sorted(stories[0]["user_ids"]), sorted([self.customer, dan]))

        self.sim.send(self.operator, self.group, text="/story")
        self.wait_general(text_has("reply to a photo or video with /story"), "the /story usage")
        note = self.sim.send(self.operator, self.group, text="just words")
        self.sim.send(self.operator, self.group, text="/story", reply_to_message_id=note)
        failed = self.wait_general(text_has("could not post the story"), "the /story refusal")
        self.assertIn("no photo or video", failed["text"])
        self.assertEqual(len(self.sim.call("GET", f"/sim/stories?account_id={self.account.id}")["stories"]), 1)


class AccountRevokedTest(AccountTestCase):
    def test_a_revoked_session_is_reported_once_and_the_desk_keeps_serving_others(self):
        connection = self.make_account_world()
        shop = World(self.sim, "shop")
        user = self.sim.user("Una")
        from harness import free_port
        port = free_port()
        config = self.write_config([connection, {**shop.connection("shop"), "mode": "bot"}], port)
        self.connect_account(config, "sales", self.account)
        self.start_desk([], port=port, config_text=self.read(config))

        self.sim.send(self.customer, self.account.id, text="hello before")
        wait_topic_named(self.sim, self.group, f"#{self.customer}")
        sessions = self.account.sessions()
        self.assertEqual(len(sessions), 1, sessions)  # `connect account` made it; the desk resumed it
        self.sim.call("POST", "/sim/sessions/revoke", {"session_id": sessions[0]["id"]})

        notice = self.wait_general(text_has("session was ended"), "the revoke notice in General")
        self.assertIn("topicdesk connect account", notice["text"])
        # The other connection keeps relaying.
        self.sim.send(user, shop.bot_id, text="still there?")
        shop.wait_in_topic(user, text_is("still there?"), "a message of the bot connection after the revoke")
        code, report = self.doctor(config)
        self.assertNotEqual(code, 0, report)
        self.assertTrue("session was ended" in report or "not signed in" in report, report)
        self.assertEqual(len([m for m in self.general() if "session" in (m.get("text") or "")]), 1)

    def test_an_account_never_signed_in_is_reported_and_the_desk_runs(self):
        connection = self.make_account_world()
        from harness import free_port
        port = free_port()
        config = self.write_config([connection], port)
        self.start_desk([], port=port, config_text=self.read(config))
        notice = self.wait_general(text_has("not signed in"), "the missing-session notice in General")
        self.assertIn("topicdesk connect account --config FILE --name sales", notice["text"])
        code, report = self.doctor(config)
        self.assertNotEqual(code, 0, report)
        self.assertIn("the account is not signed in", report)
        # The desk bot still serves the group: /help in General is answered.
        asked = self.sim.send(self.operator, self.group, text="/help")
        self.wait_general(lambda m: m.get("from", {}).get("id") == self.desk_bot_id and m["message_id"] > asked,
                          "the desk bot answering /help")


if __name__ == "__main__":
    unittest.main()
