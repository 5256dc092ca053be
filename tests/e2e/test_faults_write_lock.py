"""Another process holds the database's write lock for about ten seconds while traffic flows.

/healthz keeps answering quickly and says "degraded" while it lasts, nothing is lost or sent
twice, and the desk carries on by itself once the lock is released."""
import subprocess
import sys
import time
import os
import unittest

from faults_traffic import Traffic, health_summary, outbox_figures, settle, start_connections, wait_recovered
from harness import DeskTestCase, MachineStalls, wait_until

HOLD_SECONDS = 10
HEALTHZ_BOUND_S = 0.1

# Takes the write lock (BEGIN IMMEDIATE), says "locked", holds it until a line arrives on stdin.
HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
print("released", flush=True)
"""


class HeldWriteLockTest(DeskTestCase):
    CONNECTIONS = 4  # bots, each with its own backend group and one user
    USERS_PER_CONNECTION = 1
    ROUNDS = 8
    ANSWERS = 5
    PACE = 2.0

    def test_held_write_lock_keeps_healthz_fast_and_loses_nothing(self):
        connections, desk = start_connections(self, self.CONNECTIONS, self.USERS_PER_CONNECTION)
        started = time.monotonic()

        traffic = Traffic(self.sim, connections, self.ROUNDS, self.ANSWERS, self.PACE).start()
        holder = None
        try:
            wait_until(lambda: len(traffic.sent_by_operators) >= self.CONNECTIONS * self.USERS_PER_CONNECTION, 30, "a first answer to every user")
            holder = subprocess.Popen([sys.executable, "-c", HOLDER, desk.db_path], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            first = holder.stdout.readline().strip()
            if first != "locked":
                raise AssertionError(f"the lock holder could not take the write lock: {first} {holder.stdout.read()}")
            locked_at = time.monotonic()
            health, probed_at, died = [], [], False
            machine = MachineStalls()
            try:
                while time.monotonic() - locked_at < HOLD_SECONDS:
                    if not desk.process.alive():
                        died = True
                        break
                    probed_at.append(time.monotonic())
                    health.append(desk.health(timeout=6))
                    time.sleep(0.05)  # poll interval of the measurement window, not synchronisation
            finally:
                machine.stop()
            held_for = time.monotonic() - locked_at
            holder.stdin.write("\n")
            holder.stdin.flush()
            released = holder.stdout.readline().strip()
            holder.wait(10)
            recovered_in = wait_recovered(desk)
            traffic.join(120)
        finally:
            traffic.cancel()
            if holder:
                if holder.poll() is None:
                    holder.kill()
                    holder.wait()
                holder.stdin.close()
                holder.stdout.close()
        quiet, waited, depth, ledger = settle(self.sim, desk, traffic)
        statuses, degraded = health_summary(health)
        latencies = sorted(seconds for _, _, seconds in health)
        # A probe is slow when the desk's part of it (its time less what the machine spent
        # stalled meanwhile, measured on every CPU) reaches the bound.
        slow, excused = [], []
        for (_, _, seconds), at in zip(health, probed_at):
            if seconds < HEALTHZ_BOUND_S:
                continue
            stalled = machine.overlap(at, at + seconds)
            note = f"{round(seconds * 1000)} ms at {at - locked_at:.2f}s, machine stalled {round(stalled * 1000)} ms"
            (slow if seconds - stalled >= HEALTHZ_BOUND_S else excused).append(note)
        unanswered = sum(1 for status, _, _ in health if status is None)
        p50 = latencies[len(latencies) // 2] if latencies else None
        print(f"[write lock] held {held_for:.1f}s ({released}); desk died: {died}; /healthz while held: "
              f"{len(health)} probes {statuses}, p50 {p50 and round(p50 * 1000, 1)} ms, max "
              f"{latencies and round(latencies[-1] * 1000, 1)} ms, at or over "
              f"{HEALTHZ_BOUND_S * 1000:.0f} ms: {len(slow)} by the desk {slow}, {len(excused)} by machine stalls "
              f"{excused} ({len(machine.stalls)} stalls seen); {unanswered} unanswered; first degraded: {degraded[:1]}; "
              f"recovered in: {recovered_in if recovered_in is None else round(recovered_in, 2)}s; "
              f"quiet: {quiet} after {waited:.1f}s; run {time.monotonic() - started:.0f}s", flush=True)
        if not quiet:
            print(f"[write lock] not quiet: {outbox_figures(desk)}", flush=True)
        if ledger:
            ledger.report("write lock")
        if died:
            print("[write lock] desk log tail:\n" + desk.process.output()[-3000:], flush=True)

        self.assertFalse(died, "the desk ended while the write lock was held")
        self.assertEqual(unanswered, 0, "/healthz did not answer while the write lock was held")
        self.assertEqual(slow, [], f"/healthz answers at or over {HEALTHZ_BOUND_S * 1000:.0f} ms while the lock was held")
        self.assertTrue(degraded, f"/healthz never said 503 degraded while the lock was held: {statuses}")
        self.assertIsNotNone(recovered_in, "/healthz did not come back to 200 after the lock was released")
        self.assertTrue(quiet, f"the desk still had work 60 s after the release (outbox depth {depth})")
        self.assertEqual(ledger.missing_dialogs, [])
        self.assertEqual(ledger.lost_user_messages, [], "user messages lost")
        self.assertEqual(ledger.lost_operator_messages, [], "operator messages lost")
        self.assertEqual(ledger.duplicates, 0, "messages sent more than once")


if __name__ == "__main__":
    unittest.main()
