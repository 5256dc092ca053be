"""Starts a real tgsim process on a free port and speaks to it over HTTP (stdlib only)."""
import http.client
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.parse


def wait_until(predicate, timeout=10.0, what="condition", interval=0.01):
    """Polls predicate() until it is truthy; fails after timeout (a deadline, not a sleep)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)  # polling interval of the deadline loop, not synchronisation
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


class Tgsim:
    """One tgsim process. `limits` switches flood limits."""

    def __init__(self, binary, limits=False, seed=7):
        self.log = tempfile.NamedTemporaryFile(prefix="tgsim-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--limits", "on" if limits else "off",
                                      "--seed", str(seed)], stdout=subprocess.PIPE, stderr=self.log)
        self.port = None
        lines = []

        def read_port():
            for raw in self.proc.stdout:
                line = raw.decode(errors="replace")
                lines.append(line)
                match = re.search(r"tgsim listening on 127\.0\.0\.1:(\d+)", line)
                if match:
                    self.port = int(match.group(1))
                    return

        reader = threading.Thread(target=read_port, daemon=True)
        reader.start()
        wait_until(lambda: self.port or self.proc.poll() is not None, 10, "tgsim to listen")
        if not self.port:
            raise AssertionError(f"tgsim did not start: {lines} (exit {self.proc.poll()})")
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def alive(self):
        return self.proc.poll() is None

    # ---- raw HTTP ----
    def request(self, method, path, body=None, headers=None, timeout=30):
        """Returns (status, headers dict, parsed JSON or raw bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            try:
                return resp.status, hdrs, json.loads(raw)
            except ValueError:
                return resp.status, hdrs, raw
        finally:
            conn.close()

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        status, _, answer = self.request(method, path, data, {"Content-Type": "application/json"})
        if status != 200:
            raise AssertionError(f"{method} {path} -> {status} {answer}")
        return answer

    def api(self, token, method, params=None, timeout=30):
        """A Bot API call with a JSON body; returns (status, answer)."""
        status, _, answer = self.request("POST", f"/bot{token}/{method}", json.dumps(params or {}),
                                         {"Content-Type": "application/json"}, timeout)
        return status, answer

    def ok(self, token, method, params=None):
        status, answer = self.api(token, method, params)
        if status != 200 or not answer.get("ok"):
            raise AssertionError(f"{method} {params} -> {status} {answer}")
        return answer["result"]

    # ---- world building ----
    def user(self, first_name, **fields):
        return self.control("POST", "/sim/users", {"first_name": first_name, **fields})["id"]

    def bot(self, username, **fields):
        answer = self.control("POST", "/sim/bots", {"username": username, **fields})
        return answer["id"], answer["token"]

    def group(self, title, owner, is_forum=True):
        return self.control("POST", "/sim/groups", {"title": title, "is_forum": is_forum, "owner_id": owner})["id"]

    def member(self, group, user, status="member", **rights):
        body = {"user_id": user, "status": status}
        if rights:
            body["rights"] = rights
        return self.control("POST", f"/sim/groups/{group}/members", body)

    def say(self, sender, chat_id, **fields):
        return self.control("POST", "/sim/messages", {"from": sender, "chat_id": chat_id, **fields})["message_id"]

    def view(self, chat_id, as_user, thread=None):
        query = f"as={as_user}" + (f"&thread={thread}" if thread else "")
        return self.control("GET", f"/sim/chats/{chat_id}/messages?{query}")["messages"]

    def updates(self, token, **params):
        return self.ok(token, "getUpdates", params)

    def drain(self, token):
        """Confirms every pending update and returns them."""
        got = self.updates(token)
        if got:
            self.updates(token, offset=got[-1]["update_id"] + 1)
        return got


def form(params):
    return urllib.parse.urlencode(params)
