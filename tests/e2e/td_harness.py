"""Helpers of the TDLib end-to-end tests (mtproto and account connections): the desk's config with
a [tdlib] section pointing at tgsim's fake libtdjson.so, personal accounts in tgsim, and signing an
account in with `topicdesk connect account` (code, 2FA, QR). Every wait has a deadline."""
import json
import os
import re
import subprocess
import threading

from harness import DEFAULT_TIMEOUT, TOPICDESK, DeskTestCase, text_has, wait_until

FAKE_TDJSON = os.environ.get(
    "TDJSON_FAKE", os.path.join(os.path.dirname(os.path.abspath(TOPICDESK)), "fake_tdjson", "libtdjson.so"))
API_HASH = "0123456789abcdef0123456789abcdef"


def td_config(workdir, sim, port, connections):
    """A desk config: connections are dicts {name, mode, token, group_id, parameters}."""
    lines = [
        "[server]", f'listen = "127.0.0.1:{port}"', "",
        "[storage]", f'sqlite = "{os.path.join(workdir, "desk.db")}"', "",
        "[telegram]", f'api_base = "{sim.base}"', "",
        "[tdlib]", f'library = "{FAKE_TDJSON}"', "api_id = 1", f'api_hash = "{API_HASH}"',
        f'data_dir = "{os.path.join(workdir, "tdlib")}"', "",
    ]
    for conn in connections:
        lines += ["[[connection]]", f'name = "{conn["name"]}"', f'mode = "{conn.get("mode", "bot")}"',
                  f'token = "{conn["token"]}"', f'group_id = {conn["group_id"]}']
        params = conn.get("parameters", {})
        if params:
            lines.append("[connection.parameters]")
            lines += [f"{key} = {json.dumps(value)}" for key, value in params.items()]
        lines.append("")
    return "\n".join(lines)


class Account:
    """A personal account in tgsim that the desk relays for, member of the backend group."""

    def __init__(self, sim, name, phone, password=None, code="24680"):
        self.sim, self.phone, self.password, self.code = sim, phone, password, code
        body = {"first_name": name, "username": f"{name.lower()}_acc", "phone_number": phone, "login_code": code}
        if password:
            body.update(password=password, password_hint="pet")
        self.id = sim.call("POST", "/sim/accounts", body)["id"]

    def sessions(self):
        return self.sim.call("GET", f"/sim/sessions?account_id={self.id}")["sessions"]

    def chat_as(self, customer):
        """The private chat customer ↔ account, as the customer sees it."""
        return self.sim.messages(self.id, customer)


class TdDeskTestCase(DeskTestCase):
    """DeskTestCase with the fake libtdjson pointed at this test's tgsim."""

    def setUp(self):
        if not os.path.exists(FAKE_TDJSON):
            self.skipTest(f"the fake libtdjson.so is not built ({FAKE_TDJSON}): build the tdjson target")
        super().setUp()
        os.environ["TGSIM_URL"] = self.sim.base  # for the desk and `connect account` processes

    def write_config(self, connections, port):
        path = os.path.join(self.workdir, "topicdesk.toml")
        with open(path, "w") as f:
            f.write(td_config(self.workdir, self.sim, port, connections))
        return path

    @staticmethod
    def read(path):
        with open(path) as f:
            return f.read()

    def start_td_desk(self, connections):
        from harness import free_port
        port = free_port()
        return self.start_desk([], port=port, config_text=td_config(self.workdir, self.sim, port, connections))

    def connect_account(self, config_path, name, account, qr=False):
        """`topicdesk connect account`: by phone (code, then the 2FA password) or by QR code."""
        args = [TOPICDESK, "connect", "account", "--config", config_path, "--name", name]
        if not qr:
            args += ["--phone", account.phone]
        log_path = os.path.join(self.workdir, f"connect-{name}.log")
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        output = []  # chunks as they come: prompts do not end in a newline

        def read():
            while chunk := os.read(proc.stdout.fileno(), 4096):
                output.append(chunk.decode(errors="replace"))
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        said = lambda: "".join(output).lower()  # noqa: E731
        try:
            if qr:
                link = wait_until(lambda: re.search(r"tg://login\?token=[A-Za-z0-9_\-=]+", "".join(output)),
                                  what="the QR login link").group(0)
                self.sim.call("POST", "/sim/qr/confirm", {"user_id": account.id, "link": link})
            else:
                wait_until(lambda: "code" in said(), what="the code prompt")
                proc.stdin.write(account.code + "\n")
                proc.stdin.flush()
            if account.password:
                wait_until(lambda: "password" in said(), what="the password prompt")
                proc.stdin.write(account.password + "\n")
                proc.stdin.flush()
            proc.wait(timeout=DEFAULT_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            reader.join(timeout=5)
            proc.stdin.close()
            proc.stdout.close()
            with open(log_path, "w") as f:
                f.write("".join(output))
        self.assertEqual(proc.returncode, 0, "connect account failed:\n" + "".join(output))
        self.assertIn("Signed in as", "".join(output))

    def doctor(self, config_path):
        run = subprocess.run([TOPICDESK, "doctor", "--config", config_path], capture_output=True, text=True,
                             timeout=60)
        return run.returncode, run.stdout + run.stderr


def topic_named(sim, group_id, fragment):
    return next((t for t in sim.topics(group_id) if fragment in t["name"]), None)


def wait_topic_named(sim, group_id, fragment, timeout=DEFAULT_TIMEOUT):
    return wait_until(lambda: topic_named(sim, group_id, fragment), timeout, f"a topic named like {fragment!r}")


def wait_in_thread(sim, group_id, viewer, thread, predicate, what, timeout=DEFAULT_TIMEOUT):
    return wait_until(lambda: next((m for m in sim.messages(group_id, viewer, thread) if predicate(m)), None),
                      timeout, what)


__all__ = ["Account", "TdDeskTestCase", "td_config", "text_has", "wait_topic_named", "wait_in_thread",
           "topic_named", "wait_until"]
