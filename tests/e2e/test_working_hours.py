"""WORKING_HOURS and AWAY_MESSAGE end to end: the away reply once a calendar day, across midnight
(tgsim's clock is advanced, nothing sleeps), after a restart and after the time zone changed;
/hours in General. The schedules are built around the simulated clock's time of day, so the
tests mean the same whenever they run."""
import unittest

from harness import DeskTestCase, World, text_has, text_is, wait_until

DAY = 86400
AWAY = "We are closed, {title}. We answer in working hours."
AWAY_TEXT = "We are closed, Ann Lee. We answer in working hours."
NOTE = "🌙 Away reply sent (closed until"
# One-hour ranges to choose from; one far from every time of day the test meets is taken.
CANDIDATE_HOURS = [3, 9, 15, 21]


def seconds_of_day(t):
    return t % DAY


def away_from(hour, *times_of_day, margin=1800):
    """Whether [hour:00, hour+1:00) keeps `margin` seconds away from every given time of day."""
    start, end = hour * 3600 - margin, (hour + 1) * 3600 + margin
    return all(not (start <= t < end or start <= t + DAY < end or start <= t - DAY < end) for t in times_of_day)


class WorkingHoursTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", last_name="Lee", username="ann_lee")

    def sim_now(self):
        return self.sim.call("POST", "/sim/clock", {"advance_seconds": 0})["now"]

    def advance(self, seconds):
        return self.sim.call("POST", "/sim/clock", {"advance_seconds": seconds})["now"]

    def desk_with(self, **parameters):
        return self.start_desk([self.world.connection(WELCOME="Hi {title}", AWAY_MESSAGE=AWAY, **parameters)])

    def away_replies(self):
        return [m for m in self.world.user_messages(self.ann)
                if m["from"]["id"] == self.world.bot_id and m.get("text") == AWAY_TEXT]

    def notes(self):
        topic = self.world.topic_of(self.ann)
        return [m for m in self.world.group_messages(topic["message_thread_id"]) if NOTE in (m.get("text") or "")]

    def user_says(self, text):
        """Sends and waits for the copy in the topic. A note the message causes is posted after its
        copy, in the same queue: once the copy of a later message is there, the note would be too."""
        self.sim.send(self.ann, self.world.bot_id, text=text)
        self.world.wait_in_topic(self.ann, text_is(text), f"the copy of {text!r}")

    def general_answer(self, command, fragment):
        self.sim.send(self.world.operator, self.world.group_id, text=command)
        return wait_until(lambda: next((m for m in self.world.group_messages()
                                        if "message_thread_id" not in m and m["from"]["id"] == self.world.bot_id
                                        and fragment in (m.get("text") or "")), None),
                          what=f"the {command} answer in General")

    def test_away_reply_once_a_day_across_midnight_and_hours(self):
        now = self.sim_now()
        # Closed now and in the first minutes after the coming midnight.
        hour = next(h for h in CANDIDATE_HOURS if away_from(h, seconds_of_day(now), 0, 600))
        self.desk_with(WORKING_HOURS=f"UTC; daily {hour:02d}:00-{hour + 1:02d}:00")

        self.user_says("hello")
        self.world.wait_at_user(self.ann, text_is(AWAY_TEXT), "the away reply")
        self.world.wait_in_topic(self.ann, text_has(f"{NOTE} "), "the note in the topic")
        bot_texts = [m.get("text") for m in self.world.user_messages(self.ann) if m["from"]["id"] == self.world.bot_id]
        self.assertEqual(bot_texts[:2], ["Hi Ann Lee", AWAY_TEXT])  # after the welcome

        # The same day: the message is relayed, and nobody is told twice.
        self.user_says("one more thing")
        self.user_says("and another")
        self.assertEqual(len(self.notes()), 1)
        self.assertEqual(len(self.away_replies()), 1)

        # Just past midnight (tgsim's clock): a new day, a new away reply.
        midnight = (now // DAY + 1) * DAY
        self.advance(midnight + 60 - self.sim_now())
        self.user_says("good morning")
        wait_until(lambda: len(self.away_replies()) == 2, what="the second day's away reply")
        wait_until(lambda: len(self.notes()) == 2, what="the second day's note")

        answer = self.general_answer("/hours", "Working hours (UTC)")
        self.assertIn(f"Mon–Sun {hour:02d}:00–{hour + 1:02d}:00", answer["text"])
        self.assertIn(f"Closed now, opens ", answer["text"])
        self.assertIn(f" {hour:02d}:00.", answer["text"])

        # Inside working hours: relayed, no away reply; /hours says open.
        self.advance(midnight + hour * 3600 + 60 - self.sim_now())
        self.user_says("now you are open")
        self.user_says("right?")
        self.assertEqual(len(self.notes()), 2)
        answer = self.general_answer("/hours", "Open now")
        self.assertIn(f"closes ", answer["text"])
        self.assertIn(f" {hour + 1:02d}:00.", answer["text"])
        self.assertEqual(len(self.away_replies()), 2)

    def test_restart_keeps_the_day_and_a_new_time_zone_starts_another(self):
        now = self.sim_now()
        # A zone whose calendar day differs from UTC's at this moment.
        offset = 14 if seconds_of_day(now) >= 10 * 3600 else -12
        zone = f"UTC{offset:+03d}:00"
        local = seconds_of_day(now + offset * 3600)
        hour = next(h for h in CANDIDATE_HOURS if away_from(h, seconds_of_day(now), local))
        hours = f"daily {hour:02d}:00-{hour + 1:02d}:00"
        desk = self.desk_with(WORKING_HOURS=f"UTC; {hours}")
        self.user_says("hello")
        self.world.wait_at_user(self.ann, text_is(AWAY_TEXT), "the away reply")

        # A restart with the same schedule: the day's reply was already sent.
        desk.stop()
        desk = self.desk_with(WORKING_HOURS=f"UTC; {hours}")
        self.user_says("after the restart")
        self.user_says("still there?")
        self.assertEqual(len(self.notes()), 1)

        # The admin moves WORKING_HOURS to another zone: there it is another calendar day.
        desk.stop()
        self.desk_with(WORKING_HOURS=f"{zone}; {hours}")
        self.user_says("in the new zone")
        wait_until(lambda: len(self.away_replies()) == 2, what="the away reply in the new zone")
        wait_until(lambda: len(self.notes()) == 2, what="the note in the new zone")
        answer = self.general_answer("/hours", f"Working hours ({zone})")
        self.assertIn("Closed now", answer["text"])


if __name__ == "__main__":
    unittest.main()
