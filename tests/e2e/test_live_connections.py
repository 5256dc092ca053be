"""Connections made at run time (docs/setup.md): `topicdesk init` + `topicdesk connection add` +
`topicdesk run` reach a relaying desk without editing any file; `connection set` changes a
parameter for the next event without a restart; `stop` holds the messages in Telegram and `start`
brings every one of them, in order; `remove` ends the connection. Bad input is refused with the
configuration reader's words and keeps nothing."""
import os
import re
import subprocess
import unittest

from harness import TOPICDESK, DeskTestCase, World, free_port, text_has, text_is, wait_until


class LiveConnectionsTest(DeskTestCase):
    def cli(self, *args, env=None):
        full_env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
        full_env.update(env or {})
        return subprocess.run([TOPICDESK, *args], capture_output=True, text=True, timeout=60, cwd=self.workdir,
                              env=full_env)

    def connection(self, *args, env=None):
        result = self.cli("connection", args[0], "--config", "desk.toml", *args[1:], env=env)
        return result

    def ok(self, *args, env=None):
        result = self.connection(*args, env=env)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        return result.stdout

    def start_run(self):
        self.port = free_port()
        self.log_path = os.path.join(self.workdir, "topicdesk.log")
        self.log = open(self.log_path, "ab")
        self.desk = subprocess.Popen([TOPICDESK, "run", "--config", "desk.toml", "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir)
        self.addCleanup(self.stop_run)

    def stop_run(self):
        if self.desk.poll() is None:
            self.desk.terminate()
            self.desk.wait(30)
        self.log.close()

    def desk_log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, after=0, what=None):
        def seen():
            if self.desk.poll() is not None:
                raise AssertionError("topicdesk exited:\n" + self.desk_log()[-4000:])
            return re.search(pattern, self.desk_log()[after:])
        return wait_until(seen, what=what or f"the desk's log to say {pattern!r}")

    def health(self):
        import urllib.request
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as resp:
                return resp.read().decode()
        except OSError:
            return ""

    def test_a_desk_from_the_shell_alone_relays_changes_stops_starts_and_removes_live(self):
        # An example configuration without a connection, for the simulator's Bot API.
        result = self.cli("init", "--out", "desk.toml", "--no-connection", "--api-base", self.sim.base)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("topicdesk connection add --config desk.toml", result.stdout)

        world = World(self.sim)
        token_env = {"SHOP_BOT_TOKEN": world.token}
        # Bad input: the reader's words, nothing kept.
        bad = self.connection("add", "--name", "Shop", "--token", "env:SHOP_BOT_TOKEN", f"--group={world.group_id}",
                              env=token_env)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("name must be 1-32 of a-z, 0-9, _ and -", bad.stderr)
        bad = self.connection("add", "--name", "shop", "--token", "env:SHOP_BOT_TOKEN", f"--group={world.group_id}",
                              "--param", "AUTOCLOSE=0", env=token_env)
        self.assertEqual(bad.returncode, 1)
        self.assertIn('AUTOCLOSE must be OFF or hours 1..1000000 (got "0")', bad.stderr)
        bad = self.connection("add", "--name", "shop", "--token", "env:NOT_SET_TOKEN", f"--group={world.group_id}")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("environment variable NOT_SET_TOKEN is not set", bad.stderr)
        self.assertIn("no connections yet", self.ok("list"))

        out = self.ok("add", "--name", "shop", "--token", "env:SHOP_BOT_TOKEN", f"--group={world.group_id}",
                      env=token_env)
        self.assertIn("Added connection shop", out)
        self.assertNotIn(world.token, out)
        listed = self.ok("list")
        self.assertRegex(listed, rf"shop\s+database\s+running\s+bot\s+{world.group_id}")
        self.assertNotIn(world.token.split(":")[1], listed)

        # The desk runs it: a user's message opens a topic and gets the default welcome.
        self.start_run()
        wait_until(lambda: "shop: ready" in self.health(), what="the stored connection to be ready")
        anna = self.sim.user("Anna")
        self.sim.send(anna, world.bot_id, text="hello desk")
        world.wait_in_topic(anna, text_is("hello desk"))
        world.wait_at_user(anna, text_has("Thank you for your message"), "the default welcome")
        self.assertNotIn(world.token.split(":")[1], self.desk_log(), "the token never reaches the log")

        # A new welcome, from another process, for the next new user: no restart.
        mark = len(self.desk_log())
        self.ok("set", "shop", "WELCOME", "Welcome aboard, {title}!")
        self.wait_log(r"connection shop: parameters changed", after=mark)
        boris = self.sim.user("Boris")
        self.sim.send(boris, world.bot_id, text="hi there")
        world.wait_at_user(boris, text_is("Welcome aboard, Boris!"), "the new welcome")
        self.assertEqual(self.desk.poll(), None, "the same process")

        # Stopped: nothing is taken from Telegram; what users write waits there.
        mark = len(self.desk_log())
        self.ok("stop", "shop")
        self.wait_log(r"poller shop: stopped", after=mark)
        waiting = [f"while stopped {i}" for i in range(5)]
        for text in waiting:
            self.sim.send(anna, world.bot_id, text=text)
        self.assertRegex(self.ok("list"), r"shop\s+database\s+stopped")
        topic = world.topic_of(anna)["message_thread_id"]
        self.assertFalse([m for m in world.group_messages(topic) if (m.get("text") or "").startswith("while stopped")])

        # Started again: every waiting message arrives, in order, none lost.
        self.ok("start", "shop")
        def all_arrived():
            texts = [m.get("text") for m in world.group_messages(topic)]
            arrived = [t for t in texts if t and t.startswith("while stopped")]
            return arrived if len(arrived) >= len(waiting) else None
        self.assertEqual(wait_until(all_arrived, what="the waiting messages after start"), waiting,
                         "every one, in order, once")
        self.sim.send(anna, world.bot_id, text="after the start")
        world.wait_in_topic(anna, text_is("after the start"))

        # Removed: no longer run, nor listed; its dialogs stay in the store.
        mark = len(self.desk_log())
        self.ok("remove", "shop")
        self.wait_log(r"connection shop: removed", after=mark)
        wait_until(lambda: "shop:" not in self.health(), what="the health answer without shop")
        self.assertIn("no connections yet", self.ok("list"))
        self.assertEqual(self.desk.poll(), None, "the desk runs on without connections")
        gone = self.connection("stop", "shop")
        self.assertEqual(gone.returncode, 1)
        self.assertIn('no connection is named "shop"', gone.stderr)


class FileConnectionsAreReadOnlyTest(DeskTestCase):
    def test_a_file_connection_is_listed_and_refused_for_changes(self):
        world = World(self.sim)
        desk = self.start_desk([world.connection()])
        result = subprocess.run([TOPICDESK, "connection", "set", "--config", desk.config_path, "shop", "AUTOCLOSE",
                                 "12"], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f'connection "shop" is written in {desk.config_path}: edit {desk.config_path}', result.stderr)
        listed = subprocess.run([TOPICDESK, "connection", "list", "--config", desk.config_path], capture_output=True,
                                text=True, timeout=60)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertRegex(listed.stdout, r"shop\s+file\s+running\s+bot")


if __name__ == "__main__":
    unittest.main()
