"""A second desk started on the database a running desk uses is refused, and the first carries on."""
import os
import re
import time
import unittest

from harness import TOPICDESK, Desk, DeskTestCase, Process, World, text_is, wait_until


class TwoDesksOneDatabaseTest(DeskTestCase):
    def test_second_desk_on_the_same_database_exits_and_the_first_keeps_working(self):
        world = World(self.sim)
        first = self.start_desk([world.connection()])
        ann = self.sim.user("Ann", username="ann")
        self.sim.send(ann, world.bot_id, text="before the second desk")
        world.wait_in_topic(ann, text_is("before the second desk"))

        second_config = Desk(self.workdir, self.sim, [world.connection()], name="second", start=False)
        self.assertEqual(second_config.db_path, first.db_path)
        started = time.monotonic()
        second = Process([TOPICDESK, "run", "--config", second_config.config_path],
                         os.path.join(self.workdir, "second.log"))
        try:
            wait_until(lambda: not second.alive(), 20, "the second desk to exit")
            exited = True
        except AssertionError:
            exited = False
        took = time.monotonic() - started
        code = second.stop()  # a no-op when it exited; ends it when it did not
        output = second.output()
        says_why = bool(re.search(r"another (process|instance|topicdesk)", output, re.I)
                        and re.search(r"database|\.db", output, re.I))
        print(f"[two desks] second desk exited: {exited} after {took:.1f}s, exit code {code}, "
              f"says another process uses the database: {says_why}; its output:\n{output[-1500:]}", flush=True)

        # The first desk keeps working both ways.
        self.sim.send(ann, world.bot_id, text="after the second desk")
        copy = world.wait_in_topic(ann, text_is("after the second desk"))
        self.sim.send(world.operator, world.group_id, message_thread_id=copy["message_thread_id"], text="still here")
        world.wait_at_user(ann, text_is("still here"))
        self.assertTrue(first.healthy())

        self.assertTrue(exited, "the second desk kept running on the database the first one uses")
        self.assertNotEqual(code, 0, "the second desk exited with 0")
        self.assertTrue(says_why, "the second desk did not say that another process uses the database")


if __name__ == "__main__":
    unittest.main()
