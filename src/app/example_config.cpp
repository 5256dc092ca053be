#include "app/example_config.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace topicdesk::app {
namespace {

// "{config}" stands for the file's own name in the commands the comments show.
constexpr std::string_view kExample = R"toml(# topicdesk configuration, written by `topicdesk init`.
#
# Lines "key = value" are in effect and show the default. Lines "#key = value" are settings
# to turn on: remove the "#". Lines "# text" explain. Every key and parameter is described in
# README.md ("Configuration") and docs/parameters.md.
#
# Secrets are never written here: "env:NAME" reads the environment variable NAME, and
# "file:PATH" a file only its owner may read (chmod 600; relative to this file).
#
# To start:
#   1. set group_id below to your backend group (a forum supergroup; its id starts with -100)
#   2. export SUPPORT_BOT_TOKEN=123456:ABC...    (the token @BotFather gave you)
#   3. topicdesk doctor --config {config}        (checks the token, the group, the bot's rights)
#   4. topicdesk run --config {config}

[server]
# host:port of the HTTP server: /healthz, /metrics, the Topics API, webhooks, the Bot API proxy.
listen = "127.0.0.1:8080"
# With transport = "webhook" only: the https:// address Telegram reaches this server at.
#public_url = "https://desk.example.com"

[storage]
# The SQLite database, created at the first start (a relative path is relative to the folder
# the desk runs in). For PostgreSQL instead, replace the sqlite line with
#   postgres = "env:TOPICDESK_PG"
# and set TOPICDESK_PG to the server's address for libpq,
# postgresql://user:password@host:5432/database (the database must exist; the desk creates its
# tables). `file:PATH` works too.
sqlite = "data/topicdesk.db"
# Stored events and rating comments hold users' texts: purge those older than this many days
# (0..36500; 0 = keep).
event_retention_days = 0

[retention]
# The message history (every relayed message with its text, for exports and search, see
# docs/history.md): purge entries older than this many days (0..36500; 0 = keep forever).
history_days = 0

[cluster]
# Only with postgres: every `topicdesk run` with this file and that database joins one desk, and
# the instances share the connections (README, "Running several instances"). A dead instance's
# connections move to the others within lease_seconds (2..300).
lease_seconds = 10
# host:port where the other instances reach this one's HTTP server ("" = the listen address; a
# listen address of 0.0.0.0 becomes this machine's name).
advertise = ""

[telegram]
# The Bot API: Telegram's, a local Bot API server, or tgsim (the project's simulator).
api_base = "https://api.telegram.org"
# After a getUpdates answer of a few updates, wait this long (ms, 0..1000) before the next one, so
# that what arrives meanwhile is stored as one batch: 4x less processor time and 10x fewer bytes written per
# message at everyday load, for at most this much more latency. 0 = never wait.
poll_gather_ms = 100

# The desk's own flood control, so that Telegram's limits for a bot are never hit.
[telegram.limits]
enabled = true
chat_per_second = 1.0    # per private chat: messages a second (0.01..1000) ...
chat_burst = 3           # ... in bursts of at most this many (1..1000)
group_per_minute = 20    # per group, in any 60 seconds (1..100000)
bot_per_second = 30      # per bot, in any second (1..100000)

[logging]
# trace, debug, info, warn, error, critical or off. Tokens never appear in the log.
level = "info"

# The Topics API (docs/api.md): a token bucket per API key.
[api]
rate_per_second = 50     # 0 = no limit
burst = 100

# Only for mode = "mtproto" and "account" connections (docs/accounts.md): the application's
# api_id and api_hash from https://my.telegram.org.
#[tdlib]
#api_id = 1234567
#api_hash = "env:TG_API_HASH"    # 32 hex digits
#library = ""                    # libtdjson.so; empty = the one under node_modules
#data_dir = ""                   # sessions; empty = a tdlib folder beside the database

# Payments inside a topic (docs/payments.md): /invoice in Telegram Stars needs nothing here;
# invoices in a currency need the payment provider token @BotFather gives the bot.
#[payments]
#provider_token = "env:PAYMENT_PROVIDER_TOKEN"   # env:NAME or file:PATH, never the token itself

# The setup bot (docs/setup.md): connect bots and accounts, choose groups and change parameters
# from a private chat in Telegram. A bot of its own from @BotFather; only admins may use it
# (user ids or "@usernames"), and `topicdesk setup claim` prints a one-time code instead.
#[setup]
#token = "env:SETUP_BOT_TOKEN"
#admins = [123456789, "@your_username"]

# The AI consultant (docs/ai.md): any OpenAI-compatible chat-completions server (llama.cpp's
# llama-server, Ollama, vLLM, a hosted one). Connections with AI = draft or auto need it.
#[ai]
#base_url = "http://127.0.0.1:8081/v1"
#model = "qwen2.5-7b-instruct"
#api_key = "env:OPENAI_API_KEY"  # env:NAME or file:PATH, never the key itself; optional
#timeout_seconds = 30            # one call's deadline
#daily_tokens = 200000           # tokens per connection and day; 0 = no limit
#max_in_flight = 4               # calls at once

# One [[connection]] per bot or account; several may share one backend group. mode is "bot"
# (topicdesk alone drives the bot), "proxy", "mtproto" or "account": one example of each
# follows, the first in effect.
[[connection]]
name = "support"                 # a-z, 0-9, _ and -, at most 32; unique
mode = "bot"
token = "env:SUPPORT_BOT_TOKEN"  # env:NAME, file:PATH, never the token itself
# The backend group: a forum supergroup (Topics on) with the bot as an administrator
# allowed to manage topics and delete messages.
group_id = -1001234567890
# Updates come by long polling. For webhooks instead (needs [server] public_url; the secret is
# 1-256 of A-Z, a-z, 0-9, _ and -, and Telegram posts to <public_url>/telegram/support):
#transport = "webhook"
#webhook_secret = "env:SUPPORT_WEBHOOK_SECRET"

# Parameters of this connection; docs/parameters.md describes all of them. Shown with their
# defaults, or with an example where the default is OFF.
[connection.parameters]
# Sent to a user at every new contact; {title} is their name; OFF sends none. Unset, the user gets
# the built-in welcome in their own language (docs/languages.md).
#WELCOME = "Hello, {title}! Thank you for your message. An operator will answer you here as soon as possible."
# Hours a dialog waiting for the user stays open after the last answer; OFF keeps it open.
#AUTOCLOSE = 48
# What a user is told when their dialog closes: "default" (the built-in text), a text, or OFF.
#CLOSE_MESSAGE = "default"
# Pseudonyms instead of users' names in topics: OFF, "name", or "command" (/info refused too).
#HIDE_INFO = "OFF"
# Operators who still see the real details under HIDE_INFO: user ids or @usernames.
#EXTENSIONS_ALLOWED = ["@lead_operator"]
# When the desk is open (default OFF: always): a time zone, then days and hours.
#WORKING_HOURS = "Europe/Berlin; mon-fri 09:00-18:00; sat 10:00-14:00"
# The reply to users who write outside WORKING_HOURS, once a day per dialog (default OFF).
#AWAY_MESSAGE = "Hello, {title}! We are closed now; an operator will answer when we open."
# New dialogs go to the operators on shift (/shift on): OFF, "round_robin" or "least_open".
#ASSIGN = "OFF"
# Minutes a dialog may wait for operators before General is told, once a wait (default OFF).
#UNANSWERED_ALERT = 15
# Ask users to rate a closed dialog 1 to 5 with this question (default OFF).
#CSAT = "How did we do?"
# The flood guard: topics created a minute, and one user's messages copied a minute (the rest
# wait, in order; none is lost). OFF = no limit.
#NEW_TOPICS_PER_MINUTE = 5
#USER_MESSAGES_PER_MINUTE = 20
# The group lane (docs/group-lane.md): a user's texts waiting for the group's budget go in as one
# message; General is told once when the group's oldest waiting message is this many minutes old.
#COALESCE = true
#BACKLOG_NOTICE = 5
# Events POSTed to your systems and /commands your hooks answer (docs/webhooks.md), signed
# with WEBHOOKS_SECRET or a generated secret (topicdesk webhooks status --show-secret).
#WEBHOOKS = '{"https://crm.example.com/hook": ["dialog_created", "message_received"]}'

# A bot that already has its own program (a bot builder, n8n, grammY, aiogram ...): the program
# keeps running and only changes its API base URL from https://api.telegram.org to this
# desk's address; what it sends users is copied into their topics.
#[[connection]]
#name = "shop"
#mode = "proxy"
#token = "env:SHOP_BOT_TOKEN"
#group_id = -1001234567890
#[connection.parameters]
#WELCOME = "OFF"                 # the program greets users itself

# A bot whose program cannot be changed: the desk logs in as the bot a second time through
# TDLib (needs [tdlib]). Telegram does not promise every update to a second session; "proxy"
# is the lossless way.
#[[connection]]
#name = "legacy"
#mode = "mtproto"
#token = "env:LEGACY_BOT_TOKEN"
#group_id = -1001234567890

# A personal Telegram account (needs [tdlib]); token is the desk bot that drives the group.
# Sign the account in once: topicdesk connect account --config {config} --name personal
#[[connection]]
#name = "personal"
#mode = "account"
#token = "env:DESK_BOT_TOKEN"
#group_id = -1001234567890
#[connection.parameters]
#MONITOR_GROUPS = false          # true: the groups the account is in get a topic each too

# Helper bots of a busy backend group (docs/helper-bots.md): other bots, administrators of the
# group, that post copies when the connection's bot has spent its ~20 messages a minute there.
#[[group]]
#id = -1001234567890             # the group_id of one or more connections above
#helpers = ["env:SUPPORT_HELPER_1", "env:SUPPORT_HELPER_2"]
)toml";

std::string example_text(std::string_view config_path);

bool is_setting_line(std::string_view line) {
  return line.size() > 1 && line[0] == '#' && line[1] != ' ' && line[1] != '#' && line[1] != '!';
}

}  // namespace

std::string example_config(std::string_view config_path, const ExampleChoices& choices) {
  std::string out = example_text(config_path);
  if (!choices.api_base.empty()) {
    constexpr std::string_view kApiLine = "api_base = \"https://api.telegram.org\"";
    if (auto at = out.find(kApiLine); at != std::string::npos)
      out.replace(at, kApiLine.size(), fmt::format("api_base = \"{}\"", choices.api_base));
  }
  if (!choices.file_connection) {
    // The one [[connection]] in effect becomes an example like the others.
    constexpr std::string_view kFirst = "[[connection]]\nname = \"support\"";
    constexpr std::string_view kNext = "# A bot that already has its own program";
    auto begin = out.find(kFirst);
    auto end = out.find(kNext);
    if (begin != std::string::npos && end != std::string::npos && begin < end) {
      std::string block;
      std::string_view rest(out.data() + begin, end - begin);
      while (!rest.empty()) {
        auto eol = rest.find('\n');
        std::string_view line = rest.substr(0, eol == std::string_view::npos ? rest.size() : eol + 1);
        if (!line.starts_with("#") && line != "\n") block += "#";
        block.append(line);
        rest.remove_prefix(line.size());
      }
      block.insert(
          0,
          "# No connection is written here: `topicdesk connection add` (or the setup bot) keeps them in\n"
          "# the database (docs/setup.md). To write one here instead, remove the \"#\" below.\n");
      out.replace(begin, end - begin, block);
    }
  }
  return out;
}

namespace {
std::string example_text(std::string_view config_path) {
  std::string out;
  std::string_view rest = kExample;
  constexpr std::string_view kPlaceholder = "{config}";
  for (auto at = rest.find(kPlaceholder); at != std::string_view::npos; at = rest.find(kPlaceholder)) {
    out.append(rest.substr(0, at));
    out.append(config_path);
    rest.remove_prefix(at + kPlaceholder.size());
  }
  out.append(rest);
  return out;
}
}  // namespace

std::string uncomment_settings(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end == std::string_view::npos ? text.size() : end + 1);
    out.append(is_setting_line(line) ? line.substr(1) : line);
    text.remove_prefix(line.size());
  }
  return out;
}

int init_command(const std::string& out, bool force, const ExampleChoices& choices) {
  if (out == "-") {
    std::cout << example_config("topicdesk.toml", choices);
    return std::cout.flush() ? 0 : 1;
  }
  std::string text = example_config(out, choices);
  // O_EXCL: a file that appears between a check and the write is not overwritten either.
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  int fd = ::open(out.c_str(), flags, 0644);
  if (fd < 0) {
    if (errno == EEXIST) {
      std::cerr << out << " already exists; left unchanged. Use --force to overwrite it, or --out FILE "
                << "to write elsewhere.\n";
      return 1;
    }
    std::cerr << out << ": cannot write the configuration: " << std::strerror(errno) << "\n";
    return 1;
  }
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t written = ::write(fd, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      std::cerr << out << ": cannot write the configuration: " << std::strerror(errno) << "\n";
      ::close(fd);
      ::unlink(out.c_str());  // half an example is no example
      return 1;
    }
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
  if (::close(fd) != 0) {
    ::unlink(out.c_str());
    std::cerr << out << ": cannot write the configuration: " << std::strerror(errno) << "\n";
    return 1;
  }
  if (!choices.file_connection) {
    std::cout << fmt::format(
        "Wrote {0}. Next:\n"
        "  1. topicdesk connection add --config {0} --name support --token env:SUPPORT_BOT_TOKEN --group "
        "<your backend group's id>\n"
        "  2. topicdesk run --config {0}\n",
        out);
    return 0;
  }
  std::cout << fmt::format(
      "Wrote {0}. Next:\n"
      "  1. set group_id in {0} to your backend group\n"
      "  2. export SUPPORT_BOT_TOKEN=<the token from @BotFather>\n"
      "  3. topicdesk doctor --config {0}\n"
      "  4. topicdesk run --config {0}\n",
      out);
  return 0;
}

}  // namespace topicdesk::app
