"""Connections made at run time on several desk instances (docs/setup.md, docs/several-instances.md):
two desks on one PostgreSQL database, neither with a connection in its file. `topicdesk connection
add` makes one; exactly one instance takes its lease and relays it; `stop` ends it on every
instance and `start` brings it back with what users wrote meanwhile; when its instance is killed
the other one takes it over within the lease time.

Runs against the throwaway server CTest starts (TOPICDESK_TEST_PG); skipped without it."""
import json
import os
import signal
import subprocess
import unittest
import urllib.request

from harness import TOPICDESK, DeskTestCase, Process, World, free_port, text_is, wait_until
from pg_support import ADMIN_URI, fresh_database


def healthz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?format=json", timeout=2) as resp:
            return json.loads(resp.read().decode())
    except (OSError, ValueError):
        return None


@unittest.skipUnless(ADMIN_URI, "TOPICDESK_TEST_PG is not set (no PostgreSQL test server)")
class LiveConnectionsClusterTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.database = f"e2e_{os.getpid()}_live_cluster"
        self.env = {"TOPICDESK_PG": fresh_database(self, self.database)}
        self.config = os.path.join(self.workdir, "desk.toml")
        with open(self.config, "w") as f:
            f.write(f'[storage]\npostgres = "env:TOPICDESK_PG"\n[telegram]\napi_base = "{self.sim.base}"\n'
                    f'[cluster]\nlease_seconds = 3\n')

    def desk(self, name):
        port = free_port()
        process = Process([TOPICDESK, "run", "--config", self.config, "--listen", f"127.0.0.1:{port}"],
                          os.path.join(self.workdir, f"{name}.log"), self.env)
        self.addCleanup(process.stop)
        wait_until(lambda: (h := healthz(port)) and h["status"] == "ok", what=f"desk {name} to run")
        return process, port

    def cli(self, *args, env=None):
        result = subprocess.run([TOPICDESK, "connection", args[0], "--config", self.config, *args[1:]],
                                capture_output=True, text=True, timeout=60, env={**os.environ, **self.env, **(env or {})})
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def owners(self, ports):
        """The ports whose instance runs shop now."""
        return [p for p in ports if (h := healthz(p)) and "shop" in h.get("owned", [])]

    def test_a_stored_connection_runs_on_one_instance_stops_everywhere_and_moves_when_its_instance_dies(self):
        world = World(self.sim)
        a, port_a = self.desk("a")
        b, port_b = self.desk("b")
        ports = [port_a, port_b]

        self.cli("add", "--name", "shop", "--token", "env:SHOP_BOT_TOKEN", f"--group={world.group_id}",
                 env={"SHOP_BOT_TOKEN": world.token})
        wait_until(lambda: len(self.owners(ports)) == 1, timeout=30, what="one instance to run shop")
        anna = self.sim.user("Anna")
        self.sim.send(anna, world.bot_id, text="hello cluster")
        world.wait_in_topic(anna, text_is("hello cluster"), timeout=30)

        self.cli("stop", "shop")
        wait_until(lambda: not any("shop" in (healthz(p) or {}).get("connections", {}) for p in ports), timeout=30,
                   what="every instance to stop shop")
        self.sim.send(anna, world.bot_id, text="while stopped")
        self.cli("start", "shop")
        world.wait_in_topic(anna, text_is("while stopped"), timeout=30)
        owner = wait_until(lambda: (o := self.owners(ports)) and len(o) == 1 and o, timeout=30,
                           what="one instance to run shop again")[0]

        # Its instance dies: the other takes the stored connection's lease.
        dead, survivor = (a, port_b) if owner == port_a else (b, port_a)
        dead.stop(signal.SIGKILL)
        wait_until(lambda: self.owners([survivor]), timeout=30, what="the other instance to take shop over")
        self.sim.send(anna, world.bot_id, text="after the takeover")
        world.wait_in_topic(anna, text_is("after the takeover"), timeout=30)


if __name__ == "__main__":
    unittest.main()
