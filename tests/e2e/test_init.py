"""`topicdesk init`: the example configuration it writes is one the desk accepts once the
token is in the environment, and an existing file is never overwritten without --force."""
import os
import re
import subprocess
import unittest

from harness import TOPICDESK, DeskTestCase, World

EXAMPLE_GROUP_LINE = re.compile(r"^group_id = -1001234567890\b", re.MULTILINE)  # in effect, not "#group_id"
EXAMPLE_API_LINE = re.compile(r'^api_base = "https://api.telegram.org"', re.MULTILINE)


class InitTest(DeskTestCase):
    def cli(self, *args, env=None):
        full_env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
        full_env.update(env or {})
        return subprocess.run([TOPICDESK, *args], capture_output=True, text=True, timeout=60, cwd=self.workdir,
                              env=full_env)

    def read(self, name):
        with open(os.path.join(self.workdir, name)) as f:
            return f.read()

    def test_the_written_file_passes_doctor_once_the_token_is_set(self):
        result = self.cli("init", "--out", "desk.toml")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Wrote desk.toml", result.stdout)
        self.assertIn("topicdesk doctor --config desk.toml", result.stdout)

        # Without the token in the environment the desk says which variable and where.
        result = self.cli("doctor", "--config", "desk.toml")
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertRegex(result.stderr, r"desk\.toml:\d+: connection\[0\]\.token: environment variable "
                                        r"SUPPORT_BOT_TOKEN is not set")

        # What a newcomer edits: the group id (and here the Bot API, which is the simulator).
        world = World(self.sim)
        text = self.read("desk.toml")
        text, groups = EXAMPLE_GROUP_LINE.subn(f"group_id = {world.group_id}", text)
        self.assertEqual(groups, 1, "one connection in effect")
        text, bases = EXAMPLE_API_LINE.subn(f'api_base = "{self.sim.base}"', text)
        self.assertEqual(bases, 1)
        with open(os.path.join(self.workdir, "desk.toml"), "w") as f:
            f.write(text)
        self.assertNotIn(world.token, text, "the token stays in the environment")

        result = self.cli("doctor", "--config", "desk.toml", env={"SUPPORT_BOT_TOKEN": world.token})
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("connection support:", result.stdout)
        self.assertIn("all connections are ready", result.stdout)

    def test_an_existing_file_is_kept_without_force(self):
        self.assertEqual(self.cli("init").returncode, 0)
        path = os.path.join(self.workdir, "topicdesk.toml")
        with open(path, "a") as f:
            f.write("# my own notes\n")
        edited = self.read("topicdesk.toml")

        result = self.cli("init")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("topicdesk.toml already exists; left unchanged", result.stderr)
        self.assertIn("--force", result.stderr)
        self.assertEqual(self.read("topicdesk.toml"), edited)

        result = self.cli("init", "--force")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("# my own notes", self.read("topicdesk.toml"))
        self.assertTrue(self.read("topicdesk.toml").startswith("# topicdesk configuration"))

    def test_out_dash_prints_the_example_and_writes_no_file(self):
        result = self.cli("init", "--out", "-")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("# topicdesk configuration"))
        self.assertIn('token = "env:SUPPORT_BOT_TOKEN"', result.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.workdir, "topicdesk.toml")))
        self.assertFalse(os.path.exists(os.path.join(self.workdir, "-")))


if __name__ == "__main__":
    unittest.main()
