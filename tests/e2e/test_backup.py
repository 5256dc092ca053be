"""Backup while the desk runs, restore into a fresh database, and the desk carries on.

Users write and an operator answers; `topicdesk backup` runs while the desk runs and a user
keeps writing; the desk stops; `topicdesk restore` brings the snapshot into a new database path
and a desk starts on it. It knows the dialogs: an operator's reply in an existing topic reaches
the right user, a user's new message lands in their existing topic, and nothing is posted
twice. Refusals are checked through the command line too (unit tests cover the rest)."""
import os
import subprocess
import unittest

from harness import TOPICDESK, DeskTestCase, World, text_is, wait_until


# The test paces nothing; Telegram's limits and the flood guards are tested elsewhere.
NO_FLOOD_LIMITS = "[telegram.limits]\nenabled = false\n"
NO_FLOOD_GUARD = {"NEW_TOPICS_PER_MINUTE": "OFF", "USER_MESSAGES_PER_MINUTE": "OFF"}


def topicdesk(*args):
    return subprocess.run([TOPICDESK, *args], capture_output=True, text=True, timeout=60)


class BackupRestoreTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.snapshot = os.path.join(self.workdir, "backups", "desk-backup.db")
        os.makedirs(os.path.dirname(self.snapshot))

    def test_a_snapshot_taken_while_users_write_restores_a_desk_that_knows_its_dialogs(self):
        w = self.world
        desk = self.start_desk([w.connection(**NO_FLOOD_GUARD)], NO_FLOOD_LIMITS)
        anna, boris, clara = (self.sim.user(name) for name in ("Anna", "Boris", "Clara"))
        for user in (anna, boris, clara):
            self.sim.send(user, w.bot_id, text=f"hello from {user}")
        threads = {user: w.wait_topic(user)["message_thread_id"] for user in (anna, boris, clara)}
        for user in (anna, boris):
            self.sim.send(w.operator, w.group_id, message_thread_id=threads[user], text=f"welcome {user}")
            w.wait_at_user(user, text_is(f"welcome {user}"))

        # Clara keeps writing while the backup runs.
        with w.user_keeps_writing(clara, "clara line", 100) as sent:
            done = topicdesk("backup", "--config", desk.config_path, "--out", self.snapshot)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(f"saved {self.snapshot}", done.stdout)
        self.assertIn("3 dialogs", done.stdout)
        self.assertIn("taken from a running desk", done.stdout)  # its pending work is in flight, done by the desk
        self.assertEqual(os.stat(self.snapshot).st_mode & 0o777, 0o600)
        self.assertEqual(sorted(os.listdir(os.path.dirname(self.snapshot))), ["desk-backup.db"])

        # A second backup to the same file is refused without --force.
        again = topicdesk("backup", "--config", desk.config_path, "--out", self.snapshot)
        self.assertEqual(again.returncode, 1)
        self.assertIn(f"{self.snapshot} exists; pass --force", again.stderr)

        # The running desk handled everything Clara wrote; then it stops.
        wait_until(lambda: sent[-1] in self.world.bot_texts_in_topic(clara), 60, "Clara's last line in her topic")
        wait_until(self.world.desk_polling, what="the desk polling again")
        desk.stop()
        topics_before = len(self.sim.topics(w.group_id))

        # Restore into a fresh database path; a desk starts on it.
        restored_db = os.path.join(self.workdir, "restored", "desk.db")
        restored = self.start_desk([w.connection(**NO_FLOOD_GUARD)], NO_FLOOD_LIMITS, db_path=restored_db, start=False, name="restored")
        done = topicdesk("restore", "--config", restored.config_path, "--from", self.snapshot)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(f"restored {self.snapshot} into {restored_db}", done.stdout)
        self.assertEqual(os.stat(restored_db).st_mode & 0o777, 0o600)
        restored.start()

        # Restoring under the running desk is refused and names the lock.
        refused = topicdesk("restore", "--config", restored.config_path, "--from", self.snapshot, "--force")
        self.assertEqual(refused.returncode, 1)
        self.assertIn(f"a desk is running on {restored_db}", refused.stderr)

        # The operator answers Anna in her existing topic; Boris writes again.
        self.sim.send(w.operator, w.group_id, message_thread_id=threads[anna], text="after the restore, Anna")
        self.sim.send(boris, w.bot_id, text="Boris again")
        w.wait_at_user(anna, text_is("after the restore, Anna"))
        wait_until(lambda: "Boris again" in self.world.bot_texts_in_topic(boris), what="Boris's message in his topic")
        self.assertEqual(w.topic_of(boris)["message_thread_id"], threads[boris], "Boris keeps his topic")

        # Nothing twice: no new topic, each message once where it belongs, nobody else got Anna's reply.
        self.sim.send(clara, w.bot_id, text="clara after the restore")
        wait_until(lambda: "clara after the restore" in self.world.bot_texts_in_topic(clara), what="Clara's new line")
        self.assertEqual(len(self.sim.topics(w.group_id)), topics_before)
        at_anna = self.world.bot_texts_at_user(anna)
        self.assertEqual((at_anna.count(f"welcome {anna}"), at_anna.count("after the restore, Anna")), (1, 1))
        self.assertNotIn("after the restore, Anna",
                         self.world.bot_texts_at_user(boris) + self.world.bot_texts_at_user(clara))
        self.assertEqual(self.world.bot_texts_in_topic(boris).count("Boris again"), 1)
        clara_lines = [t for t in self.world.bot_texts_in_topic(clara) if t and t.startswith("clara")]
        self.assertEqual(clara_lines, sent + ["clara after the restore"])

    def test_refusals_name_what_and_where(self):
        w = self.world
        desk = self.start_desk([w.connection()], start=False)
        missing = topicdesk("backup", "--config", desk.config_path, "--out", self.snapshot)
        self.assertEqual(missing.returncode, 1)
        self.assertIn(f"the database {desk.db_path} does not exist", missing.stderr)

        no_config = topicdesk("backup", "--config", os.path.join(self.workdir, "nope.toml"), "--out", self.snapshot)
        self.assertNotEqual(no_config.returncode, 0)
        self.assertIn("nope.toml", no_config.stderr)

        junk = os.path.join(self.workdir, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"not a database" * 512)
        refused = topicdesk("restore", "--config", desk.config_path, "--from", junk)
        self.assertEqual(refused.returncode, 1)
        self.assertIn(f"{junk} is not a readable SQLite database", refused.stderr)
        self.assertFalse(os.path.exists(desk.db_path))

    def test_a_full_disk_leaves_no_partial_backup(self):
        w = self.world
        desk = self.start_desk([w.connection(**NO_FLOOD_GUARD)], NO_FLOOD_LIMITS)
        for n in range(30):  # a database larger than the small file system below
            self.sim.send(self.sim.user(f"User{n}"), w.bot_id, text="x" * 3000)
        wait_until(lambda: len(self.sim.topics(w.group_id)) >= 30, 60, "30 topics")
        mount = os.path.join(self.workdir, "small")
        os.makedirs(mount)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount], capture_output=True,
                              text=True)
        if done.returncode != 0:
            self.skipTest(f"cannot mount a tmpfs (needs root): {done.stderr.strip()}")
        self.addCleanup(subprocess.run, ["umount", "-l", mount], capture_output=True)
        out = os.path.join(mount, "desk-backup.db")
        full = topicdesk("backup", "--config", desk.config_path, "--out", out)
        self.assertEqual(full.returncode, 1, full.stdout)
        self.assertIn("the partial file was removed", full.stderr)
        self.assertIn("full", full.stderr)
        self.assertEqual(os.listdir(mount), [])
        self.assertTrue(desk.healthy(), "the desk runs on")


if __name__ == "__main__":
    unittest.main()
