"""What the broadcast e2e tests share: a desk on tgsim with its flood limits on (the group's
minute wide open, so the bot's second is what counts), users who wrote first, and the operator's
side of General: saying things, waiting for the desk's answers, reading the CSV report."""
import csv
import io
import urllib.request

from harness import DeskTestCase, World, wait_until

GROUP_PER_MINUTE = 100000
LIMITS = f"[telegram.limits]\ngroup_per_minute = {GROUP_PER_MINUTE}\n"


class BroadcastTestCase(DeskTestCase):
    limits = True
    sim_args = ("--group-per-minute", str(GROUP_PER_MINUTE))

    def setUp(self):
        super().setUp()
        self.world = World(self.sim)

    def start(self, **parameters):
        # No flood guard and no WELCOME: the users' first messages are seeding, not the subject.
        self.desk = self.start_desk([self.world.connection(NEW_TOPICS_PER_MINUTE="OFF", USER_MESSAGES_PER_MINUTE="OFF",
                                                           WELCOME="OFF", **parameters)], LIMITS)
        return self.desk

    def seed_users(self, count):
        """`count` users who wrote first, each with a topic."""
        users = [self.sim.user(f"User{i}", last_name="Test") for i in range(count)]
        for user in users:
            self.sim.send(user, self.world.bot_id, text="hello")
        wait_until(lambda: len(self.sim.topics(self.world.group_id)) >= count, 120, f"{count} topics")
        return users

    def general_messages(self):
        return self.world.general_messages()

    def say(self, text, reply_to=None, thread=None, **fields):
        return self.world.say(text, reply_to, thread, **fields)

    def answer_after(self, message_id, fragment, timeout=30):
        return self.world.answer_after(message_id, fragment, timeout)

    def from_bot(self, user):
        return [m for m in self.world.user_messages(user) if m.get("from", {}).get("id") == self.world.bot_id]

    @staticmethod
    def broadcast_id(confirmation):
        return int(confirmation["text"].split("#", 1)[1].split(" ", 1)[0])

    def done(self, broadcast_id, timeout=120):
        """The progress message once it says the broadcast is done."""
        return wait_until(lambda: next((m for m in self.general_messages()
                                        if f"Broadcast #{broadcast_id} — done" in (m.get("text") or "")), None),
                          timeout, f"broadcast #{broadcast_id} done in its progress message")

    def posted_report(self, broadcast_id):
        """The CSV report posted in General as a document: the message and the CSV's text."""
        posted = wait_until(lambda: next((m for m in self.general_messages() if m.get("document")
                                          and m["document"]["file_name"] == f"broadcast-{broadcast_id}.csv"), None),
                            60, "the report in General")
        path = self.sim.bot_api(self.world.token, "getFile", {"file_id": posted["document"]["file_id"]})
        url = f"{self.sim.base}/file/bot{self.world.token}/{path['result']['file_path']}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return posted, response.read().decode()

    @staticmethod
    def csv_rows(text):
        return list(csv.DictReader(io.StringIO(text)))
