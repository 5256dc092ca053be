"""Operating the desk: doctor, configuration mistakes, migrate, webhook transport, metrics."""
import json
import os
import sqlite3
import subprocess
import unittest
import urllib.request

from harness import TOPICDESK, DeskTestCase, World, free_port, text_is


def run_cli(*args):
    return subprocess.run([TOPICDESK, *args], capture_output=True, text=True, timeout=60)


class OperationsTest(DeskTestCase):
    def write_config(self, body):
        path = os.path.join(self.workdir, "check.toml")
        with open(path, "w") as f:
            f.write(body)
        return path

    def config_for(self, world, extra=""):
        return self.write_config(f'''[storage]
sqlite = "{self.workdir}/check.db"
[telegram]
api_base = "{self.sim.base}"
[[connection]]
name = "shop"
token = "{world.token}"
group_id = {world.group_id}
{extra}''')

    def test_doctor_passes_a_ready_connection(self):
        world = World(self.sim)
        result = run_cli("doctor", "--config", self.config_for(world))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("all connections are ready", result.stdout)
        self.assertIn("is a forum supergroup", result.stdout)

    def test_doctor_says_what_to_fix(self):
        operator = self.sim.user("Olga")
        bot_id, token = self.sim.bot("plain_bot")
        group = self.sim.forum("desk", operator)
        self.sim.member(group, bot_id, "member")
        path = self.write_config(f'''[telegram]
api_base = "{self.sim.base}"
[[connection]]
name = "shop"
token = "{token}"
group_id = {group}
''')
        result = run_cli("doctor", "--config", path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("make the bot an administrator", result.stdout)
        self.assertNotIn(token, result.stdout + result.stderr)

    def test_doctor_reports_a_rejected_token(self):
        world = World(self.sim)
        world.token = world.token.split(":")[0] + ":" + "x" * 35
        result = run_cli("doctor", "--config", self.config_for(world))
        self.assertEqual(result.returncode, 1)
        self.assertIn("Telegram rejected the token", result.stdout)
        self.assertNotIn("x" * 35, result.stdout)

    def test_doctor_says_when_the_bot_program_behind_the_proxy_does_not_fetch(self):
        world = World(self.sim)
        ann = self.sim.user("Ann")
        port = free_port()
        config = f'''[server]
listen = "127.0.0.1:{port}"
[storage]
sqlite = "{self.workdir}/check.db"
[telegram]
api_base = "{self.sim.base}"
[[connection]]
name = "shop"
mode = "proxy"
token = "{world.token}"
group_id = {world.group_id}
'''
        path = self.write_config(config)
        self.start_desk([], config_text=config, port=port)
        self.sim.send(ann, world.bot_id, text="anyone there?")
        world.wait_in_topic(ann, text_is("anyone there?"))
        self.assertIn("the bot's program is keeping up (1 update(s) waiting)", run_cli("doctor", "--config", path).stdout)
        # An hour passes and no program fetches the update.
        with sqlite3.connect(f"{self.workdir}/check.db") as db:
            db.execute("UPDATE proxy_updates SET created_at = created_at - 3600000")
        result = run_cli("doctor", "--config", path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("1 update(s) wait for the bot's program, the oldest for 60 min", result.stdout)
        self.assertIn(f"Bot API base URL set to http://127.0.0.1:{port}", result.stdout)
        # The program comes and confirms what it got: all is well again.
        base = f"http://127.0.0.1:{port}/bot{world.token}"
        update = json.load(urllib.request.urlopen(f"{base}/getUpdates?timeout=0", timeout=10))["result"][0]
        json.load(urllib.request.urlopen(f"{base}/getUpdates?timeout=0&offset={update['update_id'] + 1}", timeout=10))
        result = run_cli("doctor", "--config", path)
        self.assertIn("the bot's program is keeping up (0 update(s) waiting)", result.stdout)
        self.assertNotIn(world.token, result.stdout + result.stderr)

    def test_config_mistakes_name_file_and_line(self):
        world = World(self.sim)
        path = self.config_for(world, "[connection.parameters]\nAUTOCLOSE = 0\n")
        result = run_cli("run", "--config", path)
        self.assertEqual(result.returncode, 2)
        self.assertIn("check.toml:10:", result.stderr)
        self.assertIn("AUTOCLOSE", result.stderr)
        path = self.config_for(world, "colour = 1\n")
        result = run_cli("run", "--config", path)
        self.assertEqual(result.returncode, 2)
        self.assertIn("check.toml:9:", result.stderr)
        self.assertNotIn(world.token, result.stderr)

    def test_migrate_creates_the_schema(self):
        world = World(self.sim)
        result = run_cli("migrate", "--config", self.config_for(world))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("schema version", result.stdout)
        self.assertTrue(os.path.exists(os.path.join(self.workdir, "check.db")))

    def test_webhook_transport_relays(self):
        world = World(self.sim)
        port = free_port()
        desk = self.start_desk([], port=port, config_text=f'''[server]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
[storage]
sqlite = "{self.workdir}/webhook.db"
[telegram]
api_base = "{self.sim.base}"
[[connection]]
name = "shop"
token = "{world.token}"
group_id = {world.group_id}
transport = "webhook"
webhook_secret = "s3cret_Value-1"
''')
        ann = self.sim.user("Ann")
        self.sim.send(ann, world.bot_id, text="via webhook")
        world.wait_in_topic(ann, text_is("via webhook"))
        info = self.sim.bot_api(world.token, "getWebhookInfo")["result"]
        self.assertEqual(info["url"], f"http://127.0.0.1:{port}/telegram/shop")
        self.assertIn("topicdesk_outbox", desk.metrics())


if __name__ == "__main__":
    unittest.main()
