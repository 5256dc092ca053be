"""`topicdesk connect account` against tgsim through tgsim's fake libtdjson.so: phone + code +
2FA password (with one wrong answer each), three wrong codes, QR login with a link that changes,
the session kept for the next start, and configuration mistakes. The fake library is
<build>/fake_tdjson/libtdjson.so (target tdjson), next to the topicdesk binary; override with
TOPICDESK_FAKE_TDJSON."""
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unittest

from harness import TOPICDESK, Sim, wait_until

FAKE_TDJSON = os.environ.get("TOPICDESK_FAKE_TDJSON") or os.path.join(
    os.path.dirname(os.path.abspath(TOPICDESK)), "fake_tdjson", "libtdjson.so")
API_HASH = "0123456789abcdef0123456789abcdef"


class ConnectProcess:
    """`topicdesk connect account` with a pipe for answers and its output collected as it comes."""

    def __init__(self, config_path, name, sim_base, phone=None):
        args = [TOPICDESK, "connect", "account", "--config", config_path, "--name", name]
        if phone:
            args += ["--phone", phone]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env={**os.environ, "TGSIM_URL": sim_base})
        self.text = ""
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in iter(lambda: self.proc.stdout.read1(4096), b""):
            with self.lock:
                self.text += raw.decode(errors="replace")

    def output(self):
        with self.lock:
            return self.text

    def links(self, count):
        """The first `count` complete login links printed under the QR codes."""
        def found():
            links = re.findall(r"Link: (tg://login\?token=\S+)\n", self.output())
            return links if len(links) >= count else self._exited_early()
        return wait_until(found, what=f"{count} QR link(s)")

    def wait_for(self, fragment, count=1, what=None):
        return wait_until(lambda: self.output().count(fragment) >= count or self._exited_early(),
                          what=what or repr(fragment)) and self.output()

    def _exited_early(self):
        if self.proc.poll() is not None:
            self.reader.join(5)
            raise AssertionError(f"connect account exited ({self.proc.returncode}):\n{self.output()}")
        return False

    def answer(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def finish(self, timeout=30):
        self.proc.stdin.close()
        code = self.proc.wait(timeout)
        self.reader.join(5)
        self.proc.stdout.close()
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if not pipe.closed:
                pipe.close()


@unittest.skipUnless(os.path.exists(FAKE_TDJSON), f"the fake libtdjson.so is not built ({FAKE_TDJSON}): "
                                                 "cmake --build <build> --target tdjson")
class ConnectAccountTest(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="td-connect-")
        self.sim = Sim(self.workdir)
        self.bot_id, self.token = self.sim.bot("desk_bot")
        self.owner = self.sim.user("Olga", username="olga_owner")
        self.group = self.sim.forum("Support", self.owner)
        self.processes = []

    def tearDown(self):
        for process in self.processes:
            process.kill()
        self.sim.stop()
        if not any(error for _, error in getattr(self._outcome, "errors", []) if error):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def account(self, first_name, phone, **fields):
        return self.sim.call("POST", "/sim/accounts", {"first_name": first_name, "phone_number": phone, **fields})["id"]

    def config(self, tdlib=True):
        path = os.path.join(self.workdir, "topicdesk.toml")
        lines = ["[storage]", f'sqlite = "{os.path.join(self.workdir, "desk.db")}"', "",
                 "[telegram]", f'api_base = "{self.sim.base}"', ""]
        if tdlib:
            lines += ["[tdlib]", f'library = "{FAKE_TDJSON}"', "api_id = 12345", f'api_hash = "{API_HASH}"',
                      f'data_dir = "{os.path.join(self.workdir, "tdlib")}"', ""]
        lines += ["[[connection]]", 'name = "anna"', 'mode = "account"', f'token = "{self.token}"',
                  f"group_id = {self.group}", ""]
        with open(path, "w") as f:
            f.write("\n".join(lines))
        return path

    def connect(self, phone=None, config=None):
        process = ConnectProcess(config or self.config(), "anna", self.sim.base, phone)
        self.processes.append(process)
        return process

    def login_code(self, phone):
        return self.sim.call("GET", f"/sim/login_code?phone={phone.replace('+', '%2B')}")["code"]

    def test_phone_code_and_password_with_one_mistake_each_then_the_session_is_kept(self):
        phone = "+4915100000001"
        account = self.account("Anna", phone, last_name="Shop", username="anna_shop",
                               password="hunter2", password_hint="pet")
        connect = self.connect(phone)
        connect.wait_for("Code sent to " + phone)
        connect.answer("00000")
        connect.wait_for("That code is wrong; 2 attempt(s) left.")
        connect.wait_for("Code sent to", count=2)
        connect.answer(self.login_code(phone))
        connect.wait_for("Two-step verification password (hint: pet): ")
        connect.answer("wrong")
        connect.wait_for("That password is wrong; 2 attempt(s) left.")
        connect.wait_for("Two-step verification password", count=2)
        connect.answer("hunter2")
        self.assertEqual(connect.finish(), 0, connect.output())
        self.assertIn(f"Signed in as Anna Shop (@anna_shop, id {account})", connect.output())
        self.assertNotIn("hunter2", connect.output(), "the password is never echoed")
        sessions = self.sim.call("GET", f"/sim/sessions?account_id={account}")["sessions"]
        self.assertEqual(len(sessions), 1, sessions)

        again = self.connect(phone)
        self.assertEqual(again.finish(), 0, again.output())
        self.assertIn("Signed in as Anna Shop", again.output())
        self.assertNotIn("Code sent", again.output(), "the stored session resumes without a code")

    def test_three_wrong_codes_end_the_sign_in(self):
        phone = "+4915100000002"
        self.account("Anna", phone)
        connect = self.connect(phone)
        for attempt in range(3):
            connect.wait_for("Code sent to", count=attempt + 1)
            connect.answer("00000")
        self.assertEqual(connect.finish(), 1, connect.output())
        self.assertIn("the code was wrong 3 times", connect.output())

    def test_qr_login_redraws_the_code_when_the_link_changes(self):
        account = self.account("Anna", "+4915100000003", username="anna_qr")
        connect = self.connect()
        first = connect.links(1)[0]
        self.assertIn("\u2588", connect.output(), "the QR code is drawn with blocks")
        self.sim.call("POST", "/sim/clock", {"advance_seconds": 31})
        links = connect.links(2)
        self.assertNotEqual(links[0], links[1], "a new link after 30 s")
        self.assertEqual(links[0], first)
        self.sim.call("POST", "/sim/qr/confirm", {"user_id": account, "link": links[1]})
        self.assertEqual(connect.finish(), 0, connect.output())
        self.assertIn(f"Signed in as Anna (@anna_qr, id {account})", connect.output())

    def test_configuration_mistakes_are_named(self):
        connect = self.connect(config=self.config(tdlib=False))
        self.assertEqual(connect.finish(), 2, connect.output())
        self.assertIn("api_id", connect.output())

        process = ConnectProcess(self.config(), "nobody", self.sim.base)
        self.processes.append(process)
        self.assertEqual(process.finish(), 2, process.output())
        self.assertIn('no connection named "nobody" (connections: anna)', process.output())


if __name__ == "__main__":
    unittest.main()
