"""The desk's disk fills up while users write and operators answer.

The database lives on a small tmpfs that the test fills with a file of zeros mid-run. The desk
must stay up, say so on /healthz (503 "degraded: …"), keep its log short, send nothing twice,
and carry on by itself once the filler is gone, with everything written before and during
delivered once."""
import errno
import os
import subprocess
import time
import unittest

from faults_traffic import Traffic, health_summary, outbox_figures, settle, start_connections, wait_recovered
from harness import DeskTestCase, wait_until

TMPFS_SIZE = "16m"
FULL_SECONDS = 15  # how long the disk stays full
MAX_LOG_LINES_PER_MINUTE = 300


def fill(directory):
    """Writes zeros into directory/filler until the file system is full; returns its path and size."""
    path = os.path.join(directory, "filler")
    chunk = b"\0" * 65536
    written = 0
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                written += f.write(chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                break
        # the last pages, smaller than a chunk
        for size in (4096, 512, 1):
            while True:
                try:
                    written += f.write(b"\0" * size)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
    return path, written


def count_lines(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


class DiskFullTest(DeskTestCase):
    CONNECTIONS = 4  # bots, each with its own backend group and one user
    USERS_PER_CONNECTION = 1
    ROUNDS = 10
    ANSWERS = 6
    PACE = 2.0

    def setUp(self):
        super().setUp()
        self.mount = os.path.join(self.workdir, "db")
        os.makedirs(self.mount)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", self.mount],
                              capture_output=True, text=True)
        if done.returncode != 0:
            self.mount_failed = done.stderr.strip() or f"mount exited {done.returncode}"
        else:
            self.mount_failed = None
            self.addCleanup(subprocess.run, ["umount", "-l", self.mount], capture_output=True)
            # Cleanups run after tearDown, so the desk is stopped before the file system goes.

    def test_full_disk_degrades_then_recovers_without_loss_or_repeats(self):
        if self.mount_failed:
            self.skipTest(f"cannot mount a tmpfs for the database (needs root): {self.mount_failed}")
        connections, desk = start_connections(self, self.CONNECTIONS, self.USERS_PER_CONNECTION,
                                              db_path=os.path.join(self.mount, "desk.db"))
        started = time.monotonic()

        traffic = Traffic(self.sim, connections, self.ROUNDS, self.ANSWERS, self.PACE).start()
        try:
            # Before: every user has a topic and operators have started answering.
            wait_until(lambda: len(traffic.sent_by_operators) >= self.CONNECTIONS * self.USERS_PER_CONNECTION, 30, "a first answer to every user")
            log_path = desk.process.log_path
            lines_before = count_lines(log_path)
            filler, size = fill(self.mount)
            full_at = time.monotonic()
            health, died = [], False
            while time.monotonic() - full_at < FULL_SECONDS:
                if not desk.process.alive():
                    died = True
                    break
                health.append(desk.health(timeout=2))
                time.sleep(0.25)  # poll interval of the measurement window, not synchronisation
            full_for = time.monotonic() - full_at
            lines_during = count_lines(log_path) - lines_before
            sent_during = (len(traffic.sent_by_users), len(traffic.sent_by_operators))
            os.remove(filler)
            recovered_in = wait_recovered(desk)
            traffic.join(120)
        finally:
            traffic.cancel()
        quiet, waited, depth, ledger = settle(self.sim, desk, traffic)
        statuses, degraded = health_summary(health)
        per_minute = lines_during / full_for * 60 if full_for > 0 else 0
        print(f"[disk full] filler {size} bytes; full for {full_for:.1f}s; desk died: {died}; "
              f"/healthz answers while full: {statuses}, first degraded: {degraded[:1]}; "
              f"log: {lines_during} lines while full = {per_minute:.0f}/min; "
              f"sent by then: {sent_during[0]} by users, {sent_during[1]} by operators; "
              f"recovered in: {recovered_in if recovered_in is None else round(recovered_in, 2)}s; "
              f"quiet: {quiet} after {waited:.1f}s; run {time.monotonic() - started:.0f}s", flush=True)
        if not quiet:
            print(f"[disk full] not quiet: {outbox_figures(desk)}", flush=True)
        if ledger:
            ledger.report("disk full")
        if died:
            print("[disk full] desk log tail:\n" + desk.process.output()[-3000:], flush=True)

        self.assertFalse(died, "the desk ended while the disk was full")
        self.assertTrue(degraded, f"/healthz never said 503 degraded while the disk was full: {statuses}")
        self.assertLessEqual(per_minute, MAX_LOG_LINES_PER_MINUTE, "the desk's log ran away while the disk was full")
        self.assertIsNotNone(recovered_in, "/healthz did not come back to 200 after the filler was removed")
        self.assertTrue(quiet, f"the desk still had work 60 s after recovering (outbox depth {depth})")
        self.assertEqual(ledger.missing_dialogs, [])
        self.assertEqual(ledger.lost_user_messages, [], "user messages lost")
        self.assertEqual(ledger.lost_operator_messages, [], "operator messages lost")
        self.assertEqual(ledger.duplicates, 0, "messages sent more than once")


if __name__ == "__main__":
    unittest.main()
