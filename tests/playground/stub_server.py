#!/usr/bin/env python3
"""A tiny stand-in for tgsim's control API and playground serving, for iterating on the page
without the real binary. Not a test of record: the playground test runs the real tgsim.

Usage: python3 stub_server.py [--port N] [--seed-demo]
"""
import argparse
import json
import pathlib
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PLAYGROUND = pathlib.Path(__file__).resolve().parents[2] / "sim" / "playground"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8"}


class World:
    def __init__(self):
        self.lock = threading.Lock()
        self.version = 1
        self.accounts = {}  # id -> dict
        self.tokens = {}
        self.groups = {}  # id -> {title, is_forum, members: {id: status}, topics: {tid: dict}, messages: []}
        self.privates = {}  # (user, bot) -> [messages]
        self.next_user, self.next_bot, self.next_group = 5000000001, 7000000001, -1001000000001

    def touch(self):
        self.version += 1

    def user_json(self, uid):
        a = self.accounts[uid]
        out = {"id": uid, "is_bot": a["is_bot"], "first_name": a["first_name"]}
        for key in ("last_name", "username"):
            if a.get(key):
                out[key] = a[key]
        return out

    def create_user(self, body):
        uid = self.next_user
        self.next_user += 1
        self.accounts[uid] = {"is_bot": False, **{k: body.get(k, "") for k in ("first_name", "last_name", "username")}}
        self.touch()
        return {"id": uid}

    def create_bot(self, body):
        bid = self.next_bot
        self.next_bot += 1
        token = f"{bid}:stubtoken"
        self.accounts[bid] = {"is_bot": True, "first_name": body.get("first_name") or body["username"],
                              "username": body["username"]}
        self.tokens[token] = bid
        self.touch()
        return {"id": bid, "token": token}

    def create_group(self, body):
        gid = self.next_group
        self.next_group -= 1
        self.groups[gid] = {"title": body["title"], "is_forum": body.get("is_forum", False),
                            "members": {body["owner_id"]: "creator"}, "topics": {}, "messages": [], "next": 2}
        self.touch()
        return {"id": gid}

    def add_message(self, store, sender, content, thread=0, reply_to=0):
        if isinstance(store, dict):
            mid = store["next"]
            store["next"] += 1
            messages = store["messages"]
        else:
            messages = store
            mid = len(messages) + 1
        messages.append({"id": mid, "from": sender, "date": int(time.time()), "thread": thread,
                         "reply_to": reply_to, "content": content, "edit_date": 0, "reactions": {}})
        self.touch()
        return mid

    def message_json(self, messages, m, chat, with_reply=True):
        out = {"message_id": m["id"], "from": self.user_json(m["from"]), "chat": chat, "date": m["date"]}
        if m["thread"]:
            out["message_thread_id"] = m["thread"]
            out["is_topic_message"] = True
        reply = m["reply_to"] or (m["thread"] if m["thread"] and m["thread"] != m["id"] else 0)
        if with_reply and reply:
            target = next((x for x in messages if x["id"] == reply), None)
            if target:
                out["reply_to_message"] = self.message_json(messages, target, chat, False)
        if m["edit_date"]:
            out["edit_date"] = m["edit_date"]
        out.update(m["content"])
        if m["reactions"] and with_reply:
            out["reactions"] = [{"emoji": e, "user_id": u} for u, e in m["reactions"].items()]
        return out

    def content_of(self, body):
        content = {}
        for key in ("text", "caption", "location", "contact"):
            if key in body and body[key] is not None:
                content[key] = body[key]
        for kind in ("photo", "document", "voice", "video", "sticker", "audio"):
            if kind in body:
                f = {"file_id": "F" + str(time.time_ns()), "file_unique_id": "U"}
                if kind == "photo":
                    content["photo"] = [{**f, "width": 90, "height": 90}, {**f, "width": 800, "height": 800}]
                elif kind == "document":
                    content["document"] = {**f, "file_name": body[kind]}
                elif kind == "sticker":
                    content["sticker"] = {**f, "emoji": "🙂"}
                else:
                    content[kind] = {**f, "duration": 3}
        return content

    def private_of(self, user, bot):
        return self.privates.setdefault((user, bot), [])


WORLD = World()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, payload, ctype="application/json"):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/" or path.startswith("/playground/"):
            name = "index.html" if path == "/" else path[len("/playground/"):]
            file = PLAYGROUND / name
            if not file.is_file():
                return self.reply(404, {"ok": False, "description": "Not Found"})
            return self.reply(200, file.read_bytes(), TYPES.get(file.suffix, "application/octet-stream"))
        with WORLD.lock:
            return self.get_sim(path, query)

    def get_sim(self, path, query):
        w = WORLD
        if path == "/sim/version":
            return self.reply(200, {"version": w.version})
        if path == "/sim/overview":
            users = [{"id": i, "first_name": a["first_name"], "last_name": a.get("last_name", ""),
                      "username": a.get("username", "")} for i, a in w.accounts.items() if not a["is_bot"]]
            bots = [{"id": i, "username": a["username"], "first_name": a["first_name"]}
                    for i, a in w.accounts.items() if a["is_bot"]]
            groups = [{"id": i, "title": g["title"], "is_forum": g["is_forum"]} for i, g in w.groups.items()]
            return self.reply(200, {"users": users, "bots": bots, "groups": groups})
        if m := re.fullmatch(r"/sim/groups/(-?\d+)/topics", path):
            g = w.groups.get(int(m[1]))
            if not g:
                return self.reply(400, {"ok": False, "description": "Bad Request: chat not found"})
            return self.reply(200, {"topics": list(g["topics"].values())})
        if m := re.fullmatch(r"/sim/chats/(-?\d+)/messages", path):
            chat_id, viewer = int(m[1]), int(query.get("as", 0))
            if chat_id in w.groups:
                g = w.groups[chat_id]
                if viewer not in g["members"]:
                    return self.reply(403, {"ok": False, "description": "Forbidden: not a member"})
                chat = {"id": chat_id, "title": g["title"], "type": "supergroup", "is_forum": g["is_forum"]}
                thread = int(query.get("thread", 0))
                msgs = [x for x in g["messages"] if not thread or x["thread"] == thread]
                return self.reply(200, {"messages": [w.message_json(g["messages"], x, chat) for x in msgs]})
            if chat_id in w.accounts and w.accounts[chat_id]["is_bot"] and viewer in w.accounts:
                msgs = w.private_of(viewer, chat_id)
                chat = {"id": chat_id, "type": "private", "first_name": w.accounts[chat_id]["first_name"]}
                return self.reply(200, {"messages": [w.message_json(msgs, x, chat) for x in msgs]})
            return self.reply(400, {"ok": False, "description": "Bad Request: chat not found"})
        return self.reply(404, {"ok": False, "description": "Not Found"})

    def do_POST(self):
        body = self.body()
        with WORLD.lock:
            return self.post(urlparse(self.path).path, body)

    def post(self, path, body):
        w = WORLD
        if path == "/sim/users":
            return self.reply(200, w.create_user(body))
        if path == "/sim/bots":
            return self.reply(200, w.create_bot(body))
        if path == "/sim/groups":
            return self.reply(200, w.create_group(body))
        if m := re.fullmatch(r"/sim/groups/(-?\d+)/members", path):
            w.groups[int(m[1])]["members"][body["user_id"]] = body["status"]
            w.touch()
            return self.reply(200, {"ok": True})
        if path in ("/sim/messages", "/sim/messages/edit", "/sim/reactions"):
            chat_id, sender = body["chat_id"], body["from"]
            if chat_id in w.groups:
                store, messages = w.groups[chat_id], w.groups[chat_id]["messages"]
            else:
                messages = w.private_of(sender, chat_id)
                store = messages
            if path == "/sim/messages":
                mid = w.add_message(store, sender, w.content_of(body), body.get("message_thread_id", 0),
                                    body.get("reply_to_message_id", 0))
                if store is messages and body.get("text"):  # a bot that echoes, for a lively stub
                    w.add_message(store, chat_id, {"text": "echo: " + body["text"]}, 0, mid)
                return self.reply(200, {"message_id": mid})
            target = next((x for x in messages if x["id"] == body["message_id"]), None)
            if not target:
                return self.reply(400, {"ok": False, "description": "Bad Request: message to edit not found"})
            if path == "/sim/reactions":
                target["reactions"][sender] = body["emoji"]
            else:
                target["content"].update({k: body[k] for k in ("text", "caption") if k in body})
                target["edit_date"] = int(time.time())
            w.touch()
            return self.reply(200, {"ok": True})
        if m := re.fullmatch(r"/bot([^/]+)/(\w+)", path):
            bot = w.tokens.get(m[1])
            if not bot:
                return self.reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            if m[2] == "createForumTopic":
                g = w.groups[int(body["chat_id"])]
                tid = g["next"]
                g["topics"][tid] = {"message_thread_id": tid, "name": body["name"],
                                    "icon_color": body.get("icon_color", 7322096), "is_closed": False}
                w.add_message(g, bot, {"forum_topic_created": {"name": body["name"], "icon_color": 7322096}}, tid)
                return self.reply(200, {"ok": True, "result": g["topics"][tid]})
            if m[2] == "closeForumTopic":
                g = w.groups[int(body["chat_id"])]
                g["topics"][body["message_thread_id"]]["is_closed"] = True
                w.add_message(g, bot, {"forum_topic_closed": {}}, body["message_thread_id"])
                return self.reply(200, {"ok": True, "result": True})
            if m[2] == "sendMessage":
                chat_id = int(body["chat_id"])
                store = w.groups[chat_id] if chat_id in w.groups else w.private_of(chat_id, bot)
                mid = w.add_message(store, bot, {"text": body["text"]}, body.get("message_thread_id", 0))
                return self.reply(200, {"ok": True, "result": {"message_id": mid}})
            return self.reply(200, {"ok": True, "result": True})
        return self.reply(404, {"ok": False, "description": "Not Found"})


def seed_demo():
    w = WORLD
    ann = w.create_user({"first_name": "Ann", "last_name": "Lee", "username": "ann_lee"})["id"]
    bob = w.create_user({"first_name": "Bob", "last_name": "Stone"})["id"]
    op = w.create_user({"first_name": "Olga", "last_name": "Support"})["id"]
    bot = w.create_bot({"username": "helpdesk_bot", "first_name": "Helpdesk"})
    gid = w.create_group({"title": "Support desk", "is_forum": True, "owner_id": op})["id"]
    w.groups[gid]["members"][bot["id"]] = "administrator"
    ann_chat = w.private_of(ann, bot["id"])
    first = w.add_message(ann_chat, ann, {"text": "Hello! My order #1042 has not arrived yet."})
    w.add_message(ann_chat, ann, w.content_of({"photo": "receipt.jpg", "caption": "Here is the receipt"}))
    w.add_message(ann_chat, bot["id"], {"text": "We are on it, Ann."}, 0, first)
    w.private_of(bob, bot["id"]).append({"id": 1, "from": bob, "date": int(time.time()), "thread": 0,
                                         "reply_to": 0, "content": {"text": "Hi"}, "edit_date": 0,
                                         "reactions": {}})
    g = w.groups[gid]
    threads = {}
    for name, user in (("Ann Lee", ann), ("Bob Stone", bob)):
        tid = threads[user] = g["next"]
        g["topics"][tid] = {"message_thread_id": tid, "name": name, "icon_color": 7322096 if user == ann else 16766590,
                            "is_closed": user == bob}
        w.add_message(g, bot["id"], {"forum_topic_created": {"name": name, "icon_color": 7322096}}, tid)
        w.add_message(g, bot["id"], {"text": f"👤 {name} · @user · id {user}"}, tid)
    w.add_message(g, bot["id"], {"text": "Hello! My order #1042 has not arrived yet."}, threads[ann])
    w.add_message(g, bot["id"], w.content_of({"photo": "receipt.jpg", "caption": "Here is the receipt"}), threads[ann])
    w.add_message(g, op, {"text": "We are on it, Ann."}, threads[ann])
    g["messages"][-1]["edit_date"] = int(time.time())
    g["messages"][-1]["reactions"] = {ann: "👍"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed-demo", action="store_true")
    args = parser.parse_args()
    if args.seed_demo:
        seed_demo()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"tgsim listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
