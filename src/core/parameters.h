// Per-connection parameters, named as in the product topicdesk replaces. parse_parameters()
// turns raw text values (from the config file or the admin API) into one typed struct;
// every error names the parameter and what it allows. docs/parameters.md is the reference.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "core/keywords.h"
#include "core/result.h"
#include "core/working_hours.h"

namespace topicdesk::core {

enum class HideInfo {
  kOff,      // real names in titles, cards and /info
  kName,     // pseudonyms everywhere; /info shows real details only to EXTENSIONS_ALLOWED
  kCommand,  // pseudonyms everywhere; /info refused to everyone but EXTENSIONS_ALLOWED
};

// A user named in EXTENSIONS_ALLOWED or WHITE_LIST: by numeric id or by @username.
struct UserRef {
  UserId id = 0;         // 0 when given by username
  std::string username;  // lowercased, without '@'; empty when given by id
};
bool matches_user(const std::vector<UserRef>& list, UserId id, std::string_view username);

// Telegram's six topic icon colours.
inline constexpr int kTopicColors[] = {0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F};

// The status markers at the start of topic titles (STATUS_ICONS): the product's by default.
struct StatusIcons {
  std::string user_answered = "🟪";     // waiting for operators
  std::string support_answered = "🟨";  // waiting for the user
  std::string closed = "⬛️";          // closed
  bool operator==(const StatusIcons&) const = default;
};

// INTERCEPTED_STATUS: which intercepted answers count as an answer (the dialog waits for the
// user, AUTOCLOSE counts from them).
enum class InterceptedStatus {
  kNone,   // false: none; the status follows the user and the operators only
  kOwner,  // owner: the account owner's own messages (a person), not the bot's program
  kAll,    // true: every intercepted answer, the program's too
};

// ASSIGN: how a dialog that opens (or opens again) without an owner gets one among the
// operators on shift.
enum class AssignMode {
  kOff,         // OFF: dialogs are taken (/take) or assigned (/assign) by hand
  kRoundRobin,  // round_robin: in turn, by operator id, continuing after a restart
  kLeastOpen,   // least_open: the one with the fewest open dialogs (ties: the lowest id)
};

// AI: what the AI consultant does in a connection's dialogs (docs/ai.md).
enum class AiMode {
  kOff,    // OFF: nothing, /ai QUESTION included
  kDraft,  // draft: a suggestion under each waiting user message, sent by an operator's button
  kAuto,   // auto: answers users itself while no operator has answered for AI_DELAY minutes
};

// PROXY_BACKLOG: what a proxy connection's program gets of its queue when it comes back after an
// outage (docs/backup-system.md).
enum class ProxyBacklogMode {
  kAll,         // all: everything, as Telegram would
  kUnanswered,  // unanswered: updates of dialogs an operator answered meanwhile are dropped
};

// Integrations: hooks
// One WEBHOOKS entry: a URL and what it subscribed to.
struct WebhookTarget {
  std::string url;                    // http:// or https://
  std::vector<std::string> events;    // system events: dialog_created, message_received, ...
  std::vector<std::string> commands;  // operator commands, lowercased, without '/'; "info" enriches /info
  bool wants_event(std::string_view type) const;
  bool wants_command(std::string_view name) const;
};
// The system events WEBHOOKS may list.
const std::vector<std::string>& webhook_event_names();

struct Parameters {
  // WELCOME; nullopt = OFF; empty = the built-in welcome in the user's own language (the
  // catalogues' dialog.welcome); "{title}" = the user's own name (never the HIDE_INFO pseudonym)
  std::optional<std::string> welcome = std::string();
  int autoclose_hours = 48;  // AUTOCLOSE; 0 = OFF
  bool silent_mode = false;  // SILENT_MODE: true hides from users that their message could not be relayed
  // CLOSE_MESSAGE: what a user is told when their dialog closes; nullopt = OFF, empty = the built-in
  // texts (which say whether AUTOCLOSE closed it); "{title}" = the user's own name
  std::optional<std::string> close_message = std::string();
  // CSAT: the satisfaction question a closed dialog's user is asked (buttons 1–5); nullopt = OFF
  std::optional<std::string> csat;
  KeywordRule private_keywords;             // PRIVATE_KEYWORDS; empty = OFF
  HideInfo hide_info = HideInfo::kOff;      // HIDE_INFO
  std::vector<UserRef> extensions_allowed;  // EXTENSIONS_ALLOWED
  bool reply_only = false;                  // REPLY_ONLY
  bool auto_info = false;                   // AUTO_INFO
  std::vector<ChatId> ignore_chats;         // IGNORE_CHATS
  std::vector<UserRef> white_list;          // WHITE_LIST; empty = everyone may write
  KeywordRule restricted_frontend;          // RESTRICTED_KEYWORDS_FRONTEND
  KeywordRule restricted_backend;           // RESTRICTED_KEYWORDS_BACKEND
  // LEAVE_CLOSED: the chat kinds ("private", "group", "channel") whose topics stay closed when a
  // message comes in, are created closed, and open again when an operator writes
  std::vector<std::string> leave_closed;
  bool new_topic_after_close = false;  // NEW_TOPIC_AFTER_CLOSE (was LEAVE_CLOSED = true)
  int icon_color = kTopicColors[0];    // ICON_COLOR
  StatusIcons status_icons;            // STATUS_ICONS
  InterceptedStatus intercepted_status = InterceptedStatus::kOwner;  // INTERCEPTED_STATUS
  bool intercept_external = true;       // INTERCEPT_EXTERNAL: on unless set FALSE
  bool proxy_private_webhooks = false;  // PROXY_PRIVATE_WEBHOOKS: proxy setWebhook may name private addresses
  ProxyBacklogMode proxy_backlog = ProxyBacklogMode::kAll;  // PROXY_BACKLOG
  // PROXY_OUTAGE: seconds after which a proxy program that took nothing while its queue held older
  // updates counts as away; its next getUpdates or webhook delivery is its return
  int proxy_outage_seconds = 60;
  bool custom_commands = false;  // CUSTOM_COMMANDS: commands the desk does not know stay quiet (hooks answer)
  // PAYMENT_HOOK: the command a recorded payment runs as if an operator typed it in the topic, for
  // command hooks (docs/payments.md), e.g. "/activate {payload}"; empty = OFF
  std::string payment_hook;
  // LANGUAGE: the language of the texts operators read (i18n/catalog.h), a catalogue's name
  // ("en", "ru", "fa", …); end users get service texts in their own Telegram language
  std::string language = "en";
  // The AI consultant (docs/ai.md; the server is the config file's [ai])
  AiMode ai = AiMode::kOff;  // AI
  // AI_PROMPT: the instructions the model gets first, as text, or "file:PATH" (read when the
  // connection starts); empty = the desk's own
  std::string ai_prompt;
  std::string ai_knowledge;  // AI_KNOWLEDGE: a folder of Markdown files; empty = OFF
  int ai_delay_minutes = 0;  // AI_DELAY: auto answers after the user waited this long
  // Dialog ownership
  AssignMode assign = AssignMode::kOff;  // ASSIGN
  int unanswered_alert_minutes = 0;      // UNANSWERED_ALERT; 0 = OFF
  // DAILY_DIGEST: when the day's analytics summary of the day before is posted in General, in
  // minutes after local midnight (WORKING_HOURS' zone, else UTC); nullopt = OFF
  std::optional<int> daily_digest_minute;
  // The flood guard (relay/flood_guard.h); 0 = OFF
  int new_topics_per_minute = 5;      // NEW_TOPICS_PER_MINUTE: topics this connection creates a minute
  int user_messages_per_minute = 20;  // USER_MESSAGES_PER_MINUTE: copies of one user's messages a minute
  // The group lane (docs/group-lane.md)
  bool coalesce = true;  // COALESCE: a user's queued plain texts go into the topic as one message
  // BACKLOG_NOTICE: General is told once when the group's oldest waiting job is this old; 0 = OFF
  int backlog_notice_minutes = 5;
  // BROADCAST_MONTHLY_QUOTA: users broadcasts may reach in a calendar month (WORKING_HOURS' zone,
  // else UTC); 0 = OFF
  std::int64_t broadcast_monthly_quota = 0;
  // Integrations: hooks
  std::vector<WebhookTarget> webhooks;  // WEBHOOKS: JSON object URL -> [event names and /commands]
  std::string webhooks_secret;          // WEBHOOKS_SECRET; empty = a generated per-connection secret

  // accounts: what a personal-account connection relays
  bool monitor_private = true;    // MONITOR_PRIVATE: private chats open dialogs
  bool monitor_groups = false;    // MONITOR_GROUPS: groups the account is in, one topic per group
  bool monitor_channels = false;  // MONITOR_CHANNELS: channels the account follows, one topic each
  KeywordRule groups_keywords;    // GROUPS_KEYWORDS: only matching group messages; empty = all

  // working hours (core/working_hours.h)
  std::optional<WorkingHours> working_hours;  // WORKING_HOURS; nullopt = OFF, always open
  // AWAY_MESSAGE: the reply outside working hours, once a calendar day per dialog; nullopt = OFF;
  // "{title}" = the user's own name
  std::optional<std::string> away_message;
};

// WELCOME and AWAY_MESSAGE may name a message template instead of a text: "template:NAME"
// (prefix in any case, spaces around trimmed) → NAME; nullopt for a text.
std::optional<std::string> template_reference(std::string_view value);

// Whether LEAVE_CLOSED lists the chat kind ("private", "group", "channel").
bool leaves_closed(const Parameters& p, std::string_view chat_kind);

// Whether an operator may see what HIDE_INFO hides: everyone while HIDE_INFO is off, otherwise
// only operators on EXTENSIONS_ALLOWED (never an anonymous admin: not a person).
bool sees_hidden_info(const Parameters& p, UserId id, std::string_view username, bool anonymous_admin);

using RawParameters = std::vector<std::pair<std::string, std::string>>;

// Names are upper-case as in the docs; a name given twice is an error.
Result<Parameters> parse_parameters(const RawParameters& raw);
const std::vector<std::string>& known_parameter_names();

}  // namespace topicdesk::core
