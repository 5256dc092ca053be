"""MTProto parallel bot session: the bot's own program keeps answering users through
tgsim's Bot API (and keeps its getUpdates); the desk, logged in as the same bot through the fake
libtdjson, relays users' messages into topics, shows the program's answers as intercepted and
delivers operators' answers. `doctor` says a second session may miss updates."""
import unittest

from harness import World, free_port, text_is
from td_harness import TdDeskTestCase, text_has, wait_until


class MtprotoTest(TdDeskTestCase):
    def test_the_program_keeps_working_while_the_desk_relays_and_intercepts(self):
        world = World(self.sim, "shop")
        connection = {**world.connection("shop", INTERCEPT_EXTERNAL=True), "mode": "mtproto"}
        port = free_port()
        config = self.write_config([connection], port)
        self.start_desk([], port=port, config_text=self.read(config))
        wait_until(lambda: [s for s in self.sim.call("GET", "/sim/sessions")["sessions"]
                            if s["account_id"] == world.bot_id], what="the desk's MTProto session of the bot")

        user = self.sim.user("Ann", username="ann_a")
        self.sim.send(user, world.bot_id, text="Where is my parcel?")
        world.wait_topic(user)
        world.wait_in_topic(user, text_is("Where is my parcel?"), "the user's message in the topic")

        # The program still gets its updates (the desk never calls getUpdates) and answers.
        updates = wait_until(lambda: self.sim.bot_api(world.token, "getUpdates", {"timeout": 0})["result"],
                             what="the program's getUpdates")
        self.assertTrue(any(u.get("message", {}).get("text") == "Where is my parcel?" for u in updates), updates)
        track = {"inline_keyboard": [[{"text": "Track", "url": "https://track.example/1"}]]}
        answer = self.sim.bot_api(world.token, "sendMessage", {"chat_id": user, "text": "It left the warehouse.",
                                                               "reply_markup": track})
        self.assertTrue(answer["ok"], answer)
        copy = world.wait_in_topic(user, text_has("It left the warehouse."), "the program's answer, intercepted")
        self.assertEqual(copy["text"], "📤 Sent by the bot's program\nIt left the warehouse.\n\n"
                                       "⌨️ [Track ↗ https://track.example/1]")

        # The program edits its answer (through its own Bot API session): the desk's session is told
        # (updateMessageContent) and the topic copy follows, marker kept.
        refresh = {"inline_keyboard": [[{"text": "Refresh", "callback_data": "refresh"}]]}
        edited = self.sim.bot_api(world.token, "editMessageText", {
            "chat_id": user, "message_id": answer["result"]["message_id"], "text": "It reached the depot.",
            "reply_markup": refresh})
        self.assertTrue(edited["ok"], edited)
        thread = world.topic_of(user)["message_thread_id"]
        followed = wait_until(lambda: next((m for m in world.group_messages(thread) if m["message_id"] == copy["message_id"]
                                            and "It reached the depot." in (m.get("text") or "")), None),
                              what="the intercepted copy following the program's edit")
        self.assertEqual(followed["text"], "📤 Sent by the bot's program\nIt reached the depot.\n\n⌨️ [Refresh]")
        # Only the keyboard changes (editMessageReplyMarkup): the copy's button line follows.
        done = {"inline_keyboard": [[{"text": "Thanks!", "callback_data": "thanks"}]]}
        edited = self.sim.bot_api(world.token, "editMessageReplyMarkup", {
            "chat_id": user, "message_id": answer["result"]["message_id"], "reply_markup": done})
        self.assertTrue(edited["ok"], edited)
        wait_until(lambda: next((m for m in world.group_messages(thread) if m["message_id"] == copy["message_id"]
                                 and "[Thanks!]" in (m.get("text") or "")), None),
                   what="the copy following a keyboard-only edit")

        # After a desk restart the desk's session no longer knows the answer was sent from elsewhere
        # (TDLib does not say who sent an edited message); the copy still follows as intercepted.
        self.desks[-1].stop()
        self.desks[-1].start()
        edited = self.sim.bot_api(world.token, "editMessageText", {
            "chat_id": user, "message_id": answer["result"]["message_id"], "text": "It was delivered."})
        self.assertTrue(edited["ok"], edited)
        followed = wait_until(lambda: next((m for m in world.group_messages(thread) if m["message_id"] == copy["message_id"]
                                            and "It was delivered." in (m.get("text") or "")), None),
                              what="the copy following an edit after a restart")
        self.assertEqual(followed["text"], "📤 Sent by the bot's program\nIt was delivered.")

        # An operator answers in the topic: the user gets it, once, from the bot; it is not shown
        # again as "intercepted" (the desk's own sends are not the program's).
        topic = world.topic_of(user)
        self.sim.send(world.operator, world.group_id, message_thread_id=topic["message_thread_id"],
                      text="I will check with the courier")
        world.wait_at_user(user, text_is("I will check with the courier"))
        self.assertEqual(len([m for m in world.user_messages(user)
                              if m.get("text") == "I will check with the courier"]), 1)
        in_topic = [m for m in world.group_messages(topic["message_thread_id"])
                    if "I will check with the courier" in (m.get("text") or "")]
        self.assertEqual(len(in_topic), 1, in_topic)

        code, report = self.doctor(config)
        self.assertIn("does not promise every update to a second session", report)
        self.assertIn("proxy", report)


if __name__ == "__main__":
    unittest.main()
