#!/usr/bin/env python3
"""An assistant bot for a topicdesk backend group (python3 standard library only).

It is a SECOND bot in the operators' forum group (an admin, so it sees every message). When an
operator types /info in a customer's topic, it asks topicdesk's Topics API who the customer is
(info_by_topic), looks the customer up in an external JSON service (fake_crm.py here: your CRM,
billing or shop) and answers in the same topic with the customer's subscriptions.

    python3 assistant_bot.py --bot-api https://api.telegram.org --token 123:ABC \
        --desk http://127.0.0.1:8080 --api-key tdk_... --crm http://127.0.0.1:8090

The key comes from `topicdesk apikey reset --config topicdesk.toml --connection shop`; pass it
with --api-key or the TOPICDESK_API_KEY environment variable.
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

POLL_TIMEOUT_S = 25
RETRY_PAUSE_S = 1.0


def post_json(url, body, headers=None, timeout=POLL_TIMEOUT_S + 10):
    """POSTs JSON; returns (HTTP status, parsed answer). Network errors raise OSError."""
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        try:
            return err.code, json.loads(err.read() or b"null")
        except ValueError:
            return err.code, None


def get_json(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, None


class AssistantBot:
    def __init__(self, bot_api, token, desk, api_key, crm):
        self.bot_base = f"{bot_api.rstrip('/')}/bot{token}"
        self.desk_action = f"{desk.rstrip('/')}/api/v1/topic_action"
        self.api_key = api_key
        self.crm = crm.rstrip("/")
        self.offset = 0
        self.username = ""

    def bot(self, method, **params):
        status, answer = post_json(f"{self.bot_base}/{method}", params)
        if not answer or not answer.get("ok"):
            raise RuntimeError(f"{method} failed: {status} {answer}")
        return answer["result"]

    def run(self):
        self.username = self.bot("getMe").get("username", "")
        print(f"assistant bot @{self.username} polling", flush=True)
        while True:
            try:
                updates = self.bot("getUpdates", offset=self.offset, timeout=POLL_TIMEOUT_S,
                                   allowed_updates=["message"])
            except (OSError, RuntimeError) as err:
                print(f"getUpdates: {err}; retrying", file=sys.stderr, flush=True)
                time.sleep(RETRY_PAUSE_S)  # back-off before the next poll, not synchronisation
                continue
            for update in updates:
                self.offset = update["update_id"] + 1
                message = update.get("message")
                if message and self.is_info_command(message):
                    self.answer_info(message)

    def is_info_command(self, message):
        words = (message.get("text") or "").split()
        if not words or message.get("from", {}).get("is_bot"):
            return False
        command, _, addressee = words[0].partition("@")
        return command == "/info" and addressee in ("", self.username) and "message_thread_id" in message

    def answer_info(self, message):
        chat, thread = message["chat"]["id"], message["message_thread_id"]
        try:
            text = self.subscriptions_text(chat, thread)
        except OSError as err:
            text = f"📋 Subscriptions: the CRM cannot be reached ({err})"
        self.bot("sendMessage", chat_id=chat, message_thread_id=thread, text=text)

    def subscriptions_text(self, chat, thread):
        status, answer = post_json(self.desk_action, {"action": "info_by_topic", "group_id": chat, "topic_id": thread},
                                   headers={"X-API-KEY": self.api_key}, timeout=10)
        if status == 404:
            return "📋 This topic is not a customer's dialog."
        if status != 200:
            return f"📋 topicdesk answered {status}: {(answer or {}).get('error', {}).get('message', '')}"
        user = answer["result"]["user"]
        if user.get("hidden"):
            return "📋 Customer details are hidden on this desk (HIDE_INFO)."
        customer_id = user.get("linked_account") or str(user["user_id"])
        status, customer = get_json(f"{self.crm}/customers/{customer_id}")
        name = " ".join(filter(None, [user.get("first_name"), user.get("last_name")]))
        if status != 200 or not customer:
            return f"📋 {name}: no customer record for {customer_id}."
        lines = [f"📋 Subscriptions of {name} ({customer_id}):"]
        for sub in customer.get("subscriptions", []):
            lines.append(f"• {sub.get('plan', '?')} until {sub.get('until', '?')}")
        if len(lines) == 1:
            lines.append("• none")
        return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bot-api", default="https://api.telegram.org", help="Bot API base URL (or tgsim's)")
    parser.add_argument("--token", default=os.environ.get("ASSISTANT_BOT_TOKEN"), help="the assistant bot's token")
    parser.add_argument("--desk", required=True, help="topicdesk's HTTP base URL")
    parser.add_argument("--api-key", default=os.environ.get("TOPICDESK_API_KEY"), help="the connection's API key")
    parser.add_argument("--crm", required=True, help="base URL of the customer service (fake_crm.py)")
    args = parser.parse_args()
    if not args.token or not args.api_key:
        parser.error("--token and --api-key (or ASSISTANT_BOT_TOKEN / TOPICDESK_API_KEY) are required")
    AssistantBot(args.bot_api, args.token, args.desk, args.api_key, args.crm).run()


if __name__ == "__main__":
    main()
