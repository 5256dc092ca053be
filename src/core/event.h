// Normalized events: what a transport (Bot API polling, webhook, proxy, TDLib) makes of
// Telegram's updates. The relay never sees raw Bot API or TDLib JSON, only these.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace topicdesk::core {

enum class EventKind {
  kUserMessage,         // an end user wrote to the connection in a private chat
  kUserEdit,            // an end user edited one of their messages
  kUserReaction,        // an end user changed their reaction on a message of the private chat
  kOperatorMessage,     // a human wrote in the backend group (a topic or General)
  kOperatorEdit,        // a human edited a message in the backend group
  kOperatorReaction,    // a human changed their reaction on a message in the backend group
  kUserBlockedBot,      // my_chat_member in a private chat: the bot was blocked (kicked)
  kUserUnblockedBot,    // my_chat_member in a private chat: the user restarted the bot
  kTopicClosedInApp,    // an operator closed the topic from the Telegram app (forum_topic_closed)
  kTopicReopenedInApp,  // an operator reopened the topic from the Telegram app
  kOutgoingSeen,        // a message the connection sent from elsewhere (intercepted)
  // accounts: the answer to an operator's /new. `text` is the query (@name or +phone),
  // `from` the user found (id 0: nobody), chat_id the backend group. Made by the dispatcher.
  kUserResolved,
  // A message the connection sent from elsewhere was edited (the program's editMessage…, the
  // other session or the owner's app): the intercepted copy follows. Fields as kOutgoingSeen;
  //
  kOutgoingEdit,
  // Delivery reports, made by the dispatcher from what Telegram answered (or from a send a
  // restart interrupted); `delivery` names the job. The engine decides what to post
  // (relay/engine_outcomes.cpp); the dispatcher never adds jobs itself.
  kDeliveryFailed,    // a job failed for good; `text` is Telegram's description
  kDeliveryRepeated,  // the desk restarted while the job's send was in flight; it was sent again
  // Reports from the desk's other edges, decided on by the engine like the rest.
  kHookAnswered,    // a command hook answered, or could not: `text` is the message for the topic
                    // (JSON, relay::job::kHookAnswer's payload), `dialog_id` the dialog
  kSessionProblem,  // the connection's TDLib session has a problem: `text` is the notice for General
  // accounts: the outcome of an operator's /story, made by the dispatcher. `message_id` is the
  // story's id (0: not posted), `text` why not, or the number of users it is shown to.
  kStoryPosted,
  // An end user pressed an inline button under a message of their private chat (callback_query):
  // `callback_id` the query to answer, `text` the button's callback data, chat_id / message_id
  // the message with the button, `from` who pressed.
  kButtonPressed,
  // A broadcast of the connection ended (done or cancelled): `text` is its id. Made by the
  // broadcast sender in the commit that ends it; the engine posts the report in General.
  kBroadcastEnded,
  // The document of user ids a `/send file` named was read (or could not be): `text` is JSON,
  // {"request": {…as the engine asked…}, "content": "the file's text"} or {"request", "error"}.
  // Made by the dispatcher from a kReadIdsFile job; the engine makes the broadcast.
  kIdsFileRead,
  // A helper bot of the backend group (docs/helper-bots.md) was refused for good (kicked, its
  // rights taken) and left the rotation: `from` is the helper, `text` Telegram's answer. Made by
  // the dispatcher once per helper and group; the engine tells the operators in General.
  kHelperLeft,
  // The backend group's backlog (jobs waiting for the group) grew old, or cleared: `text` is JSON,
  // {"state": "old"|"cleared", "jobs": N, "oldest_seconds": S}. Made by the dispatcher; the engine
  // posts one notice in General per backlog (docs/group-lane.md).
  kGroupBacklog,
  // Payments (docs/payments.md). A pre_checkout_query: `callback_id` the query to answer,
  // `from` the user (chat_id their id), `payment` the currency, total and invoice payload. It
  // must be answered within Telegram's 10 seconds: the inbox hands it to the engine at once.
  kPreCheckout,
  // A successful_payment message in the user's private chat: message_id, `from`, `payment` with
  // the charge ids. Recorded once per telegram charge id.
  kPaymentReceived,
  // An operator pressed an inline button under a message the desk posted in the backend group
  // (the AI's Send and Discard): `callback_id` the query to answer, `text` the button's data,
  // chat_id / message_id / thread_id the message with the button, `from` who pressed.
  kGroupButtonPressed,
  // The AI worker (ai/worker.h) finished a request: `dialog_id` its dialog, `text` JSON
  // {"request", "outcome": answer|escalate|no_knowledge|failed, "answer", "failure", "detail",
  // "tokens"} (relay/engine_ai.cpp decides what is sent), or, request 0, a knowledge folder that
  // could not be indexed ("outcome": "knowledge_failed").
  kAiAnswered,
};

// Every Telegram message content type topicdesk distinguishes. Copies go through
// copyMessage, so the relay mostly needs the kind for labels, albums and rules.
enum class ContentKind {
  kText,
  kPhoto,
  kVideo,
  kAnimation,
  kDocument,
  kAudio,
  kVoice,
  kVideoNote,
  kSticker,
  kLocation,
  kVenue,
  kContact,
  kPoll,
  kDice,
  kStory,
  kGame,
  kInvoice,
  kOther,
};

// media_group_id of kOutgoingSeen events for messages a transport knows only by id (the
// program's copyMessage / copyMessages / forwardMessages answer MessageIds, not Messages): the
// ids of one call share "copied:<first id>", so the relay copies them from the user's chat in
// one copyMessages behind one marker line.
inline constexpr std::string_view kCopiedBatchPrefix = "copied:";

// Callback data of the desk's own buttons in users' private chats (the satisfaction rating's
// 1–5): their presses are the desk's, never the bot's program's (proxy mode).
inline constexpr std::string_view kRatingCallbackPrefix = "td:csat:";

// Invoice payloads of the desk's own invoices (/invoice in a topic, payments/invoice.h): their
// pre-checkout queries and payments are the desk's, never the bot's program's (proxy mode).
inline constexpr std::string_view kInvoicePayloadPrefix = "td:inv:";

// Callback data of the AI's draft buttons in the backend group ("td:ai:send:<request>",
// "td:ai:discard:<request>", relay/engine_ai.cpp).
inline constexpr std::string_view kAiCallbackPrefix = "td:ai:";

struct Person {
  UserId id = 0;
  bool is_bot = false;
  std::string first_name;
  std::string last_name;
  std::string username;
  std::string language_code;
  std::string phone;  // only when Telegram tells (shared contact, account sessions)
};

// The message an operator's message replies to, as Telegram sends it whole (the Bot API's
// reply_to_message): what `/template save` keeps (crm/templates.h). message_id 0: not a reply.
struct ReplyContent {
  MessageId message_id = 0;
  ContentKind content = ContentKind::kText;
  std::string text;           // text or caption
  std::string entities_json;  // its Bot API entities as compact JSON; empty: none
  std::string file_id;        // the media's (a photo's largest size); empty: none
  std::string media_group_id;
  std::string reply_markup_json;  // its inline keyboard as compact JSON; empty: none
};

// What Telegram tells of a payment (kPreCheckout, kPaymentReceived).
struct PaymentFacts {
  std::string currency;
  std::int64_t total_amount = 0;  // the currency's smallest unit
  std::string invoice_payload;
  std::string telegram_charge_id;  // kPaymentReceived
  std::string provider_charge_id;  // kPaymentReceived; empty for Stars
};

// Which outbox job a delivery report is about.
struct DeliveryReport {
  std::int64_t job_id = 0;
  DialogId dialog_id = 0;
  std::string job_kind;
  bool to_user = false;           // the job wrote to the user's chat (else to the backend group)
  bool operator_message = false;  // an operator's message: a failure is told in the topic
  bool user_blocked = false;      // kDeliveryFailed: the user blocked the bot
  bool uncertain = false;         // kDeliveryFailed: not sent again after a restart; may have arrived
};

struct Event {
  EventKind kind = EventKind::kUserMessage;
  std::int64_t update_id = 0;  // transport's id, unique per connection; the inbox dedupes on it
  UnixMillis date = 0;         // message date (or edit date) in milliseconds

  ChatId chat_id = 0;  // where it happened: the user's private chat or the backend group
  MessageId message_id = 0;
  ThreadId thread_id = 0;  // forum topic of a group message; 0 for General and private chats
  // An explicit reply only: the implicit reply to a topic's forum_topic_created message is
  // dropped by the transport (see telegram-facts.md), so 0 means "not a reply".
  MessageId reply_to_message_id = 0;
  // A reply that quotes part of the replied message (Bot API `quote`): the quote's position in
  // UTF-16 code units; -1: no quote.
  std::int64_t quote_position = -1;
  // The topic's name as it was created, when the transport tells: the Bot API's implicit reply
  // (forum_topic_created.name) of a topic message that replies to nothing. The engine reads it
  // to find the dialog of a topic it does not know (a topic left behind by a crash).
  std::string topic_name;

  Person from;
  bool sender_is_anonymous_admin = false;  // GroupAnonymousBot or sender_chat == the group
  bool sender_is_bot = false;              // a bot wrote (bots never act as operators)

  ContentKind content = ContentKind::kText;
  std::string text;  // text or caption, as sent
  // The Bot API `entities` (or `caption_entities`) array of `text` as compact JSON; empty when
  // none. Kept so mirrored edits keep their formatting (bold, links …).
  std::string entities_json;
  std::string media_group_id;  // album id; empty when not part of an album
  // The media's file id as this bot received it (a photo's largest size); empty for texts and
  // where the transport does not tell. Backend group albums are remembered by it (templates).
  std::string file_id;
  // kOperatorMessage: the message it explicitly replies to, whole (templates are saved so).
  ReplyContent replied;
  bool is_service = false;  // a service message (member joined, topic edited, pinned …)

  std::vector<std::string> new_reactions;  // reaction events: the emoji now set by `from`

  // intercepted messages
  // kOutgoingSeen: the message's Bot API `reply_markup` (inline keyboard) as compact JSON, so
  // the intercepted copy can list its buttons; empty when none.
  std::string reply_markup_json;
  // kOutgoingEdit: the media itself was replaced (editMessageMedia), not only text or buttons.
  bool media_replaced = false;

  // accounts
  // A message in a group the account monitors (MONITOR_GROUPS, chat_id < 0): the group's title.
  std::string chat_title;
  // kOperatorMessage reported by the account's own TDLib session: the account's owner wrote in
  // the backend group from their own app (the desk's copies, sent through the session, never
  // are). Such a message is an operator's; the desk bot's view of it, like every post of the
  // account in the group, is not.
  bool by_account_owner = false;
  // kUserMessage / kUserEdit of a channel the account follows (MONITOR_CHANNELS): chat_id and
  // `from` are the channel.
  bool channel_post = false;

  // kDeliveryFailed / kDeliveryRepeated: the job (job_id 0 for every other kind).
  DeliveryReport delivery;
  // kHookAnswered: the dialog the hook was called for (0 for every other kind).
  DialogId dialog_id = 0;
  // kButtonPressed: the callback query's id (answerCallbackQuery names it); kPreCheckout: the
  // pre-checkout query's id.
  std::string callback_id;
  // kPreCheckout, kPaymentReceived.
  PaymentFacts payment;
};

}  // namespace topicdesk::core
