"""A fake OpenAI-compatible chat-completions server for the AI consultant's tests and bench:
POST /v1/chat/completions answers as its `behaviour` says — an answer made from the prompt, an
HTTP error (500, 429), malformed JSON, a slow answer, or no answer at all — and records every
request. Runs in a thread of the test; `python3 fake_openai.py PORT BEHAVIOUR` runs it alone."""
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def knowledge_answer(body):
    """An answer from the prompt as a model that keeps to its rules would give: ESCALATE when
    the user asks for a person or the knowledge has nothing, else the first passage's first line
    (the operators' /ai questions get "Colleague: " before it)."""
    messages = body.get("messages", [])
    system = messages[0]["content"] if messages else ""
    last = messages[-1]["content"] if messages else ""
    if "human" in last.lower() or "person" in last.lower():
        return "ESCALATE"
    match = re.search(r"\n\[1\] [^\n]*\n([^\n]+)", system)
    if not match:
        return "ESCALATE"
    prefix = "Colleague: " if last.startswith("[operator]") else ""
    return prefix + match.group(1)


class FakeOpenAI:
    def __init__(self, port, behaviour="answer", delay=0.0, tokens=30):
        """behaviour: "answer", "500", "429", "malformed", "slow" (answers after `delay` s),
        "hang" (never answers; the connection stays open until stop())."""
        self.port, self.behaviour, self.delay, self.tokens = port, behaviour, delay, tokens
        self.requests = []  # (headers dict, parsed body)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server = None

    def url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def bodies(self):
        with self.lock:
            return [body for _, body in self.requests]

    def count(self):
        with self.lock:
            return len(self.requests)

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {}
                with fake.lock:
                    fake.requests.append((dict(self.headers), body))
                    behaviour = fake.behaviour
                if self.path != "/v1/chat/completions":
                    return self.reply(404, {"error": {"message": "no such path"}})
                if behaviour == "hang":
                    fake.stopping.wait()
                    return
                if behaviour == "slow":
                    fake.stopping.wait(fake.delay)
                if behaviour == "500":
                    return self.reply(500, {"error": {"message": "the model crashed"}})
                if behaviour == "429":
                    return self.reply(429, {"error": {"message": "rate limit reached"}})
                if behaviour == "malformed":
                    return self.reply(200, b'{"choices": [{"message": {"content": ')
                self.reply(200, {"id": "chatcmpl-1", "object": "chat.completion",
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": knowledge_answer(body)}}],
                                 "usage": {"prompt_tokens": fake.tokens - 5, "completion_tokens": 5,
                                           "total_tokens": fake.tokens}})

            def reply(self, status, payload):
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the desk gave up waiting

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that hung up (the desk gave up, or closed a kept-alive connection)

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.stopping.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()


if __name__ == "__main__":
    server = FakeOpenAI(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "answer").start()
    print(f"fake openai listening on {server.url()}", flush=True)
    try:
        server.stopping.wait()  # serves until interrupted
    except KeyboardInterrupt:
        server.stop()
