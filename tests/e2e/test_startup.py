"""Starting and restarting the desk: health before Telegram is reached, a rejected token that
leaves the other connections running, a backlog replayed without blocking /healthz, a failing
store reported and recovered from, configuration mistakes."""
import json
import os
import sqlite3
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request

from harness import TOPICDESK, DeskTestCase, MachineStalls, Process, World, free_port, text_is, wait_until


def run_cli(*args):
    return subprocess.run([TOPICDESK, *args], capture_output=True, text=True, timeout=60)


def healthz(port, timeout=5, query="?format=json"):
    """(HTTP status, JSON body) of /healthz; None when nothing answers."""
    def body(raw):
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(errors="replace")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz{query}", timeout=timeout) as resp:
            return resp.status, body(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, body(err.read())
    except OSError:
        return None


class StartupTest(DeskTestCase):
    def config(self, port, connections, api_base=None, db="desk.db"):
        lines = ["[server]", f'listen = "127.0.0.1:{port}"', "[storage]",
                 f'sqlite = "{os.path.join(self.workdir, db)}"', "[telegram]",
                 f'api_base = "{api_base or self.sim.base}"']
        for c in connections:
            lines += ["[[connection]]", f'name = "{c["name"]}"', f'token = "{c["token"]}"',
                      f'group_id = {c["group_id"]}']
        path = os.path.join(self.workdir, f"startup-{port}.toml")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def spawn(self, config_path, log="topicdesk.log"):
        process = Process([TOPICDESK, "run", "--config", config_path], os.path.join(self.workdir, log))
        self.addCleanup(process.stop)
        return process

    def test_health_answers_before_telegram_can_be_reached(self):
        port = free_port()
        world = World(self.sim)
        unreachable = f"http://127.0.0.1:{free_port()}"  # nobody listens: getMe keeps failing
        desk = self.spawn(self.config(port, [world.connection()], api_base=unreachable))
        status, body = wait_until(lambda: healthz(port), what="/healthz to answer")
        self.assertEqual(status, 200, "the process serves: orchestrators must not restart it")
        self.assertEqual(body, {"status": "starting", "connections": {"shop": "connecting"}})
        self.assertEqual(healthz(port, query=""), (200, "starting\nshop: connecting\n"))
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        self.assertIn('topicdesk_connection_ready{connection="shop"} 0', metrics)
        self.assertIn('topicdesk_connection_state{connection="shop",state="connecting"} 1', metrics)
        self.assertTrue(desk.alive())

    def test_a_rejected_token_is_reported_and_the_other_connections_run(self):
        port = free_port()
        good = World(self.sim, name="good")
        bad = World(self.sim, name="bad")
        bad_token = bad.token.split(":")[0] + ":" + "x" * 35
        desk = self.spawn(self.config(port, [{**bad.connection("bad"), "token": bad_token}, good.connection("good")]))
        status, body = wait_until(
            lambda: (h := healthz(port)) and "connecting" not in h[1]["connections"].values() and h,
            what="both connections to settle")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "degraded")
        self.assertEqual(body["connections"], {"bad": "token rejected", "good": "ready"})
        self.assertIn("connection bad: token rejected", body["reason"])
        log = desk.output()
        self.assertIn("connection bad: Telegram rejected the bot token", log)
        self.assertNotIn("x" * 35, log)
        # The healthy connection relays.
        ann = self.sim.user("Ann")
        self.sim.send(ann, good.bot_id, text="still there?")
        good.wait_in_topic(ann, text_is("still there?"))
        self.assertTrue(desk.alive())
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        self.assertIn('topicdesk_connection_ready{connection="good"} 1', metrics)
        self.assertIn('topicdesk_connection_state{connection="bad",state="token rejected"} 1', metrics)

    def test_a_desk_whose_only_token_is_rejected_stops_with_code_2(self):
        world = World(self.sim)
        token = world.token.split(":")[0] + ":" + "x" * 35
        desk = self.spawn(self.config(free_port(), [{**world.connection(), "token": token}]))
        wait_until(lambda: not desk.alive(), what="the desk to stop")
        self.assertEqual(desk.proc.returncode, 2)
        self.assertIn("Telegram rejected the bot token", desk.output())

    def test_a_configuration_without_connections_runs_and_says_how_to_add_one(self):
        # Connections may come from the database (docs/setup.md): the desk runs and waits for them.
        port = free_port()
        path = os.path.join(self.workdir, "empty.toml")
        with open(path, "w") as f:
            f.write(f'[server]\nlisten = "127.0.0.1:{port}"\n[storage]\nsqlite = "{self.workdir}/empty.db"\n')
        desk = self.spawn(path)
        wait_until(lambda: (h := healthz(port)) and h[1]["status"] == "ok", what="the empty desk's /healthz")
        self.assertIn("add one with `topicdesk connection add`", desk.output())
        self.assertTrue(desk.alive())

    def test_a_second_desk_on_the_same_database_refuses_to_start(self):
        world = World(self.sim)
        first_port = free_port()
        first = self.spawn(self.config(first_port, [world.connection()]), log="first.log")
        wait_until(lambda: (h := healthz(first_port)) and h[1]["status"] == "ok", what="the first desk")
        second = self.spawn(self.config(free_port(), [world.connection()]), log="second.log")
        wait_until(lambda: not second.alive(), what="the second desk to exit")
        self.assertEqual(second.proc.returncode, 1)
        output = second.output()
        self.assertIn("another topicdesk process uses this database", output)
        self.assertNotIn("terminate called", output)
        self.assertEqual(healthz(first_port)[1]["status"], "ok", "the first desk goes on")
        self.assertTrue(first.alive())

    def test_a_backlog_replayed_at_start_does_not_delay_healthz(self):
        backlog = 50_000
        world = World(self.sim)
        desk = self.start_desk([world.connection()])
        ann = self.sim.user("Ann")
        self.sim.send(ann, world.bot_id, text="first")
        world.wait_in_topic(ann, text_is("first"))
        desk.stop()
        # What a previous run stored but did not handle: 50,000 messages of Ann.
        db_path = os.path.join(self.workdir, "desk.db")
        with sqlite3.connect(db_path) as db:
            connection_id, template = db.execute("SELECT connection_id, payload FROM inbox LIMIT 1").fetchone()
            event = json.loads(template)
            rows = []
            for i in range(backlog):
                event["update_id"] = 10_000_000 + i
                event["message_id"] = 10_000_000 + i
                event["text"] = f"backlog {i}"
                rows.append((connection_id, event["update_id"], json.dumps(event), 0))
            db.executemany("INSERT INTO inbox (connection_id, update_id, payload, received_at) VALUES (?, ?, ?, ?)",
                           rows)

        def pending():
            with sqlite3.connect(db_path, timeout=30) as db:
                return db.execute("SELECT count(*) FROM inbox WHERE done = 0").fetchone()[0]

        desk.process = Process([TOPICDESK, "run", "--config", desk.config_path],
                               os.path.join(self.workdir, "topicdesk.log"))
        latencies = []  # of /healthz while entries were pending: (started, seconds)
        deadline = time.monotonic() + 300
        left = backlog
        machine = MachineStalls()  # the machine's own stalls are not the desk's (harness.py)
        try:
            while left > 0:
                self.assertLess(time.monotonic(), deadline, f"the backlog did not drain ({left} left)")
                self.assertTrue(desk.process.alive(), desk.process.output()[-3000:])
                started = time.monotonic()
                answer = healthz(desk.port, timeout=30)
                elapsed = time.monotonic() - started
                if answer is None:
                    continue  # not listening yet
                latencies.append((started, elapsed))
                if len(latencies) % 20 == 0:
                    left = pending()
        finally:
            machine.stop()
        desk_part = sorted(seconds - machine.overlap(at, at + seconds) for at, seconds in latencies)
        measured = sorted(seconds for _, seconds in latencies)
        worst = desk_part[-1]
        print(f"\n/healthz while replaying {backlog} entries: {len(latencies)} requests, "
              f"median {measured[len(measured) // 2] * 1000:.1f} ms, worst {measured[-1] * 1000:.1f} ms, "
              f"worst less the machine's stalls {worst * 1000:.1f} ms ({len(machine.stalls)} stalls seen)")
        self.assertGreater(len(latencies), 20, "the drain was measured while it ran")
        self.assertLess(worst, 0.100)
        # Every replayed entry was handled into a copy job (tgsim never saw these fabricated
        # messages, so the copies themselves are refused: what counts here is the drain).
        with sqlite3.connect(db_path, timeout=30) as db:
            copies = db.execute("SELECT count(*) FROM outbox WHERE kind = 'copy_to_topic'").fetchone()[0]
        self.assertGreaterEqual(copies, backlog + 1, "every replayed message became a copy job")

    def test_a_failing_store_is_reported_and_the_desk_recovers_by_itself(self):
        world = World(self.sim)
        desk = self.start_desk([world.connection()])
        ann = self.sim.user("Ann")
        self.sim.send(ann, world.bot_id, text="before")
        world.wait_in_topic(ann, text_is("before"))
        # Another process holds the database's write lock: every write of the desk fails (busy).
        blocker = sqlite3.connect(os.path.join(self.workdir, "desk.db"), timeout=1, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        released = threading.Event()
        try:
            self.sim.send(ann, world.bot_id, text="during")
            status, body = wait_until(lambda: (h := healthz(desk.port, timeout=30)) and h[0] == 503 and h,
                                      timeout=60, what="/healthz to say the store fails")
            self.assertEqual(body["status"], "degraded")
            self.assertTrue(body["reason"].startswith("store: "), body)
            status, text = healthz(desk.port, timeout=30, query="")
            self.assertTrue(text.startswith("degraded: store: "), text)
            self.assertTrue(desk.process.alive())
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
            released.set()
        status, body = wait_until(lambda: (h := healthz(desk.port)) and h[0] == 200 and h, timeout=60,
                                  what="/healthz to recover")
        self.assertEqual(body["status"], "ok")
        world.wait_in_topic(ann, text_is("during"), timeout=60)
        self.assertTrue(desk.process.alive())


if __name__ == "__main__":
    unittest.main()
