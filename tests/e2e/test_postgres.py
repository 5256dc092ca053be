"""The desk on PostgreSQL ([storage] postgres): it relays both ways across a SIGKILL and a
restart, keeps everything in the server (no SQLite file), and `migrate` and `doctor` speak of
the server: its version, the schema version, a wrong address, a server that is not there.

Runs against the throwaway server CTest starts (TOPICDESK_TEST_PG, cmake/pg_test_server.cmake);
each test gets a database of its own. Skipped without the variable.
"""
import json
import os
import re
import signal
import subprocess
import time
import unittest
import urllib.request

from harness import TOPICDESK, DeskTestCase, World, text_is, wait_until
from pg_support import ADMIN_URI, fresh_database, psql, with_database


def run_cli(args, env):
    return subprocess.run([TOPICDESK, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


@unittest.skipUnless(ADMIN_URI, "TOPICDESK_TEST_PG is not set (no PostgreSQL test server)")
class PostgresDeskTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.database = f"e2e_{os.getpid()}_{self._testMethodName}"[:63].lower()
        self.uri = fresh_database(self, self.database)

    def postgres_config(self, world, env_name="TOPICDESK_PG"):
        """A configuration of one connection whose storage is PostgreSQL, from the environment."""
        path = os.path.join(self.workdir, "postgres.toml")
        with open(path, "w") as f:
            f.write(f'''[storage]
postgres = "env:{env_name}"
[telegram]
api_base = "{self.sim.base}"
[[connection]]
name = "shop"
token = "{world.token}"
group_id = {world.group_id}
''')
        return path

    def start_postgres_desk(self, world, mode=None):
        """The harness's desk for `world`, its storage switched to this test's database."""
        desk = self.start_desk([world.connection(mode=mode)], start=False, env={"TOPICDESK_PG": self.uri})
        with open(desk.config_path) as f:
            config = f.read()
        with open(desk.config_path, "w") as f:
            f.write(re.sub(r'(?m)^sqlite = .*$', 'postgres = "env:TOPICDESK_PG"', config))
        desk.start()
        return desk

    def test_relays_both_ways_across_a_sigkill_and_a_restart(self):
        world = World(self.sim)
        desk = self.start_postgres_desk(world)
        user = self.sim.user("Pia", username="pia")

        self.sim.send(user, world.bot_id, text="hello from postgres")
        world.wait_in_topic(user, text_is("hello from postgres"), "the first message in the user's topic")
        thread = world.topic_of(user)["message_thread_id"]
        self.sim.send(world.operator, world.group_id, message_thread_id=thread, text="first answer")
        world.wait_at_user(user, text_is("first answer"), "the first answer at the user")

        desk.kill()
        # While the desk is down both sides write; Telegram (tgsim) keeps the updates.
        self.sim.send(user, world.bot_id, text="written while the desk was down")
        self.sim.send(world.operator, world.group_id, message_thread_id=thread, text="answered while down")
        desk.start()

        world.wait_in_topic(user, text_is("written while the desk was down"), "the message sent during the outage")
        world.wait_at_user(user, text_is("answered while down"), "the answer sent during the outage")
        self.sim.send(user, world.bot_id, text="after the restart")
        world.wait_in_topic(user, text_is("after the restart"), "a message after the restart")
        self.sim.send(world.operator, world.group_id, message_thread_id=thread, text="answer after the restart")
        world.wait_at_user(user, text_is("answer after the restart"), "an answer after the restart")

        # One topic (the restart found the dialog in PostgreSQL), and nothing went to SQLite.
        self.assertEqual(len(self.sim.topics(world.group_id)), 1)
        self.assertEqual(psql(self.uri, f"SELECT count(*) FROM dialogs WHERE user_id = {user}"), "1")
        self.assertFalse(os.path.exists(desk.db_path), "the desk made an SQLite file beside PostgreSQL")
        log = desk.process.output()
        self.assertIn("postgres postgresql://", log)

        # doctor, beside the running desk: the instance, its clock, and who runs the connection.
        doctor = run_cli(["doctor", "--config", desk.config_path], {"TOPICDESK_PG": self.uri})
        self.assertIn("instances:", doctor.stdout)
        self.assertRegex(doctor.stdout, r"ok +instance [0-9a-f]{16} at 127\.0\.0\.1:\d+: alive")
        self.assertRegex(doctor.stdout, r"ok +connection shop: run by instance [0-9a-f]{16}")

    def test_a_server_that_goes_away_mid_run_loses_nothing(self):
        """The desk's sessions are ended and the database refuses new ones for a while (as when
        the server restarts or the network drops): /healthz says so, Telegram keeps what the desk
        could not commit, and once the server is back every message and answer goes through."""
        world = World(self.sim)
        desk = self.start_postgres_desk(world)
        user = self.sim.user("Ola", username="ola")
        self.sim.send(user, world.bot_id, text="before the outage")
        world.wait_in_topic(user, text_is("before the outage"), "the first message in the user's topic")
        thread = world.topic_of(user)["message_thread_id"]

        database = self.database
        psql(ADMIN_URI, f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
        psql(ADMIN_URI, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'")
        try:
            for i in range(5):
                self.sim.send(user, world.bot_id, text=f"during the outage {i}")
            self.sim.send(world.operator, world.group_id, message_thread_id=thread, text="answer during the outage")
            wait_until(lambda: desk.health()[0] == 503, 30, what="/healthz to say the store fails")
        finally:
            psql(ADMIN_URI, f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")

        for i in range(5):
            world.wait_in_topic(user, text_is(f"during the outage {i}"), f"message {i} of the outage in the topic")
        world.wait_at_user(user, text_is("answer during the outage"), "the answer of the outage at the user")
        wait_until(lambda: desk.health()[0] == 200, 30, what="/healthz to say the store works again")
        texts = world.bot_texts_in_topic(user)
        for i in range(5):
            self.assertEqual(texts.count(f"during the outage {i}"), 1, f"message {i} once in the topic: {texts}")
        self.assertIn("connection lost", desk.process.output())

    def test_a_stalled_server_holds_neither_health_nor_the_programs_calls(self):
        """The server stops answering the desk (its sessions' processes are stopped, as when a
        network path hangs without an error): the relay waits for it, but /healthz, /metrics and
        the program's calls through the proxy answer at once. Once the server answers again,
        what was written meanwhile is relayed, once."""
        world = World(self.sim)
        desk = self.start_postgres_desk(world, mode="proxy")
        user = self.sim.user("Stan", username="stan")
        self.sim.send(user, world.bot_id, text="before the stall")
        world.wait_in_topic(user, text_is("before the stall"), "the first message in the user's topic")
        wait_until(world.desk_polling, 30, what="the desk's long poll to be parked")

        sessions = psql(ADMIN_URI, "SELECT pid FROM pg_stat_activity "
                                   f"WHERE datname = '{self.database}' AND pid <> pg_backend_pid()").split()
        self.assertTrue(sessions, "the desk holds no session to stop")
        for pid in sessions:
            os.kill(int(pid), signal.SIGSTOP)
        try:
            self.sim.send(user, world.bot_id, text="during the stall")
            # The long poll took the update; its commit waits for the server, so it is not parked again.
            wait_until(lambda: not world.desk_polling(), 30, what="the desk to take the update")
            for _ in range(5):
                status, _, seconds = desk.health(timeout=5)
                self.assertEqual(status, 200)
                self.assertLess(seconds, 1.0, "/healthz waited for the store")
            self.assertIsNotNone(desk.metric("topicdesk_http_connections"))
            started = time.monotonic()
            with urllib.request.urlopen(f"http://127.0.0.1:{desk.port}/bot{world.token}/getMe", timeout=5) as reply:
                me = json.loads(reply.read())
            self.assertTrue(me["ok"])
            self.assertEqual(me["result"]["id"], world.bot_id)
            self.assertLess(time.monotonic() - started, 1.0, "the program's call waited for the store")
            self.assertNotIn("during the stall", world.bot_texts_in_topic(user), "the store was not stalled")
        finally:
            for pid in sessions:
                os.kill(int(pid), signal.SIGCONT)

        world.wait_in_topic(user, text_is("during the stall"), "the message of the stall in the topic")
        self.assertEqual(world.bot_texts_in_topic(user).count("during the stall"), 1)

    def test_migrate_and_doctor_speak_of_the_server(self):
        world = World(self.sim)
        config = self.postgres_config(world)
        env = {"TOPICDESK_PG": self.uri}

        doctor = run_cli(["doctor", "--config", config], env)
        self.assertEqual(doctor.returncode, 0, doctor.stdout + doctor.stderr)
        self.assertRegex(doctor.stdout, r"PostgreSQL \d+\.\d+ reachable")
        self.assertIn("no tables yet", doctor.stdout)

        migrate = run_cli(["migrate", "--config", config], env)
        self.assertEqual(migrate.returncode, 0, migrate.stdout + migrate.stderr)
        newest = psql(self.uri, "SELECT max(version) FROM schema_migrations")
        self.assertIn(f"is at schema version {newest}", migrate.stdout)
        again = run_cli(["migrate", "--config", config], env)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertIn(f"is at schema version {newest}", again.stdout)

        doctor = run_cli(["doctor", "--config", config], env)
        self.assertEqual(doctor.returncode, 0, doctor.stdout + doctor.stderr)
        self.assertIn(f"schema version {newest} (this topicdesk's)", doctor.stdout)

        # A schema from a newer desk: both refuse and say what to do.
        psql(self.uri, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'from a newer desk', 0)")
        for command in ("doctor", "migrate"):
            refused = run_cli([command, "--config", config], env)
            self.assertEqual(refused.returncode, 1, refused.stdout + refused.stderr)
            self.assertIn("999", refused.stdout + refused.stderr)
            self.assertIn("newer than this topicdesk", refused.stdout + refused.stderr)

    def test_a_wrong_or_unreachable_server_is_named_without_its_password(self):
        world = World(self.sim)
        config = self.postgres_config(world)
        secret = "pg-hunter2-secret"
        cases = {
            "no server": f"postgresql://desk:{secret}@/topicdesk?host={self.workdir}/no-server-here",
            "no database": with_database(ADMIN_URI, "no_such_database").replace("postgres@", f"postgres:{secret}@"),
        }
        for case, uri in cases.items():
            env = {"TOPICDESK_PG": uri}
            for command in ("doctor", "migrate"):
                with self.subTest(case=case, command=command):
                    result = run_cli([command, "--config", config], env)
                    output = result.stdout + result.stderr
                    self.assertEqual(result.returncode, 1, output)
                    self.assertNotIn(secret, output)
                    self.assertIn("no-server-here" if case == "no server" else "no_such_database", output)
        not_a_uri = run_cli(["migrate", "--config", config], {"TOPICDESK_PG": f"host=db password={secret}"})
        self.assertEqual(not_a_uri.returncode, 2)
        self.assertIn("storage.postgres must be a libpq URI", not_a_uri.stderr)
        self.assertNotIn(secret, not_a_uri.stdout + not_a_uri.stderr)


if __name__ == "__main__":
    unittest.main()
