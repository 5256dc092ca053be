"""Moving a desk from SQLite to PostgreSQL and back with `topicdesk store copy`.

A desk runs on SQLite; users write and an operator answers. `store copy` runs while the desk
runs and a user keeps writing (a consistent snapshot, verified table by table, with a note that
a desk runs on the source); then the desk stops, the store is copied into an empty PostgreSQL
database and a desk starts on it: a user's next message lands in the SAME topic, an operator's
reply in an existing topic reaches its user, no topic is made twice. The desk on PostgreSQL
stops and its store is copied back into a new SQLite file, verified. Refusals (a target that
holds data) go through the command line too; the PostgreSQL password never shows.

Runs against the throwaway server CTest starts (TOPICDESK_TEST_PG); skipped without it.
"""
import os
import re
import subprocess
import unittest

from harness import TOPICDESK, DeskTestCase, World, text_is, wait_until
from test_postgres import psql, with_database

ADMIN_URI = os.environ.get("TOPICDESK_TEST_PG", "")
SECRET = "pg-copy-hunter2"
# The test paces nothing; Telegram's limits and the flood guards are tested elsewhere.
NO_FLOOD_LIMITS = "[telegram.limits]\nenabled = false\n"
NO_FLOOD_GUARD = {"NEW_TOPICS_PER_MINUTE": "OFF", "USER_MESSAGES_PER_MINUTE": "OFF"}


def store_copy(source, target, env):
    return subprocess.run([TOPICDESK, "store", "copy", "--from", source, "--to", target, "--batch", "7"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **env})


@unittest.skipUnless(ADMIN_URI, "TOPICDESK_TEST_PG is not set (no PostgreSQL test server)")
class StoreCopyTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.uris = {}
        for name in ("snapshot", "moved"):
            database = f"copy_{os.getpid()}_{name}"
            psql(ADMIN_URI, f"DROP DATABASE IF EXISTS {database}")
            psql(ADMIN_URI, f"CREATE DATABASE {database}")
            self.addCleanup(psql, ADMIN_URI, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            # A password in the URI (the test server trusts the socket and ignores it): never shown.
            self.uris[name] = with_database(ADMIN_URI, database).replace("postgres@", f"postgres:{SECRET}@", 1)

    def _config_on(self, desk, storage_line, name):
        """`desk`'s configuration with another [storage] line, written as <name>.toml."""
        with open(desk.config_path) as f:
            text = re.sub(r'(?m)^sqlite = .*$', storage_line, f.read())
        path = os.path.join(self.workdir, f"{name}.toml")
        with open(path, "w") as f:
            f.write(text)
        return path, text

    def _assert_verified(self, done):
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, output)
        self.assertNotIn(SECRET, output)
        self.assertRegex(done.stdout, r"copied \d+ rows in \d+ tables from .* at schema version \d+: verified")
        for table in ("dialogs", "message_links", "inbox", "outbox", "connections"):
            self.assertRegex(done.stdout, rf"(?m)^{table} +\d+ +\d+ +[0-9a-f]{{16}} +[0-9a-f]{{16}} +same$")
        self.assertNotIn("DIFFERS", done.stdout)

    def test_a_desk_moves_to_postgres_and_back_and_keeps_its_topics(self):
        w = self.world
        desk = self.start_desk([w.connection(**NO_FLOOD_GUARD)], NO_FLOOD_LIMITS)
        anna, boris, clara = (self.sim.user(name) for name in ("Anna", "Boris", "Clara"))
        for user in (anna, boris, clara):
            self.sim.send(user, w.bot_id, text=f"hello from {user}")
        threads = {user: w.wait_topic(user)["message_thread_id"] for user in (anna, boris, clara)}
        for user in (anna, boris):
            self.sim.send(w.operator, w.group_id, message_thread_id=threads[user], text=f"welcome {user}")
            w.wait_at_user(user, text_is(f"welcome {user}"))

        snapshot_config, _ = self._config_on(desk, 'postgres = "env:TOPICDESK_PG_SNAPSHOT"', "snapshot")
        env = {"TOPICDESK_PG_SNAPSHOT": self.uris["snapshot"], "TOPICDESK_PG": self.uris["moved"]}

        # A copy while the desk runs and Clara keeps writing: one consistent state, verified.
        with w.user_keeps_writing(clara, "clara line", 60) as sent:
            running = store_copy(desk.config_path, snapshot_config, env)
        self._assert_verified(running)
        self.assertIn("a desk runs on SQLite", running.stderr)
        self.assertIn("copy again into an empty target", running.stderr)

        # Copying into it again is refused: it holds data now.
        again = store_copy(desk.config_path, snapshot_config, env)
        self.assertEqual(again.returncode, 1, again.stdout + again.stderr)
        self.assertIn("is not empty: ", again.stderr)
        self.assertRegex(again.stderr, r"dialogs \(3 rows\)")
        self.assertNotIn(SECRET, again.stdout + again.stderr)

        # The move: the desk finishes what it has, stops, and its store goes to PostgreSQL.
        wait_until(lambda: sent[-1] in self.world.bot_texts_in_topic(clara), 60, "Clara's last line in her topic")
        wait_until(self.world.desk_polling, what="the desk polling again")
        desk.stop()
        topics_before = len(self.sim.topics(w.group_id))
        moved_config, moved_text = self._config_on(desk, 'postgres = "env:TOPICDESK_PG"', "moved")
        moved = store_copy(desk.config_path, moved_config, env)
        self._assert_verified(moved)
        self.assertNotIn("a desk runs on", moved.stderr)
        self.assertEqual(psql(self.uris["moved"].replace(f":{SECRET}", ""), "SELECT count(*) FROM dialogs"), "3")

        on_postgres = self.start_desk([], config_text=moved_text, port=desk.port,
                                      env={"TOPICDESK_PG": self.uris["moved"]},
                                      name="on-postgres")
        self.sim.send(boris, w.bot_id, text="Boris on postgres")
        self.sim.send(w.operator, w.group_id, message_thread_id=threads[anna], text="Anna, from postgres")
        wait_until(lambda: "Boris on postgres" in self.world.bot_texts_in_topic(boris), what="Boris's message in his topic")
        w.wait_at_user(anna, text_is("Anna, from postgres"))
        self.assertEqual(w.topic_of(boris)["message_thread_id"], threads[boris], "Boris keeps his topic")
        self.sim.send(clara, w.bot_id, text="clara on postgres")
        wait_until(lambda: "clara on postgres" in self.world.bot_texts_in_topic(clara), what="Clara's new line")
        self.assertEqual(len(self.sim.topics(w.group_id)), topics_before, "no topic made twice")
        self.assertNotIn("Anna, from postgres", self.world.bot_texts_at_user(boris) + self.world.bot_texts_at_user(clara))
        self.assertEqual(self.world.bot_texts_at_user(anna).count(f"welcome {anna}"), 1, "nothing sent twice")
        clara_lines = [t for t in self.world.bot_texts_in_topic(clara) if t and t.startswith("clara")]
        self.assertEqual(clara_lines, sent + ["clara on postgres"])

        # And back: into a new SQLite file, verified.
        wait_until(self.world.desk_polling, what="the desk on PostgreSQL polling again")
        on_postgres.stop()
        back_db = os.path.join(self.workdir, "back", "desk.db")
        back_config, _ = self._config_on(desk, f'sqlite = "{back_db}"', "back")
        back = store_copy(moved_config, back_config, env)
        self._assert_verified(back)
        self.assertEqual(os.stat(back_db).st_mode & 0o777, 0o600)


if __name__ == "__main__":
    unittest.main()
